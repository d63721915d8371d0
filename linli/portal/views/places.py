"""The places registers: the grid map, grids, buildings and venues. Thin: scope → scoped query → render.

They live in the portal, not in linli.places, because they combine places with people's scopes,
counts and appointments (places sits below people; see docs/architecture.md). The three registers
share one list helper and one export helper."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.core import roles
from linli.core.excel import xlsx_response
from linli.people import queries as pq
from linli.people.scopes import for_request, reads
from linli.cases import queries as case_queries
from linli.cases.models import Case
from linli.places import basemap, exports, queries
from linli.places.models import Community, Grid, Venue

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


def map_base(request):
    """The base map (outlines, streets, buildings with numbers, venues): public geography, no personal data.
    ?community=<id> gives one community's (the public board uses it); otherwise the communities in the
    signed-in caller's scope."""
    community = _int(request.GET.get("community"))
    if community is not None:
        communities = Community.objects.filter(pk=community)
    elif request.user.is_authenticated:
        communities = queries.communities(for_request(request))
        person = getattr(request.user, "person", None)
        if not communities.exists() and person is not None and person.community_id:  # a resident: their own community
            communities = Community.objects.filter(pk=person.community_id)
    else:
        communities = Community.objects.none()
    response = JsonResponse(basemap.base_layer(communities))
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def map_cases(request):
    """The cases layer of the grid map: open, overdue and (last 90 days) closed cases the caller may see,
    as points; ?grid=<id> keeps one grid's (with its micro-grids)."""
    scope = for_request(request)
    grid_id = _int(request.GET.get("grid"))
    since = timezone.now() - datetime.timedelta(days=90)
    qs = case_queries.visible(scope).filter(lat__isnull=False, lng__isnull=False).filter(
        Q(state__in=Case.OPEN_STATES) | Q(closed_at__gte=since))
    if grid_id:
        qs = qs.filter(Q(grid_id=grid_id) | Q(micro_grid_id=grid_id))
    now = timezone.now()
    features = []
    for row in qs.order_by("-id").values("id", "number", "title", "state", "lat", "lng", "overdue", "handling_due", "category__name")[:2000]:
        if row["state"] not in Case.OPEN_STATES:
            status = "closed"
        elif row["overdue"] or (row["handling_due"] and row["handling_due"] < now):
            status = "overdue"
        else:
            status = "open"
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lng"], row["lat"]]},
                         "properties": {"id": row["id"], "number": row["number"], "title": row["title"], "status": status,
                                        "category": row["category__name"] or ""}})
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def map_data(request):
    scope = for_request(request)
    return JsonResponse({"grids": queries.map_features(scope), "buildings": queries.building_markers(scope)})


# ---------------------------------------------------------------------------- the registers' helpers
def _choice(request, name: str, values) -> str:
    """A filter value from the query string, or '' when it is not one of `values`."""
    value = request.GET.get(name, "")
    return value if value in values else ""


def _register(request, template: str, qs, each=None, **context):
    """One page of a register (PAGE_SIZE rows) with its filters echoed back to the template;
    `each(row)` adds what a row shows beside its own fields."""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page if each else ():
        each(row)
    return render(request, template, {"page_obj": page, **context})


def _export(request, export, stem: str):
    """A register as an Excel download, built by linli.places.exports within the caller's scope."""
    return xlsx_response(export(for_request(request)), stem)


# ---------------------------------------------------------------------------- grids
@login_required
def grids(request):
    scope = for_request(request)
    community = _int(request.GET.get("community"))
    kind = _choice(request, "kind", Grid.Kind.values)
    return _register(request, "places/grids.html", queries.grids(scope, community=community, kind=kind),
                     kinds=Grid.Kind.choices, kind=kind, communities=queries.communities(scope), community=community)


@login_required
def grids_export(request):
    return _export(request, exports.export_grids, "grids")


@login_required
def grid(request, pk):
    scope = for_request(request)
    g = queries.grid(scope, pk)
    labels = pq.tag_labels()
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
    counts = pq.resident_counts(scope, "building") if reads(scope, roles.PEOPLE) else {}

    def residents(b):
        b.n_residents = counts.get(b.pk)

    return _register(request, "places/buildings.html", queries.buildings(scope, grid=grid_id, compound=compound, q=q), each=residents,
                     grids=queries.grids(scope), compounds=queries.compounds(scope), grid=grid_id, compound=compound, q=q,
                     reads_people=reads(scope, roles.PEOPLE))


@login_required
def buildings_export(request):
    return _export(request, exports.export_buildings, "buildings")


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
    kind = _choice(request, "kind", Venue.Kind.values)
    nine_small = _choice(request, "nine_small", Venue.NineSmall.values)
    q = request.GET.get("q", "").strip()[:50]
    return _register(request, "places/venues.html", queries.venues(scope, grid=grid_id, kind=kind, nine_small=nine_small, q=q),
                     grids=queries.grids(scope).filter(parent__isnull=True), grid=grid_id, kinds=Venue.Kind.choices, kind=kind,
                     nine_smalls=Venue.NineSmall.choices, nine_small=nine_small, q=q, may_reveal_any=scope.can_reveal_any)


@login_required
@require_http_methods(["GET", "POST"])
def venues_export(request):
    """GET: contact phones masked (one click). POST with a reason and a reveal grant: in full; audited either way."""
    scope = for_request(request)
    reason = ""
    if request.method == "POST":
        if not scope.can_reveal_any:
            raise PermissionDenied
        reason = request.POST.get("reason", "").strip()
        if len(reason) < 2:
            messages.error(request, _("Give a reason to export full ID numbers and phones (it is kept in the audit log)."))
            return redirect("places:venues")
    response = xlsx_response(exports.export_venues(scope, reason=reason), "venues")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def venue(request, pk):
    scope = for_request(request)
    return render(request, "places/venue.html", {"v": queries.venue(scope, pk)})
