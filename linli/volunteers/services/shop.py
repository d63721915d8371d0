"""The charity shop (爱心超市): items, redemptions paid in points (stock and balance taken by conditional UPDATEs),
collection, cancellation and refund, expiry of reservations, stock-takes."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.scopes import Scope
from linli.places.models import Community

from ..models import LedgerAccount, Posting, Redemption, ShopItem, StockTake, Volunteer
from ._common import _accounts_of, _actor, is_staff, _positive_int, _require_staff, _site_language, _stored, _text
from .ledger import account_of, house_account, post


@transaction.atomic
def add_item(scope: Scope, community: Community, *, name: str, price, stock=0, kind: str = ShopItem.Kind.GOODS) -> ShopItem:
    _require_staff(scope, community)
    if kind not in ShopItem.Kind.values:
        raise ValidationError({"kind": _("Kind: goods or a community service.")})
    return ShopItem.objects.create(community=community, kind=kind, name=_text(name, "name", pgettext("volunteers", "Name"), 100),
                                   price=_positive_int(price, "price", _("Price")), stock=_positive_int(stock, "stock", _("Stock"), allow_zero=True))


@transaction.atomic
def redeem(scope: Scope, volunteer: Volunteer, item: ShopItem, *, quantity=1, channel: str = Redemption.Channel.ONLINE,
           token: str = "") -> Redemption:
    """Take stock and points in one transaction. Online: the volunteer reserves; at the counter: staff hand it over.
    `token` (a form's one-time value) makes a double-submitted form redeem once."""
    if channel == Redemption.Channel.COUNTER:
        _require_staff(scope, volunteer.community)
    elif channel == Redemption.Channel.ONLINE:  # the volunteer reserves; staff may reserve for them (a phone call)
        me = getattr(scope.account, "person", None) if _actor(scope) else None
        if getattr(me, "pk", None) != volunteer.person_id and not is_staff(scope, volunteer.community):
            raise OutOfScope(_("You may reserve only for yourself."))
    else:
        raise ValidationError({"channel": _("Channel: at the counter or online.")})
    if volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError({"volunteer": _("Volunteer: only approved volunteers can redeem points.")})
    if item.community_id != volunteer.community_id:
        raise ValidationError({"item": _("Item: belongs to another community's shop.")})
    if not item.active:
        raise ValidationError({"item": _("Item: no longer on offer.")})
    quantity = _positive_int(quantity, "quantity", _("Quantity"))
    key = f"redeem:{token}" if token else f"redeem:{uuid.uuid4().hex}"
    if token:
        done = Posting.objects.filter(source_key=key).first()
        if done is not None and hasattr(done, "redemption"):
            return done.redemption
    points = item.price * quantity
    if not ShopItem.objects.filter(pk=item.pk, stock__gte=quantity).update(stock=F("stock") - quantity):
        left = ShopItem.objects.filter(pk=item.pk).values_list("stock", flat=True).first()
        raise ValidationError({"quantity": _("Quantity: only %(n)d left in stock.") % {"n": left or 0}})
    posting = post(from_account=account_of(volunteer), to_account=house_account(volunteer.community_id, LedgerAccount.Kind.SHOP),
                   amount=points, kind=Posting.Kind.REDEEM, reason=_stored(lambda: _("Charity shop: %(name)s × %(q)d") % {"name": item.name, "q": quantity}),
                   source_key=key, created_by=_actor(scope))
    earlier = Redemption.objects.filter(posting=posting).first()
    if earlier is not None:  # the same form submitted twice at once: the first won; undo our stock change, answer with it
        transaction.set_rollback(True)
        return earlier
    counter = channel == Redemption.Channel.COUNTER
    item.refresh_from_db(fields=["stock"])
    return Redemption.objects.create(community_id=volunteer.community_id, volunteer=volunteer, item=item, quantity=quantity, points=points,
                                     channel=channel, status=Redemption.Status.COLLECTED if counter else Redemption.Status.RESERVED,
                                     posting=posting, handled_by=_actor(scope) if counter else None,
                                     closed_at=timezone.now() if counter else None)


@transaction.atomic
def collect(scope: Scope, redemption: Redemption) -> Redemption:
    _require_staff(scope, redemption.volunteer.community)
    if not Redemption.objects.filter(pk=redemption.pk, status=Redemption.Status.RESERVED).update(
            status=Redemption.Status.COLLECTED, handled_by=_actor(scope), closed_at=timezone.now()):
        raise ValidationError({"status": _("Status: only a reservation can be collected.")})
    redemption.refresh_from_db()
    return redemption


@transaction.atomic
def cancel_redemption(scope: Scope, redemption: Redemption, *, reason: str = "") -> Redemption:
    """A reservation is cancelled by its volunteer or staff: the stock returns and a refund posting gives the points back."""
    mine = getattr(getattr(scope.account, "person", None), "pk", None) == redemption.volunteer.person_id
    if not mine:
        _require_staff(scope, redemption.volunteer.community)
    if not Redemption.objects.filter(pk=redemption.pk, status=Redemption.Status.RESERVED).update(
            status=Redemption.Status.CANCELLED, handled_by=_actor(scope), closed_at=timezone.now()):
        raise ValidationError({"status": _("Status: only a reservation can be cancelled.")})
    redemption.refresh_from_db()
    return _refund(redemption, (reason or "").strip() or _stored(lambda: _("Reservation cancelled: %(name)s") % {"name": redemption.item.name}), _actor(scope))


def _refund(redemption: Redemption, reason: str, actor) -> Redemption:
    ShopItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + redemption.quantity)
    refund = post(from_account=house_account(redemption.community_id, LedgerAccount.Kind.SHOP), to_account=account_of(redemption.volunteer),
                  amount=redemption.points, kind=Posting.Kind.REFUND, reason=reason, source_key=f"refund:{redemption.pk}", created_by=actor)
    Redemption.objects.filter(pk=redemption.pk).update(refund=refund)
    redemption.refund = refund
    return redemption


RESERVATION_DAYS = 7


@transaction.atomic
def expire_reservation(pk: int, now=None) -> int:
    """The worker's step: a reservation not collected within RESERVATION_DAYS is cancelled and refunded (once)."""
    now = now or timezone.now()
    if not Redemption.objects.filter(pk=pk, status=Redemption.Status.RESERVED, at__lte=now - datetime.timedelta(days=RESERVATION_DAYS)).update(
            status=Redemption.Status.CANCELLED, closed_at=now):
        return 0
    redemption = Redemption.objects.select_related("item", "volunteer__person").get(pk=pk)
    _refund(redemption, _stored(lambda: _("Reservation not collected within %(n)d days: %(name)s") % {"n": RESERVATION_DAYS, "name": redemption.item.name}), None)
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"redemption:{pk}:expired", _accounts_of(redemption.volunteer.person),
                      subject=_("Your reservation of %(name)s expired; the points are back.") % {"name": redemption.item.name}, link="/volunteers/shop/")
    return 1


@transaction.atomic
def stock_take(scope: Scope, item: ShopItem, *, counted, note: str = "") -> StockTake:
    _require_staff(scope, item.community)
    counted = _positive_int(counted, "counted", pgettext("stocktake", "Counted"), allow_zero=True)
    item = ShopItem.objects.select_for_update().get(pk=item.pk)
    note = _text(note, "note", _("Note"), 200, required=counted != item.stock)
    take = StockTake.objects.create(item=item, expected=item.stock, counted=counted, note=note, by=_actor(scope))
    ShopItem.objects.filter(pk=item.pk).update(stock=counted)
    return take
