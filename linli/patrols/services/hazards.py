"""Hazards, rectification notices (整改通知书) and re-inspections (复查).

A notice goes to one responsible party with a deadline; its re-inspection comes due on the deadline (sweep) and,
left undone past the grace working days, is reported to the community staff. Not fixed: each hazard becomes a
case in its category, sent on to its department."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import services as cases
from linli.cases.models import Case, Category, Tier
from linli.core import notify
from linli.core import roles
from linli.core.errors import StateConflict
from linli.people.models import Organization, Person
from linli.people.scopes import Scope, system
from linli.places.models import Building, Dwelling, Venue

from ..models import ChecklistItem, Hazard, Inspection, PatrolStop, RectificationNotice, Reinspection
from ._common import (_actor, community_staff, _create_numbered, _grid_of, grid_worker_of, _require_write, _save_photos,
                      site_language, _text)


def _responsible(place, person: Person | None, org: Organization | None, name: str) -> tuple:
    name = (name or "").strip()
    if person is not None:
        return person, None, name or person.name
    if org is not None:
        return None, org, name or org.name
    if not name and isinstance(place, Venue):
        name = place.name
    if not name:
        raise ValidationError({"responsible": _("Responsible party: name the shop, household or company that must fix it.")})
    return None, None, name


@transaction.atomic
def record_hazard(scope: Scope, *, title: str, place=None, stop: PatrolStop | None = None, description: str = "",
                  category_code: str = "", responsible_person: Person | None = None, responsible_org: Organization | None = None,
                  responsible_name: str = "", photos=(), inspection: Inspection | None = None, item: ChecklistItem | None = None) -> Hazard:
    """A hazard found on a patrol stop or in an inspection, with the party responsible for fixing it."""
    if place is None and stop is not None:
        place = stop.place
    if place is None:
        raise ValidationError({"place": _("Place: choose the building, venue or dwelling.")})
    _require_write(scope, place, _("%(place)s lies outside your grid.") % {"place": place})
    title = _text(title, "title", _("Hazard"))
    category_code = category_code or (inspection.campaign.category_code if inspection else "fire.corridor_clutter")
    if not Category.objects.filter(code=category_code, parent__isnull=False).exists() and Category.objects.exists():
        raise ValidationError({"category_code": _("Category: unknown category %(code)s.") % {"code": category_code}})
    person, org, name = _responsible(place, responsible_person, responsible_org, responsible_name)
    grid = _grid_of(place)
    hazard = Hazard.objects.create(
        community=grid.community, grid=grid, stop=stop, inspection=inspection, item=item, title=title, description=description.strip(),
        category_code=category_code, responsible_person=person, responsible_org=org, responsible_name=name, found_by=_actor(scope),
        dwelling=place if isinstance(place, Dwelling) else None, venue=place if isinstance(place, Venue) else None,
        building=place.building if isinstance(place, (Dwelling,)) else (place if isinstance(place, Building) else place.building),
    )
    _save_photos(photos, scope, hazard=hazard)
    return hazard


@transaction.atomic
def issue_notice(scope: Scope, hazards, *, requirements: str, deadline, today: datetime.date | None = None) -> RectificationNotice:
    """整改通知书: to the hazards' responsible party, with a deadline; the re-inspection falls due on it."""
    hazards = list(hazards)
    if not hazards:
        raise ValidationError({"hazards": _("Hazards: choose at least one hazard.")})
    today = today or timezone.localdate()
    if not isinstance(deadline, datetime.date):
        try:
            deadline = datetime.date.fromisoformat(str(deadline))
        except ValueError:
            raise ValidationError({"deadline": _("Deadline: enter a date (YYYY-MM-DD).")})
    if deadline < today:
        raise StateConflict({"deadline": _("Deadline: the date lies in the past.")})
    if deadline > today + datetime.timedelta(days=90):
        raise StateConflict({"deadline": _("Deadline: at most 90 days ahead.")})
    requirements = _text(requirements, "requirements", _("Requirements"))
    first = hazards[0]
    for h in hazards:
        _require_write(scope, h.place, _("%(place)s lies outside your grid.") % {"place": h.place})
        if h.status != Hazard.Status.OPEN:
            raise StateConflict({"hazards": _("Hazards: %(t)s already has a notice or is closed.") % {"t": h.title}})
        if h.responsible_name != first.responsible_name:
            raise StateConflict({"hazards": _("Hazards: one notice goes to one responsible party.")})
    notice = _create_numbered(
        RectificationNotice, "ZG", today, community=first.community, grid=first.grid,
        responsible_name=first.responsible_name, responsible_org=first.responsible_org, responsible_person=first.responsible_person,
        requirements=requirements, deadline=deadline, issued_by=_actor(scope))
    notice.hazards.set(hazards)
    updated = Hazard.objects.filter(pk__in=[h.pk for h in hazards], status=Hazard.Status.OPEN).update(status=Hazard.Status.NOTIFIED)
    if updated != len(hazards):
        raise ValidationError({"hazards": _("Hazards: someone else issued a notice for them first.")})
    Reinspection.objects.create(notice=notice, inspector=_actor(scope) or grid_worker_of(first.grid), due_on=deadline)
    return notice


def reinspections_coming_due(today: datetime.date) -> list[int]:
    return list(Reinspection.objects.filter(done_at__isnull=True, came_due_at__isnull=True, due_on__lte=today).values_list("pk", flat=True))


def mark_reinspection_due(pk: int, today: datetime.date) -> bool:
    """Sweep step: on the deadline the re-inspection is due; the inspector is told once."""
    with transaction.atomic():
        now = timezone.now()
        if not Reinspection.objects.filter(pk=pk, done_at__isnull=True, came_due_at__isnull=True, due_on__lte=today).update(came_due_at=now):
            return False
        r = Reinspection.objects.select_related("notice", "inspector").get(pk=pk)
        recipients = [r.inspector] if r.inspector else [grid_worker_of(r.notice.grid)]
        notify.notify(f"patrols:reinspection:{r.pk}:due", recipients,
                      subject=_("Re-inspection due: notice %(n)s to %(to)s") % {"n": r.notice.number, "to": r.notice.responsible_name},
                      body=r.notice.requirements[:300], link=f"/patrols/notices/{r.notice_id}/", payload={"notice": r.notice.number})
        return True


REINSPECTION_GRACE_DAYS = 3  # working days a due re-inspection may wait before the community is told


def reinspection_overdue_on(due_on: datetime.date, grace: int | None = None) -> datetime.date:
    """The day a re-inspection due on `due_on` and still undone counts as overdue: after the grace working days."""
    from linli.core import workdays

    grace = grace if grace is not None else getattr(settings, "LINLI_REINSPECTION_GRACE_DAYS", REINSPECTION_GRACE_DAYS)
    day = due_on
    for _i in range(grace):
        day = workdays.next_working_day(day)
    return day + datetime.timedelta(days=1)


def reinspections_left_undone(today: datetime.date) -> list[int]:
    return [pk for pk, due in Reinspection.objects.filter(done_at__isnull=True, overdue_reported_at__isnull=True, came_due_at__isnull=False)
            .values_list("pk", "due_on") if reinspection_overdue_on(due) <= today]


def report_reinspection_overdue(pk: int, today: datetime.date) -> bool:
    """A due re-inspection left undone past the grace working days goes to the community staff, exactly once."""
    with transaction.atomic():
        if not Reinspection.objects.filter(pk=pk, done_at__isnull=True, overdue_reported_at__isnull=True).update(overdue_reported_at=timezone.now()):
            return False
        r = Reinspection.objects.select_related("notice").get(pk=pk)
        notify.notify(f"patrols:reinspection:{r.pk}:overdue", community_staff(r.notice.community_id),
                      subject=_("Re-inspection not done: notice %(n)s to %(to)s was due on %(d)s") % {
                          "n": r.notice.number, "to": r.notice.responsible_name, "d": r.due_on},
                      link=f"/patrols/notices/{r.notice_id}/", payload={"notice": r.notice.number})
        return True


def _escalate_hazard(scope_for_case: Scope, hazard: Hazard, notice: RectificationNotice, note: str) -> Case:
    """Not fixed: a case (source patrol) in the hazard's category, sent on to the category's department."""
    category = Category.objects.filter(code=hazard.category_code, parent__isnull=False).first()
    place = hazard.place
    where = {"dwelling": hazard.dwelling} if hazard.dwelling_id else {}
    if not where:
        src = hazard.venue if hazard.venue_id and hazard.venue.lat is not None else hazard.building
        if src is None or src.lat is None:
            src = None
        where = {"lat": src.lat, "lng": src.lng, "building": hazard.building} if src else {}
    if not where:
        raise ValidationError({"location": _("Location: the hazard's place has no map point; cannot open a case.")})
    with site_language():
        description = _("Rectification notice %(n)s to %(to)s was not complied with by %(d)s. Hazard: %(t)s at %(p)s. %(note)s") % {
            "n": notice.number, "to": notice.responsible_name, "d": notice.deadline.isoformat(), "t": hazard.title, "p": place, "note": note}
        title = _("Not rectified: %(t)s") % {"t": hazard.title}
        handover = _("Rectification notice %(n)s not complied with: handed to the department.") % {"n": notice.number}
    case = cases.submit(scope_for_case, source=Case.Source.PATROL, title=title, description=description, category=category,
                        address=str(place), **where)
    if category is not None and category.department_type and case.tier != Tier.DEPARTMENT:
        case = cases.escalate(system(), case, handover, to_tier=Tier.DEPARTMENT)
    Hazard.objects.filter(pk=hazard.pk).update(status=Hazard.Status.ESCALATED, case=case)
    return case


@transaction.atomic
def record_reinspection(scope: Scope, reinspection: Reinspection, *, fixed: bool, note: str = "", photos=()) -> Reinspection:
    """复查: fixed closes the hazards; not fixed escalates each into a case routed to its department."""
    r = Reinspection.objects.select_for_update().select_related("notice").get(pk=reinspection.pk)
    notice = r.notice
    hazards = list(notice.hazards.select_related("building", "venue", "dwelling__building").all())
    for h in hazards:
        _require_write(scope, h.place, _("%(place)s lies outside your grid.") % {"place": h.place})
    if r.done_at is not None:
        raise ValidationError({"outcome": _("Re-inspection: already recorded (%(o)s).") % {"o": r.get_outcome_display()}})
    today = timezone.localdate()
    if not fixed and today < r.due_on and r.came_due_at is None:
        raise ValidationError({"outcome": _("Outcome: the deadline %(d)s has not come yet; it can only be found fixed before it.") % {"d": r.due_on}})
    if not fixed and not (note or "").strip():
        raise ValidationError({"note": _("Note: say what is still not fixed.")})
    r.done_at, r.done_by, r.note = timezone.now(), _actor(scope), (note or "").strip()
    r.outcome = Reinspection.Outcome.FIXED if fixed else Reinspection.Outcome.NOT_FIXED
    # claim it: of two people recording at once, exactly one escalates (a conditional UPDATE on both databases)
    if not Reinspection.objects.filter(pk=r.pk, done_at__isnull=True).update(done_at=r.done_at, done_by=r.done_by, note=r.note,
                                                                             outcome=r.outcome):
        raise ValidationError({"outcome": _("Re-inspection: already recorded (%(o)s).") % {"o": Reinspection.objects.get(pk=r.pk).get_outcome_display()}})
    if photos:
        _save_photos(photos, scope, hazard=hazards[0])
    if fixed:
        Hazard.objects.filter(pk__in=[h.pk for h in hazards]).update(status=Hazard.Status.FIXED)
        notice.status = RectificationNotice.Status.FIXED
    else:
        case_scope = scope if scope.has_role(roles.GRID_WORKER) or scope.everything else system()
        first_case = None
        for h in hazards:
            case = _escalate_hazard(case_scope, h, notice, r.note)
            first_case = first_case or case
        r.case = first_case
        notice.status = RectificationNotice.Status.ESCALATED
    notice.save(update_fields=["status"])
    r.save(update_fields=["case"])
    return r
