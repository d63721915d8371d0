"""Pages: 惠民直通车 — the cycles, opening one (seller), the 接龙 (join, change, cancel, copy as text), totals
(print and xlsx), the picking list of a pickup point on delivery day, a seller's history and ratings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.scopes import for_request

from .. import queries, services
from ..models import Order, OrderCycle, PickupPoint, Seller
from ._common import community_of, parse_day, parse_moment, run

ITEM_ROWS = 6


@login_required
def home(request):
    scope = for_request(request)
    community = community_of(request)
    cycles = queries.visible_cycles(scope).order_by("-delivery_on", "-id")[:60]
    mine = Seller.objects.filter(organization_id__in=services._common.org_ids(scope), state="approved") if not scope.everything else Seller.objects.filter(state="approved")
    return render(request, "life/groupbuy.html", {
        "community": community, "open": [c for c in cycles if c.state == "open"], "closed": [c for c in cycles if c.state != "open"],
        "my_sellers": list(mine), "figures": queries.community_figures(community) if community else None,
        "sellers": queries.sellers(community) if community else []})


@login_required
def cycle_new(request, seller_pk):
    scope = for_request(request)
    seller = get_object_or_404(Seller, pk=seller_pk)
    if not services.may_run_seller(scope, seller):
        raise PermissionDenied
    points = list(PickupPoint.objects.filter(community_id=seller.community_id, active=True))
    if request.method == "POST":
        p = request.POST
        items = [{"name": p.get(f"name_{i}"), "unit": p.get(f"unit_{i}"), "price": p.get(f"price_{i}"), "stock_cap": p.get(f"cap_{i}"),
                  "per_household": p.get(f"limit_{i}")} for i in range(1, ITEM_ROWS + 1) if (p.get(f"name_{i}") or "").strip()]
        chosen = [pt for pt in points if str(pt.pk) in p.getlist("points")]
        c = run(request, lambda: services.open_cycle(
            scope, seller, title=p.get("title", ""), closes_at=parse_moment(p.get("closes_at"), "closes_at", _("Cut-off")),
            delivery_on=parse_day(p.get("delivery_on"), "delivery_on", _("Delivery day")), items=items, pickup_points=chosen,
            max_households=p.get("max_households") or None, note=p.get("note", "")), _("The cycle is open."))
        if c is not None:
            return redirect("life:cycle", c.pk)
    return render(request, "life/cycle_new.html", {"seller": seller, "points": points, "rows": range(1, ITEM_ROWS + 1), "post": request.POST})


@login_required
def cycle_detail(request, pk):
    scope = for_request(request)
    c = queries.cycle(scope, pk)
    order = queries.my_order(scope, c)
    lines = {line.item_id: line.quantity for line in order.lines.all()} if order and order.state == "active" else {}
    items = [(i, lines.get(i.pk)) for i in c.items.all()]
    return render(request, "life/cycle.html", {
        "c": c, "items": items, "order": order, "points": c.pickup_points.all(), "jielong": queries.jielong_lines(c),
        "jielong_text": queries.jielong_text(c), "now": timezone.now(), "runs": services.may_run_seller(scope, c.seller),
        "sees_orders": queries.may_see_orders(scope, c),
        "attends": [pt for pt in c.pickup_points.all() if services.may_attend(scope, pt, c)]})


@login_required
@require_POST
def cycle_join(request, pk):
    scope = for_request(request)
    c = queries.cycle(scope, pk)
    quantities = {i.pk: request.POST.get(f"quantity_{i.pk}", "") for i in c.items.all()}
    point = c.pickup_points.filter(pk=request.POST.get("pickup_point") or 0).first()
    run(request, lambda: services.join_cycle(scope, c, quantities, point, note=request.POST.get("note", "")), _("Your sign-up is saved."))
    return redirect("life:cycle", c.pk)


@login_required
@require_POST
def order_cancel(request, pk):
    scope = for_request(request)
    order = get_object_or_404(Order, pk=pk)
    queries.cycle(scope, order.cycle_id)
    run(request, lambda: services.cancel_order(scope, order), _("Your sign-up is cancelled."))
    return redirect("life:cycle", order.cycle_id)


@login_required
@require_POST
def cycle_action(request, pk, action):
    scope = for_request(request)
    c = queries.cycle(scope, pk)
    if action == "close":
        run(request, lambda: services.close_early(scope, c), _("The cycle is closed."))
    elif action == "finish":
        run(request, lambda: services.finish_delivery(scope, c), _("The delivery is finished."))
    elif action == "cancel":
        run(request, lambda: services.cancel_cycle(scope, c, request.POST.get("reason", "")), _("The cycle is cancelled."))
    elif action == "rate":
        run(request, lambda: services.rate_seller(scope, c, request.POST.get("stars"), request.POST.get("comment", "")), _("Thank you for rating."))
    else:
        raise Http404
    return redirect("life:cycle", c.pk)


def _seller_view(request, pk) -> OrderCycle:
    scope = for_request(request)
    c = queries.cycle(scope, pk)
    if not queries.may_see_orders(scope, c):
        raise PermissionDenied
    return c


@login_required
def totals(request, pk):
    c = _seller_view(request, pk)
    return render(request, "life/totals.html", {"c": c, "t": queries.totals(c),
                                                "points": [(pt, queries.picking_list(c, pt)) for pt in c.pickup_points.all()]})


@login_required
def totals_xlsx(request, pk):
    c = _seller_view(request, pk)
    response = HttpResponse(queries.totals_xlsx(c), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="groupbuy-{c.pk}.xlsx"'
    return response


@login_required
def pick(request, pk, point_pk):
    scope = for_request(request)
    c = queries.cycle(scope, pk)
    point = get_object_or_404(c.pickup_points, pk=point_pk)
    if not services.may_attend(scope, point, c):
        raise PermissionDenied
    if request.method == "POST":
        order = get_object_or_404(Order, pk=request.POST.get("order") or 0, cycle=c, pickup_point=point)
        if request.POST.get("missed"):
            run(request, lambda: services.mark_missed(scope, order), _("Marked not collected."))
        else:
            delivered = {line.pk: request.POST.get(f"delivered_{line.pk}", "") for line in order.lines.all()}
            subs = {line.pk: (request.POST.get(f"substitute_{line.pk}", ""), request.POST.get(f"substitute_price_{line.pk}", ""))
                    for line in order.lines.all()}
            done = run(request, lambda: services.mark_collected(scope, order, delivered=delivered, substitutes=subs,
                                                                 payment=request.POST.get("payment", "on_pickup")))
            if done is not None:
                messages.success(request, _("No. %(n)d collected, total %(total)s.") % {"n": done.seq, "total": done.total})
        return redirect("life:pick", c.pk, point.pk)
    return render(request, "life/pick.html", {"c": c, "point": point, "orders": queries.picking_list(c, point),
                                              "payments": Order.Payment.choices})


@login_required
def seller(request, pk):
    scope = for_request(request)
    s = get_object_or_404(Seller.objects.select_related("organization"), pk=pk)
    if not (s.community_id in queries._home_community_ids(scope) or scope.everything or services.may_run_seller(scope, s)):
        raise Http404
    return render(request, "life/seller.html", {"s": s, "h": queries.seller_history(s)})
