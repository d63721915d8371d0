"""Register pages for residents and households. Thin: scope → scoped query or service → render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.places import queries as plq

from linli.core.excel import xlsx_response

from . import queries, services
from .forms import PersonFilterForm, RevealForm
from .models import Person
from .scopes import for_request

PAGE_SIZE = 25


def export_unavailable(request, back: str):
    messages.error(request, _("Export is not available on this server yet."))
    return redirect(back)


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
def persons_export(request):
    scope = for_request(request)
    form = _filter_form(request, scope)
    if not form.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        return redirect("people:persons")
    f = form.to_filter()
    try:
        from linli.people.exports import export_persons
    except ImportError:
        return export_unavailable(request, "people:persons")
    return xlsx_response(export_persons(scope, f), "residents")


def _person_context(request, scope, p, **extra):
    ctx = {
        "p": p,
        "events": queries.person_history(scope, p),
        "memberships": queries.memberships(p),
        "appointments": p.appointments.select_related("grid", "building", "entrance", "community", "subdistrict", "organization", "compound").order_by("-starts_on"),
        "tags": p.tags.all(),
        "may_reveal": scope.may_reveal(p),
        "may_edit": scope.allows(p, "write"),
        "reveal_form": RevealForm(),
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
    return render(request, "people/households.html", {"page_obj": page, "buildings": plq.buildings(scope), "building": building})


@login_required
def households_export(request):
    scope = for_request(request)
    try:
        from linli.people.exports import export_households
    except ImportError:
        return export_unavailable(request, "people:households")
    return xlsx_response(export_households(scope), "households")


@login_required
def household(request, pk):
    scope = for_request(request)
    h = queries.household(scope, pk)
    return render(request, "people/household.html", {
        "h": h, "members": queries.household_members(h, include_past=True), "events": queries.household_history(scope, h),
    })
