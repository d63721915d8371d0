"""The whistle loop through its meeting step (召开会议 / 落实决议), which the meetings app owns: moved here from
linli/cases/tests/test_services.py when the step moved out of cases.services (cases imports nothing from meetings)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.cases import report, services, sweeps
from linli.cases.models import CaseEvent, Summons
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture)
from linli.core.errors import OutOfScope
from linli.meetings import services as meetings
from linli.meetings.models import Action
from linli.people.scopes import resolve


def sc(world, key):
    return resolve(world.accounts[key])


def actions(case):
    return list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))


def test_the_whistle_loop_to_the_closing_report(world, cats):
    staff = sc(world, "community_staff")
    case = services.submit(staff, source="hotline", description="菜市场污水外溢到小区门口，臭味很大", category="env.sewage",
                           lat=40.0805, lng=113.3015, reporter_name="王建国", reporter_phone="13800000001")
    assert case.reporter == world.accounts["resident"]  # the caller's phone matched a resident with an account
    services.accept(staff, case)
    services.propose_plan(staff, case, "联合城管、派出所整治菜市场排污", [{"title": "疏通管网", "cost": "2000元"}, {"title": "设置隔油池"}])
    w = services.whistle(staff, case, [world.orgs["urban"], world.orgs["police"]], "污水外溢需多部门协同", report_in_hours=2)
    urban = Summons.objects.get(whistle=w, department=world.orgs["urban"])
    services.report_in(sc(world, "urban_contact"), urban, "城管执法队已到场")
    with pytest.raises(OutOfScope):  # the urban contact cannot report in for the police
        services.report_in(sc(world, "urban_contact"), Summons.objects.get(whistle=w, department=world.orgs["police"]))
    with pytest.raises(services.Conflict):
        services.report_in(sc(world, "urban_contact"), urban)
    # the police never report in: after the deadline the worker records it against them
    w.report_in_due = timezone.now() - datetime.timedelta(minutes=1)
    w.save()
    assert sweeps.record_missing_report_ins() == 1
    assert Summons.objects.get(whistle=w, department=world.orgs["police"]).status == "missing"
    assert Summons.objects.get(pk=urban.pk).status == "on_time"
    case.refresh_from_db()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    meeting = meetings.hold_whistle_meeting(
        staff, case, starts_at=timezone.now(), place="社区议事厅", chair=world.persons["community_secretary"],
        attendees=[{"person": world.persons["community_secretary"], "status": "present"},
                   {"organization": world.orgs["urban"], "status": "present"},
                   {"organization": world.orgs["police"], "status": "substitute", "substitute_name": "值班民警"}],
        minutes="议定：城管负责疏通，物业负责日常巡查。",
        resolutions=[{"text": "疏通菜市场排污管网", "owner_org": world.orgs["urban"], "due_on": tomorrow}],
    )
    case.refresh_from_db()
    with pytest.raises(ValidationError):  # not before the resolutions are carried out
        services.resolve(staff, case, "已疏通")
    meetings.carry_out(sc(world, "urban_contact"), meeting.actions.get(), "管网已疏通，现场已清理")
    case.refresh_from_db()
    services.resolve(staff, case, "管网疏通，污水不再外溢")
    case.refresh_from_db()
    resident = sc(world, "resident")
    services.rate(resident, case, "unsatisfied", "下雨后又冒出来了")
    case.refresh_from_db()
    assert (case.state, case.rework_count) == ("accepted", 1)
    services.resolve(staff, case, "加装隔油池，雨天复查无外溢")
    case.refresh_from_db()
    services.rate(resident, case, "satisfied", "谢谢")
    case.refresh_from_db()
    assert case.state == "closed" and case.verdict == "satisfied" and case.closed_at
    assert actions(case) == ["submit", "assign", "accept", "plan", "whistle", "report_in", "report_in", "meeting",
                             "action_done", "resolve", "reopen", "resolve", "rate", "close"]
    body = case.closing_report.body
    assert body["rework_count"] == 1 and body["verdict"]
    assert [(x["department"], x["code"]) for x in body["whistle"]] == [("平城区城管执法队", "on_time"), ("永泰派出所", "missing")]
    assert body["meetings"][0]["actions"][0]["done_at"]
    pdf = report.render_pdf(case.closing_report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    assert Action.objects.get().status == "done"
