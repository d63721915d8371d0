"""The cockpit in a browser (issue 15): the community secretary opens it, switches the period and the grouping,
drills from a grid's satisfaction rate to the cases behind it; the map shows the cases as points or as a heat layer;
the charts draw (ECharts, vendored), the page is
Chinese, no script error, no CSP violation (script-src 'self'), and nothing overflows a 390 px phone."""

import pytest

from linli.evaluation.tests.conftest import dataset  # noqa: F401  (fixture: the fixed dataset with its hand tables)
from linli.testing.world import PASSWORD

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page):
    page.csp = []
    page.on("console", lambda msg: ("Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text) and page.csp.append(msg.text))
    return page


def _overflow(page) -> int:
    """How far the page is wider than the viewport (px): 0 when nothing sticks out."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("viewport,name", [(DESKTOP, "1366"), (PHONE, "390")])
def test_secretary_switches_period_and_grouping_and_drills_to_the_cases(dataset, open_page, shoot, viewport, name):  # noqa: F811
    from linli.cases.models import Case

    Case.objects.filter(pk__in=[c.pk for c in dataset.cases.values()]).update(lat=40.0811, lng=113.3031)  # points on the map
    page = _watch(open_page(viewport))
    sign_in(page, "community_secretary", PASSWORD)
    page.goto(page.base + "/cockpit/")
    assert "数字驾驶舱" in page.inner_text("h1")

    # the period: March 2025, where the dataset's cases lie
    page.fill("#ck-month", "2025-03")
    page.select_option("#ck-group", "community")
    page.click("#ck-filters button")
    page.wait_for_url("**/cockpit/?month=2025-03&group=community")
    assert "2025-03" in page.inner_text("h1")
    assert page.inner_text('#compare tr[data-key="%d"] td:first-child' % dataset.a.pk) == dataset.a.name
    assert page.inner_text('#kpis [data-rate="response_rate"] .ck-value') == "66.67%"
    assert "响应率" in page.inner_text("#kpis") and "满意率" in page.inner_text("#kpis")

    # the grouping: by grid
    page.select_option("#ck-group", "grid")
    page.click("#ck-filters button")
    page.wait_for_url("**/cockpit/?month=2025-03&group=grid")
    row = page.locator('#compare tr[data-key="%d"]' % dataset.grids["A1"].pk)
    assert row.count() == 1
    page.wait_for_selector('[data-chart="trend"][data-ready] svg')
    page.wait_for_selector('[data-chart="compare"][data-ready] svg')
    page.wait_for_selector('[data-chart="category"][data-ready] svg')
    page.wait_for_selector("#ck-map[data-case-count]")
    # the map's filters: by state, then by category
    total = int(page.get_attribute("#ck-map", "data-case-count"))
    assert total >= 1 and page.get_attribute("#ck-map", "data-shown") == str(total)
    page.select_option("#ck-map-status", "closed")
    assert page.get_attribute("#ck-map", "data-shown") == "0"  # the open ones hidden; March's closed are older than 90 days
    page.select_option("#ck-map-status", "")
    categories = page.locator("#ck-map-category option").all_inner_texts()
    assert len(categories) >= 2 and categories[0] == "全部"
    page.select_option("#ck-map-category", index=1)
    assert 1 <= int(page.get_attribute("#ck-map", "data-shown")) <= total
    page.select_option("#ck-map-category", "")
    # points → heat layer (a canvas over the base map, the same filtered cases) → points again
    assert page.get_attribute("#ck-map", "data-mode") == "points"
    page.check('input[name="ck-map-mode"][value="heat"]')
    assert page.get_attribute("#ck-map", "data-mode") == "heat" and page.locator("#ck-map .leaflet-interactive").count() == 0
    assert page.get_attribute("#ck-map canvas.ck-heat", "data-drawn") == str(total)
    page.select_option("#ck-map-status", "closed")
    assert page.get_attribute("#ck-map canvas.ck-heat", "data-drawn") == "0"
    page.select_option("#ck-map-status", "")
    page.locator("#ck-map").scroll_into_view_if_needed()
    shoot(page, f"cockpit-heat-{name}", full_page=False)
    page.check('input[name="ck-map-mode"][value="points"]')
    assert page.locator("#ck-map canvas.ck-heat").count() == 0 and page.get_attribute("#ck-map", "data-shown") == str(total)
    page.wait_for_timeout(300)  # the charts' entrance animation
    assert _overflow(page) <= 1, f"the page is {_overflow(page)} px wider than the {viewport['width']} px viewport"
    # every chart is at least as wide as most of its column and tall enough to read
    for chart in page.locator("[data-chart]").all():
        box = chart.bounding_box()
        assert box["width"] >= min(300, viewport["width"] - 60) and box["height"] >= 220, box
    shoot(page, f"cockpit-{name}")

    # drill from grid A1's satisfaction rate to the cases behind it
    row.locator('a[data-drill="satisfaction_rate"]').click()
    page.wait_for_url("**/evaluation/cases/?**")
    assert "2 / 3" in page.inner_text("#drill-summary")
    numbers = page.locator("#drill tbody tr td:first-child").all_inner_texts()
    assert numbers == [dataset.cases["c1"].number, dataset.cases["c2"].number]
    assert "满意率" in page.inner_text("h1") and "评价" in page.inner_text("#drill thead")
    assert _overflow(page) <= 1
    shoot(page, f"cockpit-drill-{name}")

    assert not page.errors, page.errors
    assert not page.csp, page.csp
