"""JSON API for places: communities, grids (with map GeoJSON and the point locator), buildings, venues.

Every read goes through places.queries with the caller's scope; every write
through places.services. Errors: see linli.core.api_errors.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from linli.core.api_errors import Paginated, created, get_in
from linli.core.api_limits import OneOf
from linli.people import queries as pq
from linli.people.scopes import for_request
from linli.places import locator, queries, services
from linli.places.models import Building, Compound, Grid, Venue
from linli.places.schemas import (
    BuildingDetail,
    BuildingIn,
    BuildingOut,
    CommunityOut,
    GridBoundaryIn,
    GridDetail,
    GridOut,
    LocateOut,
    VenueIn,
    VenueOut,
)

router = Router(tags=["places"])


def _check_choice(field: str, value: str, choices, label: str):
    if value and value not in choices:
        raise ValidationError({field: _("%(label)s: must be one of %(values)s") % {"label": label, "values": ", ".join(choices)}}, code="choice")


# ---------------------------------------------------------------------------- communities and grids
@router.get("/communities", response=list[CommunityOut], summary="Communities in scope")
@paginate(Paginated)
def list_communities(request):
    return queries.communities(for_request(request))


@router.get("/grids", response=list[GridOut], summary="Grids in scope")
@paginate(Paginated)
def list_grids(request, community: int | None = None, kind: OneOf(Grid.Kind.values) = ""):
    _check_choice("kind", kind, Grid.Kind.values, _("Kind"))
    return queries.grids(for_request(request), community=community, kind=kind)


@router.get("/grids/geojson", response=dict, summary="Grid boundaries in scope as a GeoJSON FeatureCollection")
def grids_geojson(request):
    return queries.map_features(for_request(request))


@router.get("/grids/{int:grid_id}", response=GridDetail, summary="One grid with its counts")
def get_grid(request, grid_id: int):
    scope = for_request(request)
    g = queries.grid(scope, grid_id)
    g.summary = pq.grid_summary(g)
    g.visible_micro_grids = list(queries.grids(scope).filter(parent=g))
    return g


@router.patch("/grids/{int:grid_id}/boundary", response=GridDetail, summary="Replace a grid's boundary")
def set_grid_boundary(request, grid_id: int, payload: GridBoundaryIn):
    scope = for_request(request)
    g = queries.grid(scope, grid_id)
    services.set_grid_boundary(scope, g, payload.geojson())
    return get_grid(request, grid_id)


@router.get("/locate", response=LocateOut, summary="Which grid and micro-grid hold a point")
def locate(request, lat: float = Query(..., ge=-90, le=90), lng: float = Query(..., ge=-180, le=180)):
    scope = for_request(request)
    where = locator.locate_point(lng, lat)
    if not where.found:
        return {"found": False}
    visible = {g.pk: g for g in queries.grids(scope).filter(pk__in=[i for i in (where.grid_id, where.micro_grid_id) if i])}
    grid = visible.get(where.grid_id)
    if grid is None:  # a grid outside the caller's scope answers like no grid at all
        return {"found": False}
    return {"found": True, "grid": grid, "micro_grid": visible.get(where.micro_grid_id), "community_id": where.community_id}


# ---------------------------------------------------------------------------- buildings
@router.get("/buildings", response=list[BuildingOut], summary="Buildings in scope")
@paginate(Paginated)
def list_buildings(request, grid: int | None = None, compound: int | None = None, q: str = ""):
    return queries.buildings(for_request(request), grid=grid, compound=compound, q=q.strip())


def _building_detail(scope, b: Building) -> Building:
    b.visible_dwellings = list(queries.dwellings(scope, b.pk))
    return b


@router.get("/buildings/{int:building_id}", response=BuildingDetail, summary="One building with its entrances and dwellings")
def get_building(request, building_id: int):
    scope = for_request(request)
    return _building_detail(scope, queries.building(scope, building_id))


@router.post("/buildings", response={201: BuildingDetail}, summary="Add a building to a grid")
def create_building(request, payload: BuildingIn):
    scope = for_request(request)
    _check_choice("kind", payload.kind, Building.Kind.values, _("Kind"))
    grid = get_in(scope.filter(Grid.objects.select_related("community")), payload.grid, "grid")
    compound = get_in(scope.filter(Compound.objects.all()), payload.compound, "compound")
    micro = get_in(scope.filter(Grid.objects.all()), payload.micro_grid, "micro_grid")
    fields = payload.dict(exclude={"number", "grid", "compound", "micro_grid", "entrances"})
    b = services.create_building(scope, grid.community, number=payload.number, grid=grid, compound=compound, micro_grid=micro, entrances=payload.entrances, **fields)
    return created(_building_detail(scope, queries.building(scope, b.pk)))


# ---------------------------------------------------------------------------- venues
@router.get("/venues", response=list[VenueOut], summary="Venues in scope (shops, nine small venues, institutions…)")
@paginate(Paginated)
def list_venues(request, kind: OneOf(Venue.Kind.values) = "", nine_small: OneOf(Venue.NineSmall.values) = "", grid: int | None = None, q: str = ""):
    _check_choice("kind", kind, Venue.Kind.values, _("Kind"))
    _check_choice("nine_small", nine_small, Venue.NineSmall.values, _("Nine-small category"))
    return queries.venues(for_request(request), grid=grid, kind=kind, nine_small=nine_small, q=q.strip())


@router.get("/venues/{int:venue_id}", response=VenueOut, summary="One venue")
def get_venue(request, venue_id: int):
    return queries.venue(for_request(request), venue_id)


@router.post("/venues", response={201: VenueOut}, summary="Register a venue in a grid")
def create_venue(request, payload: VenueIn):
    scope = for_request(request)
    grid = get_in(scope.filter(Grid.objects.all()), payload.grid, "grid")
    building = get_in(scope.filter(Building.objects.all()), payload.building, "building")
    fields = payload.dict(exclude={"grid", "name", "kind", "building"})
    if building is not None:
        if building.community_id != grid.community_id:
            raise ValidationError({"building": _("Building: belongs to another community")}, code="community")
        fields["building"] = building
    v = services.register_venue(scope, grid, name=payload.name, kind=payload.kind, **fields)
    return created(queries.venue(scope, v.pk))
