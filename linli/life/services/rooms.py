"""Rooms and facilities: rules, bookings (single and weekly recurring), approval, check-in, no-show.

Never two bookings of one room at one time: every booking is written in a transaction that first locks the
room row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the transaction is BEGIN IMMEDIATE, one writer at a time)
and then checks for an overlapping booking that still holds its slot. Two people booking the last slot at
once: the second waits for the first's commit, sees its row and is refused."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.scopes import Scope

from ..models import Booking, BookingSeries, Room
from ._common import (_now, _text, _transition, actor, community_staff, is_staff_of, org_ids, person_of,
                      require_staff, site_language)

NO_SHOW_MINUTES = 15
MAX_REPEAT = 52


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def save_room(scope: Scope, community, *, name: str, kind: str = Room.Kind.ACTIVITY, opens=datetime.time(8), closes=datetime.time(21),
              max_minutes: int = 120, weekly_quota_minutes=None, needs_approval=False, residents_may_book=True,
              organisations_may_book=True, capacity=10, building=None, venue=None, description="", weekdays="1234567") -> Room:
    require_staff(scope, community.pk, _("Only the community's staff set up rooms."))
    name = _text(name, "name", pgettext("life", "Name"), maximum=100)
    if opens >= closes:
        raise ValidationError({"closes": _("Closes: after it opens.")})
    if int(max_minutes) < 15:
        raise ValidationError({"max_minutes": _("Longest booking: at least 15 minutes.")})
    if not weekdays or any(ch not in "1234567" for ch in weekdays):
        raise ValidationError({"weekdays": _("Open on weekdays: digits 1 (Monday) to 7 (Sunday).")})
    return Room.objects.create(community=community, name=name, kind=kind, opens=opens, closes=closes, max_minutes=int(max_minutes),
                               weekly_quota_minutes=weekly_quota_minutes, needs_approval=needs_approval,
                               residents_may_book=residents_may_book, organisations_may_book=organisations_may_book,
                               capacity=capacity, building=building, venue=venue, description=description, weekdays=weekdays)


def _week_of(moment) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00 (local time) of the week `moment` falls in."""
    local = timezone.localtime(moment)
    monday = datetime.datetime.combine(local.date() - datetime.timedelta(days=local.weekday()), datetime.time(0))
    start = timezone.make_aware(monday)
    return start, timezone.make_aware(monday + datetime.timedelta(days=7))


def _who(scope: Scope, room: Room, organization) -> tuple:
    """(person, organization) booking, or OutOfScope: staff always; an organisation's people for it; residents of the community."""
    person = person_of(scope)
    if is_staff_of(scope, room.community_id):
        return person, organization
    if organization is not None:
        if organization.pk not in org_ids(scope):
            raise OutOfScope(_("You may book only for an organisation you belong to."))
        if not room.organisations_may_book:
            raise ValidationError({"organization": _("Organisation: this room is not booked by organisations.")})
        return person, organization
    if person is None or person.community_id != room.community_id:
        raise OutOfScope(_("Only residents of the community book its rooms."))
    if not room.residents_may_book:
        raise ValidationError({"room": _("Room: booked by organisations and staff only.")})
    return person, None


def _check_rules(room: Room, starts_at, ends_at, now) -> None:
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Ends: after it starts.")})
    if starts_at < now:
        raise ValidationError({"starts_at": _("Starts: not in the past.")})
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes > room.max_minutes:
        raise ValidationError({"ends_at": _("Length: at most %(n)d minutes in %(room)s.") % {"n": room.max_minutes, "room": room.name}})
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date() and not (end.time() == datetime.time(0) and end.date() == start.date() + datetime.timedelta(days=1)):
        raise ValidationError({"ends_at": _("Ends: on the day it starts.")})
    if str(start.isoweekday()) not in room.weekdays:
        raise ValidationError({"starts_at": _("Starts: %(room)s is closed on that weekday.") % {"room": room.name}})
    if start.time() < room.opens or (end.time() > room.closes or (end.date() != start.date())):
        raise ValidationError({"starts_at": _("Time: outside the opening hours of %(room)s (%(opens)s–%(closes)s).")
                               % {"room": room.name, "opens": room.opens.strftime("%H:%M"), "closes": room.closes.strftime("%H:%M")}})


def _overlap(room_id, starts_at, ends_at):
    return Booking.objects.filter(room_id=room_id, state__in=Booking.HOLDING, starts_at__lt=ends_at, ends_at__gt=starts_at).first()


def _quota_left(room: Room, person, starts_at, extra_minutes=0):
    """Minutes this person has booked in the room in the week of `starts_at` (that week only)."""
    if room.weekly_quota_minutes is None or person is None:
        return
    start, end = _week_of(starts_at)
    used = sum(((b.ends_at - b.starts_at).total_seconds() / 60 for b in Booking.objects.filter(
        room=room, person=person, state__in=Booking.HOLDING, organization__isnull=True, starts_at__gte=start, starts_at__lt=end)), 0)
    if used + extra_minutes > room.weekly_quota_minutes:
        raise ValidationError({"starts_at": _("Quota: at most %(n)d minutes a week in %(room)s per person; %(used)d booked in the week of %(day)s.")
                               % {"n": room.weekly_quota_minutes, "room": room.name, "used": used,
                                  "day": timezone.localtime(start).strftime("%Y-%m-%d")}})


def book(scope: Scope, room: Room, *, starts_at, ends_at, title: str, organization=None, public=False, now=None) -> Booking:
    return _book_many(scope, room, [(starts_at, ends_at)], title=title, organization=organization, public=public, now=now)[0]


def book_recurring(scope: Scope, room: Room, *, first_starts_at, minutes: int, count: int, title: str, organization=None,
                   public=False, now=None) -> list[Booking]:
    """Every week at the same time, `count` times: all or none (a clash names its date)."""
    try:
        count, minutes = int(count), int(minutes)
    except (TypeError, ValueError):
        raise ValidationError({"count": _("Times: enter a whole number.")}) from None
    if not 2 <= count <= MAX_REPEAT:
        raise ValidationError({"count": _("Times: from 2 to %(n)d.") % {"n": MAX_REPEAT}})
    if minutes < 1:
        raise ValidationError({"minutes": _("Length: at least 1 minute.")})
    slots = []
    local = timezone.localtime(first_starts_at)
    for i in range(count):
        start = timezone.make_aware(datetime.datetime.combine(local.date() + datetime.timedelta(weeks=i), local.time()))
        slots.append((start, start + datetime.timedelta(minutes=minutes)))
    return _book_many(scope, room, slots, title=title, organization=organization, public=public, now=now, series=dict(
        weekday=local.isoweekday(), start_time=local.time(), minutes=minutes, count=count))


def _book_many(scope, room, slots, *, title, organization, public, now, series=None) -> list[Booking]:
    now = _now(now)
    if not room.active:
        raise ValidationError({"room": _("Room: not in use.")})
    person, organization = _who(scope, room, organization)
    title = _text(title, "title", _("Purpose"), minimum=2, maximum=120)
    for starts_at, ends_at in slots:
        _check_rules(room, starts_at, ends_at, now)
    staff = is_staff_of(scope, room.community_id)
    state = Booking.State.REQUESTED if room.needs_approval and not staff else Booking.State.CONFIRMED
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).first()  # the lock every booking of this room waits on
        weekly = {}
        for starts_at, ends_at in slots:
            clash = _overlap(room.pk, starts_at, ends_at)
            if clash is not None:
                raise ValidationError({"starts_at": _("Time: %(room)s is already booked %(from)s–%(to)s.")
                                       % {"room": room.name, "from": _fmt(clash.starts_at), "to": timezone.localtime(clash.ends_at).strftime("%H:%M")}})
            if organization is None and not staff:
                week = _week_of(starts_at)[0]
                weekly[week] = weekly.get(week, 0) + (ends_at - starts_at).total_seconds() / 60
                _quota_left(room, person, starts_at, weekly[week])
        row_series = BookingSeries.objects.create(room=room, title=title, created_by=actor(scope), **series) if series else None
        made = [Booking.objects.create(room=room, series=row_series, booked_by=actor(scope), person=person, organization=organization,
                                       title=title, starts_at=s, ends_at=e, public=bool(public), state=state, created_at=now)
                for s, e in slots]
        if state == Booking.State.REQUESTED:
            with site_language():
                subject = _("Booking to approve: %(room)s %(at)s") % {"room": room.name, "at": _fmt(slots[0][0])}
            notify.notify(f"life:booking:{made[0].pk}:requested", community_staff(room.community_id), subject=subject,
                          link="/life/rooms/approvals/")
    return made


def _own_or_staff(scope, booking: Booking) -> bool:
    account = actor(scope)
    return is_staff_of(scope, booking.room.community_id) or (account is not None and booking.booked_by_id == account.pk)


def decide_booking(scope: Scope, booking: Booking, approve: bool, now=None) -> Booking:
    require_staff(scope, booking.room.community_id, _("Only the community's staff approve bookings."))
    to = Booking.State.CONFIRMED if approve else Booking.State.REJECTED
    with transaction.atomic():
        if not _transition("booking", booking, to, "decide_booking", decided_by=actor(scope)):
            raise ValidationError({"state": _("Booking: decided by someone else just now.")})
        with site_language():
            subject = (_("Booking approved: %(room)s %(at)s") if approve else _("Booking refused: %(room)s %(at)s")) % {
                "room": booking.room.name, "at": _fmt(booking.starts_at)}
        notify.notify(f"life:booking:{booking.pk}:decided", [booking.booked_by], subject=subject, link="/life/rooms/mine/")
    return booking


def cancel_booking(scope: Scope, booking: Booking, now=None) -> Booking:
    if not _own_or_staff(scope, booking):
        raise OutOfScope(_("Only who booked it or the community's staff may cancel a booking."))
    _transition("booking", booking, Booking.State.CANCELLED, "cancel_booking")
    return booking


def check_in(scope: Scope, booking: Booking, now=None) -> Booking:
    now = _now(now)
    if not _own_or_staff(scope, booking):
        raise OutOfScope(_("Only who booked it or the community's staff may check in."))
    if now < booking.starts_at - datetime.timedelta(minutes=30) or now > booking.ends_at:
        raise ValidationError({"checked_in_at": _("Check-in: from 30 minutes before the start until the end.")})
    _transition("booking", booking, Booking.State.CHECKED_IN, "check_in", checked_in_at=now)
    return booking


def no_shows_due(now) -> list[int]:
    return list(Booking.objects.filter(state=Booking.State.CONFIRMED, starts_at__lte=now - datetime.timedelta(minutes=NO_SHOW_MINUTES))
                .values_list("pk", flat=True)[:200])


def mark_no_show(booking_id: int, now=None) -> bool:
    """Not checked in 15 minutes after the start: the slot counts as a no-show (once)."""
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None or booking.state != Booking.State.CONFIRMED:
        return False
    return _transition("booking", booking, Booking.State.NO_SHOW, "mark_no_show")
