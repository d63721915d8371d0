"""The case-figures rollup stays the timelines' (refreshed from new steps, rebuilt per period, equal to the live
computation), the number of queries does not grow with cases or people, the indicators added after the first
hand tables (disputes resolved, register updates, meeting actions done on time) equal tables worked out by hand,
and the API's period is a start and a bounded number of days (what the schema says is answered).

Dataset: conftest.dataset (the hand tables of test_scorecards.py), March 2025, plus the records below.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.cases.models import Case, CaseEvent
from linli.evaluation import casefacts, queries, rollup, services, sweeps
from linli.evaluation.indicators import Period, SubjectRef
from linli.evaluation.models import CaseFact, RollupMark
from linli.evaluation.tests.conftest import Book, at
from linli.people.scopes import resolve, system

MARCH, APRIL = Period.month(2025, 3), Period.month(2025, 4)
A = CaseEvent.Action


def sc(world, key):
    return resolve(world.accounts[key], on=datetime.date(2025, 3, 31))


def rule(subject, rows):
    return services.publish_rule(system(), subject, [dict(zip(("code", "weight", "floor", "target"), r)) for r in rows],
                                 datetime.date(2025, 1, 1), allow_past=True)


# ---------------------------------------------------------------- the rollup is the timelines'
def test_a_new_step_moves_the_figures_even_when_bulk_created(dataset):
    staff = sc(dataset, "community_staff")
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (2, 3)
    c3 = dataset.cases["c3"]
    # bulk_create sends no signal: the rollup sees the step by its id, newer than the mark
    CaseEvent.objects.bulk_create([CaseEvent(case=c3, action=A.RESOLVE, at=at(3, 30), actor=dataset.accounts["micro_grid_worker"])])
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (3, 3)
    # a step after the end of April's case month changes April's figures only as of April's end
    c6 = dataset.cases["c6"]
    CaseEvent.objects.create(case=c6, action=A.REOPEN, at=at(4, 20), data={"verdict": "unsatisfied"})
    assert queries.totals(staff, APRIL)["rework_rate"] == 1.0  # resolved, then reopened within April
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (3, 3)


def test_a_step_after_the_month_does_not_change_that_month(dataset):
    staff = sc(dataset, "community_staff")
    CaseEvent.objects.create(case=dataset.cases["c3"], action=A.RESOLVE, at=at(4, 2), actor=dataset.accounts["micro_grid_worker"])
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (2, 3)


def test_rollup_rows_equal_the_live_computation_and_a_rebuild(dataset):
    cases = Case.objects.all()
    for period in (Period.month(2025, 2), MARCH, APRIL):
        stored = casefacts.rows(cases, period.start_dt, period.end_dt)
        live = casefacts._live(casefacts.window(cases, period.start_dt, period.end_dt), period.end_dt)
        assert stored == live and stored, period
    before = {f.case_id: [getattr(f, k) for k in rollup.FIELDS] for f in CaseFact.objects.all()}
    CaseFact.objects.all().delete()
    for period in (Period.month(2025, 2), MARCH, APRIL):
        rollup.rebuild(period.start_dt, period.end_dt)
    assert {f.case_id: [getattr(f, k) for k in rollup.FIELDS] for f in CaseFact.objects.all()} == before


def test_cases_without_a_row_are_filled_when_read(dataset):
    staff = sc(dataset, "community_staff")
    queries.totals(staff, MARCH)
    CaseFact.objects.filter(case=dataset.cases["c1"]).delete()  # e.g. a row lost: the window refills it
    assert queries.totals(staff, MARCH)["response_rate_parts"] == (2, 3)


def test_a_read_behind_a_backlog_recomputes_only_its_own_cases_and_the_worker_the_rest(dataset, monkeypatch):
    staff = sc(dataset, "community_staff")
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (2, 3)  # everything up to date, the mark at the top
    mark = RollupMark.objects.get(key=rollup.KEY).last_event_id
    c3, c5, c4 = dataset.cases["c3"], dataset.cases["c5"], dataset.cases["c4"]
    facts = {c.pk: CaseFact.objects.get(case=c).last_event_id for c in (c3, c5, c4)}
    monkeypatch.setattr(rollup, "INLINE", 1)  # a backlog: more cases with new steps than a read takes on
    resolved = CaseEvent.objects.create(case=c3, action=A.RESOLVE, at=at(3, 30), actor=dataset.accounts["micro_grid_worker"])
    other = CaseEvent.objects.create(case=c5, action=A.ACCEPT, at=at(3, 6), actor=dataset.accounts["grid_worker"])  # community B
    older = CaseEvent.objects.create(case=c4, action=A.RESOLVE, at=at(2, 28), actor=dataset.accounts["grid_worker"])  # February

    # community A's March: c3 is recomputed (the figure moves), c5 (another community) and c4 (another month) are not
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (3, 3)
    assert CaseFact.objects.get(case=c3).last_event_id == resolved.pk
    assert CaseFact.objects.get(case=c5).last_event_id == facts[c5.pk]
    assert CaseFact.objects.get(case=c4).last_event_id == facts[c4.pk]
    assert RollupMark.objects.get(key=rollup.KEY).last_event_id == mark  # the backlog stays the worker's
    assert queries.totals(staff, MARCH)["resolution_rate_parts"] == (3, 3)  # read again: nothing recomputed twice
    assert CaseFact.objects.get(case=c3).last_event_id == resolved.pk

    # the worker's refresh takes the rest, whatever its size, and moves the mark past every step
    assert rollup.refresh() == 2
    assert CaseFact.objects.get(case=c5).last_event_id == other.pk
    assert CaseFact.objects.get(case=c4).last_event_id == older.pk
    assert RollupMark.objects.get(key=rollup.KEY).last_event_id == max(resolved.pk, other.pk, older.pk)

    # under the limit a read catches up with everything, as before
    monkeypatch.setattr(rollup, "INLINE", 1000)
    again = CaseEvent.objects.create(case=c5, action=A.RESOLVE, at=at(3, 7), actor=dataset.accounts["grid_worker"])
    queries.totals(staff, MARCH)
    assert CaseFact.objects.get(case=c5).last_event_id == again.pk
    assert RollupMark.objects.get(key=rollup.KEY).last_event_id == again.pk


def test_the_sweep_refreshes_and_rebuilds_the_month_that_ended_once(dataset):
    assert sweeps.refresh_rollup(today=datetime.date(2025, 4, 1)) >= 6  # every case of the timelines, then March again
    assert RollupMark.objects.filter(key="rebuilt:2025-03").exists()
    assert sweeps.refresh_rollup(today=datetime.date(2025, 4, 2)) == 0


def test_a_non_month_period_reads_the_timelines(dataset):
    """03-01 … 03-13: c2 was reopened on 03-13 and not yet resolved again: resolved c1 only (c5 is community B)."""
    staff = sc(dataset, "community_staff")
    t = queries.totals(staff, Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 13)))
    assert t["reported"] == 2 and t["resolution_rate_parts"] == (2, 2) and t["satisfaction_rate_parts"] == (1, 1)
    t = queries.totals(staff, Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 14)))
    assert t["satisfaction_rate_parts"] == (1, 2) and t["rework_rate_parts"] == (1, 2)


def test_a_non_month_period_reads_the_rollup_where_a_timeline_ended_and_the_timelines_elsewhere(dataset, monkeypatch):
    cases = Case.objects.all()
    rollup.refresh()  # every row current: from here on fact_row runs only for what is computed from a timeline
    computed = []
    fact_row = rollup.fact_row
    monkeypatch.setattr(rollup, "fact_row", lambda case, events, until=None: computed.append(case.pk) or fact_row(case, events, until))
    c1, c2, c3 = dataset.cases["c1"], dataset.cases["c2"], dataset.cases["c3"]
    periods = [Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 13)), Period(datetime.date(2025, 2, 20), datetime.date(2025, 3, 20)),
               Period(datetime.date(2025, 3, 15), datetime.date(2025, 4, 30)), Period(datetime.date(2025, 1, 1), datetime.date(2026, 1, 1))]
    taken = {}
    for p in periods:
        computed.clear()
        got = casefacts.rows(cases, p.start_dt, p.end_dt)
        taken[p.start_dt.date(), p.end_dt.date()] = set(computed)
        assert got == casefacts._live(casefacts.window(cases, p.start_dt, p.end_dt), p.end_dt) and got, p
    # 03-01 … 03-13: c1's timeline ended on 03-06 (its row), c2's goes on to 03-14 (its timeline)
    assert c1.pk not in taken[datetime.date(2025, 3, 1), datetime.date(2025, 3, 13)]
    assert c2.pk in taken[datetime.date(2025, 3, 1), datetime.date(2025, 3, 13)]
    # a year: every timeline ended within its own month, so nothing is read from the timelines
    assert taken[datetime.date(2025, 1, 1), datetime.date(2026, 1, 1)] == set()
    assert c3.pk not in taken[datetime.date(2025, 3, 15), datetime.date(2025, 4, 30)]


# ---------------------------------------------------------------- queries do not grow with cases or people
def _more(dataset, n):
    """n more March cases of grid A1 with full timelines, and n more grid workers in community A."""
    from linli.core import roles
    from linli.people import services as people

    b = Book(dataset)
    b.n = 100 + CaseFact.objects.count() + Case.objects.count()
    for i in range(n):
        c = b.case(at(3, 11, 9, i))
        b.ev(c, A.SUBMIT, at(3, 11, 9, i))
        b.ev(c, A.ASSIGN, at(3, 11, 9, i), response_due=at(3, 11, 13), handling_due=at(3, 14, 18))
        b.ev(c, A.ACCEPT, at(3, 11, 10, i), actor=dataset.accounts["grid_worker"])
        b.ev(c, A.RESOLVE, at(3, 12, 10, i), actor=dataset.accounts["grid_worker"])
        b.ev(c, A.RATE, at(3, 12, 11, i), verdict="satisfied")
        p = people.register_person(system(), community=dataset.a, name=f"网格员{Case.objects.count()}", phone=f"1371{Case.objects.count():07d}")
        people.appoint(system(), p, roles.GRID_WORKER, dataset.grids["A2"], starts_on=datetime.date(2020, 1, 1))
        people.create_account(p, f"gw{Case.objects.count()}", "x-linli-test-pass")


def _count(fn):
    fn()  # the first read refreshes the rollup for what is new
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("what", ["totals", "rates_by", "grid_worker", "department", "community", "cockpit"])
def test_queries_do_not_grow_with_cases_or_people(dataset, what):
    from linli.dashboard import queries as cockpit

    rule("grid_worker", [("response_rate", 20, .4, .9), ("care_visits_on_time", 20, 0, 1), ("patrol_coverage", 20, .5, .9),
                         ("reinspections_on_time", 10, 0, 1), ("found_by_patrol", 10, 0, .5), ("disputes_resolved", 10, 0, 1),
                         ("register_updates", 10, 0, 5)])
    rule("department", [("report_in_on_time", 50, 0, 1), ("actions_on_time", 30, 0, 1), ("resolution_rate", 20, 0, 1)])
    rule("community", [("response_rate", 50, .5, 1), ("overdue_count", 50, 5, 0)])
    scope = sc(dataset, "subdistrict_staff")
    fn = {
        "totals": lambda: queries.totals(scope, MARCH),
        "rates_by": lambda: queries.rates_by(scope, "handler", MARCH),
        "cockpit": lambda: cockpit.cockpit(scope, MARCH, "grid"),
    }.get(what) or (lambda: queries.scorecards(scope, what, queries.subjects(scope, what, MARCH), MARCH, with_records=True))
    small = _count(fn)
    _more(dataset, 6)
    assert _count(fn) == small


# ---------------------------------------------------------------- the indicators added later, by hand
def _grid_work(dataset):
    from linli.meetings.models import Action, Meeting
    from linli.patrols.models import Dispute, Mediation
    from linli.people.models import ResidentEvent

    w, gw = dataset, dataset.accounts["grid_worker"]

    def dispute(n, grid, registered, *sessions):
        d = Dispute.objects.create(number=f"JF-T{n}", community=w.a if grid != "B1" else w.b, grid=w.grids[grid], kind="neighbour",
                                   description="噪音", registered_at=registered)
        for when, outcome in sessions:
            Mediation.objects.create(dispute=d, at=when, mediators=[{"kind": "grid_worker", "name": "赵网格"}], notes="调解", outcome=outcome)
        return d

    dispute(1, "A1", at(3, 2), (at(3, 5), "agreed"))  # agreed in March: counted
    dispute(2, "A1", at(3, 8), (at(3, 9), "continue"), (at(4, 2), "agreed"))  # agreed only in April: not yet
    dispute(3, "A1", at(3, 20), (at(3, 22), "failed"))  # failed: not counted
    dispute(4, "A1", at(2, 20), (at(3, 1), "agreed"))  # registered in February: not in March's denominator
    dispute(5, "B1", at(3, 3), (at(3, 4), "agreed"))  # another grid
    # register updates: three lines by the worker in March (one at 23:30 on the 31st), one on 04-01, one by someone else
    for when, actor in [(at(3, 3), gw), (at(3, 15), gw), (at(3, 31, 23, 30), gw), (at(4, 1, 0, 0), gw),
                        (at(3, 10), w.accounts["community_staff"])]:
        ResidentEvent.objects.create(person=w.persons["a2"], kind="changed", changes={"phone": "…"}, actor=actor, at=when)
    # meeting actions: police owns three due in March (done on the due day, a day late, never), one due in April;
    # the property company owns one due in March
    meeting = Meeting.objects.create(kind="whistle", title="吹哨会", community=w.a, case=dataset.cases["c3"], starts_at=at(3, 2), place="社区")
    police, prop = w.orgs["police"], w.orgs["property"]
    for due, done, org in [((3, 10), at(3, 10, 18), police), ((3, 15), at(3, 16, 9), police), ((3, 20), None, police),
                           ((4, 5), at(4, 1), police), ((3, 12), at(3, 11), prop)]:
        Action.objects.create(meeting=meeting, text="落实整改", owner_kind="department", owner_org=org, due_on=datetime.date(2025, *due),
                              status="done" if done else "open", done_at=done)


def test_grid_worker_disputes_resolved_and_register_updates(dataset):
    _grid_work(dataset)
    rule("grid_worker", [("disputes_resolved", 20, 0, 1), ("register_updates", 10, 0, 5)])
    card = queries.scorecard(sc(dataset, "community_staff"), SubjectRef("grid_worker", dataset.accounts["grid_worker"].pk), MARCH,
                             with_records=True)
    got = {line["code"]: (line["value"], line["numerator"], line["denominator"], line["points"]) for line in card.lines}
    assert got == {
        "disputes_resolved": (0.3333, 1, 3, 6.67),  # JF-T1 of T1–T3: 0.3333 × 20
        "register_updates": (3, 3, 3, 6.0),  # 3 of a target of 5: 3 / 5 × 10
    }
    assert card.score == 12.67 and card.full == 30.0
    disputes = next(line for line in card.lines if line["code"] == "disputes_resolved")
    assert [(r["text"].split()[0], r["counted"]) for r in disputes["records"]] == [("JF-T1", True), ("JF-T2", False), ("JF-T3", False)]
    updates = next(line for line in card.lines if line["code"] == "register_updates")
    assert len(updates["records"]) == 3 and all(r["text"].endswith("张*") for r in updates["records"])  # the name masked
    micro = queries.scorecard(sc(dataset, "community_staff"), SubjectRef("grid_worker", dataset.accounts["micro_grid_worker"].pk), MARCH)
    assert {line["code"]: line["value"] for line in micro.lines} == {"disputes_resolved": None, "register_updates": 0}


def test_department_actions_done_on_time(dataset):
    _grid_work(dataset)
    rule("department", [("report_in_on_time", 50, 0, 1), ("actions_on_time", 50, 0, 1)])
    police = SubjectRef("department", dataset.orgs["police"].pk)
    card = queries.scorecard(sc(dataset, "department_contact"), police, MARCH, with_records=True)
    got = {line["code"]: (line["value"], line["numerator"], line["denominator"], line["points"]) for line in card.lines}
    # 0.3333 (the value is rounded to 4 places first) × 50 = 16.665, which rounds to 16.66 in binary floating point
    assert got == {"report_in_on_time": (0.3333, 1, 3, 16.66), "actions_on_time": (0.3333, 1, 3, 16.66)}
    actions = next(line for line in card.lines if line["code"] == "actions_on_time")
    assert [r["counted"] for r in actions["records"]] == [True, False, False]
    rule("property_company", [("actions_on_time", 100, 0, 1)])
    card = queries.scorecard(sc(dataset, "property_manager"), SubjectRef("property_company", dataset.orgs["property"].pk), MARCH)
    assert (card.lines[0]["value"], card.score) == (1.0, 100.0)


# ---------------------------------------------------------------- the API's period: start + days, as published
def test_api_period_is_a_start_and_a_number_of_days(dataset, api_as):
    api = api_as("community_secretary")
    whole = api.get("/api/v1/evaluation/rates?group=community&start=2025-03-01&days=31").json()
    assert whole == api.get("/api/v1/evaluation/rates?group=community&month=2025-03").json()
    [row] = api.get("/api/v1/evaluation/rates?group=community&start=2025-03-01&days=12").json()
    assert row["reported"] == 2 and row["satisfaction_rate"] == 1.0
    [card] = api.get("/api/v1/evaluation/scorecards/community?start=2025-03-01&days=1").json()
    assert card["period"] == "2025-03-01 – 2025-03-02"
    for bad in ("days=0", "days=3661", "start=1899-12-31", "start=2025-02-30", "month=2025-13"):
        r = api.get(f"/api/v1/evaluation/rates?start=2025-03-01&{bad}" if "start" not in bad else f"/api/v1/evaluation/rates?{bad}")
        assert r.status_code == 422, bad
    for edge in ("start=2099-12-31&days=3660", "start=1900-01-01&days=1", "days=3660", "month="):  # the edges are answered
        assert api.get(f"/api/v1/evaluation/rates?{edge}").status_code == 200, edge
