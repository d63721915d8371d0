"""Issue 14, fix 4: the report forms carry a one-time key; a second submit of the same form shows the first case,
and two submits at once make one case (the unique key decides)."""

import re

from django.urls import reverse

from linli.cases import services
from linli.cases.models import Case, CaseEvent
from linli.cases.services import intake

from .test_pages import client_for, sc


def _key(html: str) -> str:
    return re.search(r'name="intake_key" value="([0-9a-f]{32})"', html).group(1)


def test_a_repeated_submit_shows_the_first_case(client, world, cats):
    c = client_for(client, world, "resident")
    key = _key(c.get(reverse("cases:report")).content.decode())
    assert key != _key(c.get(reverse("cases:report")).content.decode())  # one key per form shown
    data = {"place": "home", "description": "楼上渗水，卫生间天花板一直滴水", "category": "home.leak", "intake_key": key}
    first = c.post(reverse("cases:report"), data)
    again = c.post(reverse("cases:report"), data, follow=True)
    case = Case.objects.get()
    assert first.url == reverse("cases:case", args=[case.pk])
    assert again.redirect_chain[-1][0] == reverse("cases:case", args=[case.pk])
    html = again.content.decode()
    assert case.number in html and "未重复提交" in html
    assert CaseEvent.objects.filter(case=case, action="submit").count() == 1
    # a new form (new key) is a new report
    data["intake_key"] = _key(c.get(reverse("cases:report")).content.decode())
    c.post(reverse("cases:report"), data)
    assert Case.objects.count() == 2


def test_the_quick_report_and_the_hotline_carry_the_key_too(client, world, cats):
    gw = client_for(client, world, "grid_worker")
    key = _key(gw.get(reverse("cases:quick")).content.decode())
    data = {"description": "路灯不亮，晚上很黑", "category": "home.leak", "lat": 40.0815, "lng": 113.3015, "intake_key": key}
    assert gw.post(reverse("cases:quick"), data).status_code == 302
    assert gw.post(reverse("cases:quick"), data).status_code == 302
    assert Case.objects.count() == 1
    desk = client_for(client, world, "community_staff")
    key = _key(desk.get(reverse("cases:hotline")).content.decode())
    data = {"reporter_phone": "13800000001", "reporter_name": "王建国", "place": "home", "description": "楼道灯坏了",
            "category": "env.clutter", "intake_key": key}
    assert desk.post(reverse("cases:hotline"), data).status_code == 302
    assert desk.post(reverse("cases:hotline"), data).status_code == 302
    assert Case.objects.count() == 2
    # the key is per account: another account's form with the same key is its own report
    other = client_for(client, world, "grid_worker_2")
    data = {"description": "路灯不亮，晚上很黑", "category": "home.leak", "lat": 40.0815, "lng": 113.3015, "intake_key": key}
    assert other.post(reverse("cases:quick"), data).status_code == 302
    assert Case.objects.count() == 3


def test_two_submits_at_once_make_one_case(world, cats, monkeypatch):
    """The race: both submits pass the first look-up before either has saved; the unique key refuses the second
    insert and the second submit returns the first case."""
    scope = sc(world, "resident")
    args = dict(source="resident", description="楼上渗水，卫生间天花板一直滴水", category="home.leak",
                dwelling=world.dwellings["A1-101"], intake_key="7:" + "a" * 32)
    first = services.submit(scope, **args)
    real = intake._made_with
    calls = []

    def missed_once(key):
        calls.append(key)
        return None if len(calls) == 1 else real(key)  # the first look-up ran before the other submit saved
    monkeypatch.setattr(intake, "_made_with", missed_once)
    second = services.submit(scope, **args)
    assert second.pk == first.pk and second.repeated and len(calls) == 2
    assert Case.objects.count() == 1 and CaseEvent.objects.filter(action="submit").count() == 1
