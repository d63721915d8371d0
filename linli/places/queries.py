"""Reads of places and grids, always through the caller's scope."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scope is passed in by the caller; places sits below people
    from linli.people.scopes import Scope

from .models import Building, Community, Compound, Dwelling, Grid, Venue


def communities(scope: "Scope") -> QuerySet:
    return scope.filter(Community.objects.select_related("subdistrict")).order_by("code")


def grids(scope: "Scope", community: int | None = None, kind: str = "") -> QuerySet:
    qs = scope.filter(Grid.objects.all())
    if community:
        qs = qs.filter(community_id=community)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("community", "parent").order_by("code")


def grid(scope: "Scope", pk: int) -> Grid:
    return get_object_or_404(scope.filter(Grid.objects.select_related("community", "parent")), pk=pk)


def compounds(scope: "Scope") -> QuerySet:
    return scope.filter(Compound.objects.select_related("community")).order_by("community", "name")


def buildings(scope: "Scope", grid: int | None = None, compound: int | None = None, q: str = "") -> QuerySet:
    qs = scope.filter(Building.objects.all())
    if grid:
        qs = qs.filter(Q(grid_id=grid) | Q(micro_grid_id=grid))
    if compound:
        qs = qs.filter(compound_id=compound)
    if q:
        qs = qs.filter(Q(number__contains=q) | Q(compound__name__contains=q) | Q(address__contains=q))
    return qs.select_related("compound", "grid", "micro_grid", "community").annotate(
        n_dwellings=Count("dwellings", distinct=True)
    ).order_by("community__code", "compound__name", "number")


def building_choices(scope: "Scope") -> QuerySet:
    """The buildings in scope for a filter's select (named by compound and number): no dwelling count, no GROUP BY."""
    return scope.filter(Building.objects.all()).select_related("compound").order_by("community__code", "compound__name", "number")


def building(scope: "Scope", pk: int) -> Building:
    return get_object_or_404(scope.filter(Building.objects.select_related("compound", "grid", "micro_grid", "community")), pk=pk)


def dwellings(scope: "Scope", building_id: int) -> QuerySet:
    return scope.filter(Dwelling.objects.filter(building_id=building_id)).select_related("entrance").order_by("entrance__number", "room")


def venues(scope: "Scope", grid: int | None = None, kind: str = "", nine_small: str = "", q: str = "") -> QuerySet:
    qs = scope.filter(Venue.objects.all())
    if grid:
        qs = qs.filter(Q(grid_id=grid) | Q(grid__parent_id=grid))
    if kind:
        qs = qs.filter(kind=kind)
    if nine_small:
        qs = qs.filter(nine_small=nine_small)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    return qs.select_related("grid", "community", "building").order_by("grid__code", "name")


def venue(scope: "Scope", pk: int) -> Venue:
    return get_object_or_404(scope.filter(Venue.objects.select_related("grid", "community", "building")), pk=pk)


def map_features(scope: "Scope") -> dict:
    """GeoJSON FeatureCollection of the grids in scope (boundaries only, no personal data)."""
    features = []
    for g in grids(scope).exclude(boundary__isnull=True):
        features.append({
            "type": "Feature",
            "geometry": g.boundary,
            "properties": {"id": g.pk, "code": g.code, "name": g.name, "kind": g.kind, "color": g.color, "parent": g.parent_id, "community": g.community.name},
        })
    return {"type": "FeatureCollection", "features": features}


def building_markers(scope: "Scope") -> dict:
    """GeoJSON points of the buildings in scope that have a position (number, compound, grid colour)."""
    features = []
    qs = scope.filter(Building.objects.filter(lat__isnull=False, lng__isnull=False)).select_related("compound", "grid")
    for b in qs.order_by("id"):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [b.lng, b.lat]},
            "properties": {"id": b.pk, "name": str(b), "grid": b.grid_id, "color": b.grid.color if b.grid_id else ""},
        })
    return {"type": "FeatureCollection", "features": features}


def venue_counts(scope: "Scope", by: str = "grid") -> dict:
    """{grid id (top-level) or community id: venues in scope}."""
    field = {"grid": "grid_id", "community": "community_id"}[by]
    out: dict = {}
    for row in scope.filter(Venue.objects.all()).order_by().values(field, "grid__parent_id").annotate(n=Count("id")):
        key = row["grid__parent_id"] or row[field] if by == "grid" else row[field]
        out[key] = out.get(key, 0) + row["n"]
    return out


def building_counts(scope: "Scope", by: str = "grid") -> dict:
    field = {"grid": "grid_id", "community": "community_id"}[by]
    return {row[field]: row["n"] for row in scope.filter(Building.objects.all()).order_by().values(field).annotate(n=Count("id"))}
