"""Shapes of places in the JSON API (in and out)."""

from decimal import Decimal
from typing import Annotated, Literal

import annotated_types
from ninja import Field, Schema

from linli.core.api_limits import OneOf
from linli.places.models import Building


class CommunityOut(Schema):
    id: int
    code: str
    name: str
    subdistrict_id: int
    subdistrict: str = Field(..., alias="subdistrict.name")
    address: str
    lat: float | None = None
    lng: float | None = None


class GridOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    community_id: int
    community: str = Field(..., alias="community.name")
    parent_id: int | None = None
    color: str


class GridSummary(Schema):
    buildings: int
    dwellings: int
    residents: int
    venues: int
    micro_grids: int


class GridDetail(GridOut):
    """Built from a Grid to which the API attached `summary` and `visible_micro_grids`."""

    description: str
    boundary: dict | None = None
    summary: GridSummary
    micro_grids: list[GridOut]

    @staticmethod
    def resolve_micro_grids(obj):
        return obj.visible_micro_grids


# ---------------------------------------------------------------------------- GeoJSON boundaries (RFC 7946)
Lng = Annotated[float, annotated_types.Ge(-180), annotated_types.Le(180)]
Lat = Annotated[float, annotated_types.Ge(-90), annotated_types.Le(90)]
Position = tuple[Lng, Lat]  # published as [longitude, latitude] (prefixItems)
RING_MAX = 5000  # positions of one ring
RINGS_MAX = 100  # rings of a polygon (the outline and its holes), polygons of a multipolygon
Ring = Annotated[list[Position], annotated_types.MinLen(4), annotated_types.MaxLen(RING_MAX)]


class PolygonIn(Schema):
    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], annotated_types.MinLen(1), annotated_types.MaxLen(RINGS_MAX)]


class MultiPolygonIn(Schema):
    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[Annotated[list[Ring], annotated_types.MinLen(1), annotated_types.MaxLen(RINGS_MAX)]],
                           annotated_types.MinLen(1), annotated_types.MaxLen(RINGS_MAX)]


class BoundaryFeatureIn(Schema):
    type: Literal["Feature"]
    geometry: PolygonIn | MultiPolygonIn
    properties: dict | None = None


class GridBoundaryIn(Schema):
    """A GeoJSON Polygon or MultiPolygon (or a Feature holding one), longitude before latitude, each ring
    at least 4 positions, the last repeating the first. The schema states the shape; the polygon must
    also be valid (rings that do not cross themselves or each other, an area above zero), which JSON
    Schema cannot state: an invalid one answers 422 naming `boundary` and what is wrong."""

    boundary: PolygonIn | MultiPolygonIn | BoundaryFeatureIn = Field(..., discriminator="type")

    def geojson(self) -> dict:
        return self.boundary.model_dump(mode="json", exclude_none=True)


class LocateOut(Schema):
    found: bool
    grid: GridOut | None = None
    micro_grid: GridOut | None = None
    community_id: int | None = None


class EntranceOut(Schema):
    id: int
    number: str


class DwellingOut(Schema):
    id: int
    room: str
    entrance_id: int | None = None
    entrance: str | None = None
    floor: int | None = None
    area_m2: Decimal | None = None
    use: str

    @staticmethod
    def resolve_entrance(obj):
        return obj.entrance.number if obj.entrance_id else None


class BuildingOut(Schema):
    id: int
    name: str
    number: str
    kind: str
    community_id: int
    compound_id: int | None = None
    compound: str | None = None
    grid_id: int
    micro_grid_id: int | None = None
    floors: int | None = None
    built_year: int | None = None
    address: str
    lat: float | None = None
    lng: float | None = None
    dwelling_count: int | None = None

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_compound(obj):
        return obj.compound.name if obj.compound_id else None

    @staticmethod
    def resolve_dwelling_count(obj):
        n = getattr(obj, "n_dwellings", None)
        return n if n is not None else obj.dwellings.count()


class BuildingDetail(BuildingOut):
    """Built from a Building to which the API attached `visible_dwellings`."""

    entrances: list[EntranceOut]
    dwellings: list[DwellingOut]

    @staticmethod
    def resolve_entrances(obj):
        return list(obj.entrances.order_by("number"))

    @staticmethod
    def resolve_dwellings(obj):
        return obj.visible_dwellings


class BuildingIn(Schema):
    number: str
    grid: int
    compound: int | None = None
    micro_grid: int | None = None
    kind: OneOf(Building.Kind.values) = "residential"
    floors: int | None = Field(None, ge=0, le=200)
    built_year: int | None = Field(None, ge=1000, le=2200)
    address: str = ""
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    entrances: int = Field(0, ge=0, le=50)


class VenueOut(Schema):
    id: int
    name: str
    kind: str
    nine_small: str
    community_id: int
    grid_id: int
    grid: str = Field(..., alias="grid.name")
    building_id: int | None = None
    address: str
    credit_code: str
    business: str
    contact_name: str
    contact_phone: str = Field(..., alias="contact_phone_masked", description="masked: the middle digits starred")
    lat: float | None = None
    lng: float | None = None
    active: bool


class VenueIn(Schema):
    grid: int
    name: str
    kind: str
    nine_small: str = ""
    building: int | None = None
    address: str = ""
    credit_code: str = Field("", max_length=18)
    business: str = Field("", max_length=100)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    active: bool = True
