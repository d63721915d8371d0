"""The cockpit, its exports and the monthly report (xlsx + PDF with charts, once per area and month)."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse

from linli.core.excel import read_all
from linli.dashboard import reports, sweeps
from linli.dashboard.models import MonthlyReport
from linli.evaluation.indicators import Period
from linli.testing.world import PASSWORD


def login(world, key):
    c = Client()
    assert c.login(username=key, password=PASSWORD)
    return c


def test_cockpit_shows_the_rates_against_the_previous_month(dataset):
    c = login(dataset, "community_secretary")
    r = c.get(reverse("dashboard:home") + "?month=2025-03&group=grid")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'id="ck-data"' in page and "echarts.min.js" in page and "<script>" not in page.replace('<script id="ck-data"', "")
    kpis = {k["key"]: k for k in r.context["kpis"]}
    assert kpis["response_rate"]["value"] == 66.67 and kpis["response_rate"]["parts"] == (2, 3)
    assert kpis["rework_rate"]["value"] == 50.0 and kpis["resolution_rate"]["previous"] == 0.0  # February: c4 open
    drill = reverse("evaluation:drill") + f"?group=grid&key={dataset.grids['A1'].pk}&rate=satisfaction_rate&month=2025-03"
    assert drill in page
    d = c.get(drill)
    assert d.status_code == 200 and dataset.cases["c1"].number in d.content.decode() and "2 / 3" in d.content.decode()


def test_every_table_exports_to_xlsx(dataset):
    c = login(dataset, "community_secretary")
    for table in ("kpis", "trend", "compare", "category", "overdue", "escalated", "report_in", "triage"):
        r = c.get(reverse("dashboard:export") + f"?table={table}&month=2025-03&group=handler")
        assert r.status_code == 200, table
        rows = read_all(r.content)
        assert rows and rows[0], table
    rows = read_all(c.get(reverse("dashboard:export") + "?table=report_in&month=2025-03").content)
    assert rows[1][:5] == ["永泰派出所", 1, 1, 1, 1]


def test_residents_are_refused(dataset):
    assert login(dataset, "resident").get(reverse("dashboard:home")).status_code == 403


def test_monthly_report_once_per_area_and_month(dataset, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = sweeps.monthly_reports(today=datetime.date(2025, 4, 1))
    assert made == 3  # communities A and B, their subdistrict (none for the other subdistrict: no cases)
    assert sweeps.monthly_reports(today=datetime.date(2025, 4, 2)) == 0
    report = MonthlyReport.objects.get(level="community", area_id=dataset.a.pk, month=datetime.date(2025, 3, 1))
    c = login(dataset, "community_secretary")
    x = c.get(reverse("dashboard:report_file", args=[report.pk, "xlsx"]))
    assert x.status_code == 200
    p = c.get(reverse("dashboard:report_file", args=[report.pk, "pdf"]))
    body = b"".join(p.streaming_content)
    assert body.startswith(b"%PDF")
    assert c.get(reverse("dashboard:report_file", args=[MonthlyReport.objects.get(level="community", area_id=dataset.b.pk).pk, "pdf"])).status_code == 404


def test_api_rates_and_scorecards(dataset, api_as):
    r = api_as("community_secretary").get("/api/v1/evaluation/rates?group=community&month=2025-03")
    assert r.status_code == 200
    [row] = r.json()
    assert row["response_rate"] == 0.6667 and row["overdue"] == 1
    r = api_as("community_secretary").get("/api/v1/evaluation/scorecards/community?month=2025-03")
    assert r.status_code == 200 and r.json()[0]["label"] == dataset.a.name
    assert api_as("resident").get("/api/v1/evaluation/rates").status_code == 403
