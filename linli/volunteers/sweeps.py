"""The worker's volunteer sweeps: charity-shop reservations not collected in time are cancelled and refunded.
Each row is handled in its own transaction whose condition re-checks that it is still due."""

import datetime

from django.utils import timezone

from linli.core.worker import sweep

from . import services
from .models import Redemption

BATCH = 100


@sweep("volunteer_reservations")
def expire_reservations() -> int:
    now = timezone.now()
    due = (Redemption.objects.filter(status=Redemption.Status.RESERVED, at__lte=now - datetime.timedelta(days=services.RESERVATION_DAYS))
           .order_by("at", "id").values_list("pk", flat=True)[:BATCH])
    return sum(services.expire_reservation(pk, now) for pk in list(due))
