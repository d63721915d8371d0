"""召开会议 / 落实决议: the whistle meeting on a case (the meeting step of 吹哨报到) and progress on its resolutions.

The meetings app owns this step; the case only learns of it. Each use case checks and notes the step on the case
through linli.cases.services (check_whistle_meeting, note_whistle_meeting, note_action_progress), in this one
transaction, so the case keeps its own timeline and state rules and cases never imports meetings.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from linli.cases import services as cases
from linli.people.models import Person
from linli.people.scopes import Scope

from ..models import Action, Meeting
from .meetings import record_meeting, report_progress


@transaction.atomic
def hold_whistle_meeting(scope: Scope, case, *, starts_at, place: str, chair: Person, attendees, minutes: str,
                         resolutions, title: str = "") -> Meeting:
    """召开会议: the meeting of the summoned departments; its resolutions become tracked actions."""
    cases.check_whistle_meeting(scope, case)
    meeting = record_meeting(scope, kind="whistle", title=title or _("Whistle meeting on case %(n)s") % {"n": case.number},
                             community=case.community, starts_at=starts_at, place=place, chair=chair,
                             attendees=attendees, minutes=minutes, resolutions=resolutions, case=case)
    cases.note_whistle_meeting(scope, case, meeting_id=meeting.pk, minutes=minutes, actions=meeting.actions.count(),
                               attended=meeting.attendances.exclude(status="absent").count())
    return meeting


@transaction.atomic
def carry_out(scope: Scope, action: Action, note: str, percent: int = 100, done: bool = True) -> Action:
    """落实决议: progress on (or completion of) a resolution of the case's meeting, on the case's timeline."""
    action = report_progress(scope, action, note, percent, done=done)
    case = action.meeting.case if action.meeting_id else None
    if case is not None:
        cases.note_action_progress(scope, case, action_id=action.pk, text=action.text, note=note, percent=percent, done=done)
    return action
