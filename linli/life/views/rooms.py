"""Pages: rooms and facilities — the list, a room's week and booking form (once or weekly), its iCalendar feed,
my bookings (cancel, check in), the staff's approvals."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.models import Organization
from linli.people.scopes import for_request

from .. import ics, queries, services
from ..models import Booking
from ..queries import Event
from ..services._common import org_ids
from ._common import community_of, parse_moment, run


@login_required
def rooms(request):
    scope = for_request(request)
    return render(request, "life/rooms.html", {"rooms": queries.rooms(scope), "community": community_of(request),
                                               "approvals": queries.approvals(scope).count()})


@login_required
def room_detail(request, pk):
    scope = for_request(request)
    room = queries.room(scope, pk)
    if request.method == "POST":
        p = request.POST
        org = Organization.objects.filter(pk=p.get("organization") or 0).first() if p.get("organization") else None

        def go():
            start = parse_moment(p.get("starts_at"), "starts_at", _("Starts"))
            try:
                minutes = int(p.get("minutes") or 0)
            except ValueError:
                raise ValidationError({"minutes": _("Length: enter a whole number of minutes.")}) from None
            if (p.get("repeat") or "1") not in ("", "1"):
                return services.book_recurring(scope, room, first_starts_at=start, minutes=minutes, count=p.get("repeat"), title=p.get("title", ""),
                                               organization=org, public=bool(p.get("public")))
            return services.book(scope, room, starts_at=start, ends_at=start + datetime.timedelta(minutes=minutes), title=p.get("title", ""),
                                 organization=org, public=bool(p.get("public")))
        if run(request, go, _("Booked.")) is not None:
            return redirect("life:my_bookings")
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0)))
    return render(request, "life/room.html", {
        "room": room, "bookings": queries.room_bookings(room, start, start + datetime.timedelta(days=14)),
        "orgs": Organization.objects.filter(pk__in=sorted(org_ids(scope))), "post": request.POST})


def room_ics(request, pk):
    """The room's feed: times only (who booked is not published), public events named."""
    scope = for_request(request)
    room = queries.room(scope, pk)
    since = timezone.now() - datetime.timedelta(days=30)
    events = [Event("room", b.title if b.public else _("Booked"), b.starts_at, b.ends_at, room.name, "", f"booking-{b.pk}")
              for b in queries.room_bookings(room, since, since + datetime.timedelta(days=400))]
    return HttpResponse(ics.calendar(room.name, events, request.get_host()), content_type="text/calendar; charset=utf-8")


@login_required
def my_bookings(request):
    scope = for_request(request)
    return render(request, "life/my_bookings.html", {"bookings": queries.my_bookings(scope), "now": timezone.now()})


@login_required
@require_POST
def booking_action(request, pk, action):
    scope = for_request(request)
    booking = get_object_or_404(Booking, pk=pk)
    if action == "cancel":
        run(request, lambda: services.cancel_booking(scope, booking), _("The booking is cancelled."))
    elif action == "check_in":
        run(request, lambda: services.check_in(scope, booking), _("Checked in."))
    elif action in ("approve", "reject"):
        run(request, lambda: services.decide_booking(scope, booking, action == "approve"), _("Decided."))
        return redirect("life:approvals")
    return redirect("life:my_bookings")


@login_required
def approvals(request):
    scope = for_request(request)
    return render(request, "life/approvals.html", {"bookings": queries.approvals(scope).order_by("starts_at")})
