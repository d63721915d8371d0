"""JSON API for people: residents (masked PII, reveal with audit), households, organisations, appointments, /me.

Reads go through people.queries with the caller's scope; writes through
people.services. A record outside the caller's read scope answers 404 (the
same body as a missing id); one they may read but not change answers 403.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from linli.core.api_errors import Paginated, created, get_in
from linli.core.api_limits import OneOf
from linli.places.models import Building, Community, Compound, Dwelling, Entrance, Grid, Subdistrict

from . import queries, services
from .models import Organization, Person
from .schemas import (
    AppointmentIn,
    AppointmentOut,
    DeathIn,
    HouseholdDetail,
    HouseholdOut,
    PeopleMeOut,
    MoveIn,
    MoveOutIn,
    OrganizationOut,
    PersonDetail,
    PersonIn,
    PersonOut,
    PersonPatch,
    RevealIn,
    RevealOut,
)
from .scopes import for_request

router = Router(tags=["people"])

SCOPE_MODELS = {
    "subdistrict": Subdistrict,
    "community": Community,
    "compound": Compound,
    "grid": Grid,
    "building": Building,
    "entrance": Entrance,
    "organization": Organization,
}


class PersonQuery(Schema):
    q: str = ""
    tag: OneOf(queries.tag_labels) = ""
    grid: int | None = None
    building: int | None = None
    community: int | None = None
    age_band: OneOf(queries.AGE_BANDS) = ""
    status: OneOf(Person.Status.values) = Person.Status.LIVING_HERE  # empty: any status


# ---------------------------------------------------------------------------- persons
@router.get("/persons", response=list[PersonOut], summary="Residents in scope (ID numbers and phones masked)")
@paginate(Paginated)
def list_persons(request, filters: Query[PersonQuery]):
    f = queries.PersonFilter(**filters.dict())
    return queries.persons(for_request(request), f)


def _person_detail(scope, p: Person) -> Person:
    p.history = list(queries.person_history(scope, p))
    p.membership_list = list(queries.memberships(p))
    p.may_reveal = scope.may_reveal(p)
    return p


@router.get("/persons/{int:person_id}", response=PersonDetail, summary="One resident with their history (masked)")
def get_person(request, person_id: int):
    scope = for_request(request)
    return _person_detail(scope, queries.person(scope, person_id))


@router.post("/persons", response={201: PersonDetail}, summary="Register a resident")
def register_person(request, payload: PersonIn):
    scope = for_request(request)
    data = payload.dict(exclude_unset=True)
    dwelling = get_in(scope.filter(Dwelling.objects.select_related("building")), data.pop("dwelling", None), "dwelling")
    household = get_in(queries.households(scope), data.pop("household", None), "household")
    community = get_in(scope.filter(Community.objects.all()), data.pop("community", None), "community")
    extra = {k: data.pop(k) for k in ("relation", "tags", "since") if k in data}
    p = services.register_person(scope, dwelling=dwelling, community=community, household=household, **extra, **data)
    return created(_person_detail(scope, queries.person(scope, p.pk)))


@router.patch("/persons/{int:person_id}", response=PersonDetail, summary="Change a resident's details")
def update_person(request, person_id: int, payload: PersonPatch):
    scope = for_request(request)
    p = queries.person(scope, person_id)
    # null leaves a field alone (as an absent one), except the birth date, which null clears.
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in ("birth_date", "tags")}
    tags = changes.pop("tags", None)  # None: leave the tags alone; [] clears them
    with transaction.atomic():
        if changes:
            p = services.update_person(scope, p, **changes)
        if tags is not None:
            services.set_tags(scope, p, tags)
    return _person_detail(scope, queries.person(scope, person_id))


@router.post("/persons/{int:person_id}/move", response=PersonDetail, summary="Move a resident to another dwelling")
def move_person(request, person_id: int, payload: MoveIn):
    scope = for_request(request)
    p = queries.person(scope, person_id)
    dwelling = get_in(scope.filter(Dwelling.objects.select_related("building")), payload.dwelling, "dwelling")
    household = get_in(queries.households(scope), payload.household, "household")
    services.move(scope, p, dwelling, household=household, relation=payload.relation, on=payload.on)
    return _person_detail(scope, queries.person(scope, person_id))


@router.post("/persons/{int:person_id}/move-out", response=PersonDetail, summary="Record that a resident moved away")
def move_out(request, person_id: int, payload: MoveOutIn):
    scope = for_request(request)
    p = queries.person(scope, person_id)
    services.move_out(scope, p, on=payload.on, destination=payload.destination)
    return _person_detail(scope, queries.person(scope, person_id))


@router.post("/persons/{int:person_id}/death", response=PersonDetail, summary="Record a resident's death")
def record_death(request, person_id: int, payload: DeathIn):
    scope = for_request(request)
    p = queries.person(scope, person_id)
    services.record_death(scope, p, on=payload.on)
    return _person_detail(scope, queries.person(scope, person_id))


@router.post("/persons/{int:person_id}/reveal", response=RevealOut, summary="Reveal an ID number or phone (needs the permission; audited)")
def reveal(request, person_id: int, payload: RevealIn):
    scope = for_request(request)
    p = queries.person(scope, person_id)
    value = services.reveal(scope, p, payload.field, payload.reason)
    return {"field": payload.field, "value": value}


# ---------------------------------------------------------------------------- households
@router.get("/households", response=list[HouseholdOut], summary="Households in scope with their current members")
@paginate(Paginated)
def list_households(request, building: int | None = None, include_closed: bool = False):
    return queries.households(for_request(request), building=building, include_closed=include_closed)


@router.get("/households/{int:household_id}", response=HouseholdDetail, summary="One household with current and past members")
def get_household(request, household_id: int):
    h = queries.household(for_request(request), household_id)
    h.member_history = list(queries.household_members(h))
    return h


# ---------------------------------------------------------------------------- organisations and appointments
@router.get("/organizations", response=list[OrganizationOut], summary="Organisations in scope")
@paginate(Paginated)
def list_organizations(request, kind: OneOf(Organization.Kind.values) = ""):
    if kind and kind not in Organization.Kind.values:
        raise ValidationError({"kind": _("Kind: must be one of %(v)s") % {"v": ", ".join(Organization.Kind.values)}}, code="choice")
    return queries.organizations(for_request(request), kind=kind)


@router.get("/appointments", response=list[AppointmentOut], summary="Appointments in scope (current ones unless current_only=false)")
@paginate(Paginated)
def list_appointments(request, role: str = "", current_only: bool = True):
    return queries.appointments(for_request(request), role=role, current_only=current_only)


@router.post("/appointments", response={201: AppointmentOut}, summary="Appoint a person to a role over a scope")
def appoint(request, payload: AppointmentIn):
    scope = for_request(request)
    person = get_in(scope.filter(Person.objects.all()), payload.person, "person")
    model = SCOPE_MODELS.get(payload.scope_level)
    if model is None:
        raise ValidationError({"scope_level": _("Scope: must be one of %(v)s") % {"v": ", ".join(SCOPE_MODELS)}}, code="choice")
    target = get_in(scope.filter(model.objects.all()), payload.scope_id, "scope_id")
    appt = services.appoint(scope, person, payload.role, target, starts_on=payload.starts_on, ends_on=payload.ends_on, title=payload.title)
    return created(appt)


# ---------------------------------------------------------------------------- me
@router.get("/me", response=PeopleMeOut, summary="The caller: account, current appointments and what their scope covers")
def me(request):
    scope = for_request(request)
    account = request.user
    person = account.person
    areas = {
        f"{mode}:{domain}": {level: sorted(ids) for level, ids in levels.items()}
        for (mode, domain), levels in sorted(scope.areas.items())
    }
    role_set = set(scope.role_set)
    if account.is_superuser:
        role_set.add("superuser")
    return {
        "account": {"id": account.pk, "username": account.username, "person_id": account.person_id,
                    "name": person.name if person else account.get_full_name() or account.username,
                    "is_superuser": account.is_superuser},
        "appointments": sorted(scope.appointments, key=lambda a: (a.role, a.pk)),
        "scope": {
            "everything": scope.everything,
            "roles": sorted(role_set),
            "community_ids": sorted(scope.community_ids),
            "can_reveal": scope.can_reveal_any,
            "areas": areas,
        },
    }

