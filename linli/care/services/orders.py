"""六助 orders: raise, schedule to a provider in a time window (optionally every working day), record the visit
(arrival, departure, what was done, signature or phone confirmation, fee and payer), rate it.

An order's states are one table checked by `_transition` (a conditional UPDATE on the state it leaves). A recurring
order is a template (recurrence set): the sweep copies it into one occurrence per working day, at most 14 days
ahead, each (template, start) once."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import workdays
from linli.core.errors import ValidationError
from linli.core.notify import notify

from ..models import CareOrder, Station
from ._common import account_of, check_edge, require_work, text

O = CareOrder.Status
TRANSITIONS = {
    O.SCHEDULED: {O.ARRIVED: "record_arrival", O.DONE: "record_visit", O.CANCELLED: "cancel_order"},  # done: entered afterwards
    O.ARRIVED: {O.DONE: "record_visit"},
    O.DONE: {},
    O.CANCELLED: {},
}
AHEAD_DAYS = 14


def _transition(order: CareOrder, to: str, use_case: str, **fields) -> None:
    check_edge(TRANSITIONS, order.status, to, use_case)
    if not CareOrder.objects.filter(pk=order.pk, status=order.status).update(status=to, **fields):
        raise ValidationError(_("Someone else has just changed this order; reload it."))
    order.status = to
    for k, v in fields.items():
        setattr(order, k, v)


def raise_order(scope, station: Station, *, person, kind: str, source: str, window_start: datetime.datetime,
                window_end: datetime.datetime, provider_account=None, provider_org=None, provider_team=None, note: str = "",
                recurrence: str = "", repeat_until: datetime.date | None = None, fee="0", payer: str = CareOrder.Payer.FREE,
                care_visit_id: int | None = None) -> CareOrder:
    require_work(scope, station)
    if kind not in CareOrder.Kind.values:
        raise ValidationError({"kind": _("Choose one of the six aids.")})
    if source not in CareOrder.Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    if window_end <= window_start:
        raise ValidationError({"window_end": _("The window must end after it starts.")})
    if sum(x is not None for x in (provider_account, provider_org, provider_team)) != 1:
        raise ValidationError({"provider": _("Choose one provider: station staff, a company or a volunteer team.")})
    if recurrence not in CareOrder.Recurrence.values:
        raise ValidationError({"recurrence": _("Unknown recurrence.")})
    if recurrence and (repeat_until is None or repeat_until < window_start.date() or repeat_until > window_start.date() + datetime.timedelta(days=366)):
        raise ValidationError({"repeat_until": _("A recurring order needs an end date within a year.")})
    if payer not in CareOrder.Payer.values:
        raise ValidationError({"payer": _("Unknown payer.")})
    try:
        fee = Decimal(str(fee or "0"))
    except InvalidOperation:
        raise ValidationError({"fee": _("A fee in yuan.")}) from None
    if fee < 0 or fee > 10000:
        raise ValidationError({"fee": _("A fee in yuan.")})
    with transaction.atomic():
        order = CareOrder.objects.create(station=station, community=station.community, person=person, kind=kind, source=source,
                                         window_start=window_start, window_end=window_end, provider_account=provider_account,
                                         provider_org=provider_org, provider_team=provider_team, note=text(note, "note", 500),
                                         recurrence=recurrence, repeat_until=repeat_until, fee=fee, payer=payer,
                                         care_visit_id=care_visit_id, created_by=account_of(scope))
        if provider_account is not None:
            notify(f"care:order:{order.pk}:scheduled", [provider_account], subject=_("Six-aid order: %(kind)s for %(name)s") % {
                "kind": order.get_kind_display(), "name": person.name}, link=f"/care/orders/{order.pk}/")
    if recurrence:
        generate_occurrences(order.pk, timezone.now())
    return order


def generate_occurrences(template_id: int, now: datetime.datetime) -> int:
    """One occurrence per working day from the template's first day to min(repeat_until, today + 14 days)."""
    t = CareOrder.objects.get(pk=template_id)
    if not t.recurrence or t.status == O.CANCELLED:
        return 0
    last = min(t.repeat_until, timezone.localdate(now) + datetime.timedelta(days=AHEAD_DAYS))
    length = t.window_end - t.window_start
    start = timezone.localtime(t.window_start)
    made = 0
    have = {timezone.localtime(w).date() for w in CareOrder.objects.filter(parent=t).values_list("window_start", flat=True)}
    day = start.date()
    while day <= last:
        if day not in have and workdays.is_working_day(day):
            ws = start.replace(year=day.year, month=day.month, day=day.day)
            try:
                with transaction.atomic():
                    CareOrder.objects.create(station_id=t.station_id, community_id=t.community_id, person_id=t.person_id, kind=t.kind,
                                             source=t.source, note=t.note, provider_account_id=t.provider_account_id,
                                             provider_org_id=t.provider_org_id, provider_team_id=t.provider_team_id,
                                             window_start=ws, window_end=ws + length, fee=t.fee, payer=t.payer, parent=t,
                                             created_by_id=t.created_by_id)
                made += 1
            except IntegrityError:
                pass  # already made (the unique (template, start) holds it once)
        day += datetime.timedelta(days=1)
    return made


def record_arrival(scope, order: CareOrder, now=None) -> CareOrder:
    require_work(scope, order.station)
    _refuse_template(order)
    _transition(order, O.ARRIVED, "record_arrival", arrived_at=now or timezone.now())
    return order


def record_visit(scope, order: CareOrder, *, work_done: str, confirmation: str, signature: str = "", arrived_at=None,
                 departed_at=None, fee=None, payer: str | None = None, now=None) -> CareOrder:
    require_work(scope, order.station)
    _refuse_template(order)
    now = now or timezone.now()
    if confirmation not in ("signature", "phone"):
        raise ValidationError({"confirmation": _("Confirmed by the person's signature or by phone.")})
    if confirmation == "signature" and not signature.startswith("data:image/"):
        raise ValidationError({"signature": _("Draw the signature.")})
    if len(signature) > 200_000:
        raise ValidationError({"signature": _("The signature is too large.")})
    arrived = order.arrived_at or arrived_at or now
    departed = departed_at or now
    if departed < arrived:
        raise ValidationError({"departed_at": _("The departure is before the arrival.")})
    fields = {"arrived_at": arrived, "departed_at": departed, "work_done": text(work_done, "work_done", 500, required=True),
              "confirmation": confirmation, "signature": signature}
    if fee is not None:
        try:
            fields["fee"] = Decimal(str(fee))
        except InvalidOperation:
            raise ValidationError({"fee": _("A fee in yuan.")}) from None
    if payer:
        if payer not in CareOrder.Payer.values:
            raise ValidationError({"payer": _("Unknown payer.")})
        fields["payer"] = payer
    _transition(order, O.DONE, "record_visit", **fields)
    return order


def cancel_order(scope, order: CareOrder) -> CareOrder:
    require_work(scope, order.station)
    _transition(order, O.CANCELLED, "cancel_order")
    if order.recurrence:
        CareOrder.objects.filter(parent=order, status=O.SCHEDULED, window_start__gt=timezone.now()).update(status=O.CANCELLED)
    return order


def rate_order(scope, order: CareOrder, rating: int) -> CareOrder:
    """The person (signed in), or staff entering what the person said on the phone, rates a done visit once."""
    own = getattr(account_of(scope), "person_id", None) == order.person_id
    if not own:
        require_work(scope, order.station)
    if order.status != O.DONE:
        raise ValidationError(_("Only a visit that was made can be rated."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("From 1 to 5.")})
    if not CareOrder.objects.filter(pk=order.pk, rating__isnull=True).update(rating=rating):
        raise ValidationError(_("This visit is already rated."))
    order.rating = rating
    return order


def _refuse_template(order):
    if order.recurrence:
        raise ValidationError(_("A recurring order is visited through its daily occurrences."))
