"""A meeting's agenda: the matters, hard cases and overdue actions the community's state gives, plus hand-written lines."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.scopes import Scope

from ..models import Action, AgendaItem, Matter, Meeting
from .common import _require_staff


def _overdue_actions(community_id: int, on: datetime.date, before: datetime.datetime | None = None):
    qs = (Action.objects.filter(status=Action.Status.OPEN, due_on__lt=on)
          .filter(Q(meeting__community_id=community_id) | Q(matter__community_id=community_id)))
    if before is not None:
        qs = qs.filter(Q(meeting__isnull=True) | Q(meeting__starts_at__lt=before))
    return qs.select_related("meeting", "matter", "owner_org", "owner__person").order_by("due_on", "id")


def _agenda_key(item: AgendaItem):
    return (item.kind, item.matter_id or item.case_id or item.action_id)


def hard_cases(community_id):
    """The community's hard and hot cases (难点热点) for a meeting: open cases that are overdue at the top tier, under a
    whistle, reopened by an unsatisfied resident, sent up to the subdistrict, or escalated from the tier below. A case
    the dispatcher simply holds at the community tier is the daily queue, not a meeting's business."""
    from linli.cases.models import Case, CaseEvent

    escalated = CaseEvent.objects.filter(action=CaseEvent.Action.ESCALATE).values("case_id")
    return (Case.objects.filter(community_id=community_id, state__in=Case.OPEN_STATES)
            .filter(Q(overdue=True) | Q(state=Case.State.WHISTLED) | Q(rework_count__gt=0) | Q(tier="subdistrict")
                    | Q(pk__in=escalated)))


def _automatic_items(meeting: Meeting) -> list[AgendaItem]:
    """The agenda the community's state gives now (unsaved, in order): matters on the agenda, under discussion or
    decided; the community's hard cases (`hard_cases`); every open action overdue by the meeting day (from earlier meetings or matters)."""
    items = []
    day = timezone.localtime(meeting.starts_at).date()
    for m in Matter.objects.filter(community_id=meeting.community_id, status__in=[Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING,
                                                                                  Matter.Status.DECIDED]).order_by("created_at", "id"):
        items.append(AgendaItem(meeting=meeting, kind=AgendaItem.Kind.MATTER, matter=m, title=m.title[:300]))
    for c in hard_cases(meeting.community_id).order_by("created_at", "id")[:20]:
        items.append(AgendaItem(meeting=meeting, kind=AgendaItem.Kind.CASE, case=c, title=f"{c.number} {c.title}"[:300]))
    for a in _overdue_actions(meeting.community_id, day, before=meeting.starts_at):
        items.append(AgendaItem(meeting=meeting, kind=AgendaItem.Kind.OVERDUE_ACTION, action=a,
                                title=(_("Overdue since %(d)s: %(t)s (%(o)s)") % {"d": a.due_on.isoformat(), "t": a.text, "o": a.owner_label})[:300]))
    return items


def build_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The agenda of a meeting being called (see `_automatic_items`); a meeting that has one keeps it."""
    if meeting.agenda.exists():
        return list(meeting.agenda.all())
    items = _automatic_items(meeting)
    for pos, item in enumerate(items, 1):
        item.position = pos
    AgendaItem.objects.bulk_create(items, ignore_conflicts=True)
    return list(meeting.agenda.all())


def refresh_agenda(meeting: Meeting) -> list[AgendaItem]:
    """Bring a meeting's agenda up to date while it is not yet held: the matters, hard cases and overdue actions that
    qualify now and are not listed yet are added after the listed items. Nothing listed is dropped (a matter that
    moved on, or an action done meanwhile, stays on: the meeting may still report on it), hand-written items keep
    their place, and nothing is listed twice (one row per matter, case or action, also when two people open the page
    at once). Called when the meeting page is opened and before the minutes are recorded."""
    def missing(m):
        listed = list(m.agenda.all())
        keys = {_agenda_key(i) for i in listed}
        return listed, [i for i in _automatic_items(m) if _agenda_key(i) not in keys]

    meeting = Meeting.objects.get(pk=meeting.pk)
    if meeting.held or meeting.cancelled or meeting.kind == Meeting.Kind.WHISTLE or not missing(meeting)[1]:
        return list(meeting.agenda.all())  # a page view that finds nothing new writes nothing
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.held or meeting.cancelled:
            return list(meeting.agenda.all())
        listed, new = missing(meeting)
        pos = max((i.position for i in listed), default=0)
        for i, item in enumerate(new, 1):
            item.position = pos + i
        AgendaItem.objects.bulk_create(new, ignore_conflicts=True)  # the unique constraints catch a racing refresh
    return list(meeting.agenda.all())


@transaction.atomic
def add_agenda_item(scope: Scope, meeting: Meeting, title: str) -> AgendaItem:
    """A hand-written line on the agenda of a meeting not yet held (refreshing the agenda keeps it)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_staff(scope, meeting.community_id)
    title = (title or "").strip()
    if len(title) < 2:
        raise ValidationError({"title": _("Agenda item: say what is to be discussed (at least 2 characters).")})
    if len(title) > 300:
        raise ValidationError({"title": _("Agenda item: at most 300 characters.")})
    if meeting.held or meeting.cancelled:
        raise ValidationError({"title": _("Agenda item: the agenda of a held or cancelled meeting is fixed.")})
    pos = max(meeting.agenda.values_list("position", flat=True), default=0)
    return AgendaItem.objects.create(meeting=meeting, kind=AgendaItem.Kind.OTHER, title=title, position=pos + 1)
