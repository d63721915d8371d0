"""The demo's inboxes as after a real week: the demo makes months of cases, meetings and activities in one go, and
every step of them notified someone, so a new user met 24 unread messages as the resident and 140 as the secretary.
A person who used linli last week has read what is older than a week and most of the rest: settle() leaves each
account at most KEEP unread messages, the newest, all from the last DAYS days. Messages are marked read, never removed."""

import datetime

from django.db.models import Count
from django.utils import timezone

from linli.core.models import OutboxMessage

KEEP = 5
DAYS = 7


def settle(now: datetime.datetime | None = None) -> int:
    """Mark read what a week's reading would have; returns how many messages it marked."""
    now = now or timezone.now()
    inapp = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.INAPP, read_at__isnull=True)
    marked = inapp.filter(created_at__lt=now - datetime.timedelta(days=DAYS)).update(read_at=now)
    crowded = inapp.values("recipient_id").annotate(n=Count("id")).filter(n__gt=KEEP).values_list("recipient_id", flat=True)
    for recipient_id in list(crowded):
        keep = list(inapp.filter(recipient_id=recipient_id).order_by("-created_at", "-id").values_list("id", flat=True)[:KEEP])
        marked += inapp.filter(recipient_id=recipient_id).exclude(id__in=keep).update(read_at=now)
    return marked
