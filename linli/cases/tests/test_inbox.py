"""Issue 14, fix 2: /messages/ says what its buttons do, has a header on every column, and marks all of the caller's
messages read in one POST (CSRF), never anyone else's."""

import re

from django.test import Client
from django.urls import reverse

from linli.core.models import OutboxMessage

from .test_pages import client_for, leak, sc
from linli.cases import services


def _unread(account):
    return OutboxMessage.objects.filter(recipient=account, channel="inapp", read_at__isnull=True).count()


def test_inbox_buttons_say_what_they_do_and_mark_all_read_is_the_callers(client, world, cats):
    case = leak(world)
    services.accept(sc(world, "micro_grid_worker"), case)  # a second message for the resident
    leak(world, description="厨房水管渗水，墙面发霉")
    resident, worker = world.accounts["resident"], world.accounts["micro_grid_worker"]
    assert _unread(resident) >= 3 and _unread(worker) >= 1
    html = client_for(client, world, "resident").get(reverse("cases:inbox")).content.decode()
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert re.findall(r"<th>([^<]*)</th>", head) == ["消息", "时间", "操作"]
    buttons = re.findall(r'class="btn secondary open-message"[^>]*>([^<]*)</button>', html)
    assert buttons and set(buttons) == {"已读并打开"}, buttons
    assert "未完成" not in html
    # mark all read: needs the CSRF token, and touches only the caller's messages
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(resident)
    assert strict.post(reverse("cases:inbox_read"), {"all": "1"}).status_code == 403
    assert _unread(resident) >= 3
    assert 'id="mark-all-read"' in html and 'name="all" value="1"' in html
    page = client_for(client, world, "resident")
    assert page.post(reverse("cases:inbox_read"), {"id": "x"}).status_code == 302 and _unread(resident) >= 3  # junk marks nothing
    r = page.post(reverse("cases:inbox_read"), {"all": "1"})
    assert r.status_code == 302 and r.url == reverse("cases:inbox")
    assert _unread(resident) == 0 and _unread(worker) >= 1
    html = page.get(reverse("cases:inbox")).content.decode()
    assert 'id="mark-all-read"' not in html
    assert set(re.findall(r'class="btn secondary open-message"[^>]*>([^<]*)</button>', html)) == {"打开"}
