"""Reads of the life app, each filtered by who asks: residents see their community's cycles, rooms and tools and
their own orders, bookings, holds and loans; a seller's people their cycles; staff their community."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core.work import TASK, WATCH, WorkItem
from linli.people.scopes import Scope

from .models import Booking, Hold, Loan, Order, OrderCycle, OrderLine, PickupPoint, Room, Seller, SellerRating, Tool
from .services._common import is_staff_of, masked_name, org_ids, person_of, reads_community


def _home_community_ids(scope: Scope) -> set:
    ids = set(scope.community_ids)
    person = person_of(scope)
    if person is not None and person.community_id:
        ids.add(person.community_id)
    return ids


# ---------------------------------------------------------------------------------------------- group-buy
def visible_cycles(scope: Scope):
    qs = OrderCycle.objects.select_related("seller__organization", "community")
    if scope.everything:
        return qs
    q = Q(community_id__in=sorted(_home_community_ids(scope))) | Q(seller__organization_id__in=sorted(org_ids(scope)))
    staff = scope.q(OrderCycle, "read")
    if staff is not None:
        q |= staff
    return qs.filter(q)


def cycle(scope: Scope, pk) -> OrderCycle:
    c = visible_cycles(scope).filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


def may_see_orders(scope: Scope, c: OrderCycle) -> bool:
    """The full order (names, dwellings) is for the seller's people, the community's staff and attendants."""
    person = person_of(scope)
    return (reads_community(scope, c.community_id) or c.seller.organization_id in org_ids(scope)
            or (person is not None and c.pickup_points.filter(attendants=person).exists()))


def my_order(scope: Scope, c: OrderCycle) -> Order | None:
    person = person_of(scope)
    if person is None:
        return None
    q = Q(person=person) | (Q(household_id=person.household_id) if person.household_id else Q(pk__in=[]))
    return c.orders.filter(q).prefetch_related("lines__item").first()


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _orders(c: OrderCycle, states=("active",), point=None):
    qs = c.orders.filter(state__in=states).select_related("person", "dwelling__building", "pickup_point").prefetch_related("lines__item")
    if point is not None:
        qs = qs.filter(pickup_point=point)
    return list(qs.order_by("seq"))


def jielong_lines(c: OrderCycle) -> list[str]:
    """The 接龙 as the chat shows it: "1. 3号楼 王… 西红柿 2斤" — building and family name only."""
    rows = []
    for n, order in enumerate(_orders(c, ("active", "collected", "missed")), start=1):
        building = order.dwelling.building.number if order.dwelling_id else ""
        goods = " ".join(f"{line.item.name} {_qty(line.quantity)}{line.item.unit}" for line in sorted(order.lines.all(), key=lambda l: l.item.position))
        rows.append(" ".join(part for part in (f"{n}.", building, masked_name(order.person.name), goods) if part))
    return rows


def jielong_text(c: OrderCycle) -> str:
    head = f"#接龙 {c.seller} {c.title}\n" + _("Cut-off %(cut)s · delivery %(day)s") % {
        "cut": timezone.localtime(c.closes_at).strftime("%m-%d %H:%M"), "day": c.delivery_on.strftime("%m-%d")}
    return head + "\n" + "\n".join(jielong_lines(c))


def totals(c: OrderCycle) -> dict:
    """What the seller brings: per item (quantity, amount) and per pickup point per item."""
    lines = OrderLine.objects.filter(order__cycle=c, order__state__in=["active", "collected", "missed"]).values(
        "item_id", "order__pickup_point_id").annotate(q=Sum("quantity"))
    items = list(c.items.all())
    points = list(c.pickup_points.all())
    per_item = {i.pk: Decimal("0") for i in items}
    per_point = {p.pk: {i.pk: Decimal("0") for i in items} for p in points}
    for row in lines:
        per_item[row["item_id"]] += row["q"]
        per_point.setdefault(row["order__pickup_point_id"], {i.pk: Decimal("0") for i in items})[row["item_id"]] += row["q"]
    households = {p.pk: n for p, n in ()}
    for row in c.orders.filter(state__in=["active", "collected", "missed"]).values("pickup_point_id").annotate(n=Count("id")):
        households[row["pickup_point_id"]] = row["n"]
    return {
        "items": [{"item": i, "quantity": per_item[i.pk], "amount": (per_item[i.pk] * i.price).quantize(Decimal("0.01"))} for i in items],
        "points": [{"point": p, "households": households.get(p.pk, 0), "quantities": [per_point[p.pk][i.pk] for i in items]} for p in points],
        "amount": sum(((per_item[i.pk] * i.price) for i in items), Decimal("0")).quantize(Decimal("0.01")),
    }


def totals_xlsx(c: OrderCycle) -> bytes:
    import io

    from openpyxl import Workbook

    t = totals(c)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Items")[:31]
    ws.append([_("Item"), pgettext("life", "Unit"), pgettext("life", "Price"), _("Quantity"), pgettext("life", "Amount")])
    for row in t["items"]:
        ws.append([row["item"].name, row["item"].unit, float(row["item"].price), float(row["quantity"]), float(row["amount"])])
    ws.append([_("Total"), "", "", "", float(t["amount"])])
    ws2 = wb.create_sheet(_("Pickup points")[:31])
    ws2.append([_("Pickup point"), pgettext("life", "Households")] + [f"{row['item'].name}({row['item'].unit})" for row in t["items"]])
    for row in t["points"]:
        ws2.append([row["point"].name, row["households"]] + [float(q) for q in row["quantities"]])
    ws3 = wb.create_sheet(_("Picking list")[:31])
    ws3.append([_("Pickup point"), _("No."), _("Building"), _("Resident"), _("Goods"), _("Total")])
    for order in _orders(c):
        ws3.append([order.pickup_point.name, order.seq, order.dwelling.building.number if order.dwelling_id else "",
                    masked_name(order.person.name),
                    "、".join(f"{line.item.name}{_qty(line.quantity)}{line.item.unit}" for line in order.lines.all()), float(order.total)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def picking_list(c: OrderCycle, point: PickupPoint) -> list[Order]:
    return _orders(c, ("active", "collected", "missed"), point=point)


def seller_history(seller: Seller) -> dict:
    cycles = list(seller.cycles.annotate(n=Count("orders", filter=Q(orders__state__in=["active", "collected", "missed"])),
                                         amount=Sum("orders__total", filter=Q(orders__state="collected"))).order_by("-delivery_on")[:50])
    rating = SellerRating.objects.filter(seller=seller).aggregate(avg=Avg("stars"), n=Count("id"))
    return {"cycles": cycles, "rating": rating}


def community_figures(community, since: datetime.date | None = None) -> dict:
    """Cycles, households served (collected at least once), turnover (what collected orders came to)."""
    cycles = OrderCycle.objects.filter(community=community).exclude(state="cancelled")
    orders = Order.objects.filter(cycle__community=community, state="collected")
    if since:
        cycles = cycles.filter(delivery_on__gte=since)
        orders = orders.filter(cycle__delivery_on__gte=since)
    return {"cycles": cycles.count(), "households": orders.values("household_id").distinct().count(),
            "turnover": orders.aggregate(s=Sum("total"))["s"] or Decimal("0")}


def sellers(community):
    return Seller.objects.filter(community=community).select_related("organization").annotate(
        avg=Avg("ratings__stars"), ratings_n=Count("ratings", distinct=True))


# ---------------------------------------------------------------------------------------------- rooms
def rooms(scope: Scope):
    qs = Room.objects.filter(active=True)
    if scope.everything:
        return qs
    return qs.filter(Q(community_id__in=sorted(_home_community_ids(scope))) | (scope.q(Room, "read") or Q()))


def room(scope: Scope, pk) -> Room:
    r = rooms(scope).filter(pk=pk).first()
    if r is None:
        raise Http404
    return r


def room_bookings(r: Room, start, end):
    return r.bookings.filter(state__in=Booking.HOLDING, starts_at__lt=end, ends_at__gt=start).select_related("organization")


def my_bookings(scope: Scope):
    account = scope.account
    if not getattr(account, "pk", None):
        return Booking.objects.none()
    return Booking.objects.filter(booked_by=account).select_related("room").order_by("-starts_at")[:100]


def approvals(scope: Scope):
    ids = [a.community_id for a in scope.appointments if a.community_id and is_staff_of(scope, a.community_id)]
    qs = Booking.objects.filter(state=Booking.State.REQUESTED).select_related("room", "person", "organization")
    return qs if scope.everything else qs.filter(room__community_id__in=ids)


# ---------------------------------------------------------------------------------------------- tools
def tools(scope: Scope, category: str = ""):
    qs = Tool.objects.filter(active=True).annotate(
        free=Count("copies", filter=Q(copies__state="available"), distinct=True),
        total=Count("copies", filter=~Q(copies__state__in=["lost", "retired"]), distinct=True))
    if not scope.everything:
        qs = qs.filter(Q(community_id__in=sorted(_home_community_ids(scope))) | (scope.q(Tool, "read") or Q()))
    return qs.filter(category=category) if category else qs


def most_lent(community, limit=10):
    return list(Tool.objects.filter(community=community).annotate(loans=Count("copies__loans")).filter(loans__gt=0).order_by("-loans", "name")[:limit])


def never_lent(community):
    return list(Tool.objects.filter(community=community, active=True).exclude(copies__loans__isnull=False).order_by("category", "name"))


def my_holds(scope: Scope):
    person = person_of(scope)
    return Hold.objects.filter(person=person, state__in=["waiting", "ready"]).select_related("tool", "copy") if person else Hold.objects.none()


def my_loans(scope: Scope):
    person = person_of(scope)
    return Loan.objects.filter(person=person, state="out").select_related("copy__tool") if person else Loan.objects.none()


def desk(community):
    """The library desk: ready holds to hand out, loans out (overdue first)."""
    return {"ready": Hold.objects.filter(tool__community=community, state="ready").select_related("tool", "copy", "person"),
            "out": Loan.objects.filter(copy__tool__community=community, state="out").select_related("copy__tool", "person").order_by("due_on")}


# ---------------------------------------------------------------------------------------------- calendar
@dataclass
class Event:
    kind: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    where: str
    url: str
    uid: str
    all_day: bool = False


def calendar_events(scope: Scope, start: datetime.datetime, end: datetime.datetime) -> list[Event]:
    """The community's events the viewer may see: volunteer activities, council sessions and meetings open to them,
    group-buy delivery days and public room bookings."""
    from linli.meetings import queries as meeting_queries
    from linli.meetings.models import Meeting
    from linli.volunteers import queries as volunteer_queries

    events = []
    for a in volunteer_queries.visible_activities(scope).filter(cancelled=False, starts_at__lt=end, ends_at__gt=start)[:500]:
        events.append(Event("activity", a.title, a.starts_at, a.ends_at, a.place, f"/volunteers/activities/{a.pk}/", f"activity-{a.pk}"))
    communities = sorted(_home_community_ids(scope))
    mq = Meeting.objects.filter(cancelled=False, starts_at__gte=start, starts_at__lt=end)
    open_to_residents = mq.filter(kind=Meeting.Kind.COUNCIL, community_id__in=communities)
    own = mq.filter(pk__in=meeting_queries.meetings(scope).values("pk")) if not scope.is_anonymous else mq.none()
    own_ids = set(own.values_list("pk", flat=True))
    for m in (open_to_residents | own).distinct()[:500]:
        events.append(Event("meeting", m.title, m.starts_at, m.starts_at + datetime.timedelta(hours=2), m.place,
                            f"/meetings/{m.pk}/" if m.pk in own_ids else "", f"meeting-{m.pk}"))
    for c in visible_cycles(scope).exclude(state="cancelled").filter(delivery_on__gte=timezone.localtime(start).date(),
                                                                     delivery_on__lt=timezone.localtime(end).date() + datetime.timedelta(days=1))[:500]:
        day = timezone.make_aware(datetime.datetime.combine(c.delivery_on, datetime.time(0)))
        events.append(Event("groupbuy", _("Group-buy delivery: %(title)s") % {"title": f"{c.seller} {c.title}"}, day, None,
                            "、".join(p.name for p in c.pickup_points.all()), f"/life/groupbuy/{c.pk}/", f"cycle-{c.pk}", all_day=True))
    bookings = Booking.objects.filter(public=True, state__in=["confirmed", "checked_in"], starts_at__lt=end, ends_at__gt=start).select_related("room")
    if not scope.everything:
        bookings = bookings.filter(Q(room__community_id__in=communities) | (scope.q(Booking, "read") or Q()))
    for b in bookings[:500]:
        events.append(Event("room", b.title, b.starts_at, b.ends_at, b.room.name, f"/life/rooms/{b.room_id}/", f"booking-{b.pk}"))
    return sorted(events, key=lambda e: e.starts_at)


# ---------------------------------------------------------------------------------------------- workbench
def workbench(scope: Scope, now) -> list:
    """Residents: coming bookings, loans due within 2 days or overdue, ready holds, group-buy pickups (watch / task);
    staff: bookings to approve; a seller's people: closed cycles to deliver; attendants: their points' pickups."""
    if scope.is_anonymous:
        return []
    items = []
    person = person_of(scope)
    soon = now + datetime.timedelta(days=7)
    if person is not None:
        for b in Booking.objects.filter(booked_by=scope.account, state__in=["requested", "confirmed"], starts_at__gte=now,
                                        starts_at__lt=soon).select_related("room")[:20]:
            items.append(WorkItem("life", WATCH, _("Booking"), f"{b.room.name} {b.title}", "/life/rooms/mine/", due=b.starts_at,
                                  key=f"life:booking:{b.pk}"))
        today = timezone.localdate(now)
        for loan in Loan.objects.filter(person=person, state="out", due_on__lte=today + datetime.timedelta(days=2)).select_related("copy__tool")[:20]:
            due = timezone.make_aware(datetime.datetime.combine(loan.due_on, datetime.time(23, 59)))
            items.append(WorkItem("life", TASK, _("Return the tool"), loan.copy.tool.name, "/life/tools/mine/", due=due, key=f"life:loan:{loan.pk}"))
        for hold in Hold.objects.filter(person=person, state="ready").select_related("tool")[:20]:
            items.append(WorkItem("life", TASK, _("Collect the tool"), hold.tool.name, "/life/tools/mine/", due=hold.ready_until,
                                  key=f"life:hold:{hold.pk}"))
        for order in Order.objects.filter(person=person, state="active", cycle__state__in=["open", "closed"],
                                          cycle__delivery_on__lte=today + datetime.timedelta(days=2)).select_related("cycle", "pickup_point")[:20]:
            due = timezone.make_aware(datetime.datetime.combine(order.cycle.delivery_on, datetime.time(20)))
            items.append(WorkItem("life", WATCH, _("Group-buy pickup"), f"{order.cycle.title} · {order.pickup_point.name} {order.pickup_point.hours}",
                                  f"/life/groupbuy/{order.cycle_id}/", due=due, key=f"life:order:{order.pk}"))
        # one query for all (cycle, point) pairs the person attends, whatever the number of points
        pairs = OrderCycle.pickup_points.through.objects.filter(
            pickuppoint__attendants=person, ordercycle__state="closed", ordercycle__delivery_on__lte=today + datetime.timedelta(days=1),
        ).select_related("ordercycle", "pickuppoint").order_by("ordercycle__delivery_on", "ordercycle_id", "pickuppoint_id")[:50]
        for pair in pairs:
            c, point = pair.ordercycle, pair.pickuppoint
            due = timezone.make_aware(datetime.datetime.combine(c.delivery_on, datetime.time(20)))
            items.append(WorkItem("life", TASK, _("Pickup point"), f"{c.title} · {point.name}", f"/life/groupbuy/{c.pk}/pick/{point.pk}/",
                                  due=due, key=f"life:pick:{c.pk}:{point.pk}"))
    orgs = org_ids(scope)
    if orgs:
        for c in OrderCycle.objects.filter(seller__organization_id__in=sorted(orgs), state="closed")[:20]:
            due = timezone.make_aware(datetime.datetime.combine(c.delivery_on, datetime.time(8)))
            items.append(WorkItem("life", TASK, _("Deliver"), c.title, f"/life/groupbuy/{c.pk}/totals/", due=due, key=f"life:deliver:{c.pk}"))
    pending = approvals(scope).order_by("starts_at")
    n = pending.count() if (scope.everything or any(is_staff_of(scope, a.community_id) for a in scope.appointments if a.community_id)) else 0
    if n:
        first = pending.first()
        items.append(WorkItem("life", TASK, _("Bookings to approve"), _("%(n)d bookings") % {"n": n}, "/life/rooms/approvals/",
                              due=first.starts_at, key="life:approvals"))
    return items


def workbench_counts(scope: Scope, now) -> int:
    """The number of tasks `workbench` lists (tools to return and collect, pickup points to attend, cycles to deliver,
    bookings to approve), counted in the database for the navigation's badge, with the same caps: no rows read."""
    if scope.is_anonymous:
        return 0
    n = 0
    person = person_of(scope)
    if person is not None:
        today = timezone.localdate(now)
        n += Loan.objects.filter(person=person, state="out", due_on__lte=today + datetime.timedelta(days=2)).order_by()[:20].count()
        n += Hold.objects.filter(person=person, state="ready").order_by()[:20].count()
        n += OrderCycle.pickup_points.through.objects.filter(
            pickuppoint__attendants=person, ordercycle__state="closed", ordercycle__delivery_on__lte=today + datetime.timedelta(days=1),
        ).order_by()[:50].count()
    orgs = org_ids(scope)
    if orgs:
        n += OrderCycle.objects.filter(seller__organization_id__in=sorted(orgs), state="closed").order_by()[:20].count()
    if scope.everything or any(is_staff_of(scope, a.community_id) for a in scope.appointments if a.community_id):
        n += 1 if approvals(scope).exists() else 0
    return n
