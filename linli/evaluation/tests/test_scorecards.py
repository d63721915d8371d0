"""Acceptance (issue 15): every rate and scorecard of a fixed dataset (conftest.dataset) equals a table worked out
by hand here, with the edges: a case accepted / resolved exactly on its deadline, a rule changed mid-period, a
household answering the survey twice (refused).

Period March 2025. Cases (community A, grid A1 unless said):
  c1  accept 03-03 13:00 = response due (on time); resolve 03-06 18:00 = handling due (on time); satisfied; closed;
      resolved while held by the property company
  c2  accept 11:00 > due 10:00 (late); resolved; unsatisfied → reopened (new handling due 03-17); resolved 03-14; basic; closed
  c3  source patrol; accepted on time by the micro-grid worker; escalated; flagged overdue; open
  c4  February; c6 April; c5 community B (March), never accepted
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from linli.evaluation import queries, services
from linli.evaluation.indicators import Period, SubjectRef
from linli.evaluation.models import Survey, SurveyAnswer
from linli.people.scopes import resolve, system
from linli.testing.pages import has_pager, two_pages

MARCH, APRIL, FEB = Period.month(2025, 3), Period.month(2025, 4), Period.month(2025, 2)


def sc(world, key):
    return resolve(world.accounts[key], on=datetime.date(2025, 3, 31))


def rule(subject, rows, on):
    return services.publish_rule(system(), subject, [dict(zip(("code", "weight", "floor", "target"), r)) for r in rows],
                                 on, allow_past=True)


# ---------------------------------------------------------------- rates by hand
COMMUNITY_A_MARCH = {  # c1, c2, c3
    "reported": 3, "response_rate": 0.6667,  # c1 (on the deadline), c3 / routed 3
    "resolution_rate": 0.6667,  # c1, c2 / 3
    "satisfaction_rate": 0.6667,  # satisfied, unsatisfied (reopen), basic
    "on_time_closure_rate": 1.0,  # c1 on its deadline, c2 by the reopened deadline / closed 2
    "rework_rate": 0.5,  # c2 / resolved 2
    "overdue": 1, "escalated": 1,
}
SUBDISTRICT_MARCH = {"reported": 4, "response_rate": 0.5, "resolution_rate": 0.5, "satisfaction_rate": 0.6667,
                     "on_time_closure_rate": 1.0, "rework_rate": 0.5, "overdue": 1, "escalated": 1}


def test_rates_of_a_community_equal_the_hand_table(dataset):
    totals = queries.totals(sc(dataset, "community_staff"), MARCH)
    assert {k: totals[k] for k in COMMUNITY_A_MARCH} == COMMUNITY_A_MARCH
    assert totals["response_rate_parts"] == (2, 3) and totals["satisfaction_rate_parts"] == (2, 3)


def test_rates_of_the_subdistrict_equal_the_hand_table(dataset):
    totals = queries.totals(sc(dataset, "subdistrict_staff"), MARCH)
    assert {k: totals[k] for k in SUBDISTRICT_MARCH} == SUBDISTRICT_MARCH


def test_rates_agree_with_cases_rates_compute(dataset):
    from linli.cases import rates
    from linli.cases.models import Case

    for group in rates.GROUPS:
        ours = {r["key"]: r for r in queries.rates_by(system(), group, MARCH)}
        theirs = {r["key"]: r for r in rates.compute(Case.objects.all(), group, MARCH.start_dt, MARCH.end_dt)}
        assert ours.keys() == theirs.keys(), group
        for key, row in theirs.items():
            for rate in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_closure_rate", "rework_rate", "reported"):
                assert ours[key][rate] == row[rate], (group, key, rate)


def test_rates_by_handler_and_grid(dataset):
    by_handler = {r["label"]: r for r in queries.rates_by(sc(dataset, "community_staff"), "handler", MARCH)}
    assert by_handler["赵网格"]["response_rate"] == 0.5 and by_handler["赵网格"]["rework_rate"] == 0.5
    assert by_handler["钱微格"]["response_rate"] == 1.0 and by_handler["钱微格"]["resolution_rate"] == 0.0
    [a1] = queries.rates_by(sc(dataset, "community_staff"), "grid", MARCH)
    assert a1["key"] == dataset.grids["A1"].pk and a1["satisfaction_rate"] == 0.6667


def test_drill_down_lists_the_cases_behind_a_grid_satisfaction_rate(dataset):
    rows = queries.drill(sc(dataset, "community_staff"), "grid", dataset.grids["A1"].pk, "satisfaction_rate", MARCH)
    c = dataset.cases
    assert [(r["case"].pk, r["numerator"], r["denominator"]) for r in rows] == [(c["c1"].pk, 1, 1), (c["c2"].pk, 1, 2)]
    resp = queries.drill(sc(dataset, "community_staff"), "grid", dataset.grids["A1"].pk, "response_rate", MARCH)
    assert [(r["case"].pk, r["counted"]) for r in resp] == [(c["c1"].pk, True), (c["c2"].pk, False), (c["c3"].pk, True)]


def test_the_other_community_sees_none_of_it(dataset):
    totals = queries.totals(sc(dataset, "other_community_staff"), MARCH)
    assert totals["reported"] == 1 and totals["response_rate"] == 0.0  # c5 only


# ---------------------------------------------------------------- scorecards by hand
def test_grid_worker_scorecard(dataset):
    rule("grid_worker", [("response_rate", 20, .4, .9), ("satisfaction_rate", 20, .5, 1), ("care_visits_on_time", 20, 0, 1),
                         ("patrol_coverage", 20, .5, .9), ("reinspections_on_time", 10, 0, 1), ("rework_rate", 10, .5, 0),
                         ("found_by_patrol", 10, 0, .5)], datetime.date(2025, 1, 1))
    gw = dataset.accounts["grid_worker"]
    card = queries.scorecard(sc(dataset, "community_staff"), SubjectRef("grid_worker", gw.pk), MARCH, with_records=True)
    got = {line["code"]: (line["value"], line["points"]) for line in card.lines}
    assert got == {
        "response_rate": (0.5, 4.0),  # c1 on time, c2 late: (0.5 − 0.4) / 0.5 × 20
        "satisfaction_rate": (0.6667, 6.67),  # 2 of 3 verdicts: 0.3334 × 20
        "care_visits_on_time": (0.3333, 6.67),  # done on the due day; a day late; never
        "patrol_coverage": (1.0, 20.0),  # building 1 is the grid's one place, visited
        "reinspections_on_time": (0.5, 5.0),  # on the deadline; two days late
        "rework_rate": (0.5, 0.0),  # lower is better: at the floor 0.5 → 0
        "found_by_patrol": (0.3333, 6.67),  # c3 of c1–c3 in grid A1: 0.3333 / 0.5 × 10
    }
    assert card.score == 49.01 and card.full == 110.0 and card.rule.version == 1
    care = next(line for line in card.lines if line["code"] == "care_visits_on_time")
    assert [r["counted"] for r in care["records"]] == [True, False, False]


def test_a_rule_changed_mid_period_applies_from_the_next_period(dataset):
    v1 = rule("community", [("response_rate", 30, .5, 1), ("resolution_rate", 35, .5, 1), ("satisfaction_rate", 35, .6, .8)],
              datetime.date(2025, 1, 1))
    v2 = rule("community", [("response_rate", 50, .5, 1), ("resolution_rate", 50, .5, 1)], datetime.date(2025, 3, 15))
    staff, a = sc(dataset, "community_staff"), SubjectRef("community", dataset.a.pk)
    march = queries.scorecard(staff, a, MARCH)
    assert march.rule == v1  # in force on 03-01: March keeps v1
    assert [(line["code"], line["points"]) for line in march.lines] == [
        ("response_rate", 10.0),  # 0.6667: 0.3334 × 30
        ("resolution_rate", 11.67),  # 0.6667: 0.3334 × 35
        ("satisfaction_rate", 11.67),  # 0.6667: (0.6667 − 0.6) / 0.2 × 35
    ]
    assert march.score == 33.34
    april = queries.scorecard(staff, a, APRIL)
    assert april.rule == v2 and april.score == 100.0  # c6: on time, resolved
    assert queries.scorecard(staff, a, FEB).rule == v1
    with pytest.raises(ValidationError):  # a new version cannot reach back into a scored period
        services.publish_rule(system(), "community", [{"code": "response_rate", "weight": 1, "floor": 0, "target": 1}],
                              datetime.date(2020, 1, 1))


def test_department_report_in_punctuality(dataset):
    rule("department", [("report_in_on_time", 100, 0, 1)], datetime.date(2025, 1, 1))
    police = SubjectRef("department", dataset.orgs["police"].pk)
    card = queries.scorecard(sc(dataset, "department_contact"), police, MARCH, with_records=True)
    [line] = card.lines
    assert (line["value"], line["numerator"], line["denominator"], line["points"]) == (0.3333, 1, 3, 33.33)  # on time / late / missing; waiting not judged
    assert [s.pk for s in queries.subjects(sc(dataset, "department_contact"), "department", MARCH)] == [dataset.orgs["police"].pk]


def _survey(dataset):
    staff = sc(dataset, "community_staff")
    survey = services.create_survey(staff, dataset.compounds["A"], "2025年一季度物业服务满意度测评", datetime.date(2025, 1, 1),
                                    datetime.date(2025, 3, 31), [("环境卫生", 2), ("安全秩序", 1)])
    i1, i2 = survey.items.all()
    for key, (s1, s2) in [("resident", (100, 100)), ("a2", (60, 0)), ("a3", (0, 100))]:
        services.answer_survey(sc(dataset, key), survey, {i1.pk: s1, i2.pk: s2})
    return staff, survey, i1, i2


def test_survey_one_answer_per_household_and_anonymous_tally(dataset):
    staff, survey, i1, i2 = _survey(dataset)
    with pytest.raises(ValidationError, match="already answered"):
        services.answer_survey(sc(dataset, "resident"), survey, {i1.pk: 0, i2.pk: 0})
    assert SurveyAnswer.objects.count() == 6 and survey.responses.count() == 3
    assert not {f.name for f in SurveyAnswer._meta.get_fields()} & {"household", "response", "answered_at"}
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # a household of another compound
        services.answer_survey(sc(dataset, "resident_b"), survey, {i1.pk: 100, i2.pk: 100})
    services.close_survey(staff, survey)
    survey.refresh_from_db()
    # item means (100+60+0)/3 = 53.33, (100+0+100)/3 = 66.67; weighted (2×53.33 + 66.67) / 3
    assert survey.result["score"] == 57.78 and [i["mean"] for i in survey.result["items"]] == [53.33, 66.67]
    res = queries.survey_results(sc(dataset, "resident"), survey)
    assert res["households"] == 3 and len(res["answered"]) == 3 and res["published"]
    with pytest.raises(ValidationError, match="closed"):
        services.answer_survey(sc(dataset, "a2"), survey, {i1.pk: 0, i2.pk: 0})


def test_property_company_scorecard(dataset):
    staff, survey, *_ = _survey(dataset)
    services.close_survey(staff, survey)
    rule("property_company", [("satisfaction_rate", 40, .6, 1), ("notices_fixed_on_time", 30, 0, 1), ("survey_score", 30, .5, 1)],
         datetime.date(2025, 1, 1))
    card = queries.scorecard(sc(dataset, "property_manager"), SubjectRef("property_company", dataset.orgs["property"].pk), MARCH)
    assert {line["code"]: (line["value"], line["points"]) for line in card.lines} == {
        "satisfaction_rate": (1.0, 40.0),  # c1, held by the company when resolved: satisfied
        "notices_fixed_on_time": (0.5, 15.0),  # fixed on the deadline; fixed two days late
        "survey_score": (0.5778, 4.67),  # 57.78 / 100: (0.5778 − 0.5) / 0.5 × 30
    }
    assert card.score == 59.67


def test_publishing_rules_is_for_subdistrict_staff_and_checks_each_row(dataset):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.publish_rule(sc(dataset, "community_staff"), "community", [{"code": "response_rate", "weight": 1, "floor": 0, "target": 1}],
                              datetime.date(2099, 1, 1))
    with pytest.raises(ValidationError, match="Row 1: leader_points is not an indicator"):
        services.publish_rule(sc(dataset, "subdistrict_staff"), "community", [{"code": "leader_points", "weight": 1, "floor": 0, "target": 1}],
                              datetime.date(2099, 1, 1))
    with pytest.raises(ValidationError, match="between 0 and 1"):
        services.publish_rule(sc(dataset, "subdistrict_staff"), "community", [{"code": "response_rate", "weight": 1, "floor": 0, "target": 5}],
                              datetime.date(2099, 1, 1))
    r = services.publish_rule(sc(dataset, "subdistrict_staff"), "community", [{"code": "response_rate", "weight": 1, "floor": 0, "target": 1}],
                              datetime.date(2099, 1, 1))
    assert r.version == 1


def test_residents_read_no_evaluation(dataset):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        queries.totals(sc(dataset, "resident"), MARCH)


def test_the_scorecard_page_shows_rates_as_percentages_and_counts_as_numbers(dataset, client):
    """A rate's value, floor and target read as percentages (0.5 → 50.0%), weights and points without trailing zeros."""
    import re

    from linli.portal.templatetags.linli_tags import measure
    from linli.testing.world import PASSWORD

    assert [measure(0.6667, "rate"), measure(1, "rate"), measure(3.0, "count"), measure(2.5, ""), measure(None, "rate")] == \
        ["66.7%", "100.0%", "3", "2.5", "—"]
    rule("grid_worker", [("response_rate", 20, .4, .9), ("overdue_count", 10, 3, 0)], datetime.date(2025, 1, 1))
    assert client.login(username="community_staff", password=PASSWORD)
    html = client.get("/evaluation/", {"month": "2025-03", "subject": "grid_worker"}).content.decode()
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    row = cells[cells.index("响应率"):cells.index("响应率") + 6]
    assert row[1] == "50.0%" and row[3] == "40.0% → 90.0%" and row[4:] == ["20", "4"], row
    overdue = cells[cells.index("超时诉求"):cells.index("超时诉求") + 6]
    assert overdue[3] == "3 → 0" and overdue[4] == "10", overdue
    rules = client.get("/evaluation/rules/", {"subject": "grid_worker"}).content.decode()
    assert "40.0%" in rules and "90.0%" in rules and "0.4<" not in rules


def test_the_scorecards_page_instead_of_stopping_at_100_subjects(world, client, monkeypatch):
    """The scorecards stopped at the first 100 subjects with no way to the rest; now CARDS_PAGE cards a page with the pager."""
    from linli.core import roles
    from linli.evaluation import views
    from linli.people import services as people
    from linli.testing.world import PASSWORD

    monkeypatch.setattr(views, "CARDS_PAGE", 3)
    for i in range(3):  # with the world's two (赵网格, 钱微格): five grid workers in community A
        p = people.register_person(system(), community=world.a, name=f"网格员 {i:02d}", phone=f"137000099{i:02d}")
        people.appoint(system(), p, roles.GRID_WORKER, world.grids["A2"], starts_on=datetime.date(2020, 1, 1))
        world.accounts[f"gw{i}"] = people.create_account(p, f"gw{i}", PASSWORD)
    gws = sorted(world.accounts[k].pk for k in ("grid_worker", "micro_grid_worker", "gw0", "gw1", "gw2"))
    assert client.login(username="community_staff", password=PASSWORD)
    first, second = two_pages(client, "/evaluation/", r'<section class="card" id="card-(\d+)"><h2>([^<：]+)：', {"subject": "grid_worker"})
    assert [int(pk) for pk, _name in first] == gws[:3] and [int(pk) for pk, _name in second] == gws[3:]
    assert [name for _pk, name in second] == ["网格员 01", "网格员 02"]
    assert not has_pager(client, "/evaluation/", {"subject": "community"})  # one card: no pager


def test_the_surveys_page_instead_of_stopping_at_100(world, client, monkeypatch):
    """The survey list stopped at its first 100 surveys with no way to the rest; now LIST_PAGE a page with the pager."""
    from linli.evaluation import views
    from linli.testing.world import PASSWORD

    monkeypatch.setattr(views, "LIST_PAGE", 3)
    for i in range(5):
        services.create_survey(sc(world, "community_staff"), world.compounds["A"], f"测评 {i:02d}", datetime.date(2025, i + 1, 1),
                               datetime.date(2025, i + 1, 28), [("环境卫生", 1)])
    assert client.login(username="community_staff", password=PASSWORD)
    assert two_pages(client, "/evaluation/surveys/", r">测评 (\d\d)</a>") == (["04", "03", "02"], ["01", "00"])  # latest period first
    monkeypatch.setattr(views, "LIST_PAGE", 50)
    assert not has_pager(client, "/evaluation/surveys/")  # one page: no pager
