"""Meetings: record one (attendance, minutes, resolutions → actions) or schedule one and take its minutes later;
standing committees and the rotation of the chair; progress on actions; the printable record."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Person
from linli.people.scopes import Scope

from ..models import Action, ActionProgress, Attendance, CommitteeMember, Matter, Meeting, StandingCommittee
from .agenda import build_agenda, refresh_agenda
from .common import _actor, _clean_attendees, _clean_resolutions, _require_staff
from .council import _finish_matter_if_done


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
    if kind != Meeting.Kind.WHISTLE:
        build_agenda(meeting)
    return meeting


def may_act_on(scope: Scope, action: Action) -> bool:
    if scope.everything or (action.owner_id and action.owner_id == getattr(scope.account, "pk", None)):
        return True
    if action.owner_org_id and any(a.organization_id == action.owner_org_id for a in scope.appointments):
        return True
    return any(a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == action.community_id
               for a in scope.appointments)


@transaction.atomic
def report_progress(scope: Scope, action: Action, note: str, percent: int, done: bool = False) -> Action:
    action = Action.objects.select_for_update(of=("self",)).select_related("meeting", "matter").get(pk=action.pk)
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
        _finish_matter_if_done(scope, action)
    return action


def open_actions(community_id: int, overdue_on: datetime.date | None = None):
    qs = Action.objects.filter(Q(meeting__community_id=community_id) | Q(matter__community_id=community_id), status=Action.Status.OPEN)
    if overdue_on:
        qs = qs.filter(due_on__lt=overdue_on)
    return qs.select_related("meeting", "matter", "owner__person", "owner_org")



def rotation(committee: StandingCommittee) -> list[CommitteeMember]:
    return list(committee.members.filter(rotates=True).select_related("organization", "chair_person").order_by("position", "id"))


def chair_for(committee: StandingCommittee, starts_at: datetime.datetime) -> CommitteeMember | None:
    """The member whose turn it is to chair a meeting starting at `starts_at`.

    Rule (documented in the design notes of issue 6): the members chair in their rotation order, one turn per
    meeting that takes place. The turn of a meeting is the number of the committee's earlier meetings that were not
    cancelled; so a month without a meeting, or a meeting called off, does not use up anyone's turn.
    """
    members = rotation(committee)
    if not members:
        return None
    turn = committee.meetings.filter(cancelled=False, starts_at__lt=starts_at).count()
    return members[turn % len(members)]


def next_chair(committee: StandingCommittee) -> CommitteeMember | None:
    """Who chairs the next meeting, after every meeting already scheduled."""
    members = rotation(committee)
    if not members:
        return None
    return members[committee.meetings.filter(cancelled=False).count() % len(members)]


@transaction.atomic
def create_committee(scope: Scope, *, community, name: str, members) -> StandingCommittee:
    """members: (organization, chair_person) in rotation order."""
    _require_staff(scope, community.pk)
    if not (name or "").strip():
        raise ValidationError({"name": pgettext("council", "Name: required.")})
    members = list(members or [])
    if len(members) < 2:
        raise ValidationError({"members": _("Members: a standing committee needs at least two member organisations.")})
    orgs = [m[0] for m in members]
    if len({o.pk for o in orgs}) != len(orgs):
        raise ValidationError({"members": _("Members: an organisation sits on the committee once.")})
    committee = StandingCommittee.objects.create(community=community, name=name.strip())
    for i, (org, person) in enumerate(members, 1):
        CommitteeMember.objects.create(committee=committee, organization=org, position=i, chair_person=person)
    return committee



def _invitees_accounts(persons, orgs) -> list:
    accounts = list(Account.objects.filter(person__in=[p for p in persons if p is not None], is_active=True))
    org_ids = [o.pk for o in orgs if o is not None]
    if org_ids:
        today = timezone.localdate()
        accounts += list(Account.objects.filter(person__appointments__organization_id__in=org_ids, person__appointments__starts_on__lte=today)
                         .filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())
    return accounts


@transaction.atomic
def schedule_meeting(scope: Scope, *, kind: str, community, title: str, starts_at: datetime.datetime, place: str,
                     chair: Person | None = None, committee: StandingCommittee | None = None, persons=(), organizations=()) -> Meeting:
    """Call a meeting: the chair (from the rotation for a standing committee), its agenda, and the invitations."""
    _require_staff(scope, community.pk)
    if kind not in Meeting.Kind.values or kind == Meeting.Kind.WHISTLE:
        raise ValidationError({"kind": _("Kind: unknown meeting kind %(k)s.") % {"k": kind}})
    if not (title or "").strip():
        raise ValidationError({"title": _("Title: required.")})
    if not (place or "").strip():
        raise ValidationError({"place": _("Place: where is the meeting held?")})
    if not isinstance(starts_at, datetime.datetime):
        raise ValidationError({"starts_at": _("Time: required.")})
    chair_org = None
    if kind == Meeting.Kind.COMMITTEE:
        if committee is None:
            raise ValidationError({"committee": _("Committee: a standing-committee meeting names its committee.")})
        if committee.community_id != community.pk:
            raise ValidationError({"committee": _("Committee: belongs to another community.")})
        member = chair_for(committee, starts_at)
        if member is None:
            raise ValidationError({"chair": _("Chair: the committee has no member organisation to take the chair.")})
        chair_org = member.organization
        chair = chair or member.chair_person
        if chair is None:
            raise ValidationError({"chair": _("Chair: it is %(org)s's turn to chair, but nobody is named to chair for it.") % {"org": chair_org.name}})
        organizations = list(organizations) or [m.organization for m in committee.members.all()]
    elif committee is not None:
        raise ValidationError({"committee": _("Committee: only a standing-committee meeting names a committee.")})
    if chair is None:
        raise ValidationError({"chair": _("Chair: a meeting needs a chair.")})
    meeting = Meeting.objects.create(kind=kind, title=title.strip(), community=community, starts_at=starts_at, place=place.strip(),
                                     chair=chair, chair_org=chair_org, committee=committee, held=False, created_by=_actor(scope))
    persons = [p for p in dict.fromkeys([chair, *persons]) if p is not None]
    organizations = [o for o in dict.fromkeys(organizations) if o is not None]
    for p in persons:
        Attendance.objects.create(meeting=meeting, person=p)
    for o in organizations:
        Attendance.objects.create(meeting=meeting, organization=o)
    if committee is not None:  # called before meetings already scheduled: they move down one turn
        _rechair_later(committee, starts_at)
    build_agenda(meeting)
    notify.notify(f"meeting:{meeting.pk}:invite", _invitees_accounts(persons, organizations),
                  subject=_("Invitation: %(t)s, %(when)s, %(place)s") % {"t": meeting.title, "when": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"), "place": meeting.place},
                  body=meeting.title, link=f"/meetings/{meeting.pk}/", payload={"meeting": meeting.pk})
    return meeting


@transaction.atomic
def record_minutes(scope: Scope, meeting: Meeting, *, attendees=(), minutes: str, resolutions=()) -> Meeting:
    """Hold a scheduled meeting: attendance (present/absent/substitute), minutes, resolutions → tracked actions."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_staff(scope, meeting.community_id)
    if meeting.held:
        raise ValidationError({"minutes": _("Minutes: this meeting's record is already taken.")})
    if meeting.cancelled:
        raise ValidationError({"minutes": _("Minutes: the meeting was cancelled.")})
    if meeting.chair_id is None:
        raise ValidationError({"chair": _("Chair: a meeting needs a chair.")})
    if not (minutes or "").strip():
        raise ValidationError({"minutes": _("Minutes: a held meeting needs minutes.")})
    attendees = _clean_attendees(attendees)
    resolutions = _clean_resolutions(resolutions)
    refresh_agenda(meeting)  # the record keeps the agenda as it stood when the meeting met
    for a in attendees:
        row = None
        if a["person"] is not None:
            row = meeting.attendances.filter(person=a["person"]).first()
        elif a["organization"] is not None:
            row = meeting.attendances.filter(organization=a["organization"], person__isnull=True).first()
        if row is None:
            Attendance.objects.create(meeting=meeting, **a)
        else:
            row.status, row.substitute_name = a["status"], a["substitute_name"]
            row.save(update_fields=["status", "substitute_name"])
    for r in resolutions:
        Action.objects.create(meeting=meeting, owner_kind=r.get("owner_kind", ""), **{k: r[k] for k in ("text", "owner", "owner_org", "due_on")})
    meeting.minutes, meeting.held = minutes.strip(), True
    meeting.save(update_fields=["minutes", "held"])
    return meeting


def _rechair_later(committee: StandingCommittee, after: datetime.datetime) -> list[Meeting]:
    """The committee's meetings after `after` that are neither held nor cancelled take the chair the rotation gives them
    now (a meeting cancelled, or one scheduled before them, shifts their turn). A meeting whose turn passes to another
    member organisation gets that organisation's chair; refused (ValidationError) if it names nobody to chair."""
    changed = []
    later = (committee.meetings.select_for_update(of=("self",)).filter(cancelled=False, held=False, starts_at__gt=after)
             .select_related("chair_org").order_by("starts_at", "id"))
    for m in later:
        member = chair_for(committee, m.starts_at)
        if member is None or member.organization_id == m.chair_org_id:
            continue
        if member.chair_person_id is None:
            raise ValidationError({"chair": _("Chair: it becomes %(org)s's turn to chair %(t)s (%(when)s), but nobody is named to chair for it.")
                                   % {"org": member.organization.name, "t": m.title, "when": timezone.localtime(m.starts_at).strftime("%Y-%m-%d")}})
        m.chair_org, m.chair = member.organization, member.chair_person
        m.save(update_fields=["chair_org", "chair"])
        if not m.attendances.filter(person=m.chair).exists():
            Attendance.objects.create(meeting=m, person=m.chair)
        changed.append(m)
    for m in changed:
        notify.notify(f"meeting:{m.pk}:chair:{m.chair_id}", _invitees_accounts([m.chair], []),
                      subject=_("You chair: %(t)s, %(when)s (%(org)s's turn)") % {"t": m.title, "org": m.chair_org.name,
                                                                               "when": timezone.localtime(m.starts_at).strftime("%Y-%m-%d %H:%M")},
                      body=m.title, link=f"/meetings/{m.pk}/", payload={"meeting": m.pk})
    return changed


@transaction.atomic
def cancel_meeting(scope: Scope, meeting: Meeting) -> Meeting:
    """Call a meeting off. Its turn of the rotation is not used up: the committee's later meetings not yet held
    move up one turn, and their chairs are recomputed."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_staff(scope, meeting.community_id)
    if meeting.held:
        raise ValidationError({"meeting": _("Meeting: a held meeting cannot be cancelled.")})
    if meeting.cancelled:
        raise ValidationError({"meeting": _("Meeting: already cancelled.")})
    Meeting.objects.filter(pk=meeting.pk).update(cancelled=True)
    meeting.cancelled = True
    if meeting.committee_id:
        _rechair_later(meeting.committee, meeting.starts_at)
    return meeting


def committee_stats(committee: StandingCommittee, start: datetime.date, end: datetime.date) -> dict:
    """Per period [start, end]: meetings held, suggestions collected (matters raised), problems solved
    (matters done, and the committee's resolution actions done)."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    held = committee.meetings.filter(held=True, starts_at__gte=lo, starts_at__lt=hi).count()
    suggestions = Matter.objects.filter(community_id=committee.community_id, created_at__gte=lo, created_at__lt=hi).count()
    matters_solved = Matter.objects.filter(community_id=committee.community_id, done_at__gte=lo, done_at__lt=hi).count()
    actions_done = Action.objects.filter(meeting__committee=committee, status=Action.Status.DONE, done_at__gte=lo, done_at__lt=hi).count()
    return {"start": start, "end": end, "meetings_held": held, "suggestions": suggestions, "matters_solved": matters_solved,
            "actions_done": actions_done, "solved": matters_solved + actions_done}


def meeting_pdf(meeting: Meeting) -> bytes:
    from linli.core import pdf

    meeting = Meeting.objects.select_related("community", "chair", "chair_org", "committee").get(pk=meeting.pk)
    rows = [(_("Kind"), meeting.get_kind_display()), (_("Time"), timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")),
            (_("Place"), meeting.place), (_("Chair"), f"{meeting.chair or '—'}{' · ' + meeting.chair_org.name if meeting.chair_org_id else ''}")]
    if meeting.committee_id:
        rows.append((_("Standing committee"), meeting.committee.name))
    attendance = [[_("Attendee"), _("Attendance")]] + [
        [a.person.name if a.person_id else a.organization.name if a.organization_id else a.name,
         str(a.get_status_display()) + (f" ({a.substitute_name})" if a.substitute_name else "")] for a in meeting.attendances.all()]
    agenda = [f"{i}. {item.title}" for i, item in enumerate(meeting.agenda.all(), 1)] or [_("No agenda items.")]
    actions = [[_("Resolution"), pgettext("council", "Owner"), pgettext("council", "Due"), _("Status")]] + [
        [a.text, a.owner_label, a.due_on.isoformat(), str(a.get_status_display())] for a in meeting.actions.all()]
    sections = [pdf.Section(_("Meeting"), rows=rows), pdf.Section(_("Agenda"), paragraphs=agenda),
                pdf.Section(_("Attendance"), table=attendance if len(attendance) > 1 else [], paragraphs=[] if len(attendance) > 1 else ["—"]),
                pdf.Section(pgettext("council", "Minutes"), paragraphs=[meeting.minutes or "—"]),
                pdf.Section(pgettext("council", "Resolutions"), table=actions if len(actions) > 1 else [], paragraphs=[] if len(actions) > 1 else ["—"])]
    return pdf.render(meeting.title, sections, subtitle=meeting.community.name)
