"""Each role signs in and finds on its home the work seeded for it, in deadline order (overdue first), at 390 and
1,366 px (issue 14: "the home of each role is its workbench"): the grid worker a case to respond to and a care visit
due, the department contact a summons to report in, the resident a vote and a result to rate, the community staff
the triage queue; the navigation counts the same tasks."""

import datetime

import pytest
from django.utils import timezone

from linli.cases.models import Case
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture)
from linli.cases.tests.test_workbench import bench_world  # noqa: F401  (fixture: one case of each kind)
from linli.meetings.models import Matter, RollEntry, Vote
from linli.patrols.models import CareVisit, VisitRule
from linli.people import services as people
from linli.people.scopes import system
from linli.testing.world import PASSWORD

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(world, bench_world):  # noqa: F811
    w, c, now = world, bench_world, timezone.now()
    today = timezone.localdate()
    # a care visit due in two days and one overdue, for the micro-grid worker (who also holds the cases to respond to)
    rule = VisitRule.objects.create(community=w.a, name="独居老人每周", tag="living_alone", interval_days=7)
    visits = []
    for n, days in ((1, 2), (2, -2)):
        p = people.register_person(system(), dwelling=w.dwellings["A1-101"], name=f"走访对象{n}", since=datetime.date(2015, 1, 1))
        visits.append(CareVisit.objects.create(person=p, rule=rule, community=w.a, grid=w.grids["A1m"], building=p.dwelling.building,
                                               assigned_to=w.accounts["micro_grid_worker"], due_on=today + datetime.timedelta(days=days)))
    # the response to one case is overdue: it comes first
    Case.objects.filter(pk=c["respond"].pk).update(response_due=now - datetime.timedelta(hours=5))
    # a vote open for the resident's household
    matter = Matter.objects.create(community=w.a, title="加装电梯", what="1号楼加装电梯", raised_by=w.persons["a1"], status="voting")
    vote = Vote.objects.create(matter=matter, level=Vote.Level.COMMUNITY, unit=Vote.Unit.HOUSEHOLD, opens_at=now - datetime.timedelta(hours=1),
                               closes_at=now + datetime.timedelta(days=3), eligible=1)
    p = w.persons["a1"]
    RollEntry.objects.create(vote=vote, household_id=p.household_id, building=p.dwelling.building, label="1号楼 101")
    return {"visits": visits, "vote": vote, "matter": matter, **c}


EXPECT = {  # who: the keys that must be on their workbench (as data-key attributes), in this order where listed
    # the visit due the day before yesterday (end of day: at least 24 hours ago, whatever the hour) is older than the
    # response overdue by 5 hours; the visit in two days comes last
    "micro_grid_worker": lambda d: [f"visit:{d['visits'][1].pk}", f"case:{d['respond'].pk}:respond", f"visit:{d['visits'][0].pk}"],
    "department_contact": lambda d: [f"case:{d['whistle'].pk}:report_in:"],
    "resident": lambda d: [f"case:{d['rate'].pk}:rate", f"vote:{d['vote'].pk}:cast"],
    "community_staff": lambda d: [f"case:{d['triage'].pk}:triage"],
}


def _keys(page):
    return page.eval_on_selector_all("#tasks li.work", "els => els.map(e => e.dataset.key)")


def _dues(page):
    return page.eval_on_selector_all("#tasks li.work time.due", "els => els.map(e => e.getAttribute('datetime'))")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
@pytest.mark.parametrize("who", list(EXPECT))
def test_each_role_finds_its_work_on_its_home_in_deadline_order(world, seeded, open_page, shoot, who, viewport):
    page = open_page(viewport)
    page.goto(page.base + "/login/")
    sign_in(page, who, PASSWORD)
    page.goto(page.base + "/")
    page.wait_for_selector("#tasks")
    keys = _keys(page)
    wanted = EXPECT[who](seeded)
    found = []
    for prefix in wanted:
        match = [k for k in keys if k == prefix or (prefix.endswith(":") and k.startswith(prefix))]
        assert match, (who, prefix, keys)
        found.append(keys.index(match[0]))
    if who == "micro_grid_worker":  # overdue first, then by deadline
        assert found == sorted(found), (keys, wanted)
        for key in wanted[:2]:
            assert "overdue" in page.get_attribute(f'#tasks li[data-key="{key}"]', "class")
        assert "overdue" not in page.get_attribute(f'#tasks li[data-key="{wanted[2]}"]', "class")
    dues = [d for d in _dues(page) if d]
    overdue = [d for d in dues if datetime.datetime.fromisoformat(d) < datetime.datetime.now(datetime.timezone.utc)]
    assert dues[:len(overdue)] == sorted(overdue) and dues[len(overdue):] == sorted(dues[len(overdue):]), dues
    # the navigation counts the same tasks (the bar on a wide screen, the menu's summary on a phone)
    total = len(keys)
    if viewport is DESKTOP:
        assert page.inner_text('.mainnav a[data-nav="home"] .navcount') == str(total)
    else:
        assert str(total) in page.inner_text(".navmenu summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    if viewport is DESKTOP:  # every table of the home fits its box at 1,366 px (the population table was cut off)
        cut = page.eval_on_selector_all(".tablewrap", "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length")
        assert cut == 0
    shoot(page, f"workbench-{who}-{viewport['width']}")
    assert not page.errors, page.errors
