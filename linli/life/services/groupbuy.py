"""惠民直通车 (接龙): sellers, pickup points, order cycles, sign-ups, close, pickup day, ratings.

Race safety: a sign-up, change or cancel locks the cycle row (PostgreSQL FOR UPDATE; SQLite opens every
transaction IMMEDIATE), and stock moves by a conditional UPDATE within the cap (a check constraint holds it
too): two residents taking the last unit get one unit between them."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.models import Organization
from linli.people.scopes import Scope

from ..models import CycleItem, Order, OrderCycle, OrderLine, PickupPoint, Seller, SellerRating
from ._common import (_decimal, _now, _text, _transition, accounts_of_org, actor, is_staff_of, org_ids,
                      person_of, require_staff, site_language)

MAX_ITEMS = 50


# ---------------------------------------------------------------------------------------------- sellers and points
def register_seller(scope: Scope, community, organization: Organization, goods: str = "") -> Seller:
    """An organisation asks to sell in the community (its own people or the community's staff)."""
    if not (is_staff_of(scope, community.pk) or organization.pk in org_ids(scope)):
        raise OutOfScope(_("Only the organisation's people or the community's staff may register it as a seller."))
    goods = (goods or "").strip()[:200]
    seller, _created = Seller.objects.get_or_create(community=community, organization=organization, defaults={"goods": goods})
    return seller


def decide_seller(scope: Scope, seller: Seller, approve: bool, now=None) -> Seller:
    require_staff(scope, seller.community_id, _("Only the community's staff approve sellers."))
    to = Seller.State.APPROVED if approve else Seller.State.SUSPENDED
    if seller.state == to:
        return seller
    _transition("seller", seller, to, "decide_seller", decided_by=actor(scope), decided_at=_now(now))
    return seller


def add_pickup_point(scope: Scope, community, *, name: str, hours: str, compound=None, attendants=()) -> PickupPoint:
    require_staff(scope, community.pk, _("Only the community's staff set up pickup points."))
    name = _text(name, "name", pgettext("life", "Name"), maximum=100)
    hours = _text(hours, "hours", pgettext("life", "Hours"), maximum=100)
    if compound is not None and compound.community_id != community.pk:
        raise ValidationError({"compound": _("Compound: choose one of the community's compounds.")})
    point = PickupPoint.objects.create(community=community, compound=compound, name=name, hours=hours)
    if attendants:
        point.attendants.set(attendants)
    return point


def may_run_seller(scope: Scope, seller: Seller) -> bool:
    return is_staff_of(scope, seller.community_id) or seller.organization_id in org_ids(scope)


# ---------------------------------------------------------------------------------------------- opening a cycle
def _clean_items(items) -> list[dict]:
    if not items:
        raise ValidationError({"items": _("Items: add at least one item.")})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": _("Items: at most %(n)d in one cycle.") % {"n": MAX_ITEMS}})
    out = []
    for i, raw in enumerate(items, start=1):
        label = _("Item %(n)d") % {"n": i}
        out.append({
            "name": _text(raw.get("name"), f"items[{i}].name", label + " " + _("name"), maximum=60),
            "unit": _text(raw.get("unit"), f"items[{i}].unit", label + " " + pgettext("life", "unit"), maximum=10),
            "price": _decimal(raw.get("price"), f"items[{i}].price", label + " " + _("price")),
            "stock_cap": _decimal(raw.get("stock_cap"), f"items[{i}].stock_cap", label + " " + _("stock cap"), positive=True, allow_none=True),
            "per_household": _decimal(raw.get("per_household"), f"items[{i}].per_household", label + " " + _("per household"),
                                      positive=True, allow_none=True),
            "position": i,
        })
    return out


def open_cycle(scope: Scope, seller: Seller, *, title: str, closes_at: datetime.datetime, delivery_on: datetime.date,
               items: list[dict], pickup_points, max_households=None, note: str = "", now=None) -> OrderCycle:
    """The seller (or the community's staff for them) opens a cycle: checks first, then one transaction."""
    now = _now(now)
    if not may_run_seller(scope, seller):
        raise OutOfScope(_("Only the seller's people or the community's staff may open a cycle."))
    if seller.state != Seller.State.APPROVED:
        raise ValidationError({"seller": _("Seller: not approved by the community yet.")})
    title = _text(title, "title", _("Title"), maximum=120)
    if closes_at is None or closes_at <= now:
        raise ValidationError({"closes_at": _("Cut-off: must be in the future.")})
    if delivery_on is None or delivery_on < timezone.localtime(closes_at).date():
        raise ValidationError({"delivery_on": _("Delivery day: on or after the cut-off day.")})
    clean = _clean_items(items)
    points = list(pickup_points)
    if not points or any(p.community_id != seller.community_id or not p.active for p in points):
        raise ValidationError({"pickup_points": _("Pickup points: choose at least one of the community's pickup points.")})
    if max_households not in (None, ""):
        max_households = int(max_households)
        if max_households < 1:
            raise ValidationError({"max_households": _("At most households: must be more than 0.")})
    else:
        max_households = None
    with transaction.atomic():
        cycle = OrderCycle.objects.create(seller=seller, community_id=seller.community_id, title=title, note=(note or "")[:2000],
                                          opens_at=now, closes_at=closes_at, delivery_on=delivery_on,
                                          max_households=max_households, created_by=actor(scope))
        CycleItem.objects.bulk_create([CycleItem(cycle=cycle, **row) for row in clean])
        cycle.pickup_points.set(points)
    return cycle


# ---------------------------------------------------------------------------------------------- signing up
def _resident(scope: Scope, cycle: OrderCycle):
    person = person_of(scope)
    if person is None or person.community_id != cycle.community_id:
        raise OutOfScope(_("Only residents of the community sign up."))
    return person


def _check_open(cycle: OrderCycle, now) -> None:
    if cycle.state != OrderCycle.State.OPEN:
        raise ValidationError({"cycle": _("Sign-up: this cycle is closed (%(state)s).") % {"state": cycle.get_state_display()}})
    if now >= cycle.closes_at:
        raise ValidationError({"cycle": _("Sign-up: the cut-off was %(at)s; changes are no longer possible.")
                               % {"at": timezone.localtime(cycle.closes_at).strftime("%Y-%m-%d %H:%M")}})


def join_cycle(scope: Scope, cycle: OrderCycle, quantities: dict, pickup_point: PickupPoint, *, note: str = "", now=None) -> Order:
    """Sign up, or change one's sign-up, until cut-off. `quantities` maps item id → quantity (0 drops the item)."""
    now = _now(now)
    person = _resident(scope, cycle)
    items = {i.pk: i for i in cycle.items.all()}
    wanted = {}
    for key, raw in (quantities or {}).items():
        item = items.get(int(key))
        if item is None:
            raise ValidationError({"items": _("Items: an item not in this cycle.")})
        qty = _decimal(raw, f"quantity_{item.pk}", _("Quantity of %(item)s") % {"item": item.name}, allow_none=True) or Decimal("0")
        if item.per_household is not None and qty > item.per_household:
            raise ValidationError({f"quantity_{item.pk}": _("Quantity of %(item)s: at most %(n)s %(unit)s per household.")
                                   % {"item": item.name, "n": item.per_household.normalize(), "unit": item.unit}})
        if qty:
            wanted[item.pk] = qty
    if not wanted:
        raise ValidationError({"items": _("Items: enter a quantity for at least one item (or cancel the sign-up).")})
    if pickup_point is None or not cycle.pickup_points.filter(pk=pickup_point.pk).exists():
        raise ValidationError({"pickup_point": _("Pickup point: choose one of this cycle's pickup points.")})
    _check_open(cycle, now)
    with transaction.atomic():
        locked = OrderCycle.objects.select_for_update().get(pk=cycle.pk)
        _check_open(locked, now)
        order = Order.objects.filter(cycle=locked, person=person).first()
        if order is None and person.household_id:
            order = Order.objects.filter(cycle=locked, household_id=person.household_id).first()
            if order is not None and order.state == Order.State.ACTIVE and order.person_id != person.pk:
                raise ValidationError({"cycle": _("Sign-up: your household has signed up already (change that sign-up).")})
        had = {} if order is None or order.state != Order.State.ACTIVE else dict(order.lines.values_list("item_id", "quantity"))
        becomes_active = order is None or order.state != Order.State.ACTIVE
        if becomes_active:
            moved = OrderCycle.objects.filter(pk=locked.pk).filter(
                Q(max_households__isnull=True) | Q(households__lt=F("max_households"))).update(households=F("households") + 1)
            if not moved:
                raise ValidationError({"cycle": _("Sign-up: this cycle is full (%(n)d households).") % {"n": locked.max_households}})
        # release first, then take: a change that lowers one item and raises another never trips its own cap
        for item_id in sorted(set(had) | set(wanted)):
            delta = wanted.get(item_id, Decimal("0")) - had.get(item_id, Decimal("0"))
            if delta < 0:
                CycleItem.objects.filter(pk=item_id).update(taken=F("taken") + delta)
        for item_id in sorted(wanted):
            delta = wanted[item_id] - had.get(item_id, Decimal("0"))
            if delta > 0:
                moved = CycleItem.objects.filter(pk=item_id).filter(
                    Q(stock_cap__isnull=True) | Q(taken__lte=F("stock_cap") - delta)).update(taken=F("taken") + delta)
                if not moved:
                    item = CycleItem.objects.get(pk=item_id)
                    transaction.set_rollback(True)
                    raise ValidationError({f"quantity_{item_id}": _("Quantity of %(item)s: only %(n)s %(unit)s left.")
                                           % {"item": item.name, "n": (item.stock_cap - item.taken).normalize(), "unit": item.unit}})
        total = sum((wanted[i] * items[i].price for i in wanted), Decimal("0")).quantize(Decimal("0.01"))
        if order is None:
            seq = (Order.objects.filter(cycle=locked).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
            order = Order.objects.create(cycle=locked, person=person, household_id=person.household_id, dwelling_id=person.dwelling_id,
                                         pickup_point=pickup_point, seq=seq, total=total, note=(note or "")[:200], created_at=now, updated_at=now)
        else:
            if order.state != Order.State.ACTIVE:
                _transition("order", order, Order.State.ACTIVE, "join_cycle")
            Order.objects.filter(pk=order.pk).update(pickup_point=pickup_point, total=total, note=(note or "")[:200], updated_at=now)
            order.lines.exclude(item_id__in=list(wanted)).delete()
        for item_id, qty in wanted.items():
            OrderLine.objects.update_or_create(order=order, item_id=item_id, defaults={"quantity": qty})
        _close_if_full(locked, now)
    order.refresh_from_db()
    return order


def cancel_order(scope: Scope, order: Order, now=None) -> Order:
    now = _now(now)
    person = person_of(scope)
    if person is None or (order.person_id != person.pk and (not person.household_id or order.household_id != person.household_id)):
        raise OutOfScope(_("Only the household that signed up may cancel it."))
    _check_open(order.cycle, now)
    with transaction.atomic():
        locked = OrderCycle.objects.select_for_update().get(pk=order.cycle_id)
        _check_open(locked, now)
        order.refresh_from_db()
        if order.state != Order.State.ACTIVE:
            return order
        for item_id, qty in order.lines.values_list("item_id", "quantity"):
            CycleItem.objects.filter(pk=item_id).update(taken=F("taken") - qty)
        OrderCycle.objects.filter(pk=locked.pk).update(households=F("households") - 1)
        _transition("order", order, Order.State.CANCELLED, "cancel_order", updated_at=now)
    return order


# ---------------------------------------------------------------------------------------------- closing
def _close_if_full(cycle: OrderCycle, now) -> bool:
    cycle.refresh_from_db(fields=["households", "state"])
    full = cycle.max_households is not None and cycle.households >= cycle.max_households
    capped = list(cycle.items.values_list("stock_cap", "taken"))
    sold_out = bool(capped) and all(cap is not None and taken >= cap for cap, taken in capped)
    if full or sold_out:
        return close_cycle(cycle, "cap", now)
    return False


def close_cycle(cycle: OrderCycle, reason: str, now=None) -> bool:
    """open → closed, once (the sweep at cut-off, a cap reached, or the seller closing early); the seller is told."""
    now = _now(now)
    if cycle.state != OrderCycle.State.OPEN:
        return False
    if not _transition("cycle", cycle, OrderCycle.State.CLOSED, "close_cycle", close_reason=reason, closed_at=now):
        return False
    with site_language():
        subject = _("Group-buy closed: %(title)s, %(n)d households") % {"title": cycle.title, "n": cycle.orders.filter(state="active").count()}
    notify.notify(f"life:cycle:{cycle.pk}:closed", accounts_of_org(cycle.seller.organization_id), subject=subject,
                  link=f"/life/groupbuy/{cycle.pk}/totals/")
    return True


def close_early(scope: Scope, cycle: OrderCycle, now=None) -> bool:
    if not may_run_seller(scope, cycle.seller):
        raise OutOfScope(_("Only the seller's people or the community's staff may close the cycle."))
    return close_cycle(cycle, "seller", now)


def due_cycles(now) -> list[int]:
    return list(OrderCycle.objects.filter(state=OrderCycle.State.OPEN, closes_at__lte=now).values_list("pk", flat=True)[:200])


def cancel_cycle(scope: Scope, cycle: OrderCycle, reason: str, now=None) -> OrderCycle:
    if not may_run_seller(scope, cycle.seller):
        raise OutOfScope(_("Only the seller's people or the community's staff may cancel the cycle."))
    reason = _text(reason, "reason", _("Reason"), minimum=2, maximum=200)
    with transaction.atomic():
        _transition("cycle", cycle, OrderCycle.State.CANCELLED, "cancel_cycle", close_reason="cancelled", closed_at=_now(now))
        recipients = [o.person.account for o in cycle.orders.filter(state="active").select_related("person__account")
                      if hasattr(o.person, "account")]
        with site_language():
            subject = _("Group-buy cancelled: %(title)s (%(reason)s)") % {"title": cycle.title, "reason": reason}
        notify.notify(f"life:cycle:{cycle.pk}:cancelled", recipients, subject=subject, link=f"/life/groupbuy/{cycle.pk}/")
    return cycle


# ---------------------------------------------------------------------------------------------- pickup day
def may_attend(scope: Scope, point: PickupPoint, cycle: OrderCycle) -> bool:
    person = person_of(scope)
    return (may_run_seller(scope, cycle.seller)
            or (person is not None and point.attendants.filter(pk=person.pk).exists()))


def mark_collected(scope: Scope, order: Order, *, delivered: dict | None = None, substitutes: dict | None = None,
                   payment: str = Order.Payment.ON_PICKUP, now=None) -> Order:
    """The attendant hands the order over: delivered quantities (a shortage: less than ordered) and substitutions
    (text and price) correct the household's total; the payment status is recorded (no payment gateway)."""
    now = _now(now)
    cycle = order.cycle
    if not may_attend(scope, order.pickup_point, cycle):
        raise OutOfScope(_("Only the pickup point's attendants, the seller or the community's staff mark pickups."))
    if cycle.state != OrderCycle.State.CLOSED:
        raise ValidationError({"cycle": _("Pickup: the cycle is not closed for delivery.")})
    if payment not in Order.Payment.values:
        raise ValidationError({"payment": _("Payment: choose paid on pickup, already paid or unpaid.")})
    lines = {line.pk: line for line in order.lines.select_related("item")}
    delivered_clean, subs_clean = {}, {}
    for key, raw in (delivered or {}).items():
        line = lines.get(int(key))
        if line is None:
            raise ValidationError({"delivered": _("Delivered: a line not in this order.")})
        if raw in (None, ""):
            continue
        qty = _decimal(raw, f"delivered_{line.pk}", _("Delivered %(item)s") % {"item": line.item.name})
        if qty > line.quantity:
            raise ValidationError({f"delivered_{line.pk}": _("Delivered %(item)s: at most the %(n)s ordered (record a substitution instead).")
                                   % {"item": line.item.name, "n": line.quantity.normalize()}})
        delivered_clean[line.pk] = qty
    for key, (text, price) in (substitutes or {}).items():
        line = lines.get(int(key))
        if line is None or not (text or "").strip():
            continue
        subs_clean[line.pk] = ((text or "").strip()[:100], _decimal(price, f"substitute_price_{line.pk}", _("Price of the substitute")))
    with transaction.atomic():
        for pk, line in lines.items():
            if pk in delivered_clean:
                line.delivered = delivered_clean[pk]
            elif line.delivered is None:
                line.delivered = line.quantity
            if pk in subs_clean:
                line.substitute, line.substitute_price = subs_clean[pk]
            line.save(update_fields=["delivered", "substitute", "substitute_price"])
        total = sum((line.amount for line in lines.values()), Decimal("0"))
        if not _transition("order", order, Order.State.COLLECTED, "mark_collected", total=total, payment=payment,
                           collected_at=now, collected_by=actor(scope), updated_at=now):
            raise ValidationError({"state": _("Pickup: this order was marked by someone else just now.")})
    return order


def mark_missed(scope: Scope, order: Order, now=None) -> Order:
    if not may_attend(scope, order.pickup_point, order.cycle):
        raise OutOfScope(_("Only the pickup point's attendants, the seller or the community's staff mark pickups."))
    _transition("order", order, Order.State.MISSED, "mark_missed", updated_at=_now(now))
    return order


def set_payment(scope: Scope, order: Order, payment: str) -> Order:
    if not may_attend(scope, order.pickup_point, order.cycle):
        raise OutOfScope(_("Only the pickup point's attendants, the seller or the community's staff mark pickups."))
    if payment not in Order.Payment.values:
        raise ValidationError({"payment": _("Payment: choose paid on pickup, already paid or unpaid.")})
    Order.objects.filter(pk=order.pk).update(payment=payment)
    order.payment = payment
    return order


def finish_delivery(scope: Scope, cycle: OrderCycle, now=None) -> OrderCycle:
    """The pickup day is over: orders not collected are marked missed, the cycle is delivered."""
    if not may_run_seller(scope, cycle.seller):
        raise OutOfScope(_("Only the seller's people or the community's staff may finish the delivery."))
    now = _now(now)
    with transaction.atomic():
        _transition("cycle", cycle, OrderCycle.State.DELIVERED, "finish_delivery")
        for order in cycle.orders.filter(state=Order.State.ACTIVE):
            _transition("order", order, Order.State.MISSED, "mark_missed", updated_at=now)
    return cycle


# ---------------------------------------------------------------------------------------------- ratings
def rate_seller(scope: Scope, cycle: OrderCycle, stars, comment: str = "") -> SellerRating:
    person = person_of(scope)
    if person is None or not cycle.orders.filter(person=person, state=Order.State.COLLECTED).exists():
        raise ValidationError({"stars": _("Rating: only households who collected an order of this cycle rate it.")})
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Stars: from 1 to 5.")})
    rating, _created = SellerRating.objects.update_or_create(cycle=cycle, person=person, defaults={
        "seller": cycle.seller, "stars": stars, "comment": (comment or "").strip()[:300]})
    return rating


def turnover(qs) -> Decimal:
    return qs.aggregate(s=Sum("total"))["s"] or Decimal("0")
