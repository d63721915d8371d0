"""书记接待日 reception day: publish slots, residents book a seat, cancel, and the host records what came of it
(which may open a case or a council matter for the resident)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.scopes import Scope

from ..models import Booking, ReceptionSlot
from .common import _actor, _require_staff, is_staff_of, lives_in, person_of
from .council import raise_matter


# ==================================================================== 书记接待日: reception day


@transaction.atomic
def publish_slot(scope: Scope, *, community, starts_at: datetime.datetime, ends_at: datetime.datetime, place: str,
                 capacity: int = 1, host=None) -> ReceptionSlot:
    _require_staff(scope, community.pk)
    host = host or _actor(scope)
    if host is None:
        raise ValidationError({"host": _("Host: who receives the residents?")})
    if not isinstance(starts_at, datetime.datetime) or not isinstance(ends_at, datetime.datetime):
        raise ValidationError({"starts_at": _("Time: required.")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Starts: the time lies in the past.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Ends: after it starts.")})
    if not (place or "").strip():
        raise ValidationError({"place": _("Place: where is the reception?")})
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= 50:
        raise ValidationError({"capacity": _("Seats: between 1 and 50.")})
    return ReceptionSlot.objects.create(community=community, host=host, starts_at=starts_at, ends_at=ends_at, place=place.strip(), capacity=capacity)


@transaction.atomic
def book(scope: Scope, slot: ReceptionSlot, topic: str) -> Booking:
    slot = ReceptionSlot.objects.select_for_update().get(pk=slot.pk)  # one booking at a time per slot
    person = person_of(scope)
    if not lives_in(person, community_id=slot.community_id):
        raise OutOfScope(_("Booking: only residents of the community book its reception day."))
    topic = (topic or "").strip()
    if len(topic) < 4:
        raise ValidationError({"topic": _("Topic: say what you want to talk about (at least 4 characters).")})
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": _("Slot: this reception has already begun.")})
    taken = list(slot.bookings.exclude(status=Booking.Status.CANCELLED).values_list("seat", "person_id"))
    if any(pid == person.pk for _s, pid in taken):
        raise ValidationError({"slot": _("Slot: you have already booked this reception.")})
    if len(taken) >= slot.capacity:
        raise ValidationError({"slot": _("Slot: fully booked; choose another time.")})
    seat = next(i for i in range(1, slot.capacity + 1) if i not in {s for s, _p in taken})
    try:
        with transaction.atomic():
            b = Booking.objects.create(slot=slot, seat=seat, person=person, account=_actor(scope), topic=topic[:2000])
    except IntegrityError:
        raise ValidationError({"slot": _("Slot: fully booked; choose another time.")})
    notify.notify(f"booking:{b.pk}", [slot.host], subject=_("Reception booked: %(n)s — %(t)s") % {"n": person.name, "t": topic[:60]},
                  link="/meetings/reception/", payload={"booking": b.pk})
    return b


def may_cancel_booking(scope: Scope, booking: Booking) -> bool:
    """The resident who booked, the host, or the community's staff."""
    me = person_of(scope)
    return ((me is not None and me.pk == booking.person_id) or booking.slot.host_id == getattr(scope.account, "pk", None)
            or is_staff_of(scope, booking.slot.community_id))


@transaction.atomic
def cancel_booking(scope: Scope, booking: Booking) -> Booking:
    """The resident (before the reception begins) or the host or staff call a booking off: its seat is free again, for
    someone else or for the same resident."""
    slot = ReceptionSlot.objects.select_for_update().get(pk=booking.slot_id)  # the same lock as booking a seat
    booking = Booking.objects.select_related("slot", "person").get(pk=booking.pk)
    if not may_cancel_booking(scope, booking):
        raise OutOfScope(_("Cancel: only the resident who booked, the host or the community's staff cancel a booking."))
    if booking.status == Booking.Status.CANCELLED:
        raise ValidationError({"booking": _("Cancel: the booking is already cancelled.")})
    if booking.status == Booking.Status.DONE:
        raise ValidationError({"booking": _("Cancel: the conversation has taken place; its outcome is recorded.")})
    staff = booking.slot.host_id == getattr(scope.account, "pk", None) or is_staff_of(scope, slot.community_id)
    if not staff and slot.starts_at <= timezone.now():
        raise ValidationError({"booking": _("Cancel: the reception has already begun; ask the host.")})
    booking.status, booking.cancelled_at, booking.cancelled_by = Booking.Status.CANCELLED, timezone.now(), _actor(scope)
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    recipients = [a for a in (slot.host, booking.account) if a is not None and a.pk != getattr(scope.account, "pk", None)]
    notify.notify(f"booking:{booking.pk}:cancelled", recipients,
                  subject=_("Reception booking cancelled: %(n)s, %(when)s") % {"n": booking.person.name,
                                                                              "when": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")},
                  body=booking.topic[:200], link="/meetings/reception/", payload={"booking": booking.pk})
    return booking


@transaction.atomic
def record_outcome(scope: Scope, booking: Booking, outcome: str, *, open_case: bool = False, open_matter: bool = False,
                   category=None) -> Booking:
    """What came of the conversation; it may open a case (hotline intake) or a council matter for the resident."""
    from linli.cases import services as cases

    booking = Booking.objects.select_for_update().select_related("slot", "person").get(pk=booking.pk)
    if not (is_staff_of(scope, booking.slot.community_id) or booking.slot.host_id == getattr(scope.account, "pk", None)):
        raise OutOfScope(_("Outcome: only the host or the community's staff record it."))
    outcome = (outcome or "").strip()
    if len(outcome) < 2:
        raise ValidationError({"outcome": _("Outcome: say what was agreed.")})
    if booking.status == Booking.Status.DONE:
        raise ValidationError({"outcome": _("Outcome: already recorded.")})
    if booking.status == Booking.Status.CANCELLED:
        raise ValidationError({"outcome": _("Outcome: the booking was cancelled; there was no conversation to record.")})
    if open_case:
        if not booking.person.dwelling_id:
            raise ValidationError({"outcome": _("Case: the resident has no registered home to locate the case.")})
        booking.case = cases.submit(scope, source="hotline", description=f"{booking.topic}\n{outcome}", title=booking.topic[:40], category=category,
                                    dwelling=booking.person.dwelling, reporter_person=booking.person, reporter_name=booking.person.name)
    if open_matter:
        booking.matter = raise_matter(scope, title=booking.topic[:60], what=f"{booking.topic}\n{outcome}", level="compound",
                                      raised_for=booking.person)
    booking.outcome, booking.outcome_at, booking.status = outcome, timezone.now(), Booking.Status.DONE
    booking.save(update_fields=["outcome", "outcome_at", "status", "case", "matter"])
    return booking
