"""Meetings: schedule, record attendance and minutes, turn resolutions into actions and carry them out."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope
from linli.people import roles
from linli.people.models import Person
from linli.people.scopes import Scope

from .models import Action, ActionProgress, Attendance, Meeting


def _actor(scope: Scope):
    return scope.account if getattr(scope.account, "pk", None) else None


def _require_staff(scope: Scope, community_id: int) -> None:
    if scope.everything:
        return
    for a in scope.appointments:
        if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == community_id:
            return
        if a.role == roles.SUBDISTRICT_STAFF and a.subdistrict.communities.filter(pk=community_id).exists():
            return
    raise OutOfScope(_("Only the community's staff organise its meetings."))


def _clean_attendees(attendees) -> list[dict]:
    """attendees: dicts with person or organization or name, status, substitute_name."""
    cleaned = []
    for i, a in enumerate(attendees or [], 1):
        person, org, name = a.get("person"), a.get("organization"), (a.get("name") or "").strip()
        if person is None and org is None and not name:
            raise ValidationError({"attendees": _("Attendee %(i)d: name a person, an organisation or a guest.") % {"i": i}})
        status = a.get("status", Attendance.Status.INVITED)
        if status not in Attendance.Status.values:
            raise ValidationError({"attendees": _("Attendee %(i)d: unknown attendance %(s)s.") % {"i": i, "s": status}})
        substitute = (a.get("substitute_name") or "").strip()
        if status == Attendance.Status.SUBSTITUTE and not substitute:
            raise ValidationError({"attendees": _("Attendee %(i)d: name the substitute.") % {"i": i}})
        cleaned.append({"person": person, "organization": org, "name": name, "status": status, "substitute_name": substitute})
    return cleaned


def _clean_resolutions(resolutions) -> list[dict]:
    cleaned = []
    for i, r in enumerate(resolutions or [], 1):
        text = (r.get("text") or "").strip()
        if not text:
            raise ValidationError({"resolutions": _("Resolution %(i)d: write what was decided.") % {"i": i}})
        owner, owner_org = r.get("owner"), r.get("owner_org")
        if owner is None and owner_org is None:
            raise ValidationError({"resolutions": _("Resolution %(i)d: an action needs an owner (a person or an organisation).") % {"i": i}})
        due = r.get("due_on")
        if not isinstance(due, datetime.date):
            raise ValidationError({"resolutions": _("Resolution %(i)d: a due date is required.") % {"i": i}})
        if due < timezone.localdate():
            raise ValidationError({"resolutions": _("Resolution %(i)d: the due date lies in the past.") % {"i": i}})
        cleaned.append({"text": text, "owner": owner, "owner_org": owner_org, "due_on": due})
    return cleaned


@transaction.atomic
def record_meeting(scope: Scope, *, kind: str, title: str, community, starts_at: datetime.datetime, place: str,
                   chair: Person | None, attendees=(), minutes: str = "", resolutions=(), case=None, held: bool = True) -> Meeting:
    """A meeting with its attendance, minutes and resolutions (each resolution becomes an action)."""
    _require_staff(scope, community.pk)
    if kind not in Meeting.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown meeting kind %(k)s.") % {"k": kind}})
    if not (title or "").strip():
        raise ValidationError({"title": _("Title: required.")})
    if not (place or "").strip():
        raise ValidationError({"place": _("Place: where is the meeting held?")})
    if chair is None:
        raise ValidationError({"chair": _("Chair: a meeting needs a chair.")})
    if held and not (minutes or "").strip():
        raise ValidationError({"minutes": _("Minutes: a held meeting needs minutes.")})
    attendees = _clean_attendees(attendees)
    resolutions = _clean_resolutions(resolutions)
    meeting = Meeting.objects.create(kind=kind, title=title.strip(), community=community, case=case, starts_at=starts_at,
                                     place=place.strip(), chair=chair, minutes=minutes, held=held, created_by=_actor(scope))
    for a in attendees:
        Attendance.objects.create(meeting=meeting, **a)
    for r in resolutions:
        Action.objects.create(meeting=meeting, **r)
    return meeting


def may_act_on(scope: Scope, action: Action) -> bool:
    if scope.everything or (action.owner_id and action.owner_id == getattr(scope.account, "pk", None)):
        return True
    if action.owner_org_id and any(a.organization_id == action.owner_org_id for a in scope.appointments):
        return True
    return any(a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == action.meeting.community_id
               for a in scope.appointments)


@transaction.atomic
def report_progress(scope: Scope, action: Action, note: str, percent: int, done: bool = False) -> Action:
    action = Action.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    if not may_act_on(scope, action):
        raise OutOfScope(_("Only the owner reports on this action."))
    if action.status == Action.Status.DONE:
        raise ValidationError({"status": _("Status: the action is already done.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Note: say what was done.")})
    if not 0 <= int(percent) <= 100:
        raise ValidationError({"percent": _("Progress: between 0 and 100.")})
    ActionProgress.objects.create(action=action, by=_actor(scope), percent=100 if done else percent, note=note)
    if done:
        action.status, action.done_at = Action.Status.DONE, timezone.now()
        action.save(update_fields=["status", "done_at"])
    return action


def open_actions(community_id: int, overdue_on: datetime.date | None = None):
    qs = Action.objects.filter(meeting__community_id=community_id, status=Action.Status.OPEN)
    if overdue_on:
        qs = qs.filter(due_on__lt=overdue_on)
    return qs.select_related("meeting", "owner__person", "owner_org")

