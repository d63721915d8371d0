"""Building leaders (楼栋长): duty lists (清单制), points (积分制) and case accountability (责任制).

Points are never stored: points_of sums the PointEvent rows; each event copies the points of the rule version in
force on its day and is unique per (rule code, source)."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.models import CaseEvent, Tier
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Appointment, Person
from linli.people.scopes import Scope
from linli.places.models import Building, Community

from ..models import DutyItem, PointEvent, PointRule
from ._common import site_language, _text


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
