"""The navigation's task counts come from each app's `workbench_counts` (COUNT queries), never from collecting the
workbench, and they equal the workbench's lists: for every account of the demo, per app, the number of tasks
`collect` lists. A page's navigation reads a fixed number of queries whatever the number of tasks."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import linli.demo as demo
from linli.cases.categories import seed_categories
from linli.people.models import Account
from linli.people.scopes import resolve
from linli.portal import workbench

pytestmark = pytest.mark.django_db


def _listed(scope, now) -> dict:
    found: dict = {}
    for item in workbench.collect(scope, now)["tasks"]:
        found[item.app] = found.get(item.app, 0) + 1
    return found


def test_every_demo_account_s_counts_equal_its_workbench_s_tasks():
    seed_categories()
    demo.build(verbosity=0, residents=400)
    now = timezone.now()
    accounts = list(Account.objects.filter(is_active=True).order_by("pk"))
    assert len(accounts) > 30
    totals: dict = {}
    for account in accounts:
        scope = resolve(account)
        listed = _listed(scope, now)
        assert workbench.counts(scope, now) == listed, account.username
        for app, n in listed.items():
            totals[app] = totals.get(app, 0) + n
    # the demo gives tasks in every app with a workbench, so each app's counter is held to its lists
    assert set(totals) >= {"cases", "patrols", "meetings", "volunteers"}, totals


@pytest.mark.parametrize("key", ["grid_worker", "community_staff", "resident"])
def test_a_page_counts_without_collecting_and_its_queries_do_not_grow_with_the_tasks(client, world, key):
    from linli.cases import services
    from linli.cases.models import Case

    seed_categories()
    client.force_login(world.accounts[key])
    url = reverse("cases:inbox")
    assert client.get(url).status_code == 200

    def measure():
        with mock.patch.object(workbench, "collect", side_effect=workbench.collect) as collect, \
                CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200 and collect.call_count == 0
        return len(ctx.captured_queries), r.content.decode()

    def report(i):  # cases waiting for the worker's response, the staff's triage; the resident watches them
        case = services.submit(resolve(world.accounts["resident"]), source="resident", description=f"楼道消防通道堆了杂物第{i}处",
                               category="fire.passage", dwelling=world.dwellings["A1-101"])
        if i % 2:
            Case.objects.filter(pk=case.pk).update(state="triage", category=None, assignee=None, response_due=None, handling_due=None)

    report(0)
    report(1)
    few, _page = measure()
    for i in range(2, 8):
        report(i)
    more, page = measure()
    assert more == few, (few, more)
    n = sum(workbench.counts(resolve(world.accounts[key])).values())
    assert n >= 4 or key != "community_staff"  # the triage queue's cases at least
    nav = page.split('data-nav="home"', 1)[1].split("</a>", 1)[0]
    assert (f'<span class="navcount">{n}</span>' in nav) if n else ("navcount" not in nav)
