"""Grid-work pages. Thin: scope → query or service → render. A service's ValidationError shows its message
above the form (status 400); OutOfScope is a 403; ids outside the scope are 404."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from linli.cases.models import Category
from linli.core import roles
from linli.people.models import Organization, Person
from linli.people.scopes import for_request
from linli.places.models import Building, Community, Dwelling, Grid, Venue
from linli.volunteers import queries as volunteer_queries

from . import queries, services
from .models import (Agreement, Campaign, CareVisit, Dispute, DutyItem, Hazard, Mediation, Patrol, PatrolStop,
                     Photo, PointEvent, RectificationNotice, Reinspection, VisitRule)


# ---------------------------------------------------------------- helpers

def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _fail(request, exc) -> None:
    for m in (_errors(exc) if isinstance(exc, ValidationError) else [str(exc)]):
        messages.error(request, m)


def _date(value, field: str, label: str):
    if not value:
        raise ValidationError({field: _("%(label)s: enter a date (YYYY-MM-DD).") % {"label": label}})
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("%(label)s: enter a date (YYYY-MM-DD).") % {"label": label}})


def _datetime(value, field: str, label: str):
    if not value:
        return timezone.now()
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("%(label)s: enter a date and time.") % {"label": label}})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _community(scope):
    ids = scope.community_ids
    if ids:
        return Community.objects.filter(pk__in=sorted(ids)).first()
    if scope.everything:
        return Community.objects.order_by("id").first()
    return None


def _is_staff(scope) -> bool:
    return scope.everything or scope.has_role(*roles.STAFF_ROLES)


def _place_from(post, scope, community=None):
    """'building:3' / 'venue:5' / 'dwelling:9' → the place, read through the scope; or, with `community`, any place
    of that community, so that the service refuses one outside the caller's grid with its own clear message."""
    raw = (post.get("place") or "").strip()
    kind, _sep, pk = raw.partition(":")
    model = {"building": Building, "venue": Venue, "dwelling": Dwelling}.get(kind)
    if model is None or not pk.isdigit():
        raise ValidationError({"place": _("Place: choose one building, venue or dwelling.")})
    if community is not None:
        where = {"building__community": community} if model is Dwelling else {"community": community}
        place = model.objects.filter(pk=int(pk), **where).first()
    else:
        place = scope.filter(model.objects.filter(pk=int(pk)), "read").first()
    if place is None:
        raise ValidationError({"place": _("Place: choose one building, venue or dwelling.")})
    return place


# ---------------------------------------------------------------- home

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
        "due_visits": list(queries.visits(scope).filter(done_at__isnull=True, due_on__lte=today + datetime.timedelta(days=3))
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


# ---------------------------------------------------------------- patrols

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
def hazard_new(request):
    scope = for_request(request)
    stop = None
    if request.GET.get("stop") or request.POST.get("stop"):
        stop = queries.get(scope, PatrolStop, request.GET.get("stop") or request.POST.get("stop"),
                           qs=PatrolStop.objects.select_related("building", "venue", "dwelling__building", "patrol"))
    status = 200
    if request.method == "POST":
        try:
            place = stop.place if stop else _place_from(request.POST, scope)
            org = None
            if request.POST.get("responsible_org"):
                org = Organization.objects.filter(pk=request.POST["responsible_org"]).first()
            hazard = services.record_hazard(scope, stop=stop, place=place, title=request.POST.get("title", ""),
                                            description=request.POST.get("description", ""), category_code=request.POST.get("category_code", ""),
                                            responsible_org=org, responsible_name=request.POST.get("responsible_name", ""),
                                            photos=request.FILES.getlist("photos"))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Hazard recorded: %(t)s.") % {"t": hazard.title})
            return redirect(f"{_url('patrols:notice_new')}?hazard={hazard.pk}")
    community = stop.community if stop else _community(scope)
    orgs = Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, active=True)
    if community:
        orgs = orgs.filter(community=community) | Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, serves__community=community)
    categories = Category.objects.filter(parent__code__in=["fire", "housing", "construction", "roads", "market"], active=True).select_related("parent")
    grid = None if stop else queries.worker_grids(scope).first()
    places = queries.places_for_worker(scope, grid) if grid else {}
    return render(request, "patrols/hazard_new.html", {"stop": stop, "orgs": orgs.distinct(), "categories": categories, "post": request.POST,
                                                        "places": places}, status=status)


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


@login_required
def hazards(request):
    scope = for_request(request)
    qs = queries.hazards(scope)
    status = request.GET.get("status") or ""
    if status:
        qs = qs.filter(status=status)
    return render(request, "patrols/hazards.html", {"hazards": qs[:200], "status": status, "statuses": Hazard.Status.choices})


@login_required
def notice_new(request):
    scope = for_request(request)
    ids = request.POST.getlist("hazards") if request.method == "POST" else request.GET.getlist("hazard")
    chosen = list(queries.hazards(scope).filter(pk__in=[int(i) for i in ids if str(i).isdigit()]))
    status = 200
    if request.method == "POST":
        try:
            notice = services.issue_notice(scope, chosen, requirements=request.POST.get("requirements", ""),
                                           deadline=_date(request.POST.get("deadline"), "deadline", _("Deadline")))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Rectification notice %(n)s issued.") % {"n": notice.number})
            return redirect("patrols:notice", notice.pk)
    open_hazards = queries.hazards(scope).filter(status=Hazard.Status.OPEN)[:100]
    default_deadline = timezone.localdate() + datetime.timedelta(days=7)
    return render(request, "patrols/notice_new.html", {"chosen": chosen, "open_hazards": open_hazards, "post": request.POST,
                                                        "default_deadline": default_deadline}, status=status)


def _notice_sections(notice):
    from linli.core.pdf import Section

    hazards = list(notice.hazards.all())
    return [
        Section(pgettext("notice", "To"), rows=[(_("Responsible party"), notice.responsible_name), (_("Number"), notice.number),
                               (_("Issued"), timezone.localtime(notice.issued_at).strftime("%Y-%m-%d")),
                               (_("Grid"), str(notice.grid))]),
        Section(_("Hazards found"), table=[[_("Hazard"), _("Place"), _("Description")]] +
                [[h.title, str(h.place or ""), h.description or "—"] for h in hazards]),
        Section(_("Requirements"), paragraphs=[notice.requirements,
                                               _("Rectify before %(d)s. A re-inspection follows on that date; a hazard not rectified is handed to the competent department.") % {"d": notice.deadline.isoformat()}]),
    ]


@login_required
def notice_detail(request, pk):
    scope = for_request(request)
    notice = queries.notice_for(scope, pk, qs=RectificationNotice.objects.select_related("grid", "community", "issued_by__person"))
    r = Reinspection.objects.filter(notice=notice).select_related("case").first()
    status = 200
    if request.method == "POST" and r is not None:
        outcome = request.POST.get("outcome")
        try:
            if outcome not in ("fixed", "not_fixed"):
                raise ValidationError({"outcome": _("Outcome: fixed or not fixed.")})
            r = services.record_reinspection(scope, r, fixed=outcome == "fixed", note=request.POST.get("note", ""),
                                             photos=request.FILES.getlist("photos"))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            if r.case_id:
                messages.warning(request, _("Not fixed: case %(n)s opened and sent to %(to)s.") % {
                    "n": r.case.number, "to": r.case.assignee_org or r.case.get_tier_display()})
            else:
                messages.success(request, _("Re-inspection recorded: fixed."))
            return redirect("patrols:notice", notice.pk)
    hazard_list = list(notice.hazards.select_related("building", "venue", "dwelling__building", "case__assignee_org").prefetch_related("photos"))
    may_write = scope.filter(RectificationNotice.objects.filter(pk=notice.pk), "write").exists()
    return render(request, "patrols/notice.html", {"notice": notice, "r": r, "hazards": hazard_list, "today": timezone.localdate(),
                                                    "may_write": may_write,
                                                    "print": request.GET.get("print") == "1"}, status=status)


@login_required
def notice_pdf(request, pk):
    from linli.core.pdf import render as render_pdf

    scope = for_request(request)
    notice = queries.notice_for(scope, pk, qs=RectificationNotice.objects.select_related("grid", "community"))
    pdf = render_pdf(_("Rectification notice"), _notice_sections(notice), subtitle=f"{notice.community} · {notice.number}",
                     footer=_("Issued by the %(c)s residents' committee (community grid)") % {"c": notice.community})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.number}.pdf"'
    return response


@login_required
def notices(request):
    scope = for_request(request)
    return render(request, "patrols/notices.html", {"notices": queries.notices(scope)[:200],
                                                     "due": list(queries.reinspections_due(scope))})


@login_required
def photo(request, pk):
    scope = for_request(request)
    p = get_object_or_404(Photo.objects.select_related("stop", "hazard"), pk=pk)
    owner = p.stop or p.hazard
    if owner is None or not (scope.allows(owner) or _handles_case_of(scope, p.hazard)):
        raise Http404
    response = FileResponse(p.file.open("rb"), content_type=p.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _handles_case_of(scope, hazard) -> bool:
    """The handler of the case a hazard escalated into sees its photos (see queries.notice_for)."""
    from linli.cases.services import may_handle

    return hazard is not None and hazard.case_id is not None and may_handle(scope, hazard.case)


# ---------------------------------------------------------------- coverage, day/week views, map

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


# ---------------------------------------------------------------- campaigns and inspections

@login_required
def campaigns(request):
    scope = for_request(request)
    community = _community(scope)
    if request.method == "POST":
        try:
            c = services.create_campaign(scope, community, kind=request.POST.get("kind", ""), title=request.POST.get("title", ""),
                                         target=request.POST.get("target", ""), place_kind=request.POST.get("place_kind", ""),
                                         starts_on=_date(request.POST.get("starts_on"), "starts_on", _("From")),
                                         ends_on=_date(request.POST.get("ends_on"), "ends_on", _("Until")),
                                         items=(request.POST.get("items") or "").splitlines())
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            return redirect("patrols:campaign", c.pk)
    rows = [(c, services.campaign_progress(c)) for c in queries.campaigns(scope)[:50]]
    return render(request, "patrols/campaigns.html", {"rows": rows, "is_staff": _is_staff(scope), "kinds": Campaign.Kind.choices,
                                                       "venue_kinds": Venue.Kind.choices,
                                                       "targets": Campaign.Target.choices, "today": timezone.localdate()})


@login_required
def campaign_detail(request, pk):
    scope = for_request(request)
    campaign = queries.get(scope, Campaign, pk)
    items = list(campaign.items.all())
    status = 200
    if request.method == "POST":
        try:
            place = _place_from(request.POST, scope, community=campaign.community)  # the service checks the grid
            results = {}
            for item in items:
                value = request.POST.get(f"item_{item.pk}")
                if value in ("pass", "fail"):
                    results[item.pk] = (value == "pass", request.POST.get(f"note_{item.pk}", ""))
            photos = {item.pk: request.FILES.getlist(f"photos_{item.pk}") for item in items}
            services.inspect(scope, campaign, place=place, results=results, responsible_name=request.POST.get("responsible_name", ""),
                             photos=photos)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Inspection recorded: %(place)s.") % {"place": place})
            return redirect("patrols:campaign", campaign.pk)
    inspected = campaign.inspections.select_related("venue", "building__compound", "inspector__person").prefetch_related("results__item")
    if _is_staff(scope):  # staff inspect anywhere in the community
        places = {"buildings": list(scope.filter(Building.objects.filter(community=campaign.community).select_related("compound"), "write").order_by("number")),
                  "venues": list(scope.filter(Venue.objects.filter(community=campaign.community), "write").order_by("name"))}
    else:
        grid = queries.worker_grids(scope).first()
        places = queries.places_for_worker(scope, grid) if grid else {}
    if campaign.place_kind:
        places = {k: [p for p in v if getattr(p, "kind", None) == campaign.place_kind] for k, v in places.items() if k != "dwellings"}
    return render(request, "patrols/campaign.html", {"campaign": campaign, "items": items, "progress": services.campaign_progress(campaign),
                                                      "inspections": inspected, "places": places, "post": request.POST}, status=status)


# ---------------------------------------------------------------- care visits

@login_required
def visits(request):
    scope = for_request(request)
    today = timezone.localdate()
    qs = queries.visits(scope).filter(done_at__isnull=True)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = qs.filter(due_on__lt=today)
    done = queries.visits(scope).filter(done_at__isnull=False).order_by("-done_at")[:20]
    return render(request, "patrols/visits.html", {"visits": qs.order_by("due_on")[:200], "done": done, "overdue": overdue, "today": today,
                                                    "overdue_count": queries.visits(scope).filter(done_at__isnull=True, due_on__lt=today).count()})


@login_required
def visit_record(request, pk):
    scope = for_request(request)
    visit = queries.get(scope, CareVisit, pk, qs=CareVisit.objects.select_related("person", "rule", "case", "wish", "service_order__item"))
    menu = volunteer_queries.service_menu(visit.community)
    status = 200
    if request.method == "POST":
        try:
            item_id = request.POST.get("menu_item") or ""
            menu_item = menu.filter(pk=int(item_id)).first() if item_id.isdigit() else None
            done = services.record_visit(scope, visit, method=request.POST.get("method", ""), situation=request.POST.get("situation", ""),
                                         needs=request.POST.get("needs", ""), open_case=request.POST.get("open_case") == "1",
                                         care=request.POST.get("care", ""), menu_item=menu_item)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": visit.person.name})
            if done.wish_id:
                messages.success(request, _("The need is posted as a micro-wish for volunteers to claim."))
            if done.service_order_id:
                messages.success(request, _("The need is ordered from the service menu: %(t)s.") % {"t": done.service_order.item.title})
            return redirect("patrols:visits")
    history = (CareVisit.objects.filter(person=visit.person, done_at__isnull=False).select_related("case", "wish", "service_order__item")
               .order_by("-done_at")[:10])
    return render(request, "patrols/visit.html", {"visit": visit, "history": history, "methods": VisitRule.Method.choices,
                                                   "menu": menu, "may_request_care": services.may_request_care(scope, visit.person),
                                                   "post": request.POST}, status=status)


@login_required
def visit_rules(request):
    scope = for_request(request)
    community = _community(scope)
    if request.method == "POST" and request.POST.get("action") == "defaults":
        if not _is_staff(scope) or community is None:
            raise PermissionDenied(_("Only the community's staff edit visit rules."))
        services.seed_visit_rules(community)
        messages.success(request, _("Visit rule saved."))
        return redirect("patrols:rules")
    if request.method == "POST":
        rule = None
        if request.POST.get("rule"):
            rule = queries.get(scope, VisitRule, request.POST["rule"])
        try:
            def level(name):
                v = request.POST.get(name)
                return int(v) if v and v.isdigit() else None
            services.save_visit_rule(scope, rule.community if rule else community, rule=rule, name=request.POST.get("name", ""),
                                     tag=request.POST.get("tag", ""), also_tag=request.POST.get("also_tag", ""),
                                     min_level=level("min_level"), max_level=level("max_level"),
                                     interval_days=request.POST.get("interval_days"), method=request.POST.get("method", "door"),
                                     active=request.POST.get("active") == "1")
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Visit rule saved."))
            return redirect("patrols:rules")
    return render(request, "patrols/rules.html", {"rules": queries.rules(scope), "is_staff": _is_staff(scope),
                                                   "tags": services.TAG_CHOICES, "methods": VisitRule.Method.choices})


# ---------------------------------------------------------------- disputes

@login_required
def disputes(request):
    scope = for_request(request)
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from") or "")
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = datetime.date.fromisoformat(request.GET.get("until") or "")
    except ValueError:
        end = today
    qs = queries.disputes(scope)
    stats = services.dispute_statistics(qs, start, end)
    stats["kinds"] = [(label, stats["by_kind"][k]) for k, label in Dispute.Kind.choices]
    stats["statuses"] = [(label, stats["by_status"][k]) for k, label in Dispute.Status.choices]
    return render(request, "patrols/disputes.html", {"disputes": qs[:200], "stats": stats, "start": start, "end": end})


@login_required
def dispute_new(request):
    scope = for_request(request)
    grids = list(queries.worker_grids(scope))
    status = 200
    if request.method == "POST":
        try:
            grid = next((g for g in grids if str(g.pk) == request.POST.get("grid")), None)
            if grid is None:
                raise ValidationError({"grid": _("Grid: choose the grid.")})
            parties = [line for line in (request.POST.get("parties") or "").splitlines() if line.strip()]
            d = services.register_dispute(scope, grid=grid, kind=request.POST.get("kind", ""), risk=request.POST.get("risk", "low"),
                                          description=request.POST.get("description", ""), parties=parties)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Dispute %(n)s registered.") % {"n": d.number})
            return redirect("patrols:dispute", d.pk)
    return render(request, "patrols/dispute_new.html", {"grids": grids, "kinds": Dispute.Kind.choices, "risks": Dispute.Risk.choices,
                                                         "post": request.POST}, status=status)


@login_required
def dispute_detail(request, pk):
    scope = for_request(request)
    d = queries.get(scope, Dispute, pk)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "mediation":
                mediators = []
                for kind in Mediation.MediatorKind.values:
                    for name in (request.POST.get(f"med_{kind}") or "").split("，"):
                        for n in name.split(","):
                            if n.strip():
                                mediators.append({"kind": kind, "name": n.strip()})
                services.record_mediation(scope, d, at=_datetime(request.POST.get("at"), "at", _("When")), mediators=mediators,
                                          notes=request.POST.get("notes", ""), outcome=request.POST.get("outcome", ""))
            elif action == "agreement":
                services.attach_agreement(scope, d, file=request.FILES.get("file"), summary=request.POST.get("summary", ""),
                                          signed_on=_date(request.POST.get("signed_on"), "signed_on", _("Signed on")))
            elif action == "follow_up":
                services.follow_up(scope, d, note=request.POST.get("note", ""), settled=request.POST.get("settled") == "1")
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("patrols:dispute", d.pk)
    d.refresh_from_db()
    return render(request, "patrols/dispute.html", {
        "d": d, "parties": d.parties.all(), "sessions": d.mediations.all(), "agreements": d.agreements.all(), "follow_ups": d.follow_ups.all(),
        "kinds": Mediation.MediatorKind.choices, "outcomes": Mediation.Outcome.choices, "today": timezone.localdate(),
        "may_write": scope.filter(Dispute.objects.filter(pk=d.pk), "write").exists()}, status=status)


@login_required
def agreement_file(request, pk):
    scope = for_request(request)
    a = get_object_or_404(Agreement, pk=pk)
    queries.get(scope, Dispute, a.dispute_id)
    return FileResponse(a.file.open("rb"), content_type=a.content_type)


# ---------------------------------------------------------------- building leaders

@login_required
def leader(request, person_id=None):
    """A leader's list, points and history (their own, or any leader's for staff)."""
    scope = for_request(request)
    me = getattr(request.user, "person", None)
    if person_id is None:
        if me is None:
            raise Http404
        person = me
    else:
        person = get_object_or_404(Person, pk=person_id)
    items = queries.duty_items(scope).filter(leader=person) if person != me else DutyItem.objects.filter(leader=person)
    if person != me and not items.exists() and not _is_staff(scope):
        raise Http404
    if request.method == "POST" and person == me:
        item = get_object_or_404(DutyItem, pk=request.POST.get("item"), leader=me)
        try:
            services.complete_duty(scope, item, request.POST.get("note", ""))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Done: %(t)s.") % {"t": item.title})
            return redirect("patrols:my_list")
    events = PointEvent.objects.filter(leader=person).select_related("rule", "case", "duty_item")[:100]
    return render(request, "patrols/leader.html", {
        "person": person, "mine": person == me, "open_items": items.filter(done_at__isnull=True).order_by("due_on"),
        "done_items": items.filter(done_at__isnull=False).order_by("-done_at")[:30], "events": events,
        "points": services.points_of(person), "today": timezone.localdate()})


@login_required
def leaders(request):
    scope = for_request(request)
    community = _community(scope)
    if community is None or not (scope.everything or scope.covers(community, "read", roles.PATROLS)):
        raise PermissionDenied(_("The leaders' ranking is for the community's staff."))
    if request.method == "POST" and request.POST.get("action") == "defaults":
        if not _is_staff(scope):
            raise PermissionDenied(_("Only the community's staff publish point rules."))
        services.seed_point_rules(community, timezone.localdate())
        messages.success(request, _("Rule published."))
        return redirect("patrols:leaders")
    if request.method == "POST":
        try:
            services.publish_rule(scope, community, code=request.POST.get("code", ""), description=request.POST.get("description", ""),
                                  points=request.POST.get("points"),
                                  effective_from=_date(request.POST.get("effective_from"), "effective_from", _("Effective from")))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Rule published."))
            return redirect("patrols:leaders")
    return render(request, "patrols/leaders.html", {"community": community, "rows": queries.leader_ranking(community.pk),
                                                     "rules": queries.rules_in_force(community.pk), "is_staff": _is_staff(scope),
                                                     "today": timezone.localdate()})
