"""The worker's case sweeps: overdue deadlines escalate, missing report-ins are recorded,
unrated resolved cases close by the community's rule. Each row is handled in its own
transaction whose condition re-checks that it is still due, so a killed worker never
loses or doubles a step."""

from django.db.models import Q
from django.utils import timezone

from linli.core.worker import sweep

from . import services
from .models import Case, Summons

BATCH = 100


@sweep("case_deadlines")
def escalate_overdue_cases() -> int:
    now = timezone.now()
    due = (Case.objects.filter(state__in=[Case.State.ASSIGNED, Case.State.ACCEPTED, Case.State.TRIAGE], overdue=False)
           .filter(Q(responded_at__isnull=True, response_due__lte=now) | Q(resolved_at__isnull=True, handling_due__lte=now))
           .order_by("response_due", "id").values_list("pk", flat=True)[:BATCH])
    return sum(services.escalate_overdue(pk, now) for pk in list(due))


@sweep("case_report_ins")
def record_missing_report_ins() -> int:
    now = timezone.now()
    due = Summons.objects.filter(status=Summons.Status.WAITING, whistle__report_in_due__lte=now).values_list("pk", flat=True)[:BATCH]
    return sum(services.mark_missing_report_in(pk, now) for pk in list(due))


@sweep("case_verdicts")
def close_unrated_cases() -> int:
    now = timezone.now()
    due = (Case.objects.filter(state=Case.State.RESOLVED, rating_due__lte=now)
           .order_by("rating_due", "pk").values_list("pk", flat=True)[:BATCH])  # oldest first, in case_rating_due_set's order
    return sum(services.close_unrated(pk, now) for pk in list(due))
