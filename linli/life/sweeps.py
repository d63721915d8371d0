"""The worker's life sweeps. Each takes an optional `now` (tests run them on a fixed clock); each due row is
claimed by a conditional UPDATE, so two workers sweeping at once handle it once."""

from django.utils import timezone

from linli.core.worker import sweep

from . import services
from .models import OrderCycle


@sweep("life_cycles")
def close_cycles(now=None) -> int:
    """Order cycles whose cut-off has passed close (the seller is told)."""
    now = now or timezone.now()
    return sum(services.close_cycle(OrderCycle.objects.get(pk=pk), "cutoff", now) for pk in services.due_cycles(now))


@sweep("life_bookings")
def no_shows(now=None) -> int:
    """Confirmed bookings not checked in 15 minutes after their start become no-shows."""
    now = now or timezone.now()
    return sum(services.mark_no_show(pk, now) for pk in services.no_shows_due(now))


@sweep("life_tools")
def tools(now=None) -> int:
    """Ready holds not collected expire (the copy passes to the next in the queue); reminders before the due day
    and, while overdue, one a day."""
    now = now or timezone.now()
    n = sum(services.expire_hold(pk, now) for pk in services.holds_expired(now))
    return n + services.remind_before_due(now) + services.remind_overdue(now)
