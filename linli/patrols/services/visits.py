"""Care visits (关爱走访): rules (who, how often), the due visits generated from them, recording a visit
(a need may open a case or become a care request through linli.volunteers.services), escalating overdue ones."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.cases import services as cases
from linli.cases.models import Case, Category
from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Person, PersonTag
from linli.people.scopes import Scope, system
from linli.places.models import Community

from ..models import CareVisit, VisitRule
from ._common import _actor, community_staff, grid_worker_of, site_language, _text


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


def _tag_q(tag: str, today: datetime.date, community_id: int, min_level=None, max_level=None) -> Q:
    if tag == "age80":
        return Q(birth_date__lte=_birth_before(today, 80))
    if tag == "age60":
        return Q(birth_date__lte=_birth_before(today, 60))
    if tag == "minor":
        return Q(birth_date__gt=_birth_before(today, 18))
    # The community's residents with the tag are read first, on their own: as a subquery of the residents' query,
    # PostgreSQL's planner, misled by statistics of tables just filled, once read all of the tag's rows again for each
    # resident of the community, and ran past the statement time-out. Two plain look-ups cannot be planned that way.
    levels = {**({"level__gte": min_level} if min_level is not None else {}), **({"level__lte": max_level} if max_level is not None else {})}
    return Q(pk__in=list(PersonTag.objects.filter(tag=tag, person__community_id=community_id, **levels).values_list("person_id", flat=True)))


def persons_for(rule: VisitRule, today: datetime.date):
    qs = Person.objects.filter(status=Person.Status.LIVING_HERE, dwelling__building__community_id=rule.community_id)
    qs = qs.filter(_tag_q(rule.tag, today, rule.community_id, rule.min_level, rule.max_level))
    if rule.also_tag:
        qs = qs.filter(_tag_q(rule.also_tag, today, rule.community_id))
    return qs.select_related("dwelling__building__grid")


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
