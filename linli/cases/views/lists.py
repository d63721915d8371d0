"""Lists: the case list with its queues (mine, triage), the message inbox, and the public board (公示)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core import notify
from linli.core import roles
from linli.people.scopes import for_request
from linli.places.models import Community, Grid

from .. import forms as f
from .. import queries
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
