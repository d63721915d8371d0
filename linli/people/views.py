"""Register pages for residents and households. Thin: scope → scoped query or service → render."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from linli.core import roles
from linli.places import queries as plq

from linli.core.excel import xlsx_response

from . import privacy, queries, services
from .forms import ExportRevealForm, PersonFilterForm, RevealForm
from .models import Person
from .scopes import for_request, reads

PAGE_SIZE = 25


def export_unavailable(request, back: str):
    messages.error(request, _("Export is not available on this server yet."))
    return redirect(back)


def _export_reason(request, scope) -> str | None:
    """The reason of an export: "" on GET (masked, one click, no reason asked); on POST (full ID numbers and
    phones, like a single reveal) the reason given, for a user with a reveal grant (else 403). None when the
    reason is missing (the caller shows the error and goes back)."""
    if request.method != "POST":
        return ""
    if not scope.can_reveal_any:
        raise PermissionDenied
    form = ExportRevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason to export full ID numbers and phones (it is kept in the audit log)."))
        return None
    return form.cleaned_data["reason"]


def _private(response):
    response["Cache-Control"] = "no-store"
    return response


def _filter_form(request, scope):
    return PersonFilterForm(request.GET, grids=plq.grids(scope), buildings=plq.buildings(scope))


@login_required
def persons(request):
    scope = for_request(request)
    form = _filter_form(request, scope)
    # a filter value outside the choices (e.g. a grid out of scope) shows nothing rather than everything
    qs = queries.persons(scope, form.to_filter()) if form.is_valid() else Person.objects.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/persons.html", {"form": form, "page_obj": page, "may_reveal_any": scope.can_reveal_any,
                                                    "export_query": request.GET.copy().urlencode()})


@login_required
@require_http_methods(["GET", "POST"])
def persons_export(request):
    """GET: the register masked (one click). POST with a reason: ID numbers and phones in full where the user may
    reveal them; one audit row either way (exports.export_persons)."""
    scope = for_request(request)
    form = _filter_form(request, scope)
    back = reverse("people:persons") + ("?" + request.GET.urlencode() if request.GET else "")
    if not form.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(back)
    reason = _export_reason(request, scope)
    if reason is None:
        return redirect(back)
    f = form.to_filter()
    try:
        from linli.people.exports import export_persons
    except ImportError:
        return export_unavailable(request, "people:persons")
    return _private(xlsx_response(export_persons(scope, f, reason=reason), "residents"))


def _person_context(request, scope, p, **extra):
    ctx = {
        "p": p,
        "events": queries.person_history(scope, p),
        "memberships": queries.memberships(p),
        "appointments": p.appointments.select_related("grid", "building", "entrance", "community", "subdistrict", "organization", "compound").order_by("-starts_on"),
        "tags": p.tags.all(),
        "may_reveal": scope.may_reveal(p),
        "may_copy": _may_copy(scope, p),
        "may_edit": scope.allows(p, "write"),
        "reveal_form": RevealForm(),
        "reads_places": reads(scope, roles.PLACES),  # the dwelling links to its building only for those who may open it
    }
    ctx.update(extra)
    return ctx


@login_required
def person(request, pk):
    scope = for_request(request)
    p = queries.person(scope, pk)
    return render(request, "people/person.html", _person_context(request, scope, p))


@login_required
@require_POST
def person_reveal(request, pk):
    scope = for_request(request)
    p = queries.person(scope, pk)  # 404 outside scope
    if not scope.may_reveal(p):
        raise PermissionDenied
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        field = form.cleaned_data["field"]
        try:
            value = services.reveal(scope, p, field, form.cleaned_data["reason"])
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            revealed = {"field": field, "label": dict(form.fields["field"].choices)[field], "value": value}
            form = RevealForm()
    response = render(request, "people/person.html", _person_context(request, scope, p, reveal_form=form, revealed=revealed))
    response["Cache-Control"] = "no-store"
    return response


def _may_copy(scope, p) -> bool:
    """The subject-access copy is taken by the community's staff (or above) who may reveal the person's data."""
    return scope.may_reveal(p) and scope.has_role(roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF)


@login_required
@require_POST
def person_copy(request, pk):
    """A copy of everything linli holds about the person (privacy.subject_access), as JSON; audited."""
    scope = for_request(request)
    p = queries.person(scope, pk)  # 404 outside scope
    if not _may_copy(scope, p):
        raise PermissionDenied
    try:
        data = privacy.subject_access(scope, p, request.POST.get("reason", ""))
    except ValidationError:
        messages.error(request, _("Give a reason to take a copy of a person's data (it is kept in the audit log)."))
        return redirect("people:person", p.pk)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{p.pk}.json"'
    return _private(response)


@login_required
def households(request):
    scope = for_request(request)
    building = request.GET.get("building") or None
    try:
        building = int(building) if building else None
    except ValueError:
        building = None
    qs = queries.households(scope, building=building)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/households.html", {"page_obj": page, "buildings": plq.building_choices(scope), "building": building,
                                                       "may_reveal_any": scope.can_reveal_any})


@login_required
@require_http_methods(["GET", "POST"])
def households_export(request):
    """GET: masked (one click). POST with a reason: heads' ID numbers and phones in full where the user may reveal."""
    scope = for_request(request)
    reason = _export_reason(request, scope)
    if reason is None:
        return redirect("people:households")
    try:
        from linli.people.exports import export_households
    except ImportError:
        return export_unavailable(request, "people:households")
    return _private(xlsx_response(export_households(scope, reason=reason), "households"))


@login_required
def household(request, pk):
    scope = for_request(request)
    h = queries.household(scope, pk)
    return render(request, "people/household.html", {
        "h": h, "members": queries.household_members(h, include_past=True), "events": queries.household_history(scope, h),
    })
