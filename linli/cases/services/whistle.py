"""吹哨报到: the dispatcher blows the whistle, the summoned departments report in (or the sweep records them missing).
The meeting step that follows belongs to linli.meetings (services/whistle.py): it checks and notes itself on the case
through `check_whistle_meeting`, `note_whistle_meeting` and `note_action_progress` here, so the case keeps its own
timeline without importing meetings."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import roles, workdays
from linli.core.errors import OutOfScope
from linli.people.models import Account, Organization
from linli.people.scopes import Scope

from ..models import Case, Summons, Whistle
from .base import Action, Conflict, State, _actor, _event, _is_dispatcher, _notify, _settings_for, _transition


@transaction.atomic
def whistle(scope: Scope, case: Case, departments, reason: str, report_in_hours: int | None = None) -> Whistle:
    """吹哨: summon departments; each must report in before the deadline (working hours)."""
    if not _is_dispatcher(scope, case):
        raise OutOfScope(_("Only community or subdistrict staff blow the whistle."))
    departments = list(departments)
    if not departments:
        raise ValidationError({"departments": _("Departments: summon at least one department.")})
    for d in departments:
        if d.kind not in (Organization.Kind.DEPARTMENT, Organization.Kind.PROPERTY_COMPANY):
            raise ValidationError({"departments": _("Departments: %(name)s is not a department.") % {"name": d.name}})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Reason: say why the departments are summoned.")})
    hours = report_in_hours or _settings_for(case.community_id).report_in_hours
    now = timezone.now()
    from_state = case.state
    _transition(case, [State.ACCEPTED, State.ASSIGNED, State.WHISTLED], state=State.WHISTLED,
                responded_at=case.responded_at or now, assignee=case.assignee or _actor(scope))
    w = Whistle.objects.create(case=case, blown_by=_actor(scope), reason=reason, report_in_due=workdays.add_working_hours(now, hours))
    for d in departments:
        Summons.objects.create(whistle=w, department=d)
    event = _event(case, scope, Action.WHISTLE, from_state=from_state, note=reason,
                   data={"whistle": w.pk, "departments": [d.name for d in departments], "report_in_due": w.report_in_due.isoformat()})
    contacts = Account.objects.filter(person__appointments__organization__in=departments).distinct()
    _notify(case, event, contacts, _("Whistle: report in for case %(n)s") % {"n": case.number})
    return w


@transaction.atomic
def report_in(scope: Scope, summons: Summons, note: str = "") -> Summons:
    """报到: a department's contact reports in; late if after the deadline."""
    summons = Summons.objects.select_for_update().select_related("whistle__case", "department").get(pk=summons.pk)
    org_ids = {a.organization_id for a in scope.appointments if a.role in (roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER)}
    if not scope.everything and summons.department_id not in org_ids:
        raise OutOfScope(_("Only %(dept)s reports in for itself.") % {"dept": summons.department.name})
    if summons.reported_at is not None:
        raise Conflict(_("%(dept)s has already reported in.") % {"dept": summons.department.name})
    now = timezone.now()
    summons.reported_at, summons.reported_by, summons.note = now, _actor(scope), note
    summons.status = Summons.Status.ON_TIME if now <= summons.whistle.report_in_due else Summons.Status.LATE
    summons.save()
    case = summons.whistle.case
    _event(case, scope, Action.REPORT_IN, from_state=case.state, note=note,
           data={"department": summons.department.name, "status": summons.status})
    return summons



def mark_missing_report_in(summons_id: int, now) -> bool:
    with transaction.atomic():
        updated = Summons.objects.filter(pk=summons_id, status=Summons.Status.WAITING, whistle__report_in_due__lte=now).update(status=Summons.Status.MISSING)
        if not updated:
            return False
        s = Summons.objects.select_related("whistle__case", "department").get(pk=summons_id)
        _event(s.whistle.case, None, Action.REPORT_IN, from_state=s.whistle.case.state, public=False,
               note=_("%(dept)s did not report in by the deadline.") % {"dept": s.department.name},
               data={"department": s.department.name, "status": Summons.Status.MISSING})
        return True


# ---------------------------------------------------------------- the meeting step, as the case sees it
# linli.meetings owns the whistle meeting and its actions (services/whistle.py there) and calls these three, in its
# own transaction, so that the case checks its state and writes its own timeline.

def check_whistle_meeting(scope: Scope, case: Case) -> None:
    """May the whistle meeting on this case be recorded now? The dispatcher, once the whistle is blown."""
    if not _is_dispatcher(scope, case):
        raise OutOfScope(_("Only community or subdistrict staff convene the whistle meeting."))
    if case.state != State.WHISTLED:
        raise ValidationError({"case": _("Meeting: blow the whistle before convening the meeting.")})


@transaction.atomic
def note_whistle_meeting(scope: Scope, case: Case, *, meeting_id: int, minutes: str, actions: int, attended: int):
    """召开会议, on the case: the meeting was held (the case stays whistled); one timeline row."""
    _transition(case, [State.WHISTLED])
    return _event(case, scope, Action.MEETING, from_state=case.state, note=minutes[:500],
                  data={"meeting": meeting_id, "actions": actions, "attended": attended})


@transaction.atomic
def note_action_progress(scope: Scope, case: Case, *, action_id: int, text: str, note: str, percent: int, done: bool):
    """落实决议, on the case: progress on (or completion of) one of its meeting's resolutions; one timeline row."""
    _transition(case, [State.WHISTLED, State.ACCEPTED])
    return _event(case, scope, Action.ACTION_DONE if done else Action.NOTE, from_state=case.state, note=f"{text}: {note}",
                  data={"action": action_id, "done": done, "percent": percent})
