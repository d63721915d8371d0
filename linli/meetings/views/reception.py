"""书记接待日 reception day: the slots, booking and cancelling a seat, the host's outcome."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.scopes import for_request

from .. import queries, services
from ..models import Booking
from .common import _dt, _errors, _my_community

SLOTS_PAGE = 20  # reception slots a page, each a card with its bookings


# ---------------------------------------------------------------- reception day

@login_required
def reception(request, errors=None, status=200):
    scope = for_request(request)
    staff = queries.is_staff(scope)
    now = timezone.now()
    page = Paginator(queries.reception_slots(scope).filter(ends_at__gte=now - datetime.timedelta(days=30)), SLOTS_PAGE) \
        .get_page(request.GET.get("page"))
    slots = list(page.object_list)
    person = services.person_of(scope)
    for s in slots:
        live = [b for b in s.bookings.all() if b.status != "cancelled"]
        s.free = s.capacity - len(live)
        s.mine = next((b for b in live if person is not None and b.person_id == person.pk), None)
        s.live = live
    return render(request, "meetings/reception.html", {"slots": slots, "page_obj": page, "staff": staff, "errors": errors or [], "now": now,
                                                       "may_book": person is not None and person.dwelling_id is not None}, status=status)


@login_required
@require_POST
def reception_publish(request):
    scope = for_request(request)
    community = _my_community(scope)
    p = request.POST
    try:
        starts, ends = _dt(p.get("starts_at")), _dt(p.get("ends_at"))
        if starts in (None, "bad") or ends in (None, "bad"):
            raise ValidationError({"starts_at": _("Time: required.")})
        if community is None:
            raise PermissionDenied
        services.publish_slot(scope, community=community, starts_at=starts, ends_at=ends, place=p.get("place", ""), capacity=p.get("capacity") or 1)
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("Reception slot published."))
    return redirect("meetings:reception")


@login_required
@require_POST
def reception_book(request, slot_id):
    scope = for_request(request)
    slot = get_object_or_404(queries.reception_slots(scope), pk=slot_id)
    try:
        services.book(scope, slot, request.POST.get("topic", ""))
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("Booked. The secretary will see you then."))
    return redirect("meetings:reception")


@login_required
@require_POST
def reception_cancel(request, booking_id):
    scope = for_request(request)
    booking = get_object_or_404(Booking.objects.filter(slot__in=queries.reception_slots(scope)), pk=booking_id)
    try:
        services.cancel_booking(scope, booking)
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("The booking is cancelled; the seat is free again."))
    return redirect("meetings:reception")


@login_required
@require_POST
def reception_outcome(request, booking_id):
    scope = for_request(request)
    booking = get_object_or_404(Booking.objects.filter(slot__in=queries.reception_slots(scope)), pk=booking_id)
    p = request.POST
    try:
        services.record_outcome(scope, booking, p.get("outcome", ""), open_case=p.get("open_case") == "on", open_matter=p.get("open_matter") == "on")
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("Outcome recorded."))
    return redirect("meetings:reception")
