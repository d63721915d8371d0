"""Issue 14, fix 2: the demo's inboxes look like a real week (a handful unread), not every event the build made."""

import datetime

import pytest
from django.utils import timezone

import linli.demo as demo
from linli.core.models import OutboxMessage
from linli.demo import inbox
from linli.people.models import Account


def _unread(username):
    return OutboxMessage.objects.filter(recipient__username=username, channel="inapp", read_at__isnull=True).count()


@pytest.mark.django_db
def test_demo_accounts_start_with_a_handful_of_unread_messages():
    demo.build(verbosity=0, residents=400)
    for username in ("resident", "secretary", "staff1", "grid1", "leader01"):
        assert _unread(username) <= inbox.KEEP, username
    assert 1 <= _unread("resident") and 1 <= _unread("secretary")  # something to read, not nothing
    # nothing removed: the rest is there, read
    assert OutboxMessage.objects.filter(recipient__username="secretary", read_at__isnull=False).count() > 0
    week_ago = timezone.now() - datetime.timedelta(days=inbox.DAYS)
    assert not OutboxMessage.objects.filter(channel="inapp", read_at__isnull=True, created_at__lt=week_ago).exists()
    assert Account.objects.filter(username="secretary").exists()
