"""Assistance applications (特困 / 低保 / 临时救助): community → subdistrict → 民政, each level's opinion and decision
within its working-day deadline; centralised support (集中供养) goes up in the subdistrict's quarterly batch, or
alone on the urgent path with a recorded approval. The applicant and the grid worker are told of each decision.

One table of states (state → next state → the use case taking the edge), checked by one `_transition`."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import roles, workdays
from linli.core.errors import OutOfScope, ValidationError
from linli.core.notify import notify
from linli.people.models import Account, Appointment

from ..models import Application, ApplicationStep, Batch, Document
from ._common import account_of, check_edge, grid_worker_of, text

A = Application.State
TRANSITIONS = {
    A.COMMUNITY: {A.SUBDISTRICT: "community_review", A.REJECTED: "community_review", A.WITHDRAWN: "withdraw"},
    A.SUBDISTRICT: {
        A.CIVIL_AFFAIRS: "subdistrict_review",
        A.BATCHED: "subdistrict_review",  # centralised support waits for the quarter's batch …
        A.COMMUNITY: "subdistrict_review",  # … or goes back for documents (the community's deadline restarts)
        A.REJECTED: "subdistrict_review",
        A.WITHDRAWN: "withdraw",
    },
    A.BATCHED: {
        A.CIVIL_AFFAIRS: "submit_batch",
        A.WITHDRAWN: "withdraw",
    },
    A.CIVIL_AFFAIRS: {A.APPROVED: "civil_affairs_decide", A.REJECTED: "civil_affairs_decide"},
    A.APPROVED: {}, A.REJECTED: {}, A.WITHDRAWN: {},
}
# the urgent path (urgent_submit, with a recorded approval) takes the same edge as the quarter's batch
URGENT_EDGE = (A.BATCHED, A.CIVIL_AFFAIRS)
DEADLINE_DAYS = {A.COMMUNITY: 5, A.SUBDISTRICT: 10, A.CIVIL_AFFAIRS: 20}
CIVIL_AFFAIRS_TYPES = ("civil_affairs", "民政")


def quarter_of(moment: datetime.datetime) -> tuple[int, int]:
    d = timezone.localtime(moment).date()
    return d.year, (d.month - 1) // 3 + 1


def _transition(app: Application, to: str, use_case: str, scope, opinion: str, now, level: str, **fields) -> None:
    if use_case == "urgent_submit":
        if (app.state, to) != URGENT_EDGE:
            raise ValidationError(_("This step is not possible in the current state."))
    else:
        check_edge(TRANSITIONS, app.state, to, use_case)
    due = workdays.add_working_days(now, DEADLINE_DAYS[to]) if to in DEADLINE_DAYS else None
    decided = now if to in (A.APPROVED, A.REJECTED) else None
    if not Application.objects.filter(pk=app.pk, state=app.state).update(state=to, due_at=due, overdue_notified_at=None,
                                                                          decided_at=decided, **fields):
        raise ValidationError(_("Someone else has just changed this application; reload it."))
    ApplicationStep.objects.create(application=app, at=now, level=level, from_state=app.state, to_state=to, use_case=use_case,
                                   opinion=opinion, actor=account_of(scope))
    app.state, app.due_at, app.decided_at = to, due, decided
    for k, v in fields.items():
        setattr(app, k, v)


def _tell(app: Application, key: str, subject: str) -> None:
    person = app.person
    to = [a for a in [Account.objects.filter(person=person, is_active=True).first(),
                      grid_worker_of(person.dwelling.building.grid_id if person.dwelling_id else None, timezone.localdate())] if a]
    notify(f"care:application:{app.pk}:{key}", to, subject=subject, link=f"/care/applications/{app.pk}/")


def _community_level(scope, app) -> None:
    if not scope.covers(app.community, "write", roles.CARE):
        raise OutOfScope(_("Only the community's staff may do this."))


def _subdistrict_level(scope, subdistrict_id: int) -> None:
    if scope.everything:
        return
    if not (scope.has_role(roles.SUBDISTRICT_STAFF) and subdistrict_id in scope.areas.get(("read", roles.CARE), {}).get("subdistrict", set())):
        raise OutOfScope(_("Only the subdistrict's staff may do this."))


def _civil_affairs_level(scope) -> None:
    if scope.everything:
        return
    a = account_of(scope)
    today = timezone.localdate()
    if a is None or not Appointment.objects.filter(person_id=a.person_id, role=roles.DEPARTMENT_CONTACT, starts_on__lte=today,
                                                   organization__department_type__in=CIVIL_AFFAIRS_TYPES).exists():
        raise OutOfScope(_("Only the civil affairs bureau may decide."))


def submit_application(scope, *, person, kind: str, reason: str, centralised: bool = False, documents=(), now=None) -> Application:
    now = now or timezone.now()
    community = person.community if person.community_id else person.dwelling.building.community
    if not scope.covers(community, "write", roles.CARE):
        raise OutOfScope(_("Only the community's staff and grid workers may file an application."))
    if kind not in Application.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of assistance.")})
    if centralised and kind != Application.Kind.EXTREME_POVERTY:
        raise ValidationError({"centralised": _("Centralised support is for extreme-poverty (特困) support.")})
    reason = text(reason, "reason", 4000, required=True)
    titles = [text(t, "documents", 200) for t in documents][:20]
    with transaction.atomic():
        app = Application.objects.create(community=community, subdistrict_id=community.subdistrict_id, person=person, kind=kind,
                                         centralised=centralised, reason=reason, submitted_at=now, created_by=account_of(scope),
                                         due_at=workdays.add_working_days(now, DEADLINE_DAYS[A.COMMUNITY]))
        Document.objects.bulk_create([Document(application=app, title=t, added_by=account_of(scope)) for t in titles if t])
        ApplicationStep.objects.create(application=app, at=now, level="community", from_state="", to_state=A.COMMUNITY,
                                       use_case="submit_application", opinion="", actor=account_of(scope))
    return app


def community_review(scope, app: Application, *, approve: bool, opinion: str, now=None) -> Application:
    _community_level(scope, app)
    now = now or timezone.now()
    opinion = text(opinion, "opinion", 2000, required=True)
    with transaction.atomic():
        _transition(app, A.SUBDISTRICT if approve else A.REJECTED, "community_review", scope, opinion, now, "community")
        if not approve:
            _tell(app, "rejected", _("Your assistance application was not supported by the community"))
    return app


def subdistrict_review(scope, app: Application, *, decision: str, opinion: str, now=None) -> Application:
    """decision: "approve" (to 民政, or to the quarter's batch for centralised support), "return" or "reject"."""
    _subdistrict_level(scope, app.subdistrict_id)
    now = now or timezone.now()
    opinion = text(opinion, "opinion", 2000, required=True)
    to = {"approve": A.BATCHED if app.centralised else A.CIVIL_AFFAIRS, "return": A.COMMUNITY, "reject": A.REJECTED}.get(decision)
    if to is None:
        raise ValidationError({"decision": _("Approve, return or reject.")})
    with transaction.atomic():
        _transition(app, to, "subdistrict_review", scope, opinion, now, "subdistrict")
        if to == A.REJECTED:
            _tell(app, "rejected", _("Your assistance application was not supported by the subdistrict"))
    return app


def submit_batch(scope, subdistrict, now=None) -> Batch:
    """The quarter's filing of centralised-support applications: once per quarter (the unique constraint holds it)."""
    _subdistrict_level(scope, subdistrict.pk)
    now = now or timezone.now()
    year, quarter = quarter_of(now)
    waiting = list(Application.objects.filter(subdistrict=subdistrict, state=A.BATCHED).order_by("pk"))
    if not waiting:
        raise ValidationError(_("No centralised-support application is waiting."))
    if Batch.objects.filter(subdistrict=subdistrict, year=year, quarter=quarter, urgent=False).exists():
        raise ValidationError(_("This quarter's batch is already filed; the next one opens on the first day of the next quarter."))
    try:
        with transaction.atomic():
            batch = Batch.objects.create(subdistrict=subdistrict, year=year, quarter=quarter, submitted_at=now, submitted_by=account_of(scope))
            for app in waiting:
                _transition(app, A.CIVIL_AFFAIRS, "submit_batch", scope, _("Filed in the batch of %(y)s Q%(q)s") % {"y": year, "q": quarter},
                            now, "subdistrict", batch=batch)
    except IntegrityError:
        raise ValidationError(_("This quarter's batch is already filed; the next one opens on the first day of the next quarter.")) from None
    return batch


def urgent_submit(scope, app: Application, *, approved_by: str, approval: str, now=None) -> Batch:
    """One centralised-support application sent to 民政 outside the quarter's batch: the approval is recorded."""
    _subdistrict_level(scope, app.subdistrict_id)
    now = now or timezone.now()
    approved_by = text(approved_by, "approved_by", 100, required=True)
    approval = text(approval, "approval", 500, required=True)
    year, quarter = quarter_of(now)
    with transaction.atomic():
        batch = Batch.objects.create(subdistrict_id=app.subdistrict_id, year=year, quarter=quarter, urgent=True, approved_by=approved_by,
                                     approval_note=approval, submitted_at=now, submitted_by=account_of(scope))
        _transition(app, A.CIVIL_AFFAIRS, "urgent_submit", scope, f"{approved_by}: {approval}", now, "subdistrict", batch=batch)
    return batch


def civil_affairs_decide(scope, app: Application, *, approve: bool, opinion: str, now=None) -> Application:
    _civil_affairs_level(scope)
    now = now or timezone.now()
    opinion = text(opinion, "opinion", 2000, required=True)
    with transaction.atomic():
        _transition(app, A.APPROVED if approve else A.REJECTED, "civil_affairs_decide", scope, opinion, now, "civil_affairs")
        _tell(app, "decided", _("Your assistance application was approved") if approve else _("Your assistance application was not approved"))
    return app


def withdraw(scope, app: Application, *, reason: str, now=None) -> Application:
    _community_level(scope, app)
    with transaction.atomic():
        _transition(app, A.WITHDRAWN, "withdraw", scope, text(reason, "reason", 500, required=True), now or timezone.now(), "community")
    return app


def notify_overdue(app_id: int, now) -> bool:
    """A level past its working-day deadline: the community staff are told once (claimed on overdue_notified_at)."""
    from ._common import community_staff

    app = Application.objects.select_related("person").get(pk=app_id)
    to = community_staff(app.community_id)
    with transaction.atomic():
        if not Application.objects.filter(pk=app_id, state=app.state, overdue_notified_at__isnull=True, due_at__lte=now).update(overdue_notified_at=now):
            return False
        notify(f"care:application:{app.pk}:{app.state}:overdue:{app.due_at:%Y%m%d}", to, subject=_("Assistance application overdue at %(level)s")
               % {"level": app.get_state_display()}, link=f"/care/applications/{app.pk}/")
    return True
