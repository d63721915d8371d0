"""Every change of grid work, one function per use case, each in a transaction.

Bad input raises ValidationError naming the field; a place or person outside the caller's
write scope raises OutOfScope. Sweeps (called by the worker) claim each row with a conditional
UPDATE so two workers sweeping at once do each step exactly once.
"""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.cases import services as cases
from linli.cases.models import Case, CaseEvent, Category, Tier
from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Appointment, Household, Organization, Person, PersonTag
from linli.people.scopes import Scope, system
from linli.places.geometry import clean_point
from linli.places.models import Building, Community, Dwelling, Grid, Venue

from .models import (Agreement, Campaign, CareVisit, ChecklistItem, Dispute, DisputeParty, DutyItem, FollowUp, Hazard,
                     Inspection, InspectionResult, Mediation, Patrol, PatrolStop, Photo, PointEvent, PointRule,
                     RectificationNotice, Reinspection, VisitRule)

MAX_TEXT = 4000


# ---------------------------------------------------------------- helpers

def _actor(scope: Scope):
    account = scope.account
    return account if getattr(account, "pk", None) else None


def _text(value, field: str, label: str, minimum: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError({field: _("%(label)s: required (at least %(n)d characters).") % {"label": label, "n": minimum}})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("%(label)s: at most %(n)d characters.") % {"label": label, "n": MAX_TEXT}})
    return value


def site_language():
    """Text stored in records (titles, reasons, case descriptions) is written in the site's language,
    whatever language the request or test runs in."""
    return translation.override(settings.LANGUAGE_CODE)


def _require_write(scope: Scope, place, message: str) -> None:
    if not scope.covers(place, "write", roles.PATROLS):
        raise OutOfScope(message)


def _grid_of(place) -> Grid:
    if isinstance(place, Dwelling):
        return place.building.grid
    return place.grid


def _save_photos(photos, scope, **target):
    for photo in cases.clean_photos(photos):
        Photo.objects.create(file=photo, content_type=photo.content_type, size=photo.size, uploaded_by=_actor(scope), **target)


def _create_numbered(model, prefix: str, day: datetime.date, **fields):
    """Create a record numbered <prefix><yyyymmdd>-<nnn>; two creating at once each get their own number."""
    stem = f"{prefix}{day:%Y%m%d}-"
    count = model.objects.filter(number__startswith=stem).count()
    for i in range(1, 50):
        try:
            with transaction.atomic():
                return model.objects.create(number=f"{stem}{count + i:03d}", **fields)
        except IntegrityError:
            if not model.objects.filter(number=f"{stem}{count + i:03d}").exists():
                raise
    raise ValidationError({"number": _("Number: could not number the record; try again.")})


def community_staff(community_id) -> list[Account]:
    today = timezone.localdate()
    return list(Account.objects.filter(
        is_active=True, person__appointments__role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY],
        person__appointments__community_id=community_id, person__appointments__starts_on__lte=today,
    ).filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())


def grid_worker_of(grid: Grid | None, on: datetime.date | None = None) -> Account | None:
    if grid is None:
        return None
    on = on or timezone.localdate()
    for gid in ([grid.pk, grid.parent_id] if grid.parent_id else [grid.pk]):
        appt = (Appointment.objects.filter(role=roles.GRID_WORKER, grid_id=gid, starts_on__lte=on)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).order_by("starts_on", "id").first())
        if appt:
            account = Account.objects.filter(person_id=appt.person_id, is_active=True).first()
            if account:
                return account
    return None


def _worker_grid(scope: Scope) -> Grid | None:
    for appt in scope.appointments:
        if appt.role == roles.GRID_WORKER and appt.grid_id:
            return appt.grid
    return None


# ---------------------------------------------------------------- patrols

@transaction.atomic
def start_patrol(scope: Scope, grid: Grid | None = None, note: str = "") -> Patrol:
    """A grid worker starts a patrol of their grid (one open patrol at a time)."""
    account = _actor(scope)
    if account is None:
        raise OutOfScope(_("Sign in to patrol."))
    grid = grid or _worker_grid(scope)
    if grid is None:
        raise ValidationError({"grid": _("Grid: you are not a grid worker; choose the grid to patrol.")})
    _require_write(scope, grid, _("You may patrol only your own grid."))
    if Patrol.objects.filter(worker=account, ended_at__isnull=True).exists():
        raise ValidationError({"patrol": _("Patrol: you already have a patrol under way; finish it first.")})
    try:
        with transaction.atomic():
            return Patrol.objects.create(worker=account, person=account.person, grid=grid, community=grid.community, note=note)
    except IntegrityError:
        raise ValidationError({"patrol": _("Patrol: you already have a patrol under way; finish it first.")})


@transaction.atomic
def record_stop(scope: Scope, patrol: Patrol, *, seen: str, building: Building | None = None, venue: Venue | None = None,
                dwelling: Dwelling | None = None, lat=None, lng=None, photos=(), at=None) -> PatrolStop:
    """A place visited on the patrol: what was seen, photos; the household follows the dwelling."""
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    if patrol.worker_id != getattr(scope.account, "pk", None) and not scope.everything:
        raise OutOfScope(_("Only the worker on the patrol records its stops."))
    if patrol.ended_at is not None:
        raise ValidationError({"patrol": _("Patrol: the patrol has ended.")})
    if sum(x is not None for x in (building, venue, dwelling)) != 1:
        raise ValidationError({"place": _("Place: choose one building, venue or dwelling.")})
    place = dwelling or venue or building
    _require_write(scope, place, _("%(place)s lies outside your grid.") % {"place": place})
    seen = _text(seen, "seen", _("What was seen"))
    lat, lng = clean_point(lat, lng)
    if lat is None:
        b = dwelling.building if dwelling else (venue.building if venue and venue.building_id else building)
        src = venue if venue is not None and venue.lat is not None else b
        if src is not None:
            lat, lng = src.lat, src.lng
    household = Household.objects.filter(dwelling=dwelling, closed_on__isnull=True).first() if dwelling else None
    grid = _grid_of(place)
    stop = PatrolStop.objects.create(patrol=patrol, grid=grid, community=grid.community, building=dwelling.building if dwelling else building,
                                     venue=venue, dwelling=dwelling, household=household, seen=seen, lat=lat, lng=lng, at=at or timezone.now())
    if lat is not None:
        patrol.track = list(patrol.track) + [[lat, lng, stop.at.isoformat()]]
        patrol.save(update_fields=["track"])
    _save_photos(photos, scope, stop=stop)
    return stop


@transaction.atomic
def end_patrol(scope: Scope, patrol: Patrol, note: str = "") -> Patrol:
    if patrol.worker_id != getattr(scope.account, "pk", None) and not scope.everything:
        raise OutOfScope(_("Only the worker on the patrol ends it."))
    updated = Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(ended_at=timezone.now(), note=note or patrol.note)
    if not updated:
        raise ValidationError({"patrol": _("Patrol: the patrol has already ended.")})
    patrol.refresh_from_db()
    return patrol


@transaction.atomic
def stop_to_case(scope: Scope, stop: PatrolStop, description: str, category=None, photos=()) -> Case:
    """One tap: the problem seen at a stop becomes a case (source: patrol) at the stop's place."""
    if stop.case_id:
        raise ValidationError({"case": _("Case: this stop already reported case %(n)s.") % {"n": stop.case.number}})
    where = {"dwelling": stop.dwelling} if stop.dwelling_id else {"lat": stop.lat, "lng": stop.lng, "building": stop.building}
    case = cases.submit(scope, source=Case.Source.PATROL, description=description, category=category, photos=photos,
                        address=str(stop.place), **where)
    updated = PatrolStop.objects.filter(pk=stop.pk, case__isnull=True).update(case=case)
    if not updated:
        raise ValidationError({"case": _("Case: this stop already reported a case.")})
    stop.case = case
    return case


# ---------------------------------------------------------------- hazards

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
        raise ValidationError({"deadline": _("Deadline: the date lies in the past.")})
    if deadline > today + datetime.timedelta(days=90):
        raise ValidationError({"deadline": _("Deadline: at most 90 days ahead.")})
    requirements = _text(requirements, "requirements", _("Requirements"))
    first = hazards[0]
    for h in hazards:
        _require_write(scope, h.place, _("%(place)s lies outside your grid.") % {"place": h.place})
        if h.status != Hazard.Status.OPEN:
            raise ValidationError({"hazards": _("Hazards: %(t)s already has a notice or is closed.") % {"t": h.title}})
        if h.responsible_name != first.responsible_name:
            raise ValidationError({"hazards": _("Hazards: one notice goes to one responsible party.")})
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


# ---------------------------------------------------------------- campaigns and inspections

@transaction.atomic
def create_campaign(scope: Scope, community: Community, *, kind: str, title: str, target: str, starts_on, ends_on, items,
                    place_kind: str = "") -> Campaign:
    if not scope.covers(community, "write", roles.PATROLS) or not (scope.everything or scope.has_role(*roles.STAFF_ROLES)):
        raise OutOfScope(_("Only the community's staff plan inspection campaigns."))
    if kind not in Campaign.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown kind %(k)s.") % {"k": kind}})
    if target not in Campaign.Target.values:
        raise ValidationError({"target": _("Inspects: venues or buildings.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("Until: the end lies before the start.")})
    items = [str(i).strip() for i in items if str(i).strip()]
    if not items:
        raise ValidationError({"items": _("Checklist: at least one item.")})
    kinds = Venue.Kind.values if target == Campaign.Target.VENUE else Building.Kind.values
    if place_kind and place_kind not in kinds:
        raise ValidationError({"place_kind": _("Kind of place: unknown kind %(k)s.") % {"k": place_kind}})
    campaign = Campaign.objects.create(community=community, kind=kind, title=_text(title, "title", _("Title")), target=target,
                                       place_kind=place_kind, starts_on=starts_on, ends_on=ends_on, created_by=_actor(scope))
    ChecklistItem.objects.bulk_create([ChecklistItem(campaign=campaign, order=i, text=t[:200]) for i, t in enumerate(items, 1)])
    return campaign


@transaction.atomic
def inspect(scope: Scope, campaign: Campaign, *, place, results: dict, note: str = "", responsible_person=None,
            responsible_org=None, responsible_name: str = "", photos=None) -> Inspection:
    """One place checked against the campaign's checklist; each failed item becomes a hazard.

    results: {item_id: (passed: bool, note: str)}; photos: {item_id: [files]} for the failed ones."""
    if campaign.target == Campaign.Target.VENUE and not isinstance(place, Venue):
        raise ValidationError({"venue": _("Venue: this campaign inspects venues.")})
    if campaign.target == Campaign.Target.BUILDING and not isinstance(place, Building):
        raise ValidationError({"building": _("Building: this campaign inspects buildings.")})
    field = "venue" if isinstance(place, Venue) else "building"
    if campaign.place_kind and place.kind != campaign.place_kind:
        wanted = (Venue.Kind if isinstance(place, Venue) else Building.Kind)(campaign.place_kind).label
        raise ValidationError({field: _("%(place)s is not of the kind this campaign inspects (%(k)s).") % {"place": place, "k": wanted}})
    if place.community_id != campaign.community_id:
        raise ValidationError({field: _("%(place)s is not in the campaign's community.") % {"place": place}})
    if not scope.covers(place, "write", roles.PATROLS):
        raise OutOfScope(_("%(place)s lies outside your grid: you may inspect only places in your grid.") % {"place": place})
    items = list(campaign.items.all())
    missing = [i.text for i in items if i.pk not in results]
    if missing:
        raise ValidationError({"results": _("Checklist: every item needs pass or fail (missing: %(items)s).") % {"items": "、".join(missing)}})
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(campaign=campaign, community=place.community, grid=place.grid, inspector=_actor(scope),
                                                   note=note, **{field: place})
    except IntegrityError:
        raise ValidationError({field: _("%(place)s has already been inspected in this campaign.") % {"place": place}})
    photos = photos or {}
    for item in items:
        passed, item_note = results[item.pk]
        InspectionResult.objects.create(inspection=inspection, item=item, passed=bool(passed), note=(item_note or "")[:300])
        if not passed:
            record_hazard(scope, title=item.text, place=place, description=item_note or "", inspection=inspection, item=item,
                          category_code=campaign.category_code, responsible_person=responsible_person, responsible_org=responsible_org,
                          responsible_name=responsible_name, photos=photos.get(item.pk, ()))
    return inspection


def campaign_progress(campaign: Campaign) -> dict:
    """planned / inspected / hazards found / fixed / fixed on time / escalated, counted in hazards.

    Fixed: the re-inspection found it fixed, whenever that was. Fixed on time: found fixed on or before the notice's
    deadline (a fix recorded after the deadline is fixed, but late)."""
    model = Venue if campaign.target == Campaign.Target.VENUE else Building
    planned_qs = model.objects.filter(community=campaign.community)
    planned = (planned_qs.filter(kind=campaign.place_kind) if campaign.place_kind else planned_qs).count()
    hazards = Hazard.objects.filter(inspection__campaign=campaign)
    fixed = hazards.filter(status=Hazard.Status.FIXED)
    on_time = fixed.filter(notices__reinspection__outcome=Reinspection.Outcome.FIXED,
                           notices__reinspection__done_at__date__lte=F("notices__deadline"))
    return {
        "planned": planned,
        "inspected": campaign.inspections.count(),
        "hazards": hazards.count(),
        "fixed": fixed.count(),
        "fixed_on_time": on_time.values("pk").distinct().count(),
        "escalated": hazards.filter(status=Hazard.Status.ESCALATED).count(),
    }


# ---------------------------------------------------------------- care visits

DEFAULT_RULES = [
    # name, tag, also_tag, min_level, max_level, interval, method
    ("living-alone 80+", "age80", "living_alone", None, None, 7, "door"),
    ("disabled level 1–2", "disabled", "", 1, 2, 14, "door"),
    ("left-behind children", "left_behind_child", "", None, None, 30, "door"),
]


def seed_visit_rules(community: Community) -> list[VisitRule]:
    with site_language():
        return _seed_visit_rules(community)


def _seed_visit_rules(community: Community) -> list[VisitRule]:
    names = {"living-alone 80+": _("Living alone, aged 80+"), "disabled level 1–2": _("Disabled, level 1–2"),
             "left-behind children": _("Left-behind children and minors in difficulty")}
    out = []
    for name, tag, also, lo, hi, days, method in DEFAULT_RULES:
        rule, _made = VisitRule.objects.get_or_create(community=community, tag=tag, also_tag=also, defaults={
            "name": str(names[name]), "min_level": lo, "max_level": hi, "interval_days": days, "method": method})
        out.append(rule)
    return out


TAG_CHOICES = [t for t, _l in PersonTag._meta.get_field("tag").choices] + ["age60", "age80", "minor"]


@transaction.atomic
def save_visit_rule(scope: Scope, community: Community, *, name: str, tag: str, interval_days: int, also_tag: str = "",
                    min_level=None, max_level=None, method: str = "door", active: bool = True, rule: VisitRule | None = None) -> VisitRule:
    if not (scope.everything or scope.has_role(*roles.STAFF_ROLES)) or not scope.covers(community, "write", roles.PATROLS):
        raise OutOfScope(_("Only the community's staff edit visit rules."))
    if tag not in TAG_CHOICES:
        raise ValidationError({"tag": _("Tag: unknown tag %(t)s.") % {"t": tag}})
    if also_tag and also_tag not in TAG_CHOICES:
        raise ValidationError({"also_tag": _("Tag: unknown tag %(t)s.") % {"t": also_tag}})
    try:
        interval_days = int(interval_days)
    except (TypeError, ValueError):
        raise ValidationError({"interval_days": _("Every (days): a whole number of days.")})
    if not 1 <= interval_days <= 366:
        raise ValidationError({"interval_days": _("Every (days): between 1 and 366.")})
    if min_level is not None and max_level is not None and min_level > max_level:
        raise ValidationError({"min_level": _("Level: the lowest level is above the highest.")})
    if method not in VisitRule.Method.values:
        raise ValidationError({"method": _("Method: door, phone or video.")})
    rule = rule or VisitRule(community=community)
    rule.name, rule.tag, rule.also_tag, rule.min_level, rule.max_level = _text(name, "name", pgettext("rule", "Name")), tag, also_tag, min_level, max_level
    rule.interval_days, rule.method, rule.active = interval_days, method, active
    rule.save()
    return rule


def _birth_before(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _tag_q(tag: str, today: datetime.date, min_level=None, max_level=None) -> Q:
    if tag == "age80":
        return Q(birth_date__lte=_birth_before(today, 80))
    if tag == "age60":
        return Q(birth_date__lte=_birth_before(today, 60))
    if tag == "minor":
        return Q(birth_date__gt=_birth_before(today, 18))
    return Q(pk__in=PersonTag.objects.filter(tag=tag, **({"level__gte": min_level} if min_level is not None else {}),
                                             **({"level__lte": max_level} if max_level is not None else {})).values("person_id"))


def persons_for(rule: VisitRule, today: datetime.date):
    qs = Person.objects.filter(status=Person.Status.LIVING_HERE, dwelling__building__community_id=rule.community_id)
    qs = qs.filter(_tag_q(rule.tag, today, rule.min_level, rule.max_level))
    if rule.also_tag:
        qs = qs.filter(_tag_q(rule.also_tag, today))
    return qs.select_related("dwelling__building__grid").distinct()


def generate_visits(community: Community, today: datetime.date | None = None) -> int:
    """Create the due visit for every person a rule covers who has none open: due a rule-interval after
    their last visit under that rule, or today when never visited. Idempotent."""
    today = today or timezone.localdate()
    created = 0
    for rule in VisitRule.objects.filter(community=community, active=True):
        open_ids = set(CareVisit.objects.filter(rule=rule, done_at__isnull=True).values_list("person_id", flat=True))
        last = dict(CareVisit.objects.filter(rule=rule, done_at__isnull=False).values("person_id")
                    .annotate(last=Max("done_at")).values_list("person_id", "last"))
        workers = {}
        for person in persons_for(rule, today):
            if person.pk in open_ids:
                continue
            done = last.get(person.pk)
            due = timezone.localtime(done).date() + datetime.timedelta(days=rule.interval_days) if done else today
            building = person.dwelling.building
            grid = building.micro_grid or building.grid
            if grid.pk not in workers:
                workers[grid.pk] = grid_worker_of(grid, today)
            try:
                with transaction.atomic():
                    CareVisit.objects.create(person=person, rule=rule, community=community, grid=building.grid, building=building,
                                             assigned_to=workers[grid.pk], due_on=due)
                created += 1
            except IntegrityError:  # another generator made it first
                pass
    return created


CARE_REQUESTS = ("wish", "order")
CARE_REQUEST_MAX = 200  # a micro-wish's text and a service order's note hold at most 200 characters


def may_request_care(scope: Scope, person: Person) -> bool:
    """Whether the caller may turn a need into a micro-wish or service order for this person (the volunteers app's rule:
    someone with write on the person, such as their grid worker, or the community's volunteer staff)."""
    from linli.volunteers import services as volunteers

    return scope.allows(person, "write") or (person.community_id is not None and volunteers.is_staff(scope, person.community))


def _care_request(scope: Scope, visit: CareVisit, care: str, needs: str, menu_item):
    """The need as a micro-wish or a service-menu order for the visited person, through linli.volunteers.services.
    The volunteers app's refusals are reported against the visit form's fields."""
    from linli.volunteers import services as volunteers

    try:
        if care == "wish":
            return {"wish": volunteers.post_wish(scope, text=needs, person=visit.person)}
        return {"service_order": volunteers.order_service(scope, menu_item, note=needs, person=visit.person)}
    except ValidationError as exc:
        fields = {"text": "needs", "note": "needs", "item": "menu_item"}  # the volunteers app's field → the visit form's
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"needs": exc.messages})
        raise ValidationError({fields.get(f, f): ValidationError(errors).messages for f, errors in exc.error_dict.items()})


@transaction.atomic
def record_visit(scope: Scope, visit: CareVisit, *, method: str, situation: str, needs: str = "", open_case: bool = False,
                 care: str = "", menu_item=None, at=None) -> CareVisit:
    """A visit done: how, the person's situation, the needs found; a need may open a case and/or become a care request
    (care="wish": a micro-wish for the person; care="order": an order of `menu_item` from the community's service menu),
    linked from the visit. The next visit falls due."""
    visit = CareVisit.objects.select_for_update().select_related("person", "rule").get(pk=visit.pk)
    if not scope.allows(visit.person, "read") or not scope.filter(CareVisit.objects.filter(pk=visit.pk), "write").exists():
        raise OutOfScope(_("%(name)s is not in your area: you may record visits only for people you look after.") % {"name": visit.person.name})
    if visit.done_at is not None:
        raise ValidationError({"visit": _("Visit: already recorded.")})
    if method not in VisitRule.Method.values:
        raise ValidationError({"method": _("Method: door, phone or video.")})
    situation = _text(situation, "situation", _("Situation"))
    needs = (needs or "").strip()
    if open_case and len(needs) < 4:
        raise ValidationError({"needs": _("Needs found: describe the need to open a case (at least 4 characters).")})
    care = (care or "").strip()
    if care and care not in CARE_REQUESTS:
        raise ValidationError({"care": _("Care request: a micro-wish or a service-menu order.")})
    if care and len(needs) < 4:
        raise ValidationError({"needs": _("Needs found: describe the need to make a care request (at least 4 characters).")})
    if care and len(needs) > CARE_REQUEST_MAX:
        raise ValidationError({"needs": _("Needs found: a care request holds at most %(n)d characters.") % {"n": CARE_REQUEST_MAX}})
    if care == "order" and (menu_item is None or not menu_item.active or menu_item.community_id != visit.community_id):
        raise ValidationError({"menu_item": _("Service: choose a service from the community's service menu.")})
    at = at or timezone.now()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("When: the visit cannot lie in the future.")})
    visit.done_at, visit.done_by, visit.method, visit.situation, visit.needs = at, _actor(scope), method, situation, needs
    if not CareVisit.objects.filter(pk=visit.pk, done_at__isnull=True).update(done_at=at, done_by=visit.done_by, method=method,
                                                                              situation=situation, needs=needs):
        raise ValidationError({"visit": _("Visit: already recorded.")})
    if open_case and visit.person.dwelling_id:
        category = Category.objects.filter(code="elderly.alone", parent__isnull=False).first()
        source = Case.Source.PATROL if scope.has_role(roles.GRID_WORKER) else Case.Source.BUILDING_LEADER
        with site_language():
            title = _("Need found on a care visit: %(name)s") % {"name": visit.person.name}
        visit.case = cases.submit(scope if scope.has_role(roles.GRID_WORKER, roles.BUILDING_LEADER) else system(), source=source,
                                  description=needs, title=title,
                                  category=category, dwelling=visit.person.dwelling, reporter_person=visit.person)
    if care:
        for field, request in _care_request(scope, visit, care, needs, menu_item).items():
            setattr(visit, field, request)
    visit.save(update_fields=["case", "wish", "service_order"])
    rule = visit.rule
    if rule.active:
        due = timezone.localtime(at).date() + datetime.timedelta(days=rule.interval_days)
        CareVisit.objects.create(person=visit.person, rule=rule, community=visit.community, grid=visit.grid, building=visit.building,
                                 assigned_to=visit.assigned_to, due_on=due)
    return visit


def overdue_visits(today: datetime.date):
    return CareVisit.objects.filter(done_at__isnull=True, due_on__lt=today)


def escalate_overdue_visit(pk: int, today: datetime.date) -> bool:
    """Escalate one overdue visit to the community staff exactly once (conditional UPDATE on escalated_at)."""
    with transaction.atomic():
        if not CareVisit.objects.filter(pk=pk, done_at__isnull=True, due_on__lt=today, escalated_at__isnull=True).update(escalated_at=timezone.now()):
            return False
        v = CareVisit.objects.select_related("person", "rule").get(pk=pk)
        notify.notify(f"patrols:carevisit:{v.pk}:overdue", community_staff(v.community_id),
                      subject=_("Care visit overdue: %(name)s (%(rule)s), due %(d)s") % {"name": v.person.name, "rule": v.rule.name, "d": v.due_on},
                      link="/patrols/visits/?overdue=1", payload={"visit": v.pk})
        return True


# ---------------------------------------------------------------- disputes

@transaction.atomic
def register_dispute(scope: Scope, *, grid: Grid, kind: str, description: str, parties, risk: str = "low",
                     building: Building | None = None) -> Dispute:
    """parties: a list of Person, Organization or plain names (at least two)."""
    _require_write(scope, grid, _("%(place)s lies outside your area.") % {"place": grid})
    if kind not in Dispute.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown kind %(k)s.") % {"k": kind}})
    if risk not in Dispute.Risk.values:
        raise ValidationError({"risk": _("Risk: low, medium or high.")})
    description = _text(description, "description", _("Description"), 4)
    parties = [p for p in parties if p not in (None, "") and (not isinstance(p, str) or p.strip())]
    if len(parties) < 2:
        raise ValidationError({"parties": _("Parties: a dispute has at least two parties.")})
    dispute = _create_numbered(Dispute, "JF", timezone.localdate(), community=grid.community, grid=grid,
                                     building=building, kind=kind, risk=risk, description=description, registered_by=_actor(scope))
    for p in parties:
        if isinstance(p, Person):
            DisputeParty.objects.create(dispute=dispute, person=p, name=p.name)
        elif isinstance(p, Organization):
            DisputeParty.objects.create(dispute=dispute, organization=p, name=p.name)
        else:
            DisputeParty.objects.create(dispute=dispute, name=str(p).strip()[:200])
    if risk == Dispute.Risk.HIGH:
        notify.notify(f"patrols:dispute:{dispute.pk}:high", community_staff(dispute.community_id),
                      subject=_("High-risk dispute registered: %(n)s") % {"n": dispute.number}, body=description[:300],
                      link=f"/patrols/disputes/{dispute.pk}/")
    return dispute


def _dispute_for_write(scope: Scope, dispute: Dispute) -> Dispute:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not scope.filter(Dispute.objects.filter(pk=dispute.pk), "write").exists():
        raise OutOfScope(_("Dispute %(n)s is not in your area.") % {"n": dispute.number})
    return dispute


@transaction.atomic
def record_mediation(scope: Scope, dispute: Dispute, *, at, mediators, notes: str, outcome: str) -> Mediation:
    """mediators: [{"kind": building_leader|grid_worker|studio|council|other, "name": …}]"""
    dispute = _dispute_for_write(scope, dispute)
    if dispute.status not in (Dispute.Status.REGISTERED, Dispute.Status.MEDIATING):
        raise ValidationError({"dispute": _("Dispute: %(n)s is %(s)s; no further sessions.") % {"n": dispute.number, "s": dispute.get_status_display()}})
    cleaned = []
    for m in mediators or []:
        kind, name = m.get("kind", ""), str(m.get("name", "")).strip()
        if kind not in Mediation.MediatorKind.values or not name:
            raise ValidationError({"mediators": _("Mediators: each needs a kind and a name.")})
        cleaned.append({"kind": kind, "name": name[:100]})
    if not cleaned:
        raise ValidationError({"mediators": _("Mediators: name at least one mediator.")})
    if outcome not in Mediation.Outcome.values:
        raise ValidationError({"outcome": _("Outcome: to be continued, agreement reached or failed.")})
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("When: a session cannot lie in the future.")})
    if at < dispute.registered_at - datetime.timedelta(days=1):
        raise ValidationError({"at": _("When: the session lies before the dispute was registered.")})
    session = Mediation.objects.create(dispute=dispute, at=at, mediators=cleaned, notes=_text(notes, "notes", _("Notes")),
                                       outcome=outcome, recorded_by=_actor(scope))
    dispute.status = {Mediation.Outcome.CONTINUE: Dispute.Status.MEDIATING, Mediation.Outcome.AGREED: Dispute.Status.AGREED,
                      Mediation.Outcome.FAILED: Dispute.Status.FAILED}[outcome]
    dispute.save(update_fields=["status"])
    return session


AGREEMENT_TYPES = {"application/pdf": (b"%PDF",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}


@transaction.atomic
def attach_agreement(scope: Scope, dispute: Dispute, *, file, summary: str, signed_on: datetime.date) -> Agreement:
    """The signed agreement (PDF or a photo of it) after a session that reached agreement."""
    dispute = _dispute_for_write(scope, dispute)
    if dispute.status != Dispute.Status.AGREED:
        raise ValidationError({"file": _("Agreement: record a session that reached agreement first.")})
    if file is None:
        raise ValidationError({"file": _("Agreement: attach the signed agreement (PDF, JPEG or PNG).")})
    head = file.read(8)
    file.seek(0)
    ctype = getattr(file, "content_type", "") or ""
    if not any(head.startswith(m) for m in AGREEMENT_TYPES.get(ctype, ())):
        raise ValidationError({"file": _("Agreement: only a PDF, JPEG or PNG file is accepted.")})
    if file.size > 10 * 1024 * 1024:
        raise ValidationError({"file": _("Agreement: at most 10 MB.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Signed on: the date lies in the future.")})
    session = dispute.mediations.filter(outcome=Mediation.Outcome.AGREED).last()
    return Agreement.objects.create(dispute=dispute, mediation=session, summary=_text(summary, "summary", _("Terms")), signed_on=signed_on,
                                    file=file, content_type=ctype, size=file.size, uploaded_by=_actor(scope))


@transaction.atomic
def follow_up(scope: Scope, dispute: Dispute, *, note: str, settled: bool = True) -> FollowUp:
    """回访: after an agreement; settled closes the dispute."""
    dispute = _dispute_for_write(scope, dispute)
    if dispute.status not in (Dispute.Status.AGREED, Dispute.Status.FAILED, Dispute.Status.CLOSED):
        raise ValidationError({"note": _("Follow-up: the dispute has not been settled or given up yet.")})
    if dispute.status == Dispute.Status.AGREED and not dispute.agreements.exists():
        raise ValidationError({"note": _("Follow-up: attach the signed agreement first.")})
    visit = FollowUp.objects.create(dispute=dispute, by=_actor(scope), note=_text(note, "note", _("Note")), settled=settled)
    if settled and dispute.status != Dispute.Status.CLOSED:
        dispute.status, dispute.closed_at = Dispute.Status.CLOSED, timezone.now()
        dispute.save(update_fields=["status", "closed_at"])
    return visit


def dispute_statistics(disputes, start: datetime.date, end: datetime.date) -> dict:
    """Counts by kind and by outcome of the disputes registered in [start, end]."""
    qs = disputes.filter(registered_at__date__gte=start, registered_at__date__lte=end)
    by_kind = {k: 0 for k in Dispute.Kind.values}
    for row in qs.values("kind").annotate(n=Count("id")):
        by_kind[row["kind"]] = row["n"]
    by_status = {s: 0 for s in Dispute.Status.values}
    for row in qs.values("status").annotate(n=Count("id")):
        by_status[row["status"]] = row["n"]
    resolved = qs.filter(Q(status=Dispute.Status.CLOSED, agreements__isnull=False) | Q(status=Dispute.Status.AGREED)).distinct().count()
    return {"total": qs.count(), "by_kind": by_kind, "by_status": by_status, "resolved": resolved}


# ---------------------------------------------------------------- building leaders: lists and points

DEFAULT_POINT_RULES = [
    ("duty_done", "Duty item done on time", 2),
    ("case_in_time", "Building-tier case handled in time", 3),
    ("duty_missed", "Duty item missed", -2),
    ("case_overdue", "Building-tier case overdue", -3),
]


def seed_point_rules(community: Community, effective_from: datetime.date) -> list[PointRule]:
    with site_language():
        return _seed_point_rules(community, effective_from)


def _seed_point_rules(community: Community, effective_from: datetime.date) -> list[PointRule]:
    labels = {"duty_done": _("Duty item done on time"), "case_in_time": _("Building-tier case handled in time"),
              "duty_missed": _("Duty item missed"), "case_overdue": _("Building-tier case overdue")}
    out = []
    for code, _d, points in DEFAULT_POINT_RULES:
        rule, _made = PointRule.objects.get_or_create(community=community, code=code, effective_from=effective_from,
                                                      defaults={"description": str(labels[code]), "points": points})
        out.append(rule)
    return out


def rule_in_force(community_id, code: str, on: datetime.date) -> PointRule | None:
    return (PointRule.objects.filter(community_id=community_id, code=code, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).order_by("-effective_from").first())


@transaction.atomic
def publish_rule(scope: Scope, community: Community, *, code: str, description: str, points: int, effective_from: datetime.date) -> PointRule:
    """A new version of a rule from a date; the version before ends the day before. History keeps its rule."""
    if not (scope.everything or scope.has_role(*roles.STAFF_ROLES)) or not scope.covers(community, "write", roles.PATROLS):
        raise OutOfScope(_("Only the community's staff publish point rules."))
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("Code: required.")})
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ValidationError({"points": _("Points: a whole number.")})
    if not -100 <= points <= 100:
        raise ValidationError({"points": _("Points: between -100 and 100.")})
    if effective_from < timezone.localdate():
        raise ValidationError({"effective_from": _("Effective from: the date lies in the past; history keeps the rules it was earned under.")})
    later = PointRule.objects.filter(community=community, code=code, effective_from__gte=effective_from)
    if later.exists():
        raise ValidationError({"effective_from": _("Effective from: a version of this rule already starts on or after that date.")})
    PointRule.objects.filter(community=community, code=code, effective_to__isnull=True).update(
        effective_to=effective_from - datetime.timedelta(days=1))
    return PointRule.objects.create(community=community, code=code, description=_text(description, "description", _("Rule")),
                                    points=points, effective_from=effective_from)


def record_points(leader: Person, community_id, code: str, source_key: str, *, on: datetime.date, reason,
                  building=None, duty_item=None, case=None) -> PointEvent | None:
    """One event per (rule code, source): a repeated attempt records nothing and returns None."""
    rule = rule_in_force(community_id, code, on)
    if rule is None:
        return None
    if callable(reason):
        with site_language():
            reason = reason()
    try:
        with transaction.atomic():
            return PointEvent.objects.create(leader=leader, community_id=community_id, building=building, rule=rule, code=code,
                                             source_key=source_key, points=rule.points, reason=reason[:300], duty_item=duty_item, case=case,
                                             at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(12))) if on != timezone.localdate() else timezone.now())
    except IntegrityError:
        return None


def points_of(leader: Person, community_id=None) -> int:
    qs = PointEvent.objects.filter(leader=leader)
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.aggregate(total=Sum("points"))["total"] or 0


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def leaders(community_id, on: datetime.date):
    return (Appointment.objects.filter(role=roles.BUILDING_LEADER, building__community_id=community_id, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).select_related("person", "building"))


def generate_duties(community: Community, month: datetime.date) -> int:
    """The month's 三员 items for every building leader in post (idempotent)."""
    with site_language():
        return _generate_duties(community, month)


def _generate_duties(community: Community, month: datetime.date) -> int:
    titles = {DutyItem.Kind.COLLECT: _("Collect the residents' opinions in the building"),
              DutyItem.Kind.MEDIATE: _("Check for and mediate neighbour conflicts"),
              DutyItem.Kind.ORGANISE: _("Organise an activity for the building")}
    period, due = f"{month:%Y-%m}", _month_end(month)
    created = 0
    have = set(DutyItem.objects.filter(community=community, source=DutyItem.Source.GENERATED, period=period)
               .values_list("leader_id", "building_id", "kind"))
    for appt in leaders(community.pk, month):
        for kind, title in titles.items():
            if (appt.person_id, appt.building_id, kind) in have:
                continue
            try:
                with transaction.atomic():
                    DutyItem.objects.create(leader=appt.person, building=appt.building, community=community, kind=kind,
                                            title=str(title), source=DutyItem.Source.GENERATED, period=period, due_on=due)
                created += 1
            except IntegrityError:
                pass
    return created


@transaction.atomic
def assign_task(scope: Scope, leader: Person, building: Building, *, title: str, due_on: datetime.date) -> DutyItem:
    if not (scope.everything or scope.has_role(*roles.STAFF_ROLES, roles.GRID_WORKER)) or not scope.covers(building, "write", roles.PATROLS):
        raise OutOfScope(_("Only staff and the grid worker set tasks for %(b)s.") % {"b": building})
    if not leaders(building.community_id, timezone.localdate()).filter(person=leader, building=building).exists():
        raise ValidationError({"leader": _("Leader: %(name)s is not the building leader of %(b)s.") % {"name": leader.name, "b": building}})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("Due: the date lies in the past.")})
    return DutyItem.objects.create(leader=leader, building=building, community=building.community, kind=DutyItem.Kind.TASK,
                                   title=_text(title, "title", _("Title")), source=DutyItem.Source.ASSIGNED, due_on=due_on)


@transaction.atomic
def complete_duty(scope: Scope, item: DutyItem, note: str, at=None) -> DutyItem:
    """The leader ticks an item; on time earns the published points (once)."""
    person = getattr(scope.account, "person", None)
    if not scope.everything and (person is None or person.pk != item.leader_id):
        raise OutOfScope(_("Only %(name)s ticks items on their own list.") % {"name": item.leader.name})
    at = at or timezone.now()
    note = _text(note, "note", _("What was done"))
    if not DutyItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=at, done_note=note):
        raise ValidationError({"note": _("Item: already done.")})
    item.refresh_from_db()
    day = timezone.localtime(at).date()
    if day <= item.due_on and item.missed_at is None:
        record_points(item.leader, item.community_id, "duty_done", f"duty:{item.pk}", on=day, building=item.building,
                      duty_item=item, reason=lambda: _("Done on time: %(t)s") % {"t": item.title})
    return item


def mark_missed(pk: int, today: datetime.date) -> bool:
    with transaction.atomic():
        if not DutyItem.objects.filter(pk=pk, done_at__isnull=True, missed_at__isnull=True, due_on__lt=today).update(missed_at=timezone.now()):
            return False
        item = DutyItem.objects.get(pk=pk)
        record_points(item.leader, item.community_id, "duty_missed", f"duty:{item.pk}", on=today, building=item.building,
                      duty_item=item, reason=lambda: _("Missed: %(t)s (due %(d)s)") % {"t": item.title, "d": item.due_on})
        return True


def _leader_of(building_id, on: datetime.date) -> Person | None:
    appt = (Appointment.objects.filter(role=roles.BUILDING_LEADER, building_id=building_id, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).select_related("person").order_by("starts_on", "id").first())
    return appt.person if appt else None


def account_building_cases(today: datetime.date | None = None) -> int:
    """责任制 from the cases app: a building-tier case resolved in time earns the leader points; one that
    went overdue at the building tier (auto-escalated from it) is recorded against them. Once per case."""
    today = today or timezone.localdate()
    recorded = 0
    overdue = (CaseEvent.objects.filter(action=CaseEvent.Action.ESCALATE, from_tier=Tier.BUILDING, data__auto=True,
                                        case__building__isnull=False)
               .exclude(case_id__in=PointEvent.objects.filter(code="case_overdue", case__isnull=False).values("case_id"))
               .select_related("case").order_by("id"))
    for ev in overdue:
        case = ev.case
        if PointEvent.objects.filter(code="case_overdue", source_key=f"case:{case.pk}").exists():
            continue
        on = timezone.localtime(ev.at).date()
        leader = _leader_of(case.building_id, on)
        if leader and record_points(leader, case.community_id, "case_overdue", f"case:{case.pk}", on=on, building=case.building,
                                    case=case, reason=lambda: _("Case %(n)s overdue at the building") % {"n": case.number}):
            recorded += 1
    in_time = (CaseEvent.objects.filter(action=CaseEvent.Action.RESOLVE, to_tier=Tier.BUILDING, case__building__isnull=False)
               .exclude(case_id__in=PointEvent.objects.filter(code="case_in_time", case__isnull=False).values("case_id"))
               .select_related("case").order_by("id"))
    for ev in in_time:
        case = ev.case
        if case.handling_due and ev.at > case.handling_due:
            continue
        if PointEvent.objects.filter(code="case_in_time", source_key=f"case:{case.pk}").exists():
            continue
        on = timezone.localtime(ev.at).date()
        leader = _leader_of(case.building_id, on)
        if leader and record_points(leader, case.community_id, "case_in_time", f"case:{case.pk}", on=on, building=case.building,
                                    case=case, reason=lambda: _("Case %(n)s handled in time") % {"n": case.number}):
            recorded += 1
    return recorded
