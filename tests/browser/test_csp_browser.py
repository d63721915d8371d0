"""The Content-Security-Policy (no inline script) breaks no page: chromium reports zero CSP violations
while the main pages load and run their scripts (issue 13, point 5)."""

import datetime

import pytest
from django.utils import timezone

from linli.cases import services as cases
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture: the case categories)
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD
from linli.volunteers import services as volunteers

from .conftest import DESKTOP, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_csp(page):
    page.csp = []
    page.on("console", lambda msg: ("Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text) and page.csp.append(msg.text))
    return page


def test_main_pages_run_with_zero_csp_violations(world, cats, open_page):  # noqa: F811
    case = cases.submit(system(), source="hotline", description="二号楼门口污水外溢", category="env.sewage", lat=40.0811, lng=113.3031)
    staff = resolve(world.accounts["community_staff"])
    now = timezone.now()
    act = volunteers.create_activity(staff, world.a, title="学雷锋志愿服务月义诊", place="社区党群服务站", kind="clinic",
                                     starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=2), capacity=5)

    page = _watch_csp(open_page(DESKTOP))
    page.goto(page.base + "/login/")
    sign_in(page, "community_secretary", PASSWORD)
    visited = {}
    for path, ready in (
        ("/", "main"),
        ("/map/", "#map[data-loaded]"),
        (f"/cases/{case.pk}/", "#case-map .leaflet-pane"),
        ("/cases/hotline/", "#picker .leaflet-pane"),
        (f"/board/{world.a.pk}/", "#board-map .leaflet-pane"),
        (f"/volunteers/activities/{act.pk}/", "main h1"),
        ("/patrols/map/", "#map[data-loaded]"),
    ):
        response = page.goto(page.base + path)
        visited[path] = response.status
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], (path, csp)
        if response.status == 200:
            page.wait_for_selector(ready, state="attached")
    assert page.csp == [], page.csp
    assert not page.errors, page.errors
    assert visited["/"] == 200 and visited["/map/"] == 200 and visited[f"/cases/{case.pk}/"] == 200, visited
