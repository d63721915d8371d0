"""Pages for places: the grid map, grids, buildings and venues. Thin: scope → scoped query → render."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render

from linli.people import queries as pq
from linli.core import roles
from linli.people.forms import tag_labels
from linli.people.scopes import for_request, reads
from linli.people.views import export_unavailable, xlsx_response

from linli.places import queries
from linli.places.models import Grid, Venue

PAGE_SIZE = 25


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------- map
@login_required
def map_page(request):
    scope = for_request(request)
    return render(request, "places/map.html", {
        "tile_url": settings.LINLI_TILE_URL, "tile_attribution": settings.LINLI_TILE_ATTRIBUTION,
        "grids": queries.grids(scope).filter(parent__isnull=True),
        "focus": _int(request.GET.get("grid")),
    })


@login_required
def map_data(request):
    scope = for_request(request)
    return JsonResponse({"grids": queries.map_features(scope), "buildings": queries.building_markers(scope)})


# ---------------------------------------------------------------------------- grids
@login_required
def grids(request):
    scope = for_request(request)
    community = _int(request.GET.get("community"))
    kind = request.GET.get("kind", "")
    if kind not in Grid.Kind.values:
        kind = ""
    qs = queries.grids(scope, community=community, kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "places/grids.html", {"page_obj": page, "kinds": Grid.Kind.choices, "kind": kind,
                                                 "communities": queries.communities(scope), "community": community})


@login_required
def grids_export(request):
    scope = for_request(request)
    try:
        from linli.places.exports import export_grids
    except ImportError:
        return export_unavailable(request, "places:grids")
    return xlsx_response(export_grids(scope), "grids")


@login_required
def grid(request, pk):
    scope = for_request(request)
    g = queries.grid(scope, pk)
    labels = tag_labels()
    tags = []
    if reads(scope, roles.PEOPLE):
        counts = pq.tag_counts(scope, pq.PersonFilter(grid=g.pk))
        tags = [(code, labels[code], counts[code]) for code in labels if counts.get(code)]
    return render(request, "places/grid.html", {
        "g": g,
        "summary": pq.grid_summary(g),
        "micro_grids": queries.grids(scope).filter(parent=g),
        "buildings": queries.buildings(scope, grid=g.pk),
        "venues": queries.venues(scope, grid=g.pk),
        "appointments": pq.appointments(scope, current_only=False).filter(grid=g).order_by("-starts_on"),
        "tags": tags,
        "tile_url": settings.LINLI_TILE_URL, "tile_attribution": settings.LINLI_TILE_ATTRIBUTION,
    })


# ---------------------------------------------------------------------------- buildings
@login_required
def buildings(request):
    scope = for_request(request)
    grid_id = _int(request.GET.get("grid"))
    compound = _int(request.GET.get("compound"))
    q = request.GET.get("q", "").strip()[:50]
    qs = queries.buildings(scope, grid=grid_id, compound=compound, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = pq.resident_counts(scope, "building") if reads(scope, roles.PEOPLE) else {}
    for b in page:
        b.n_residents = counts.get(b.pk)
    return render(request, "places/buildings.html", {
        "page_obj": page, "grids": queries.grids(scope), "compounds": queries.compounds(scope),
        "grid": grid_id, "compound": compound, "q": q, "reads_people": reads(scope, roles.PEOPLE),
    })


@login_required
def buildings_export(request):
    scope = for_request(request)
    try:
        from linli.places.exports import export_buildings
    except ImportError:
        return export_unavailable(request, "places:buildings")
    return xlsx_response(export_buildings(scope), "buildings")


@login_required
def building(request, pk):
    scope = for_request(request)
    b = queries.building(scope, pk)
    residents = pq.resident_counts(scope, "building").get(b.pk, 0) if reads(scope, roles.PEOPLE) else None
    return render(request, "places/building.html", {
        "b": b,
        "dwellings": queries.dwellings(scope, b.pk),
        "households": pq.households(scope, building=b.pk),
        "residents": residents,
        "venues": queries.venues(scope).filter(building=b),
        "appointments": pq.appointments(scope, current_only=False).filter(Q(building=b) | Q(entrance__building=b)).order_by("-starts_on"),
        "reads_people": reads(scope, roles.PEOPLE),
    })


# ---------------------------------------------------------------------------- venues
@login_required
def venues(request):
    scope = for_request(request)
    grid_id = _int(request.GET.get("grid"))
    kind = request.GET.get("kind", "")
    if kind not in Venue.Kind.values:
        kind = ""
    nine_small = request.GET.get("nine_small", "")
    if nine_small not in Venue.NineSmall.values:
        nine_small = ""
    q = request.GET.get("q", "").strip()[:50]
    qs = queries.venues(scope, grid=grid_id, kind=kind, nine_small=nine_small, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "places/venues.html", {
        "page_obj": page, "grids": queries.grids(scope).filter(parent__isnull=True), "grid": grid_id,
        "kinds": Venue.Kind.choices, "kind": kind, "nine_smalls": Venue.NineSmall.choices, "nine_small": nine_small, "q": q,
    })


@login_required
def venues_export(request):
    scope = for_request(request)
    try:
        from linli.places.exports import export_venues
    except ImportError:
        return export_unavailable(request, "places:venues")
    return xlsx_response(export_venues(scope), "venues")


@login_required
def venue(request, pk):
    scope = for_request(request)
    return render(request, "places/venue.html", {"v": queries.venue(scope, pk)})
