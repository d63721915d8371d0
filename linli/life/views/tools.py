"""Pages: the 百宝屋 — catalogue by category, a tool (hold), my holds and loans, the desk (hand out ready holds,
take returns with a condition check, record a loss), most- and never-lent."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.scopes import for_request
from linli.places.models import Community

from .. import queries, services
from ..models import Hold, Loan, ToolCopy
from ._common import community_of, run


@login_required
def catalogue(request):
    scope = for_request(request)
    category = request.GET.get("category", "")[:40]
    tools = queries.tools(scope, category)
    community = community_of(request)
    cats = sorted(set(queries.tools(scope).values_list("category", flat=True)))
    return render(request, "life/tools.html", {"tools": tools[:300], "category": category, "categories": cats, "community": community,
                                               "staff": community is not None and services.is_staff_of(scope, community.pk)})


@login_required
def tool_detail(request, pk):
    scope = for_request(request)
    tool = get_object_or_404(queries.tools(scope), pk=pk)
    if request.method == "POST":
        run(request, lambda: services.place_hold(scope, tool), _("Your hold is placed."))
        return redirect("life:my_tools")
    return render(request, "life/tool.html", {"tool": tool, "copies": tool.copies.all(),
                                              "queue": tool.holds.filter(state="waiting").count()})


@login_required
def my_tools(request):
    scope = for_request(request)
    holds = [(h, services.queue_position(h) if h.state == "waiting" else None) for h in queries.my_holds(scope)]
    return render(request, "life/my_tools.html", {"holds": holds, "loans": queries.my_loans(scope)})


@login_required
@require_POST
def hold_cancel(request, pk):
    scope = for_request(request)
    hold = get_object_or_404(Hold, pk=pk)
    run(request, lambda: services.cancel_hold(scope, hold), _("The hold is cancelled."))
    return redirect("life:my_tools")


def _staff_community(request):
    """The desk of the community the caller is staff of (not where they live)."""
    scope = for_request(request)
    ids = sorted({a.community_id for a in scope.appointments if a.community_id and services.is_staff_of(scope, a.community_id)})
    community = Community.objects.filter(pk=ids[0]).first() if ids else community_of(request)
    if community is None or not services.is_staff_of(scope, community.pk):
        raise PermissionDenied
    return scope, community


@login_required
def desk(request):
    scope, community = _staff_community(request)
    if request.method == "POST":
        p = request.POST
        if p.get("hold"):
            hold = get_object_or_404(Hold, pk=p["hold"], tool__community=community, state="ready")
            run(request, lambda: services.lend(scope, hold.copy, hold.person), _("Lent."))
        elif p.get("loan"):
            loan = get_object_or_404(Loan, pk=p["loan"], copy__tool__community=community)
            if p.get("lost"):
                run(request, lambda: services.record_loss(scope, loan, p.get("damage", "")), _("The loss is recorded."))
            else:
                run(request, lambda: services.return_loan(scope, loan, condition=p.get("condition", ""), damage=p.get("damage", "")), _("Returned."))
        elif p.get("copy"):
            copy = get_object_or_404(ToolCopy, pk=p["copy"], tool__community=community)
            run(request, lambda: services.repair_copy(scope, copy), _("Back on the shelf."))
        return redirect("life:desk")
    return render(request, "life/desk.html", {**queries.desk(community), "conditions": ToolCopy.Condition.choices,
                                              "repair": ToolCopy.objects.filter(tool__community=community, state__in=["repair", "lost"]).select_related("tool"),
                                              "most": queries.most_lent(community), "never": queries.never_lent(community)[:100]})
