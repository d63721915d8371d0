import datetime

import pytest
from django.utils import timezone

from linli.cases.models import Case, CaseEvent
from linli.cases.tests.conftest import make_categories
from linli.core import roles
from linli.patrols.models import CareVisit, Patrol, PatrolStop, RectificationNotice, Reinspection, VisitRule
from linli.people import services as people
from linli.people.scopes import system
from linli.testing.world import PASSWORD

A = CaseEvent.Action


def at(month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(2025, month, day, hour, minute))


class Book:
    """Cases with hand-chosen timelines."""

    def __init__(self, world):
        self.world = world
        self.n = 0

    def case(self, created, *, community=None, grid="A1", building="A1", source="resident", category="leak"):
        self.n += 1
        w = self.world
        community = community or w.a
        return Case.objects.create(number=f"T{self.n:04d}", title=f"测试诉求{self.n}", description="…", source=source,
                                   community=community, subdistrict=community.subdistrict, grid=w.grids[grid],
                                   building=w.buildings.get(building), category=w.cats[category], created_at=created)

    def ev(self, case, action, when, actor=None, org=None, **data):
        for k, v in list(data.items()):
            if isinstance(v, datetime.datetime):
                data[k] = v.isoformat()
        return CaseEvent.objects.create(case=case, action=action, at=when, actor=actor, assignee_org=org, data=data)


@pytest.fixture
def dataset(world):
    """The fixed dataset of tests/test_scorecards.py (the hand tables are there)."""
    w = world
    s = system()
    w.cats = make_categories()
    gw, micro = w.accounts["grid_worker"], w.accounts["micro_grid_worker"]
    prop, police = w.orgs["property"], w.orgs["police"]
    b = Book(w)
    # c1: accepted exactly on the response deadline (on time), resolved exactly on the handling deadline by the property company, satisfied, closed
    c1 = b.case(at(3, 3))
    b.ev(c1, A.SUBMIT, at(3, 3))
    b.ev(c1, A.ASSIGN, at(3, 3, 9, 1), response_due=at(3, 3, 13), handling_due=at(3, 6, 18))
    b.ev(c1, A.ACCEPT, at(3, 3, 13), actor=gw)
    Case.objects.filter(pk=c1.pk).update(assignee_org=prop)  # the company holds it (and so reads it)
    b.ev(c1, A.RESOLVE, at(3, 6, 18), actor=gw, org=prop)  # exactly on the handling deadline: on time
    b.ev(c1, A.RATE, at(3, 6, 19), verdict="satisfied")
    b.ev(c1, A.CLOSE, at(3, 6, 19, 1), actor=w.accounts["resident"])
    # c2: accepted late, resolved exactly on the handling deadline, unsatisfied → reopened, resolved again, basic
    c2 = b.case(at(3, 10))
    b.ev(c2, A.SUBMIT, at(3, 10))
    b.ev(c2, A.ASSIGN, at(3, 10, 9, 1), response_due=at(3, 10, 10), handling_due=at(3, 12, 18))
    b.ev(c2, A.ACCEPT, at(3, 10, 11), actor=gw)
    b.ev(c2, A.RESOLVE, at(3, 12, 18), actor=gw)
    b.ev(c2, A.REOPEN, at(3, 13), verdict="unsatisfied", handling_due=at(3, 17, 18))
    b.ev(c2, A.RESOLVE, at(3, 14), actor=gw)
    b.ev(c2, A.RATE, at(3, 14, 12), verdict="basic")
    b.ev(c2, A.CLOSE, at(3, 14, 12, 1), actor=w.accounts["resident"])
    # c3: found on patrol, accepted on time by the micro-grid worker, never resolved, escalated and flagged overdue
    c3 = b.case(at(3, 20), source="patrol")
    b.ev(c3, A.SUBMIT, at(3, 20))
    b.ev(c3, A.ASSIGN, at(3, 20, 9, 1), response_due=at(3, 20, 12), handling_due=at(3, 25, 18))
    b.ev(c3, A.ACCEPT, at(3, 20, 11), actor=micro)
    b.ev(c3, A.ESCALATE, at(3, 26), response_due=at(3, 27, 12), handling_due=at(3, 28, 18))
    b.ev(c3, A.OVERDUE, at(3, 29))
    # c4 (February) and c6 (April): other periods; c5: community B, never accepted
    c4 = b.case(at(2, 27))
    b.ev(c4, A.SUBMIT, at(2, 27))
    b.ev(c4, A.ASSIGN, at(2, 27, 9, 1), response_due=at(2, 27, 13), handling_due=at(3, 3, 18))
    b.ev(c4, A.ACCEPT, at(2, 27, 10), actor=gw)
    c5 = b.case(at(3, 5), community=w.b, grid="B1", building="B1")
    b.ev(c5, A.SUBMIT, at(3, 5))
    b.ev(c5, A.ASSIGN, at(3, 5, 9, 1), response_due=at(3, 5, 13), handling_due=at(3, 8, 18))
    c6 = b.case(at(4, 2))
    b.ev(c6, A.SUBMIT, at(4, 2))
    b.ev(c6, A.ASSIGN, at(4, 2, 9, 1), response_due=at(4, 2, 13), handling_due=at(4, 7, 18))
    b.ev(c6, A.ACCEPT, at(4, 2, 10), actor=gw)
    b.ev(c6, A.RESOLVE, at(4, 3), actor=gw)
    b.ev(c6, A.RATE, at(4, 3, 12), verdict="satisfied")
    b.ev(c6, A.CLOSE, at(4, 3, 12, 1), actor=w.accounts["resident"])
    # whistles: police summoned three times (on time, late, missing), once still waiting
    from linli.cases.models import Summons, Whistle

    for case, status in [(c3, "on_time"), (c2, "late"), (c1, "missing"), (c3, "waiting")]:
        wh = Whistle.objects.create(case=case, blown_at=case.created_at + datetime.timedelta(hours=2),
                                    report_in_due=case.created_at + datetime.timedelta(hours=26), reason="联合处置")
        Summons.objects.create(whistle=wh, department=police, status=status)
    # care visits of the grid worker: on the due day, a day late, never
    rule = VisitRule.objects.create(community=w.a, name="独居老人", tag="living_alone", interval_days=30)
    for due, done in [((3, 10), at(3, 10, 17)), ((3, 15), at(3, 16, 9)), ((3, 20), None)]:
        CareVisit.objects.create(person=w.persons["a1"], rule=rule, community=w.a, grid=w.grids["A1"], assigned_to=gw,
                                 due_on=datetime.date(2025, *due), done_at=done)
    # patrols: building 1 (grid A1) visited in March; grid A1 holds building 1 only
    patrol = Patrol.objects.create(worker=gw, grid=w.grids["A1"], community=w.a, started_at=at(3, 4))
    PatrolStop.objects.create(patrol=patrol, grid=w.grids["A1"], community=w.a, building=w.buildings["A1"], at=at(3, 4, 10))
    # notices to the property company, re-inspected by the grid worker: on the deadline (fixed), two days late (fixed)
    for i, (deadline, done) in enumerate([((3, 18), at(3, 18, 16)), ((3, 25), at(3, 27, 10))], start=1):
        notice = RectificationNotice.objects.create(number=f"ZG-T{i}", community=w.a, grid=w.grids["A1"], responsible_name=prop.name,
                                                    responsible_org=prop, requirements="清理", deadline=datetime.date(2025, *deadline),
                                                    status="fixed")
        Reinspection.objects.create(notice=notice, inspector=gw, due_on=notice.deadline, done_at=done, outcome="fixed")
    # residents of the compound who answer the survey
    for key in ("a2", "a3"):
        w.accounts[key] = people.create_account(w.persons[key], key, PASSWORD)
    w.cases = {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6}
    return w
