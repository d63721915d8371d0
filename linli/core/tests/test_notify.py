"""The outbox against real transports: an SMTP server and an HTTP gateway on loopback."""

import datetime
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from linli.core import notify
from linli.core.models import OutboxMessage

Status = OutboxMessage.Status


class _Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    box = _Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks readiness by connecting, so it needs a real port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.LINLI_MAIL_ENABLED = True
    yield box
    controller.stop()


@pytest.fixture
def gateway(settings):
    received = []
    state = {"fail": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state["fail"] > 0:
                state["fail"] -= 1
                self.send_response(503)
                self.end_headers()
                return
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LINLI_WEBHOOK_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.LINLI_WEBHOOK_SECRET = "gateway-secret"
    yield received, state
    server.shutdown()


def _with_email(account, address):
    account.email = address
    account.save(update_fields=["email"])
    return account


def test_one_message_per_event_and_recipient_and_mail_goes_out(world, smtp):
    gw = _with_email(world.accounts["grid_worker"], "gw@example.org")
    staff = _with_email(world.accounts["community_staff"], "staff@example.org")
    assert notify.notify("case:1:assigned", [gw, staff, gw], subject="新案件 A-1", body="请及时处理", link="/cases/1/") == 4
    assert notify.notify("case:1:assigned", [gw, staff], subject="新案件 A-1") == 0  # repeated: nothing new
    assert OutboxMessage.objects.filter(event_key="case:1:assigned").count() == 4
    assert notify.inbox(gw).count() == 1
    assert notify.deliver_due() == 2
    assert notify.deliver_due() == 0
    assert sorted(r for _, rcpts, _ in smtp.messages for r in rcpts) == ["gw@example.org", "staff@example.org"]
    assert all("/cases/1/" in content for _, _, content in smtp.messages)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_rolled_back_change_sends_nothing(world, smtp):
    gw = _with_email(world.accounts["grid_worker"], "gw@example.org")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            notify.notify("case:2:assigned", [gw], subject="x")
            raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert notify.deliver_due() == 0 and smtp.messages == []


def test_mail_server_down_retries_with_backoff_then_fails(world, settings):
    settings.LINLI_MAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    settings.LINLI_OUTBOX_MAX_ATTEMPTS = 3
    gw = _with_email(world.accounts["grid_worker"], "gw@example.org")
    notify.notify("case:3:overdue", [gw], subject="逾期")
    msg = OutboxMessage.objects.get(channel="email")
    assert notify.deliver_due() == 1
    msg.refresh_from_db()
    assert (msg.status, msg.attempts) == (Status.PENDING, 1) and msg.last_error
    assert msg.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert notify.deliver_due() == 0  # not due yet
    for expected in (2, 3):
        OutboxMessage.objects.filter(pk=msg.pk).update(next_attempt_at=timezone.now())
        notify.deliver_due()
        msg.refresh_from_db()
        assert msg.attempts == expected
    assert msg.status == Status.FAILED


def test_webhook_is_signed_and_retried(world, gateway, settings):
    received, state = gateway
    state["fail"] = 1
    resident = world.accounts["resident"]
    notify.notify("case:4:resolved", [resident], subject="您的诉求已办结", payload={"case": "A-4"})
    hook = OutboxMessage.objects.get(channel="webhook")
    notify.deliver_due()
    hook.refresh_from_db()
    assert hook.status == Status.PENDING and "503" in hook.last_error and received == []
    OutboxMessage.objects.filter(pk=hook.pk).update(next_attempt_at=timezone.now())
    notify.deliver_due()
    hook.refresh_from_db()
    assert hook.status == Status.SENT and len(received) == 1
    headers, body = received[0]
    assert headers["X-Linli-Signature"] == notify.sign(body, "gateway-secret")
    assert headers["X-Linli-Signature"] != notify.sign(body, "another-secret")
    data = json.loads(body)
    assert data["phone"] == world.persons["a1"].phone and data["payload"] == {"case": "A-4"}


def test_a_claimed_message_is_not_sent_twice(world, smtp):
    """Two workers see the same due message: only the one whose claim succeeds sends it."""
    gw = _with_email(world.accounts["grid_worker"], "gw@example.org")
    notify.notify("case:5:assigned", [gw], subject="x")
    msg = OutboxMessage.objects.get(channel="email")
    now = timezone.now()
    first = notify._claim(msg.pk, now)
    second = notify._claim(msg.pk, now)
    assert first is not None and second is None
    assert notify.deliver_due() == 0  # leased
    notify.deliver(first)
    assert len(smtp.messages) == 1


def test_inbox_read_marks(world):
    gw = world.accounts["grid_worker"]
    notify.notify("e1", [gw], subject="一")
    notify.notify("e2", [gw], subject="二")
    assert notify.inbox(gw, unread_only=True).count() == 2
    first = notify.inbox(gw).get(event_key="e1")
    assert notify.mark_read(gw, [first.pk]) == 1
    assert list(notify.inbox(gw, unread_only=True).values_list("event_key", flat=True)) == ["e2"]
    # another person's message cannot be marked through my inbox
    other = world.accounts["community_staff"]
    notify.notify("e3", [other], subject="三")
    theirs = notify.inbox(other).get()
    assert notify.mark_read(gw, [theirs.pk]) == 0
