"""JSON API for life services (mounted at /api/v1/life): a resident's phone lists the open group-buys, signs up,
changes or cancels; lists rooms and books; lists tools and places holds. Bad input answers 422 naming the field,
an action outside the caller's area 403, an id outside what the caller may see 404."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from linli.core.api_limits import Id, Text
from linli.people.scopes import for_request

from . import queries, services
from .models import Order

router = Router(tags=["life"])


class ItemOut(Schema):
    id: int
    name: str
    unit: str
    price: Decimal
    stock_cap: Decimal | None
    per_household: Decimal | None
    taken: Decimal


class CycleOut(Schema):
    id: int
    seller: str
    title: str
    state: str
    closes_at: datetime.datetime
    delivery_on: datetime.date
    items: list[ItemOut]

    @staticmethod
    def resolve_seller(obj):
        return str(obj.seller)

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class LineIn(Schema):
    item_id: Id
    quantity: Decimal = Field(..., ge=0, le=99999, max_digits=10, decimal_places=2)


class JoinIn(Schema):
    pickup_point_id: Id
    lines: list[LineIn] = Field(..., max_length=50)
    note: Text(200) = ""


class OrderOut(Schema):
    id: int
    seq: int
    state: str
    total: Decimal
    pickup_point_id: int


class JielongOut(Schema):
    lines: list[str]
    text: str


class BookingIn(Schema):
    room_id: Id
    starts_at: datetime.datetime
    minutes: int = Field(..., ge=1, le=24 * 60)
    title: Text(120, min_length=2)
    public: bool = False


class BookingOut(Schema):
    id: int
    room_id: int
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    state: str


class HoldOut(Schema):
    id: int
    tool_id: int
    state: str
    position: int | None = None


@router.get("/cycles", response=list[CycleOut])
def cycles(request, state: Text(12) = "open"):
    return list(queries.visible_cycles(for_request(request)).filter(state=state).prefetch_related("items")[:100])


@router.get("/cycles/{cycle_id}/jielong", response=JielongOut)
def jielong(request, cycle_id: Id):
    c = queries.cycle(for_request(request), cycle_id)
    return {"lines": queries.jielong_lines(c), "text": queries.jielong_text(c)}


@router.post("/cycles/{cycle_id}/order", response={200: OrderOut})
def join(request, cycle_id: Id, data: JoinIn):
    scope = for_request(request)
    c = queries.cycle(scope, cycle_id)
    point = c.pickup_points.filter(pk=data.pickup_point_id).first()
    return services.join_cycle(scope, c, {line.item_id: line.quantity for line in data.lines}, point, note=data.note)


@router.delete("/orders/{order_id}", response={200: OrderOut})
def cancel(request, order_id: Id):
    scope = for_request(request)
    order = get_object_or_404(Order, pk=order_id)
    queries.cycle(scope, order.cycle_id)
    return services.cancel_order(scope, order)


@router.post("/bookings", response={200: BookingOut})
def book(request, data: BookingIn):
    scope = for_request(request)
    room = queries.room(scope, data.room_id)
    return services.book(scope, room, starts_at=data.starts_at, ends_at=data.starts_at + datetime.timedelta(minutes=data.minutes),
                         title=data.title, public=data.public)


@router.post("/tools/{tool_id}/hold", response={200: HoldOut})
def hold(request, tool_id: Id):
    scope = for_request(request)
    tool = get_object_or_404(queries.tools(scope), pk=tool_id)
    h = services.place_hold(scope, tool)
    return {"id": h.pk, "tool_id": h.tool_id, "state": h.state, "position": services.queue_position(h) if h.state == "waiting" else None}
