"""Notifications through the transactional outbox.

`notify()` is called inside the transaction of the change it announces, so a message exists
if and only if the change was committed. Each (event, channel, recipient) is one row — the
unique constraint makes a repeated call a no-op, so one event never reaches a person twice
on one channel.

In-app messages are delivered by being stored. E-mail (SMTP) and the webhook (a signed JSON
POST to an SMS/WeChat gateway) are sent by the worker's "outbox" sweep: a message is claimed
by moving its next attempt into the future (a lease), so a worker killed mid-send leaves it to
be retried after the lease, never lost; failures retry with exponential backoff until
LINLI_OUTBOX_MAX_ATTEMPTS, then the message is marked failed with the last error.
"""

import datetime
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .scrub import scrub
from .inserts import new_instance
from .models import OutboxMessage
from .worker import sweep

log = logging.getLogger("linli.notify")

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status
LEASE = datetime.timedelta(minutes=5)
BATCH = 50


def channels_for(account) -> list[str]:
    channels = [Channel.INAPP]
    if settings.LINLI_MAIL_ENABLED and getattr(account, "email", ""):
        channels.append(Channel.EMAIL)
    if settings.LINLI_WEBHOOK_URL and getattr(account, "person_id", None):
        channels.append(Channel.WEBHOOK)
    return channels


def messages(event_key: str, recipients: Iterable, *, subject: str, body: str = "", link: str = "",
             payload: dict | None = None, now=None) -> list[OutboxMessage]:
    """The unsaved rows notify() would queue: one per recipient per channel. A use case that writes a new event
    (whose key no row can hold yet) inserts them with its other rows in one bulk_create, reading nothing."""
    now = now or timezone.now()
    rows = []
    seen = set()
    for account in recipients:
        if account is None or account.pk in seen or not account.is_active:
            continue
        seen.add(account.pk)
        for channel in channels_for(account):
            rows.append(new_instance(
                OutboxMessage, event_key=event_key, channel=channel, recipient=account,
                address=account.email if channel == Channel.EMAIL else "",
                subject=str(subject)[:300], body=str(body), link=link, payload=payload or {},
                status=Status.SENT if channel == Channel.INAPP else Status.PENDING,
                sent_at=now if channel == Channel.INAPP else None, next_attempt_at=now,
            ))
    return rows


def notify(event_key: str, recipients: Iterable, *, subject: str, body: str = "", link: str = "",
           payload: dict | None = None) -> int:
    """Queue one message per recipient per channel for this event; returns how many are new."""
    rows = messages(event_key, recipients, subject=subject, body=body, link=link, payload=payload)
    if not rows:
        return 0
    # One read of what this event already queued, one insert; the unique constraint still
    # guards a concurrent second call (ignore_conflicts), which may then count a row as new.
    queued = set(OutboxMessage.objects.filter(event_key=event_key).values_list("channel", "recipient_id"))
    rows = [r for r in rows if (r.channel, r.recipient_id) not in queued]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# ---------------------------------------------------------------- in-app inbox

def inbox(account, unread_only: bool = False):
    qs = OutboxMessage.objects.filter(recipient=account, channel=Channel.INAPP)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def mark_read(account, message_ids: Iterable[int] | None = None) -> int:
    qs = inbox(account, unread_only=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=list(message_ids))
    return qs.update(read_at=timezone.now())


# ---------------------------------------------------------------- delivery

def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes, at most 6 hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_id: int, now) -> OutboxMessage | None:
    with transaction.atomic():
        claimed = OutboxMessage.objects.filter(
            pk=message_id, status=Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None  # another worker has it
    return OutboxMessage.objects.select_related("recipient__person").get(pk=message_id)


def sign(body: bytes, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.LINLI_WEBHOOK_SECRET).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


# E-mail and the SMS/WeChat gateway leave linli: subject and body pass the scrubber (phones, ID numbers,
# bank cards and e-mail addresses in free text are masked; the recipient's own address is the envelope's).
def _send_email(msg: OutboxMessage) -> None:
    text = scrub(msg.body)
    if msg.link:
        text = f"{text}\n\n{msg.link}" if text else msg.link
    send_mail(scrub(msg.subject), text, settings.DEFAULT_FROM_EMAIL, [msg.address], fail_silently=False)


def _send_webhook(msg: OutboxMessage) -> None:
    person = getattr(msg.recipient, "person", None)
    body = json.dumps({
        "id": msg.pk,
        "event": msg.event_key,
        "phone": person.phone if person else "",
        "subject": scrub(msg.subject),
        "body": scrub(msg.body),
        "link": msg.link,
        "payload": msg.payload,
    }, ensure_ascii=False).encode()
    request = urllib.request.Request(settings.LINLI_WEBHOOK_URL, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "X-Linli-Event": msg.event_key,
        "X-Linli-Message-Id": str(msg.pk),
        "X-Linli-Signature": sign(body),
    })
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise urllib.error.HTTPError(msg.link, response.status, "gateway refused", response.headers, None)


SENDERS = {Channel.EMAIL: _send_email, Channel.WEBHOOK: _send_webhook}


def deliver(msg: OutboxMessage) -> bool:
    try:
        SENDERS[msg.channel](msg)
    except Exception as exc:  # any failure is retried later; the error is kept
        attempts = msg.attempts + 1
        failed = attempts >= settings.LINLI_OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=msg.pk).update(
            attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            status=Status.FAILED if failed else Status.PENDING,
            next_attempt_at=timezone.now() + backoff(attempts),
        )
        log.warning("outbox %s (%s) attempt %s failed: %s", msg.pk, msg.channel, attempts, exc)
        return False
    OutboxMessage.objects.filter(pk=msg.pk).update(status=Status.SENT, sent_at=timezone.now(), attempts=msg.attempts + 1, last_error="")
    return True


@sweep("outbox")
def deliver_due(limit: int = BATCH) -> int:
    now = timezone.now()
    due = list(OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    handled = 0
    for pk in due:
        msg = _claim(pk, now)
        if msg is None:
            continue
        deliver(msg)
        handled += 1
    return handled
