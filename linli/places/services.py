"""Every change to places and grids. Codes are derived, boundaries checked with shapely."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope, StateConflict

from .geometry import BoundaryError, parse_boundary
from .models import Building, Community, Compound, Dwelling, Entrance, Grid, Venue

# kind digit in a grid code: community code (12) + kind digit + 2-digit sequence;
# a micro-grid: its grid's code + 2-digit sequence.
KIND_DIGIT = {Grid.Kind.RESIDENTIAL: "1", Grid.Kind.DEDICATED: "2"}
MICRO_TOLERANCE_DEG = 1e-6


def _require_place_write(scope, place, what):
    from linli.core import roles

    if not scope.covers(place, "write", roles.PLACES):
        raise OutOfScope(_("%(what)s lies outside your area.") % {"what": what})


def next_grid_code(community: Community, kind: str, parent: Grid | None = None) -> str:
    if kind == Grid.Kind.MICRO:
        prefix = parent.code
    else:
        prefix = community.code + KIND_DIGIT[kind]
    taken = set(Grid.objects.filter(code__startswith=prefix, code__regex=r"^%s\d{2}$" % prefix).values_list("code", flat=True))
    for seq in range(1, 100):
        code = f"{prefix}{seq:02d}"
        if code not in taken:
            return code
    raise ValidationError({"code": _("Grid code: no free number left under %(p)s") % {"p": prefix}})


def _check_boundary(boundary, parent: Grid | None):
    if boundary is None:
        return None
    try:
        geom = parse_boundary(boundary)
    except BoundaryError as exc:
        raise ValidationError({"boundary": str(exc)})
    if parent is not None and parent.boundary:
        outer = parse_boundary(parent.boundary).buffer(MICRO_TOLERANCE_DEG)
        if not outer.covers(geom):
            raise StateConflict({"boundary": _("Boundary: a micro-grid must lie inside its grid")})  # the grid's own boundary
    return boundary


@transaction.atomic
def create_grid(scope, community: Community, *, kind: str, name: str, boundary=None, parent: Grid | None = None, color: str = "", code: str = "") -> Grid:
    _require_place_write(scope, community, _("This community"))
    if kind not in Grid.Kind.values:
        raise ValidationError({"kind": _("Kind: must be residential, dedicated or micro")})
    if kind == Grid.Kind.MICRO:
        if parent is None or parent.kind == Grid.Kind.MICRO:
            raise ValidationError({"parent": _("Parent grid: a micro-grid must sit in a residential or dedicated grid")})
        if parent.community_id != community.pk:
            raise ValidationError({"parent": _("Parent grid: belongs to another community")})
    elif parent is not None:
        raise ValidationError({"parent": _("Parent grid: only micro-grids have one")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Name: required")})
    _check_boundary(boundary, parent)
    code = code or next_grid_code(community, kind, parent)
    if Grid.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Grid code: %(c)s is taken") % {"c": code}})
    return Grid.objects.create(community=community, kind=kind, parent=parent, code=code, name=name.strip(), boundary=boundary, color=color)


@transaction.atomic
def set_grid_boundary(scope, grid: Grid, boundary) -> Grid:
    _require_place_write(scope, grid, _("This grid"))
    _check_boundary(boundary, grid.parent)
    grid.boundary = boundary
    grid.updated_at = timezone.now()
    grid.save(update_fields=["boundary", "updated_at"])
    return grid


@transaction.atomic
def create_building(scope, community: Community, *, number: str, grid: Grid, compound: Compound | None = None,
                    micro_grid: Grid | None = None, entrances: int = 0, **fields) -> Building:
    _require_place_write(scope, grid, _("This grid"))
    if grid.community_id != community.pk or grid.kind == Grid.Kind.MICRO:
        raise ValidationError({"grid": _("Grid: must be a residential or dedicated grid of this community")})
    if micro_grid is not None and micro_grid.parent_id != grid.pk:
        raise ValidationError({"micro_grid": _("Micro-grid: must lie in the building's grid")})
    if compound is not None and compound.community_id != community.pk:
        raise ValidationError({"compound": _("Compound: belongs to another community")})
    if not (number or "").strip():
        raise ValidationError({"number": _("Building number: required")})
    if Building.objects.filter(community=community, compound=compound, number=number.strip()).exists():
        raise ValidationError({"number": _("Building number: already exists in this compound")})
    building = Building.objects.create(community=community, compound=compound, grid=grid, micro_grid=micro_grid, number=number.strip(), **fields)
    for i in range(1, entrances + 1):
        Entrance.objects.create(building=building, number=f"{i}单元")
    return building


@transaction.atomic
def assign_building(scope, building: Building, grid: Grid, micro_grid: Grid | None = None) -> Building:
    _require_place_write(scope, building, _("This building"))
    _require_place_write(scope, grid, _("The new grid"))
    if grid.community_id != building.community_id or grid.kind == Grid.Kind.MICRO:
        raise ValidationError({"grid": _("Grid: must be a residential or dedicated grid of the building's community")})
    if micro_grid is not None and micro_grid.parent_id != grid.pk:
        raise ValidationError({"micro_grid": _("Micro-grid: must lie in the building's grid")})
    building.grid, building.micro_grid = grid, micro_grid
    building.save(update_fields=["grid", "micro_grid"])
    return building


@transaction.atomic
def add_dwelling(scope, building: Building, *, room: str, entrance: Entrance | None = None, **fields) -> Dwelling:
    _require_place_write(scope, building, _("This building"))
    if entrance is not None and entrance.building_id != building.pk:
        raise ValidationError({"entrance": _("Entrance: belongs to another building")})
    if not (room or "").strip():
        raise ValidationError({"room": _("Room: required")})
    dwelling, created = Dwelling.objects.get_or_create(building=building, entrance=entrance, room=room.strip(), defaults=fields)
    return dwelling


@transaction.atomic
def register_venue(scope, grid: Grid, *, name: str, kind: str, **fields) -> Venue:
    _require_place_write(scope, grid, _("This grid"))
    if kind not in Venue.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown venue kind %(k)s") % {"k": kind}})
    if kind == Venue.Kind.NINE_SMALL and fields.get("nine_small") not in Venue.NineSmall.values:
        raise ValidationError({"nine_small": _("Nine-small category: required for a nine-small venue")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Name: required")})
    return Venue.objects.create(community_id=grid.community_id, grid=grid, name=name.strip(), kind=kind, **fields)
