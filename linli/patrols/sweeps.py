"""The worker's grid-work sweeps. Each due row is claimed by a conditional UPDATE in its own transaction,
so two workers sweeping at once handle every row once, and a killed worker loses nothing."""

from django.utils import timezone

from linli.core.worker import sweep
from linli.places.models import Community

from . import services
from .models import CareVisit, DutyItem, VisitRule

BATCH = 200


@sweep("patrols_reinspections")
def reinspections_due(today=None) -> int:
    """On the notice's deadline the re-inspection comes due and its inspector is told; left undone past the
    grace working days, the community staff are told (each exactly once)."""
    today = today or timezone.localdate()
    n = sum(services.mark_reinspection_due(pk, today) for pk in services.reinspections_coming_due(today)[:BATCH])
    return n + sum(services.report_reinspection_overdue(pk, today) for pk in services.reinspections_left_undone(today)[:BATCH])


@sweep("patrols_care_visits")
def care_visits(today=None) -> int:
    """Generate due visits from the rules; escalate each overdue one to the community exactly once."""
    today = today or timezone.localdate()
    made = 0
    for community in Community.objects.filter(pk__in=VisitRule.objects.filter(active=True).values("community_id")):
        made += services.generate_visits(community, today)
    due = list(CareVisit.objects.filter(done_at__isnull=True, due_on__lt=today, escalated_at__isnull=True)
               .values_list("pk", flat=True)[:BATCH])
    return made + sum(services.escalate_overdue_visit(pk, today) for pk in due)


@sweep("patrols_duties")
def duties(today=None) -> int:
    """Monthly 三员 items, missed items recorded against the leader, building-tier cases accounted."""
    today = today or timezone.localdate()
    n = 0
    for community in Community.objects.filter(buildings__appointments__role="building_leader").distinct():
        n += services.generate_duties(community, today)
    due = list(DutyItem.objects.filter(done_at__isnull=True, missed_at__isnull=True, due_on__lt=today).values_list("pk", flat=True)[:BATCH])
    n += sum(services.mark_missed(pk, today) for pk in due)
    return n + services.account_building_cases(today)
