"""Case pages: intake (resident, grid worker, building leader, hotline), lists and queues, the case with its
actions, the closing report, messages and the public board. Thin: scope → query or service → render.

Errors: a service's ValidationError re-renders the form with the field's message (400); OutOfScope is a
PermissionDenied (403); Conflict reloads the case with "someone else acted first"; ids outside the scope 404.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import notify
from linli.core.crypto import lookup_hash, mask_phone
from linli.meetings import services as meeting_services
from linli.meetings.models import Action as MeetingAction
from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person
from linli.people.scopes import for_request
from linli.places.models import Community, Dwelling, Grid

from . import forms as f
from . import queries, services
from .models import Case, CasePhoto, ClosingReport, Summons, Tier

State = Case.State
PAGE_SIZE = 25


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
    try:
        case = services.submit(scope, description=_same_as(request, d["description"]), category=d.get("category") or None,
                               photos=request.FILES.getlist("photos"), address=d.get("address", ""), **kwargs)
    except ValidationError as exc:
        f.apply_errors(form, exc)
        return render_again(status=400)
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


# ---------------------------------------------------------------- lists

@login_required
def case_list(request):
    scope = for_request(request)
    view = request.GET.get("view", "")
    cats = list(queries.categories())
    form = f.FilterForm(request.GET or None, categories=cats)
    filters = form.cleaned_data if form.is_valid() else {}
    if view == "mine":
        qs = queries.my_queue(scope)
    elif view == "triage":
        qs = queries.triage_queue(scope)
    else:
        qs = queries.cases(scope, filters)
    if view in ("mine", "triage"):
        qs = queries.cases(scope, filters).filter(pk__in=qs.values("pk"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {
        "form": form, "page_obj": page, "view": view, "now": timezone.now(),
        "counts": {"mine": queries.my_queue(scope).count(), "triage": queries.triage_queue(scope).count()},
        "is_dispatcher": queries.may_dispatch_anywhere(scope),
        "is_resident_only": _reporter_only(scope),
        "may_patrol": scope.everything or scope.has_role(roles.GRID_WORKER),
        "may_neighbour": scope.everything or scope.has_role(roles.BUILDING_LEADER, roles.ENTRANCE_LEADER),
        "may_report": bool(getattr(getattr(request.user, "person", None), "dwelling_id", None)),
    })


def _reporter_only(scope) -> bool:
    return not scope.everything and not scope.appointments


# ---------------------------------------------------------------- the case

def _current(qs):
    today = timezone.localdate()
    return qs.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def _whistle_orgs(case):
    return Organization.objects.filter(kind__in=[Organization.Kind.DEPARTMENT, Organization.Kind.PROPERTY_COMPANY], active=True).filter(
        Q(subdistrict=case.subdistrict_id) | Q(community=case.community_id) | Q(subdistrict__isnull=True, community__isnull=True)).order_by("name")


def _summoned_orgs(case):
    return Organization.objects.filter(summonses__whistle__case=case).distinct().order_by("name")


def _staff_people(case):
    appts = _current(Appointment.objects.filter(
        Q(role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY], community=case.community_id)
        | Q(role=roles.SUBDISTRICT_STAFF, subdistrict=case.subdistrict_id)))
    return Person.objects.filter(pk__in=appts.values("person_id")).order_by("name")


def _transfer_accounts(case):
    appts = _current(Appointment.objects.filter(home_community=case.community_id, role__in=[
        roles.GRID_WORKER, roles.BUILDING_LEADER, roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY]))
    return Account.objects.filter(person__in=appts.values("person_id"), is_active=True).select_related("person").order_by("person__name")


def _forms(case, scope, request, bound=None):
    """The action forms the user may use on this case (a bound form replaces its blank twin)."""
    can = services.may_handle(scope, case)
    dispatcher = queries.is_dispatcher(scope, case)
    s = case.state
    out = {}
    if can and s == State.ASSIGNED:
        out["accept"] = f.AcceptForm()
    if can and s in Case.OPEN_STATES:
        out["note"] = f.NoteForm()
    if dispatcher and s in (State.TRIAGE, State.ASSIGNED):
        out["categorise"] = f.CategoriseForm(categories=queries.categories())
    if can and s in (State.ACCEPTED, State.WHISTLED):
        out["plan"] = f.PlanForm()
    if dispatcher and s in (State.ACCEPTED, State.ASSIGNED, State.WHISTLED):
        out["whistle"] = f.WhistleForm(orgs=_whistle_orgs(case))
    if dispatcher and s == State.WHISTLED:
        out["meeting"] = f.MeetingForm(people=_staff_people(case), orgs=_summoned_orgs(case))
    if can and s in (State.ASSIGNED, State.ACCEPTED):
        out["transfer"] = f.TransferForm(accounts=_transfer_accounts(case), orgs=_whistle_orgs(case))
    if can and s in (State.ASSIGNED, State.ACCEPTED, State.TRIAGE):
        out["escalate"] = f.EscalateForm()
        if not dispatcher:
            out["escalate"].fields["to_tier"].choices = out["escalate"].fields["to_tier"].choices[:1]
    if can and s in (State.ACCEPTED, State.WHISTLED):
        out["resolve"] = f.ResolveForm()
    if dispatcher and s in Case.OPEN_STATES:
        out["merge"] = f.MergeForm()
    if s == State.RESOLVED and services.may_rate(request.user, case) and not case.ratings.filter(
            account=request.user, round=case.rework_count).exists():
        out["rate"] = f.RateForm()
    if bound:
        out.update(bound)
    return out


def _detail(request, case, bound=None, status=200):
    scope = for_request(request)
    handler = queries.sees_as_handler(scope, case)
    events = list(queries.timeline(scope, case))
    states, tiers = dict(Case.State.choices), dict(Tier.choices)
    for e in events:
        e.from_label, e.to_label = states.get(e.from_state, e.from_state), states.get(e.to_state, e.to_state)
        e.from_tier_label, e.to_tier_label = tiers.get(e.from_tier, e.from_tier), tiers.get(e.to_tier, e.to_tier)
    photos = CasePhoto.objects.filter(case=case).select_related("event")
    if not handler:
        photos = photos.filter(Q(event__isnull=True) | Q(event__public=True))
    orgs = queries.org_ids(scope)
    summonses = list(Summons.objects.filter(whistle__case=case).select_related("department", "whistle", "reported_by__person"))
    report_ins = [(s, f.ReportInForm()) for s in summonses
                  if s.reported_at is None and s.status == Summons.Status.WAITING and (scope.everything or s.department_id in orgs)]
    meetings = list(case.meetings.prefetch_related("attendances__person", "attendances__organization", "actions__owner__person",
                                                   "actions__owner_org", "actions__progress"))
    action_forms = {}
    for m in meetings:
        for a in m.actions.all():
            if a.status == MeetingAction.Status.OPEN and meeting_services.may_act_on(scope, a):
                action_forms[a.pk] = (bound or {}).get(f"action_{a.pk}") or f.ProgressForm()
    forms = _forms(case, scope, request, bound)
    similar_cases = []
    if "merge" in forms:
        similar_cases = [c for c, _s, _m in queries.similar_open_cases(case.description, case.lat, case.lng, case.community, exclude=case)]
    ctx = {
        "case": case, "handler": handler, "events": events, "photos": photos, "forms": forms,
        "handling_forms": [k for k in forms if k != "rate"],
        "summonses": summonses, "report_ins": report_ins, "meetings": meetings, "action_forms": action_forms,
        "plans": case.plans.all() if handler else [], "similar_cases": similar_cases,
        "reporter_phone": mask_phone(case.reporter_phone) if handler else "",
        "ratings": case.ratings.select_related("account__person") if handler else case.ratings.filter(account=request.user),
        "merged": case.merged_cases.all() if handler else [],
        "map_data": {"center": [case.lat, case.lng] if case.lat is not None else None, "grids": []},
        "has_report": ClosingReport.objects.filter(case=case).exists(),
        "now": timezone.now(),
        # where the case came from in grid work, and the council matters it is part of
        "notices": _notices_of(case) if handler else [],
        "matters": case.matters.all(),
        "may_raise_matter": bool(getattr(request.user, "person", None) and request.user.person.dwelling_id),
    }
    return render(request, "cases/detail.html", ctx, status=status)


def _notices_of(case):
    """The rectification notices whose hazard escalated into this case (patrols app): its handlers may read them."""
    from linli.patrols.models import RectificationNotice

    return RectificationNotice.objects.filter(hazards__case=case).distinct()


@login_required
def case_detail(request, pk):
    scope = for_request(request)
    return _detail(request, queries.case(scope, pk))


def _act(request, pk, form_key, form, call):
    """POST an action: the service decides; errors come back on the form, races as a message."""
    scope = for_request(request)
    case = queries.case(scope, pk)
    if not form.is_valid():
        return _detail(request, case, {form_key: form}, status=400)
    try:
        call(scope, case, form.cleaned_data)
    except ValidationError as exc:
        f.apply_errors(form, exc)
        return _detail(request, case, {form_key: form}, status=400)
    except services.Conflict:
        messages.error(request, _("Someone else acted on this case first. The page shows it as it is now."))
        return redirect("cases:case", case.pk)
    messages.success(request, _("Saved."))
    return redirect(reverse("cases:case", args=[case.pk]) + f"#{form_key}")


@login_required
@require_POST
def case_accept(request, pk):
    return _act(request, pk, "accept", f.AcceptForm(request.POST), lambda s, c, d: services.accept(s, c, d["note"]))


@login_required
@require_POST
def case_note(request, pk):
    return _act(request, pk, "note", f.NoteForm(request.POST, request.FILES),
                lambda s, c, d: services.add_note(s, c, d["note"], request.FILES.getlist("photos"), public=d["public"]))


@login_required
@require_POST
def case_categorise(request, pk):
    return _act(request, pk, "categorise", f.CategoriseForm(request.POST, categories=queries.categories()),
                lambda s, c, d: services.categorise(s, c, d["category"] or None))


@login_required
@require_POST
def case_transfer(request, pk):
    scope = for_request(request)
    case = queries.case(scope, pk)
    accounts, orgs = _transfer_accounts(case), _whistle_orgs(case)
    form = f.TransferForm(request.POST, accounts=accounts, orgs=orgs)

    def call(s, c, d):
        to = accounts.get(pk=d["to"]) if d["to"] else None
        to_org = orgs.get(pk=d["to_org"]) if d["to_org"] else None
        services.transfer(s, c, to=to, to_org=to_org, note=d["note"])
    return _act(request, pk, "transfer", form, call)


@login_required
@require_POST
def case_escalate(request, pk):
    return _act(request, pk, "escalate", f.EscalateForm(request.POST),
                lambda s, c, d: services.escalate(s, c, d["note"], to_tier=d["to_tier"] or None))


@login_required
@require_POST
def case_plan(request, pk):
    form = f.PlanForm(request.POST)
    return _act(request, pk, "plan", form, lambda s, c, d: services.propose_plan(s, c, d["summary"], form.option_list()))


@login_required
@require_POST
def case_whistle(request, pk):
    scope = for_request(request)
    case = queries.case(scope, pk)
    orgs = _whistle_orgs(case)
    form = f.WhistleForm(request.POST, orgs=orgs)
    return _act(request, pk, "whistle", form, lambda s, c, d: services.whistle(
        s, c, list(orgs.filter(pk__in=d["departments"])), d["reason"], d["report_in_hours"]))


@login_required
@require_POST
def case_report_in(request, pk, summons_id):
    scope = for_request(request)
    case = queries.case(scope, pk)
    summons = get_object_or_404(Summons, pk=summons_id, whistle__case=case)
    form = f.ReportInForm(request.POST)
    form.is_valid()
    try:
        services.report_in(scope, summons, form.cleaned_data.get("note", ""))
    except services.Conflict as exc:
        messages.error(request, str(exc))
        return redirect("cases:case", case.pk)
    messages.success(request, _("Reported in."))
    return redirect("cases:case", case.pk)


@login_required
@require_POST
def case_meeting(request, pk):
    scope = for_request(request)
    case = queries.case(scope, pk)
    people, orgs = list(_staff_people(case)), list(_summoned_orgs(case))
    form = f.MeetingForm(request.POST, people=people, orgs=orgs)

    def call(s, c, d):
        by_person = {str(p.pk): p for p in people}
        by_org = {str(o.pk): o for o in orgs}
        attendees = []
        for kind, item, name in form.attendance_rows:
            status = d.get(name)
            if status:
                row = {"status": status, "substitute_name": d.get(name + "_sub", "")}
                row["organization" if kind == "org" else "person"] = item
                attendees.append(row)
        resolutions = []
        for i in range(1, f.MEETING_ROWS + 1):
            text, owner, due = d.get(f"res_{i}_text", "").strip(), d.get(f"res_{i}_owner", ""), d.get(f"res_{i}_due")
            if not text:
                continue
            row = {"text": text, "due_on": due, "owner": None, "owner_org": None}
            if owner.startswith("org:"):
                row["owner_org"] = by_org.get(owner[4:])
            elif owner.startswith("person:"):
                p = by_person.get(owner[7:])
                row["owner"] = Account.objects.filter(person=p).first() if p else None
            resolutions.append(row)
        services.hold_whistle_meeting(s, c, starts_at=d["starts_at"], place=d["place"], chair=by_person.get(d["chair"]),
                                      attendees=attendees, minutes=d["minutes"], resolutions=resolutions)
    return _act(request, pk, "meeting", form, call)


@login_required
@require_POST
def case_action(request, pk, action_id):
    scope = for_request(request)
    case = queries.case(scope, pk)
    action = get_object_or_404(MeetingAction, pk=action_id, meeting__case=case)
    form = f.ProgressForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, {f"action_{action.pk}": form}, status=400)
    d = form.cleaned_data
    try:
        services.carry_out(scope, action, d["note"], d["percent"] if d["percent"] is not None else 100, done=d["done"])
    except ValidationError as exc:
        f.apply_errors(form, exc)
        return _detail(request, case, {f"action_{action.pk}": form}, status=400)
    except services.Conflict:
        messages.error(request, _("Someone else acted on this case first. The page shows it as it is now."))
        return redirect("cases:case", case.pk)
    messages.success(request, _("Saved."))
    return redirect("cases:case", case.pk)


@login_required
@require_POST
def case_resolve(request, pk):
    return _act(request, pk, "resolve", f.ResolveForm(request.POST, request.FILES),
                lambda s, c, d: services.resolve(s, c, d["result"], request.FILES.getlist("photos")))


@login_required
@require_POST
def case_rate(request, pk):
    return _act(request, pk, "rate", f.RateForm(request.POST),
                lambda s, c, d: services.rate(s, c, d["verdict"], d["comment"]))


@login_required
@require_POST
def case_merge(request, pk):
    scope = for_request(request)

    def call(s, c, d):
        number = d["parent"].strip()
        parent = queries.visible(scope).filter(number=number).first() if number else None
        if parent is None:
            raise ValidationError({"parent": _("Merge: no case %(n)s that you can see.") % {"n": number or "—"}})
        services.merge(s, c, parent)
    return _act(request, pk, "merge", f.MergeForm(request.POST), call)


@login_required
def case_photo(request, pk, photo_id):
    scope = for_request(request)
    case = queries.case(scope, pk)
    photo = get_object_or_404(CasePhoto, pk=photo_id, case=case)
    if photo.event_id and not photo.event.public and not queries.sees_as_handler(scope, case):
        raise Http404
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- closing report

def _report(request, pk):
    from .report import report_body

    scope = for_request(request)
    case = queries.case(scope, pk)
    if not queries.sees_as_handler(scope, case):
        raise PermissionDenied(_("The closing report is for the people who handled the case."))
    report = ClosingReport.objects.filter(case=case).first()
    if report is None:
        report = ClosingReport(case=case, body=report_body(case), generated_at=timezone.now())
    return case, report


@login_required
def closing_report(request, pk):
    case, report = _report(request, pk)
    return render(request, "cases/closing_report.html", {"case": case, "report": report, "b": report.body, "draft": report.pk is None})


@login_required
def closing_report_pdf(request, pk):
    from .report import render_pdf

    case, report = _report(request, pk)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="closing-report-{case.number}.pdf"'
    return response


# ---------------------------------------------------------------- messages

@login_required
def inbox(request):
    qs = notify.inbox(request.user).order_by("-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page_obj": page, "unread": notify.inbox(request.user, unread_only=True).count()})


@login_required
@require_POST
def inbox_read(request):
    ids = [int(x) for x in request.POST.getlist("id") if x.isdigit()]
    notify.mark_read(request.user, ids or None)
    link = request.POST.get("next", "")
    if link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect("cases:inbox")


# ---------------------------------------------------------------- public board

def board(request, community_id):
    """公示: anonymised cases and outcomes of one community; no sign-in."""
    community = get_object_or_404(Community, pk=community_id)
    rows = queries.public_board(community)
    points = [{"lat": r["lat"], "lng": r["lng"], "label": f'{r["number"]} {r["category"]} · {r["state_label"]}'}
              for r in rows if r["lat"] is not None]
    grids = list(Grid.objects.filter(community=community, parent__isnull=True))
    closed = sum(1 for r in rows if r["state"] == State.CLOSED)
    return render(request, "cases/board.html", {
        "community": community, "rows": rows, "closed": closed, "open": sum(1 for r in rows if r["state"] in Case.OPEN_STATES),
        "map_data": {"grids": _grid_shapes(grids), "points": points, "center": _center(grids=grids)},
    })
