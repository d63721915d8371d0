"""Pages: the grid-work home, patrols and their stops (a stop → a case), coverage and the map."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import roles
from linli.people.scopes import for_request
from linli.places.models import Dwelling, Grid, Venue

from .. import queries, services
from ..models import Dispute, DutyItem, Hazard, Patrol, PatrolStop
from ._common import _fail, _is_staff, _place_from


@login_required
def home(request):
    scope = for_request(request)
    today = timezone.localdate()
    ctx = {
        "open_patrol": queries.open_patrol(request.user),
        "is_worker": scope.has_role(roles.GRID_WORKER),
        "is_leader": scope.has_role(roles.BUILDING_LEADER),
        "is_staff": _is_staff(scope),
        "due_reinspections": list(queries.reinspections_due(scope, today)[:20]),
        "due_visits": list(queries.visit_list(scope).filter(done_at__isnull=True, due_on__lte=today + datetime.timedelta(days=3))
                           .order_by("due_on")[:20]),
        "open_hazards": queries.hazards(scope).filter(status=Hazard.Status.OPEN).count(),
        "recent_patrols": list(queries.patrols(scope)[:5]),
        "open_disputes": queries.disputes(scope).exclude(status=Dispute.Status.CLOSED).count(),
        "today": today,
    }
    if ctx["is_leader"] and getattr(request.user, "person", None):
        ctx["my_items"] = list(DutyItem.objects.filter(leader=request.user.person, done_at__isnull=True).order_by("due_on")[:10])
        ctx["my_points"] = services.points_of(request.user.person)
    return render(request, "patrols/home.html", ctx)


@login_required
@require_POST
def patrol_start(request):
    scope = for_request(request)
    try:
        patrol = services.start_patrol(scope)
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
        return redirect("patrols:home")
    messages.success(request, _("Patrol started in %(grid)s.") % {"grid": patrol.grid})
    return redirect("patrols:patrol", patrol.pk)


@login_required
def patrol_detail(request, pk):
    scope = for_request(request)
    patrol = queries.get(scope, Patrol, pk, qs=Patrol.objects.select_related("grid", "worker__person"))
    mine = patrol.worker_id == request.user.pk and patrol.is_open
    status = 200
    if request.method == "POST" and mine:
        try:
            place = _place_from(request.POST, scope)
            kw = {"dwelling" if isinstance(place, Dwelling) else "venue" if isinstance(place, Venue) else "building": place}
            services.record_stop(scope, patrol, seen=request.POST.get("seen", ""), lat=request.POST.get("lat") or None,
                                 lng=request.POST.get("lng") or None, photos=request.FILES.getlist("photos"), **kw)
            messages.success(request, _("Visit recorded: %(place)s.") % {"place": place})
            return redirect("patrols:patrol", patrol.pk)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
    stop_list = list(patrol.stops.select_related("building", "venue", "dwelling__building", "case").prefetch_related("hazards", "photos"))
    ctx = {"patrol": patrol, "stops": stop_list, "mine": mine, "post": request.POST if status == 400 else {}}
    if mine:
        ctx.update(queries.places_for_worker(scope, patrol.grid))
    return render(request, "patrols/patrol.html", ctx, status=status)


@login_required
@require_POST
def patrol_end(request, pk):
    scope = for_request(request)
    patrol = queries.get(scope, Patrol, pk)
    try:
        services.end_patrol(scope, patrol, note=request.POST.get("note", ""))
        messages.success(request, _("Patrol finished."))
    except (ValidationError, PermissionDenied) as exc:
        _fail(request, exc)
    return redirect("patrols:patrol", patrol.pk)


@login_required
def stop_case(request, pk):
    """One tap: the problem seen at a stop becomes a case (source: patrol)."""
    scope = for_request(request)
    stop = queries.get(scope, PatrolStop, pk, qs=PatrolStop.objects.select_related("patrol", "dwelling", "building", "venue"))
    if request.method == "POST":
        try:
            case = services.stop_to_case(scope, stop, request.POST.get("description") or stop.seen,
                                         category=request.POST.get("category") or None, photos=request.FILES.getlist("photos"))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            return redirect("patrols:patrol", stop.patrol_id)
        messages.success(request, _("Reported as case %(n)s.") % {"n": case.number})
        return redirect("cases:case", case.pk)
    raise Http404


@login_required
def coverage(request):
    scope = for_request(request)
    try:
        days = max(1, min(365, int(request.GET.get("days") or 30)))
    except ValueError:
        days = 30
    view = request.GET.get("view") or "week"
    by = request.GET.get("by") or "worker"
    today = timezone.localdate()
    try:
        anchor = datetime.date.fromisoformat(request.GET.get("on") or today.isoformat())
    except ValueError:
        anchor = today
    start = anchor if view == "day" else anchor - datetime.timedelta(days=anchor.weekday())
    end = anchor if view == "day" else start + datetime.timedelta(days=6)
    dates = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    return render(request, "patrols/coverage.html", {
        "days": days, "view": view, "by": by, "anchor": anchor, "dates": dates, "rows": queries.activity(scope, start, end, by),
        "cov": queries.coverage(scope, days, today),
        "prev": anchor - datetime.timedelta(days=1 if view == "day" else 7),
        "next": anchor + datetime.timedelta(days=1 if view == "day" else 7),
    })


@login_required
def stop_map(request):
    return render(request, "patrols/map.html", {"days": request.GET.get("days") or "7"})


@login_required
def stop_map_data(request):
    scope = for_request(request)
    try:
        days = max(1, min(365, int(request.GET.get("days") or 7)))
    except ValueError:
        days = 7
    since = timezone.now() - datetime.timedelta(days=days)
    stops = queries.stops(scope).filter(at__gte=since, lat__isnull=False)[:2000]
    feats = [{"lat": s.lat, "lng": s.lng, "place": str(s.place or ""), "worker": s.patrol.worker.person.name if s.patrol.worker.person_id else "",
              "at": timezone.localtime(s.at).strftime("%m-%d %H:%M"), "patrol": s.patrol_id}
             for s in stops]
    tracks = {}
    for f in feats:
        tracks.setdefault(f["patrol"], []).append([f["lat"], f["lng"]])
    grids = [{"name": g.name, "boundary": g.boundary} for g in scope.filter(Grid.objects.filter(parent__isnull=True), "read") if g.boundary]
    return JsonResponse({"stops": feats, "tracks": list(tracks.values()), "grids": grids})
