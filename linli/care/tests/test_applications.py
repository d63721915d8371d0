"""Assistance applications up the chain, the state table, and the quarter window of centralised support (集中供养),
including the urgent path with its recorded approval."""

import datetime

import pytest

from linli.care import services
from linli.care.models import Application, Batch
from linli.care.services.applications import TRANSITIONS
from linli.core import roles
from linli.core.models import OutboxMessage
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD

Q1 = datetime.datetime(2026, 2, 10, 2, 0, tzinfo=datetime.timezone.utc)  # 10:00 in Beijing, first quarter
Q1_LATE = datetime.datetime(2026, 3, 20, 2, 0, tzinfo=datetime.timezone.utc)
Q2 = datetime.datetime(2026, 4, 8, 2, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def levels(world):
    minzheng = Organization.objects.create(kind=Organization.Kind.DEPARTMENT, name="平城区民政局", department_type="civil_affairs", subdistrict=world.subdistrict)
    p = people.register_person(system(), community=world.a, name="民政科员", phone="13900007777")
    people.appoint(system(), p, roles.DEPARTMENT_CONTACT, minzheng, starts_on=datetime.date(2020, 1, 1))
    acc = people.create_account(p, "minzheng", PASSWORD)
    return {"community": resolve(world.accounts["community_staff"]), "subdistrict": resolve(world.accounts["subdistrict_staff"]),
            "civil": resolve(acc), "grid": resolve(world.accounts["grid_worker"])}


def _centralised(world, levels, now):
    app = services.submit_application(levels["grid"], person=world.persons["a2"], kind="tekun", centralised=True,
                                      reason="重度残疾，母亲90岁无力照料", documents=["残疾证", "户口本"], now=now)
    services.community_review(levels["community"], app, approve=True, opinion="情况属实", now=now)
    services.subdistrict_review(levels["subdistrict"], app, decision="approve", opinion="同意集中供养", now=now)
    return app


def test_every_edge_names_a_use_case():
    for frm, edges in TRANSITIONS.items():
        for to, use_case in edges.items():
            assert use_case and hasattr(services, use_case), (frm, to, use_case)


def test_ordinary_application_climbs_and_is_decided(world, levels):
    app = services.submit_application(levels["community"], person=world.persons["a1"], kind="dibao", reason="失业", now=Q1)
    assert app.state == "community" and app.due_at.date() == datetime.date(2026, 2, 24)  # 5 working days over the Spring Festival
    services.community_review(levels["community"], app, approve=True, opinion="属实", now=Q1)
    with pytest.raises(services.OutOfScope):
        services.civil_affairs_decide(levels["community"], app, approve=True, opinion="x")
    services.subdistrict_review(levels["subdistrict"], app, decision="approve", opinion="同意", now=Q1)
    assert app.state == "civil_affairs"
    services.civil_affairs_decide(levels["civil"], app, approve=True, opinion="批准", now=Q1)
    assert Application.objects.get(pk=app.pk).state == "approved"
    assert list(app.steps.values_list("use_case", flat=True)) == ["submit_application", "community_review", "subdistrict_review", "civil_affairs_decide"]
    told = set(OutboxMessage.objects.filter(event_key=f"care:application:{app.pk}:decided").values_list("recipient__username", flat=True))
    assert {"resident", "grid_worker"} <= told  # the applicant (a1 signs in as "resident") and the grid worker of grid A1
    with pytest.raises(services.ValidationError):
        services.community_review(levels["community"], app, approve=True, opinion="again")


def test_centralised_waits_for_the_quarter_batch_once_per_quarter(world, levels):
    first = _centralised(world, levels, Q1)
    assert first.state == "batched"
    batch = services.submit_batch(levels["subdistrict"], world.subdistrict, now=Q1_LATE)
    assert (batch.year, batch.quarter, batch.urgent) == (2026, 1, False)
    assert Application.objects.get(pk=first.pk).state == "civil_affairs"
    second = _centralised(world, levels, Q1_LATE)
    with pytest.raises(services.ValidationError, match="already filed"):
        services.submit_batch(levels["subdistrict"], world.subdistrict, now=Q1_LATE)  # the quarter's window is used
    assert Application.objects.get(pk=second.pk).state == "batched"
    services.submit_batch(levels["subdistrict"], world.subdistrict, now=Q2)  # the next quarter opens it
    assert Application.objects.get(pk=second.pk).state == "civil_affairs"
    with pytest.raises(services.OutOfScope):
        services.submit_batch(levels["community"], world.subdistrict, now=Q2)


def test_urgent_path_needs_a_recorded_approval_and_keeps_the_quarter(world, levels):
    app = _centralised(world, levels, Q1)
    with pytest.raises(services.ValidationError):
        services.urgent_submit(levels["subdistrict"], app, approved_by="", approval="", now=Q1)
    assert Application.objects.get(pk=app.pk).state == "batched"
    batch = services.urgent_submit(levels["subdistrict"], app, approved_by="街道主任 冯", approval="母亲住院，无人照料，特事特办", now=Q1)
    assert batch.urgent and batch.approval_note and Application.objects.get(pk=app.pk).state == "civil_affairs"
    other = _centralised(world, levels, Q1)
    services.submit_batch(levels["subdistrict"], world.subdistrict, now=Q1)  # the regular batch of the quarter is still open
    assert Application.objects.get(pk=other.pk).state == "civil_affairs"
    assert Batch.objects.filter(urgent=False).count() == 1 and Batch.objects.filter(urgent=True).count() == 1


def test_overdue_level_reported_once(world, levels):
    from linli.care import sweeps

    app = services.submit_application(levels["community"], person=world.persons["a3"], kind="linshi", reason="火灾", now=Q1)
    late = Q1 + datetime.timedelta(days=30)
    assert sweeps.overdue_applications(late) == 1
    assert sweeps.overdue_applications(late) == 0
    assert OutboxMessage.objects.filter(event_key__startswith=f"care:application:{app.pk}:community:overdue").exists()
