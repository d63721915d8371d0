"""Lists: the case list with its queues (mine, triage), the message inbox, and the public board (公示)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import notify
from linli.core import roles
from linli.people.scopes import for_request
from linli.places.models import Community, Grid

from .. import forms as f
from .. import queries, rates
from ..models import Case
from .intake import _center, _grid_shapes

State = Case.State


PAGE_SIZE = 25

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


@login_required
def case_export(request):
    """The case list as an Excel workbook, with the list's filters and queue (view=mine/triage). Masked, as the privacy
    rules say: no phone, the reporter's name as 王*; so no audit row (an unmasked export would need one)."""
    from linli.core import excel

    from .intake import mask_name

    scope = for_request(request)
    if _reporter_only(scope):
        raise PermissionDenied(_("The case export is for the people who handle cases."))
    form = f.FilterForm(request.GET or None, categories=list(queries.categories()))
    qs = _listed(scope, request.GET.get("view", ""), form.cleaned_data if form.is_valid() else {})
    headers = [_("Number"), _("Title"), _("Category"), _("State"), _("Tier"), _("Source"), _("Grid"), _("Handler"),
               _("Reporter"), _("Reported"), _("Respond by"), _("Handle by"), _("Resolved"), _("Closed"), _("Verdict")]

    def local(at):
        return timezone.localtime(at).replace(tzinfo=None) if at else None

    def rows():
        for c in qs.iterator(chunk_size=500):
            handler = (c.assignee.person.name if c.assignee.person_id else c.assignee.username) if c.assignee_id else (
                c.assignee_org.name if c.assignee_org_id else "")
            yield [c.number, c.title, str(c.category) if c.category_id else "", c.get_state_display(), c.get_tier_display(),
                   c.get_source_display(), c.grid.name if c.grid_id else "", handler, mask_name(c.reporter_name),
                   local(c.created_at), local(c.response_due), local(c.handling_due), local(c.resolved_at), local(c.closed_at),
                   c.get_verdict_display() if c.verdict else ""]
    return excel.xlsx_response(excel.write_xlsx(headers, rows(), title=_("Cases")), "cases")


def _listed(scope, view: str, filters: dict):
    """The list's rows: a queue (mine, triage) or everything visible, with the filters."""
    if view == "mine":
        return queries.cases(scope, filters).filter(pk__in=queries.my_queue(scope).values("pk"))
    if view == "triage":
        return queries.cases(scope, filters).filter(pk__in=queries.triage_queue(scope).values("pk"))
    return queries.cases(scope, filters)


def _reporter_only(scope) -> bool:
    return not scope.everything and not scope.appointments


# ---------------------------------------------------------------- messages

@login_required
def inbox(request):
    qs = notify.inbox(request.user).order_by("-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page_obj": page, "unread": notify.inbox(request.user, unread_only=True).count()})


@login_required
@require_POST
def inbox_read(request):
    """Mark the caller's messages read: the ones named (id=…), or all of them (all=1); never anyone else's."""
    ids = [int(x) for x in request.POST.getlist("id") if x.isdigit()]
    if request.POST.get("all") == "1":
        notify.mark_read(request.user)
    elif ids:
        notify.mark_read(request.user, ids)
    link = request.POST.get("next", "")
    if link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect("cases:inbox")


# ---------------------------------------------------------------- public board

BOARD_PAGE = 20
RATES_DAYS = 30


def board(request, community_id):
    """公示: anonymised cases and outcomes of one community; no sign-in. Twenty a page, filtered by category and state,
    headed by the community's three rates over the last 30 days (rates.compute, as the cockpit counts them)."""
    community = get_object_or_404(Community, pk=community_id)
    form = f.BoardFilterForm(request.GET or None, categories=queries.categories())
    filters = form.cleaned_data if form.is_valid() else {}
    qs = queries.public_board_cases(community, filters)
    page = Paginator(qs, BOARD_PAGE).get_page(request.GET.get("page"))
    rows = [queries.public_row(c) for c in page]
    points = [{"lat": r["lat"], "lng": r["lng"], "label": f'{r["number"]} {r["category"]} · {r["state_label"]}'}
              for r in rows if r["lat"] is not None]
    grids = list(Grid.objects.filter(community=community, parent__isnull=True))
    counts = dict(Case.objects.filter(community=community).exclude(state=State.MERGED).values_list("state").annotate(n=Count("id")))
    end = timezone.now()
    start = end - datetime.timedelta(days=RATES_DAYS)
    found = rates.compute(Case.objects.filter(community=community), "community", start, end)
    return render(request, "cases/board.html", {
        "community": community, "rows": rows, "page_obj": page, "form": form, "filtered": bool(filters and any(filters.values())),
        "total": sum(counts.values()), "closed": counts.get(State.CLOSED, 0), "open": sum(counts.get(s, 0) for s in Case.OPEN_STATES),
        "rates": found[0] if found else None, "rates_from": start, "rates_to": end, "rates_days": RATES_DAYS,
        "map_data": {"grids": _grid_shapes(grids), "points": points, "center": _center(grids=grids)},
    })
