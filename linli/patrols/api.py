"""JSON API for grid work (mounted at /api/v1/patrols): a grid worker's phone app patrols, records visits and
hazards, issues notices and records re-inspections; reads are filtered by the caller's scope. Bad input
answers 422 naming the field, a place outside the caller's area 403, an id outside the scope 404."""

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from typing import Annotated

from linli.core import roles
from linli.core.api_errors import Paginated, created, get_in
from linli.core.api_limits import PRESENT_ID, NonBlank, OneOf, Published, at_least_one, present_text, rules_config
from linli.people.models import Organization, Person
from linli.people.scopes import for_request
from linli.places.models import Building, Dwelling, Venue
from linli.volunteers import queries as volunteer_queries

from . import queries, services
from .models import CareVisit, Patrol, Reinspection

router = Router(tags=["patrols"])


class PatrolOut(Schema):
    id: int
    grid: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    stops: int

    @staticmethod
    def resolve_grid(obj):
        return str(obj.grid)

    @staticmethod
    def resolve_stops(obj):
        return obj.stops.count()


class StopIn(Schema):
    seen: str
    building_id: int | None = None
    venue_id: int | None = None
    dwelling_id: int | None = None
    lat: float | None = None
    lng: float | None = None


class StopOut(Schema):
    id: int
    place: str
    seen: str
    at: datetime.datetime
    lat: float | None
    lng: float | None

    @staticmethod
    def resolve_place(obj):
        return str(obj.place or "")


def _category_codes() -> list[str]:
    """The case categories a hazard may name (leaf codes), read when the schema is built."""
    from linli.cases.models import Category

    return list(Category.objects.filter(parent__isnull=False).order_by("code").values_list("code", flat=True))


class HazardIn(Schema):
    """Where: a stop, a building or a venue (building before venue before the stop's place). Who fixes it:
    an organisation, a name, or else the venue itself (the schema states both rules)."""

    model_config = rules_config(
        at_least_one({"stop_id": PRESENT_ID}, {"building_id": PRESENT_ID}, {"venue_id": PRESENT_ID}),
        at_least_one({"responsible_org_id": PRESENT_ID}, {"responsible_name": present_text()},
                     {"venue_id": PRESENT_ID, "building_id": {"type": "null"}}),
    )

    title: NonBlank(200, 2)
    stop_id: int | None = None
    building_id: int | None = None
    venue_id: int | None = None
    description: str = ""
    category_code: OneOf(_category_codes) = ""  # empty: the inspection's, else corridor clutter
    responsible_org_id: int | None = None
    responsible_name: str = ""


class HazardOut(Schema):
    id: int
    title: str
    place: str
    responsible_name: str
    status: str
    category_code: str
    case_number: str | None

    @staticmethod
    def resolve_place(obj):
        return str(obj.place or "")

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.number if obj.case_id else None


class NoticeIn(Schema):
    hazard_ids: Annotated[list[int], Published(minItems=1)]
    requirements: NonBlank(4000, 2)
    deadline: datetime.date


class NoticeOut(Schema):
    id: int
    number: str
    responsible_name: str
    deadline: datetime.date
    status: str


class ReinspectionIn(Schema):
    fixed: bool
    note: str = ""


class ReinspectionOut(Schema):
    id: int
    notice: str
    due_on: datetime.date
    outcome: str
    case_number: str | None

    @staticmethod
    def resolve_notice(obj):
        return obj.notice.number

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.number if obj.case_id else None


class VisitOut(Schema):
    id: int
    person: str
    rule: str
    due_on: datetime.date
    done_at: datetime.datetime | None
    overdue: bool

    @staticmethod
    def resolve_person(obj):
        return obj.person.name

    @staticmethod
    def resolve_rule(obj):
        return obj.rule.name

    @staticmethod
    def resolve_overdue(obj):
        return obj.done_at is None and obj.due_on < timezone.localdate()


@router.post("/patrols", response={201: PatrolOut}, summary="Start a patrol of the caller's grid",
             description="Only a grid worker patrols through the API (their own grid); anyone else is answered 403.")
def start_patrol(request):
    scope = for_request(request)
    if not any(a.role == roles.GRID_WORKER and a.grid_id for a in scope.appointments):  # who the caller is decides, not what they sent: a permission matter
        raise PermissionDenied(_("Patrols: only a grid worker starts a patrol here, of their own grid."))
    return created(services.start_patrol(scope))


@router.post("/patrols/{int:patrol_id}/stops", response={201: StopOut}, summary="Record a visit (one building, venue or dwelling)")
def record_stop(request, patrol_id: int, data: StopIn):
    scope = for_request(request)
    patrol = queries.get(scope, Patrol, patrol_id)
    place = {}
    if data.building_id:
        place["building"] = get_in(scope.filter(Building.objects.all()), data.building_id, "building_id")
    if data.venue_id:
        place["venue"] = get_in(scope.filter(Venue.objects.all()), data.venue_id, "venue_id")
    if data.dwelling_id:
        place["dwelling"] = get_in(scope.filter(Dwelling.objects.all()), data.dwelling_id, "dwelling_id")
    return created(services.record_stop(scope, patrol, seen=data.seen, lat=data.lat, lng=data.lng, **place))


@router.post("/patrols/{int:patrol_id}/end", response=PatrolOut, summary="Finish the patrol")
def end_patrol(request, patrol_id: int):
    scope = for_request(request)
    return services.end_patrol(scope, queries.get(scope, Patrol, patrol_id))


@router.get("/hazards", response=list[HazardOut], summary="Hazards in the caller's area")
@paginate(Paginated)
def hazards(request, status: str = ""):
    qs = queries.hazards(for_request(request))
    return qs.filter(status=status) if status else qs


@router.post("/hazards", response={201: HazardOut}, summary="Record a hazard at a stop or a place")
def record_hazard(request, data: HazardIn):
    scope = for_request(request)
    stop = get_in(queries.stops(scope), data.stop_id, "stop_id") if data.stop_id else None
    place = None
    if data.building_id:
        place = get_in(scope.filter(Building.objects.all()), data.building_id, "building_id")
    elif data.venue_id:
        place = get_in(scope.filter(Venue.objects.all()), data.venue_id, "venue_id")
    org = get_in(Organization.objects.all(), data.responsible_org_id, "responsible_org_id") if data.responsible_org_id else None
    return created(services.record_hazard(scope, title=data.title, stop=stop, place=place, description=data.description,
                                       category_code=data.category_code, responsible_org=org, responsible_name=data.responsible_name))


@router.post("/notices", response={201: NoticeOut}, summary="Issue a rectification notice (整改通知书) for hazards of one party")
def issue_notice(request, data: NoticeIn):
    scope = for_request(request)
    chosen = [get_in(queries.hazards(scope), pk, "hazard_ids") for pk in data.hazard_ids]
    return created(services.issue_notice(scope, chosen, requirements=data.requirements, deadline=data.deadline))


@router.get("/reinspections/due", response=list[ReinspectionOut], summary="Re-inspections due in the caller's area")
def reinspections_due(request):
    return list(queries.reinspections_due(for_request(request)).select_related("case"))


@router.post("/reinspections/{int:reinspection_id}", response=ReinspectionOut, summary="Record a re-inspection; not fixed opens a case")
def record_reinspection(request, reinspection_id: int, data: ReinspectionIn):
    scope = for_request(request)
    r = queries.get(scope, Reinspection, reinspection_id)
    return services.record_reinspection(scope, r, fixed=data.fixed, note=data.note)


@router.get("/visits", response=list[VisitOut], summary="Care visits due (or overdue) in the caller's area")
@paginate(Paginated)
def visits(request, overdue: bool = False):
    qs = queries.visits(for_request(request)).filter(done_at__isnull=True).order_by("due_on", "id")
    return qs.filter(due_on__lt=timezone.localdate()) if overdue else qs


class VisitIn(Schema):
    method: str
    situation: str
    needs: str = ""
    open_case: bool = False
    care: str = ""  # "wish" (a micro-wish for the person) or "order" (a service-menu order, with menu_item_id)
    menu_item_id: int | None = None


class VisitDoneOut(VisitOut):
    method: str
    case_number: str | None
    wish_id: int | None
    service_order_id: int | None

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.number if obj.case_id else None


@router.post("/visits/{int:visit_id}", response=VisitDoneOut, summary="Record a care visit; a need may open a case or a care request")
def record_visit(request, visit_id: int, data: VisitIn):
    scope = for_request(request)
    visit = queries.get(scope, CareVisit, visit_id, qs=CareVisit.objects.select_related("person", "rule"))
    item = get_in(volunteer_queries.service_menu(visit.community), data.menu_item_id, "menu_item_id")
    return services.record_visit(scope, visit, method=data.method, situation=data.situation, needs=data.needs,
                                 open_case=data.open_case, care=data.care, menu_item=item)


@router.get("/leaders/{int:person_id}/points", summary="A building leader's points: the sum of their events")
def leader_points(request, person_id: int):
    scope = for_request(request)
    person = get_in(Person.objects.all(), person_id, "person_id")
    if not queries.duty_items(scope).filter(leader=person).exists() and getattr(request.user, "person_id", None) != person.pk:
        from django.http import Http404

        raise Http404
    return {"person": person.name, "points": services.points_of(person)}

