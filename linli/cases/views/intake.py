"""Intake pages: a resident, a grid worker (quick patrol report), a building leader (for a neighbour), the hotline
desk; the htmx caller match and similar-case hints."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.crypto import lookup_hash
from linli.core import roles
from linli.people.models import Person
from linli.people.scopes import for_request
from linli.places.models import Dwelling, Grid

from .. import forms as f
from .. import queries, services
from ..models import Case

State = Case.State

# ---------------------------------------------------------------- helpers

def mask_name(name: str) -> str:
    name = name or ""
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def _grid_shapes(grids) -> list[dict]:
    """Grid outlines for the pickers (no personal data)."""
    return [{"name": g.name, "kind": g.kind, "boundary": g.boundary} for g in grids if g.boundary]


def _center(lat=None, lng=None, grids=()):
    if lat is not None and lng is not None:
        return [lat, lng]
    for g in grids:
        coords = (g.boundary or {}).get("coordinates")
        if coords:
            ring = coords[0]
            return [sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)]
    return [40.08, 113.30]


def _intake_context(request, form, title, *, grids=(), center=None, extra=None):
    ctx = {"form": form, "title": title, "map_data": {"grids": _grid_shapes(grids), "center": center or _center(grids=grids)}}
    ctx.update(extra or {})
    return ctx


def _same_as(request, description: str) -> str:
    number = (request.POST.get("same_as") or "").strip()
    if number and Case.objects.filter(number=number, state__in=Case.OPEN_STATES).exists():
        return description + "\n" + _("(Same problem as case %(n)s)") % {"n": number}
    return description


def _submit(request, form, render_again, **kwargs):
    """Call services.submit; on ValidationError re-render the form with the message."""
    scope = for_request(request)
    d = form.cleaned_data
    key = f"{request.user.pk}:{d['intake_key']}" if d.get("intake_key") else None  # one form, one case, per account
    try:
        case = services.submit(scope, description=_same_as(request, d["description"]), category=d.get("category") or None,
                               photos=request.FILES.getlist("photos"), address=d.get("address", ""), intake_key=key, **kwargs)
    except ValidationError as exc:
        f.apply_errors(form, exc)
        return render_again(status=400)
    if case.repeated:
        messages.info(request, _("This report was already sent as case %(n)s: it was not sent again.") % {"n": case.number})
        return redirect("cases:case", case.pk)
    messages.success(request, _("Reported as case %(n)s.") % {"n": case.number})
    return redirect("cases:case", case.pk)


# ---------------------------------------------------------------- intake

@login_required
def report_resident(request):
    """A resident reports from their phone: own home (default) or a point on the map."""
    scope = for_request(request)
    person = getattr(request.user, "person", None)
    if person is None or not person.dwelling_id:
        raise PermissionDenied(_("Only a resident with a registered home reports here."))
    dwelling = person.dwelling
    community = dwelling.building.community
    grids = list(Grid.objects.filter(community=community, parent__isnull=True))
    form = f.ResidentReportForm(request.POST or None, request.FILES or None, categories=queries.categories())

    def again(status=200):
        return render(request, "cases/report_resident.html", _intake_context(
            request, form, _("Report a problem"), grids=grids, center=_center(dwelling.building.lat, dwelling.building.lng, grids),
            extra={"dwelling": dwelling}), status=status)

    if request.method == "POST":
        if not form.is_valid():
            return again(400)
        d = form.cleaned_data
        where = {"dwelling": dwelling} if d["place"] == "home" else {"lat": d.get("lat"), "lng": d.get("lng")}
        return _submit(request, form, again, source=Case.Source.RESIDENT, **where)
    return again()


@login_required
def report_quick(request):
    """A grid worker's patrol report: one screen, point from the phone or a tap on the map."""
    scope = for_request(request)
    grid_ids = [a.grid_id for a in scope.appointments if a.role == roles.GRID_WORKER and a.grid_id]
    if not (scope.everything or grid_ids):
        raise PermissionDenied(_("Patrol reports are for grid workers."))
    grids = list(Grid.objects.filter(Q(pk__in=grid_ids) | Q(micro_grids__pk__in=grid_ids)).distinct()) if grid_ids else []
    form = f.QuickReportForm(request.POST or None, request.FILES or None, categories=queries.categories())

    def again(status=200):
        return render(request, "cases/report_quick.html", _intake_context(request, form, _("Quick report"), grids=grids), status=status)

    if request.method == "POST":
        if not form.is_valid():
            return again(400)
        d = form.cleaned_data
        return _submit(request, form, again, source=Case.Source.PATROL, lat=d.get("lat"), lng=d.get("lng"))
    return again()


def _leader_dwellings(scope):
    building_ids = {a.building_id for a in scope.appointments if a.role == roles.BUILDING_LEADER and a.building_id}
    building_ids |= {a.entrance.building_id for a in scope.appointments if a.role == roles.ENTRANCE_LEADER and a.entrance_id}
    qs = Dwelling.objects.select_related("building__compound", "entrance").order_by("building_id", "entrance_id", "room")
    if scope.everything:
        return qs
    return scope.filter(qs.filter(building_id__in=building_ids))


@login_required
def report_neighbour(request):
    """A building leader reports for a neighbour: dwellings of their own building only."""
    scope = for_request(request)
    if not (scope.everything or scope.has_role(roles.BUILDING_LEADER, roles.ENTRANCE_LEADER)):
        raise PermissionDenied(_("Reports for neighbours are for building leaders."))
    dwellings = list(_leader_dwellings(scope))
    form = f.NeighbourReportForm(request.POST or None, request.FILES or None, categories=queries.categories(), dwellings=dwellings)

    def again(status=200):
        return render(request, "cases/report_neighbour.html", _intake_context(request, form, _("Report for a neighbour")), status=status)

    if request.method == "POST":
        if not form.is_valid():
            return again(400)
        d = form.cleaned_data
        dwelling = next(x for x in dwellings if str(x.pk) == d["dwelling"])
        return _submit(request, form, again, source=Case.Source.BUILDING_LEADER, dwelling=dwelling,
                       reporter_name=d["reporter_name"], reporter_phone=d["reporter_phone"])
    return again()


def _match_caller(scope, phone: str):
    """The resident whose phone matches, within the desk's scope (None when none or ambiguous)."""
    from linli.core.validation import normalize_phone

    try:
        phone = normalize_phone(phone, "reporter_phone")
    except ValidationError:
        return None
    matches = list(scope.filter(Person.objects.filter(phone_hash=lookup_hash(phone))).select_related("dwelling__building__compound", "dwelling__entrance")[:2])
    return matches[0] if len(matches) == 1 else None


def _desk_scope(scope):
    if not (scope.everything or scope.has_role(roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY, roles.SUBDISTRICT_STAFF)):
        raise PermissionDenied(_("The hotline desk is for community and subdistrict staff."))


@login_required
def report_hotline(request):
    """Hotline / desk: the caller's phone finds the resident (shown masked); their home or a point."""
    scope = for_request(request)
    _desk_scope(scope)
    community_ids = {a.community_id for a in scope.appointments if a.community_id}
    grids = list(Grid.objects.filter(community_id__in=community_ids, parent__isnull=True)) if community_ids else list(Grid.objects.filter(parent__isnull=True)[:20])
    form = f.HotlineForm(request.POST or None, request.FILES or None, categories=queries.categories())

    def again(status=200):
        return render(request, "cases/report_hotline.html", _intake_context(request, form, _("Hotline call"), grids=grids), status=status)

    if request.method == "POST":
        if not form.is_valid():
            return again(400)
        d = form.cleaned_data
        where = {"lat": d.get("lat"), "lng": d.get("lng")}
        if d["place"] == "home":
            caller = _match_caller(scope, d["reporter_phone"])
            if caller is None or not caller.dwelling_id:
                form.add_error("place", _("No registered resident has this phone: choose a point on the map."))
                return again(400)
            where = {"dwelling": caller.dwelling}
        return _submit(request, form, again, source=Case.Source.HOTLINE, reporter_name=d["reporter_name"],
                       reporter_phone=d["reporter_phone"], **where)
    return again()


@login_required
def hotline_match(request):
    scope = for_request(request)
    _desk_scope(scope)
    phone = (request.GET.get("reporter_phone") or "").strip()
    caller = _match_caller(scope, phone) if phone else None
    return render(request, "cases/_caller.html", {"phone": phone, "caller": caller,
                                                  "masked_name": mask_name(caller.name) if caller else ""})


@login_required
def similar(request):
    """htmx: open cases nearby with similar text, offered at intake."""
    scope = for_request(request)
    description = request.GET.get("description", "")
    lat = lng = None
    community = None
    person = getattr(request.user, "person", None)
    place = request.GET.get("place", "")
    try:
        if request.GET.get("dwelling"):
            d = scope.filter(Dwelling.objects.filter(pk=int(request.GET["dwelling"]))).select_related("building__community").first()
            if d is not None:
                lat, lng, community = d.building.lat, d.building.lng, d.building.community
        elif request.GET.get("lat") and request.GET.get("lng") and place != "home":
            lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
        elif place == "home" and request.GET.get("source") != "hotline" and person is not None and person.dwelling_id:
            b = person.dwelling.building
            lat, lng, community = b.lat, b.lng, b.community
    except (ValueError, TypeError):
        lat = lng = None
    found = []
    if lat is not None or community is not None:
        found = queries.similar_open_cases(description, lat, lng, community)
    rows = [{"number": c.number, "category": c.category.name if c.category_id else "", "state": c.get_state_display(),
             "reported_on": c.created_at.date(), "metres": round(m) if m is not None else None,
             "description": c.description if c.category_id and c.category.outcomes_public else "",
             "similarity": round(score * 100)} for c, score, m in found]
    return render(request, "cases/_similar.html", {"rows": rows})
