"""The case page: its facts, timeline and the action forms the caller may use, each action a POST that the
service decides; the parts other apps own join through hooks.case_page_panels; photos; the closing report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.crypto import mask_phone
from linli.core import roles
from linli.people.models import Account, Appointment, Organization
from linli.people.scopes import for_request

from .. import forms as f
from .. import hooks, queries, services
from ..models import Case, CasePhoto, ClosingReport, Summons, Tier

State = Case.State


# ---------------------------------------------------------------- the case

def _current(qs):
    today = timezone.localdate()
    return qs.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def _whistle_orgs(case):
    return Organization.objects.filter(kind__in=[Organization.Kind.DEPARTMENT, Organization.Kind.PROPERTY_COMPANY], active=True).filter(
        Q(subdistrict=case.subdistrict_id) | Q(community=case.community_id) | Q(subdistrict__isnull=True, community__isnull=True)).order_by("name")


ROLE_LABELS = dict(roles.ROLE_CHOICES)
TRANSFER_ROLES = [roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF, roles.GRID_WORKER, roles.BUILDING_LEADER]


def _transfer_appointments(case):
    return _current(Appointment.objects.filter(home_community=case.community_id, role__in=TRANSFER_ROLES))


def _transfer_accounts(case):
    appts = _transfer_appointments(case)
    return Account.objects.filter(person__in=appts.values("person_id"), is_active=True).select_related("person").order_by("person__name")


def _post(appt) -> str:
    """A post as the drop-down shows it: the appointment's title, else its role and place (第一网格网格员)."""
    if appt.title:
        return appt.title
    label = str(ROLE_LABELS.get(appt.role, appt.role))
    where = appt.building or appt.grid
    return f"{where} {label}" if where is not None else label


def _transfer_groups(case, accounts) -> list:
    """The people a case may go to, grouped by role (secretary, staff, grid workers, building leaders), each listed once
    under their highest post with every post they hold: [(group label, [(account pk, "name · posts"), …]), …]."""
    by_person = {a.person_id: a for a in accounts}
    posts: dict = {}
    for appt in _transfer_appointments(case).select_related("grid", "building", "community").order_by("role", "id"):
        if appt.person_id in by_person:
            posts.setdefault(appt.person_id, []).append(appt)
    groups = {role: [] for role in TRANSFER_ROLES}
    for person_id, appts in posts.items():
        appts.sort(key=lambda a: TRANSFER_ROLES.index(a.role))
        account = by_person[person_id]
        name = account.person.name if account.person_id else account.username
        groups[appts[0].role].append((str(account.pk), f"{name} · {'、'.join(dict.fromkeys(_post(a) for a in appts))}"))
    return [(str(ROLE_LABELS[role]), sorted(items, key=lambda i: i[1])) for role, items in groups.items() if items]


def _forms(case, scope, request):
    """The action forms of the case itself the user may use on this case."""
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
    if can and s in (State.ASSIGNED, State.ACCEPTED):
        accounts = _transfer_accounts(case)
        out["transfer"] = f.TransferForm(accounts=accounts, groups=_transfer_groups(case, accounts), orgs=_whistle_orgs(case))
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
    return out


def _posts(account_ids, case) -> dict:
    """account id → the post they hold for this case, as a reporter may read it: role, place and organisation
    (网格员 · 第一网格 · 柳航里社区), never a name or a phone. One query; posts in the case's community come first."""
    appts = _current(Appointment.objects.filter(person__account__in=[a for a in set(account_ids) if a])).select_related(
        "person__account", "grid", "building", "community", "home_community", "organization", "subdistrict")
    out: dict = {}
    for appt in sorted(appts, key=lambda a: (a.home_community_id != case.community_id, a.pk)):
        account_id = appt.person.account.pk
        if account_id in out:
            continue
        where = appt.building or appt.grid
        org = appt.organization or appt.community or appt.home_community or appt.subdistrict
        out[account_id] = " · ".join(str(x) for x in (ROLE_LABELS.get(appt.role, appt.role), where, org) if x)
    return out


def _who(account_id, posts, names, handler, me) -> str:
    """Who did a step, as this reader may see it: 系统 for linli's own steps, 您 for the reader, a handler's name and post
    for handlers, the post alone for a reporter."""
    if not account_id:
        return _("system")
    if account_id == me:
        return _("you")
    post = posts.get(account_id, "")
    if handler:
        return f"{names.get(account_id, '')}（{post}）" if post else names.get(account_id, "")
    return post or _("staff")


def _detail(request, case, bound=None, status=200):
    scope = for_request(request)
    handler = queries.sees_as_handler(scope, case)
    events = list(queries.timeline(scope, case))
    states, tiers = dict(Case.State.choices), dict(Tier.choices)
    taken_from = [e.data.get("took_over_from") for e in events if e.data.get("took_over_from")]
    ids = {e.actor_id for e in events} | set(taken_from) | {case.assignee_id}
    posts = _posts(ids, case)
    names = {a.pk: (a.person.name if a.person_id else a.username)
             for a in Account.objects.filter(pk__in=[i for i in ids if i]).select_related("person")} if handler else {}
    me = request.user.pk
    for e in events:
        e.from_label, e.to_label = states.get(e.from_state, e.from_state), states.get(e.to_state, e.to_state)
        e.from_tier_label, e.to_tier_label = tiers.get(e.from_tier, e.from_tier), tiers.get(e.to_tier, e.to_tier)
        e.who = _who(e.actor_id, posts, names, handler, me)
        if e.data.get("took_over_from"):
            e.took_over = _("%(who)s took over the case from %(previous)s") % {
                "who": e.who, "previous": _who(e.data["took_over_from"], posts, names, handler, me)}
    if case.assignee_id:
        handled_by = _who(case.assignee_id, posts, names, handler, None)
        if case.assignee_org_id:
            handled_by = f"{handled_by} · {case.assignee_org.name}"
    elif case.assignee_org_id:
        handled_by = case.assignee_org.name
    else:
        handled_by = ""
    photos = CasePhoto.objects.filter(case=case).select_related("event")
    if not handler:
        photos = photos.filter(Q(event__isnull=True) | Q(event__public=True))
    orgs = queries.org_ids(scope)
    summonses = list(Summons.objects.filter(whistle__case=case).select_related("department", "whistle", "reported_by__person"))
    report_ins = [(s, f.ReportInForm()) for s in summonses
                  if s.reported_at is None and s.status == Summons.Status.WAITING and (scope.everything or s.department_id in orgs)]
    # the action forms: the case's own, then those of the parts other apps own (the whistle meeting: linli.meetings),
    # then the forms of a refused POST in place of their blank twins
    forms = _forms(case, scope, request)
    page = hooks.CasePage(request=request, scope=scope, case=case, handler=handler, bound=dict(bound or {}))
    panels = {}
    for panel in hooks.case_page_panels:
        part = dict(panel.context(page))
        forms.update(part.pop("forms", {}))
        panels.update(part)
    forms.update(bound or {})
    _unique_ids(forms, report_ins, panels.get("action_forms", {}))
    similar_cases = []
    if "merge" in forms:
        similar_cases = [c for c, _s, _m in queries.similar_open_cases(case.description, case.lat, case.lng, case.community, exclude=case)]
    ctx = {
        "case": case, "handler": handler, "events": events, "handled_by": handled_by, "photos": photos, "forms": forms,
        "handling_forms": [k for k in forms if k != "rate"],
        "summonses": summonses, "report_ins": report_ins,
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
        **panels,
    }
    return render(request, "cases/detail.html", ctx, status=status)


def _unique_ids(forms: dict, report_ins: list, action_forms: dict) -> None:
    """The case page holds many forms with fields of the same name (note, photos…): each form's ids carry its key
    (id_transfer_note, id_report_in_7_note), so no id repeats and every <label for> finds its own input. Names are
    unchanged, so the POSTs parse as before."""
    for key, form in forms.items():
        form.auto_id = f"id_{key}_%s"
    for summons, form in report_ins:
        form.auto_id = f"id_report_in_{summons.pk}_%s"
    for action_id, form in action_forms.items():
        form.auto_id = f"id_action_{action_id}_%s"


def _notices_of(case) -> list:
    """The rectification notices whose hazard escalated into this case: its handlers may read them. linli.patrols sits
    above cases, so they are read through the reverse relations its models declare (Case.hazards → Hazard.notices),
    never imported; newest first, as the notices list them."""
    notices = {n.pk: n for hazard in case.hazards.prefetch_related("notices") for n in hazard.notices.all()}
    return sorted(notices.values(), key=lambda n: (n.issued_at, n.pk), reverse=True)


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


def panel_view(handler):
    """The view of an action a panel owns (hooks.CasePanel.actions): the case in the caller's scope, then the panel's
    handler; hooks.ShowAgain shows the case page again with the refused forms (400)."""
    @login_required
    @require_POST
    def view(request, pk, **kwargs):
        scope = for_request(request)
        case = queries.case(scope, pk)
        try:
            return handler(request, scope, case, **kwargs)
        except hooks.ShowAgain as again:
            return _detail(request, case, again.bound, status=400)
    view.__name__ = view.__qualname__ = getattr(handler, "__name__", "panel_view")
    return view


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
    form = f.TransferForm(request.POST, accounts=accounts, groups=_transfer_groups(case, accounts), orgs=orgs)

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
    from ..report import report_body, scrub_body

    scope = for_request(request)
    case = queries.case(scope, pk)
    if not queries.sees_as_handler(scope, case):
        raise PermissionDenied(_("The closing report is for the people who handled the case."))
    report = ClosingReport.objects.filter(case=case).first()
    if report is None:
        report = ClosingReport(case=case, body=report_body(case), generated_at=timezone.now())
    if not scope.covers(case, "read", roles.PEOPLE):
        # a department or property company reads the report through its organisation, outside the case's
        # area: its free text goes through the scrubber (phones, ID numbers, cards, e-mails, the reporter's name)
        report.body = scrub_body(report.body, queries.reporter_names(case))
    return case, report


@login_required
def closing_report(request, pk):
    case, report = _report(request, pk)
    return render(request, "cases/closing_report.html", {"case": case, "report": report, "b": report.body, "draft": report.pk is None})


@login_required
def closing_report_pdf(request, pk):
    from ..report import render_pdf

    case, report = _report(request, pk)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="closing-report-{case.number}.pdf"'
    return response
