"""The departments' read-only cockpit (issue 15): a department contact sees the figures of the cases its department
holds or was summoned to — not another department's, not the whole subdistrict's — and no edit controls; and the
cockpit's queries do not grow with the number of cases."""

import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.cases.models import Summons, Whistle
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import system
from linli.core import roles
from linli.testing.world import PASSWORD


def login(key):
    c = Client()
    assert c.login(username=key, password=PASSWORD)
    return c


def _fire(dataset):
    """A second department (消防), summoned to c3 beside the police and alone to c5 (community B)."""
    fire = Organization.objects.create(kind=Organization.Kind.DEPARTMENT, name="永泰消防站", department_type="fire",
                                       subdistrict=dataset.subdistrict)
    p = people.register_person(system(), community=dataset.a, name="消防联络员", phone="13911110000")
    people.appoint(system(), p, roles.DEPARTMENT_CONTACT, fire, starts_on=datetime.date(2020, 1, 1))
    people.create_account(p, "fire_contact", PASSWORD)
    for case, status in [(dataset.cases["c3"], "late"), (dataset.cases["c5"], "on_time")]:
        wh = Whistle.objects.create(case=case, blown_at=case.created_at + datetime.timedelta(hours=3),
                                    report_in_due=case.created_at + datetime.timedelta(hours=27), reason="消防检查")
        Summons.objects.create(whistle=wh, department=fire, status=status)
    return fire


def test_a_department_sees_its_own_figures_read_only(dataset):
    fire = _fire(dataset)
    police = login("department_contact")
    r = police.get(reverse("dashboard:home") + "?month=2025-03&group=community")
    assert r.status_code == 200
    page = r.content.decode()
    kpis = {k["key"]: k for k in r.context["kpis"]}
    # c1, c2, c3: the cases the police were summoned to; not c5 (community B), which the subdistrict counts
    assert kpis["resolution_rate"]["parts"] == (2, 3) and r.context["tables"]["triage"]["rows"][0][1] == 3
    assert [row[0] for row in r.context["tables"]["report_in"]["rows"]] == ["永泰派出所"]  # not the fire station's row on c3
    assert 'id="ck-readonly"' in page
    for edit in (reverse("dashboard:reports"), reverse("dashboard:report_generate"), reverse("evaluation:rules") + "?subject=department"):
        assert f'href="{edit}' not in page and f'action="{edit}' not in page
    assert police.get(reverse("dashboard:reports")).status_code == 403
    assert police.post(reverse("dashboard:report_generate"), {"month": "2025-03"}).status_code == 403
    by_dept = police.get(reverse("dashboard:home") + "?month=2025-03&group=department").context["tables"]["compare"]["links"]
    assert {row["key"] for row in by_dept} <= {dataset.orgs["police"].pk}
    # the fire station sees c3 and c5, and its own punctuality only
    fr = login("fire_contact").get(reverse("dashboard:home") + "?month=2025-03")
    assert {k["key"]: k for k in fr.context["kpis"]}["resolution_rate"]["parts"] == (0, 2)
    assert fr.context["tables"]["report_in"]["rows"] == [["永泰消防站", 1, 1, 0, 0, 50.0]] and fire.pk  # c5 on time, c3 late
    # the whole subdistrict is the subdistrict staff's: four cases
    sub = login("subdistrict_staff").get(reverse("dashboard:home") + "?month=2025-03")
    assert {k["key"]: k for k in sub.context["kpis"]}["resolution_rate"]["parts"] == (2, 4)


def test_a_department_exports_only_its_own_tables(dataset):
    _fire(dataset)
    from linli.core.excel import read_all

    rows = read_all(login("department_contact").get(reverse("dashboard:export") + "?table=report_in&month=2025-03").content)
    assert [r[0] for r in rows[1:]] == ["永泰派出所"]


def test_a_department_scorecard_page_shows_only_its_own_card(dataset):
    r = login("department_contact").get(reverse("evaluation:home") + "?month=2025-03&subject=department")
    assert r.status_code == 200 and [c.subject.pk for c in r.context["cards"]] == [dataset.orgs["police"].pk]
    r = login("department_contact").get(reverse("evaluation:home") + "?month=2025-03&subject=community")
    assert r.context["cards"] == []  # no community's card
    assert login("department_contact").post(reverse("evaluation:rules"), {"subject": "department", "effective_from": "2099-01-01",
                                                                          "w_response_rate": "1", "f_response_rate": "0",
                                                                          "t_response_rate": "1"}).status_code == 302
    from linli.evaluation.models import Rule

    assert not Rule.objects.filter(subject="department").exists()  # refused: rules are the subdistrict's


def test_cockpit_queries_do_not_grow_with_cases(dataset):
    from linli.evaluation.tests.test_rollup_and_indicators import _more

    c = login("community_secretary")
    url = reverse("dashboard:home") + "?month=2025-03&group=handler"

    def count():
        c.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _more(dataset, 8)
    assert count() == small
