import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from linli.cases import services, sweeps
from linli.cases.models import Case, CaseEvent, CasePhoto
from linli.core.errors import OutOfScope
from linli.core.models import OutboxMessage
from linli.people.scopes import resolve, system

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def sc(world, key):
    return resolve(world.accounts[key])


def report_leak(world, **kw):
    args = dict(source="resident", description="楼上渗水，卫生间天花板一直滴水", category="home.leak", dwelling=world.dwellings["A1-101"])
    args.update(kw)
    return services.submit(sc(world, "resident"), **args)


def actions(case):
    return list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))


def test_resident_report_is_located_routed_and_timed(world, cats):
    case = report_leak(world, photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    assert case.grid == world.grids["A1"] and case.micro_grid == world.grids["A1m"] and case.community == world.a
    assert case.building == world.buildings["A1"] and case.subdistrict == world.subdistrict
    assert (case.state, case.tier) == ("assigned", "grid")
    assert case.assignee == world.accounts["grid_worker"] or case.assignee == world.accounts["micro_grid_worker"]
    # micro-grid worker first: the dwelling lies in micro-grid A1m
    assert case.assignee == world.accounts["micro_grid_worker"]
    assert case.reporter == world.accounts["resident"] and case.reporter_person == world.persons["a1"]
    assert case.response_due > case.created_at and case.handling_due > case.response_due
    assert actions(case) == ["submit", "assign"]
    assert CasePhoto.objects.filter(case=case).count() == 1
    assert case.number.startswith(timezone.localdate().strftime("%Y%m%d") + "-")
    assert OutboxMessage.objects.filter(recipient=world.accounts["micro_grid_worker"]).exists()
    assert OutboxMessage.objects.filter(recipient=world.accounts["resident"]).exists()


def test_building_tier_goes_to_the_building_leader_and_vacancy_falls_up(world, cats):
    case = services.submit(sc(world, "building_leader"), source="building_leader", description="3楼楼道堆满纸箱",
                           category="env.clutter", dwelling=world.dwellings["A1-201"])
    assert (case.tier, case.assignee) == ("building", world.accounts["building_leader"])
    # building 2 has no leader: the case falls to its grid worker (grid A2 has none either) → community dispatcher
    case2 = services.submit(sc(world, "community_staff"), source="hotline", description="2号楼楼道堆物", category="env.clutter",
                            dwelling=world.dwellings["A2-301"], reporter_name="刘女士", reporter_phone="13800000004")
    assert (case2.tier, case2.assignee) == ("community", world.accounts["community_staff"])
    assert case2.reporter_person == world.persons["a3"]  # the caller's phone matched the resident


def test_department_category_routes_to_the_department(world, cats):
    case = services.submit(sc(world, "grid_worker"), source="patrol", description="菜市场门口污水外溢", category="env.sewage",
                           lat=40.0805, lng=113.3015)
    # community tier first (the dispatcher), who can send it to the department
    assert case.tier == "community"
    services.escalate(sc(world, "community_staff"), case, "需城管处理", to_tier="department")
    case.refresh_from_db()
    assert (case.tier, case.assignee_org, case.assignee) == ("department", world.orgs["urban"], world.accounts["urban_contact"])


@pytest.mark.parametrize("kwargs, field", [
    ({"category": "no.such"}, "category"),
    ({"category": "home"}, "category"),  # a group, not a leaf
    ({"dwelling": None, "lat": 10.0, "lng": 10.0}, "location"),
    ({"dwelling": None}, "location"),
    ({"dwelling": None, "lat": "north", "lng": 1}, "location"),
    ({"description": "漏"}, "description"),
    ({"photos": [SimpleUploadedFile("big.png", PNG + b"\x00" * (9 * 1024 * 1024), content_type="image/png")]}, "photos"),
    ({"photos": [SimpleUploadedFile("x.png", b"GIF89a......", content_type="image/png")]}, "photos"),
    ({"photos": [SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf")]}, "photos"),
    ({"source": "pigeon"}, "source"),
])
def test_bad_input_is_refused_and_nothing_is_stored(world, cats, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        report_leak(world, **kwargs)
    assert field in exc.value.message_dict
    assert not Case.objects.exists() and not CaseEvent.objects.exists() and not OutboxMessage.objects.exists()


def test_intake_scope(world, cats):
    # a resident reports only for their own home (who they are decides: a permission matter)
    with pytest.raises(OutOfScope):
        report_leak(world, dwelling=world.dwellings["A2-301"])
    # a grid worker's patrol report must lie in their grid
    with pytest.raises(OutOfScope):
        services.submit(sc(world, "grid_worker"), source="patrol", description="2号楼门口垃圾", category="env.clutter",
                        dwelling=world.dwellings["A2-301"])
    # a building leader reports for their building only
    with pytest.raises(OutOfScope):
        services.submit(sc(world, "building_leader"), source="building_leader", description="邻居家漏水", category="home.leak",
                        dwelling=world.dwellings["B1-101"])
    assert not Case.objects.exists()


def test_only_handlers_act(world, cats):
    case = report_leak(world)
    for outsider in ("resident", "building_leader", "other_community_staff", "a3_nobody"):
        if outsider not in world.accounts:
            continue
        with pytest.raises(OutOfScope):
            services.accept(sc(world, outsider), case)
    services.accept(sc(world, "grid_worker"), case)  # the grid's worker may take it although the micro-grid worker was assigned
    case.refresh_from_db()
    assert (case.state, case.assignee) == ("accepted", world.accounts["grid_worker"])


@pytest.mark.django_db(transaction=True)
def test_two_workers_accept_one_case_exactly_one_wins():
    from linli.cases.tests.conftest import make_categories
    from linli.core import roles
    from linli.people import services as people
    from linli.testing.world import PASSWORD, build_world

    w = build_world()
    make_categories()
    second = people.register_person(system(), community=w.a, name="第二网格员", phone="13900008001")
    people.appoint(system(), second, roles.GRID_WORKER, w.grids["A1"], starts_on=datetime.date(2020, 1, 1))
    w.accounts["grid_worker_2"] = people.create_account(second, "grid_worker_2", PASSWORD)
    case = report_leak(w)
    barrier = threading.Barrier(2)
    results = {}

    def take(key):
        try:
            mine = Case.objects.get(pk=case.pk)
            barrier.wait(timeout=5)
            services.accept(resolve(w.accounts[key]), mine)
            results[key] = "won"
        except services.Conflict as exc:
            results[key] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(k,)) for k in ("grid_worker", "grid_worker_2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()).count("won") == 1, results
    loser = [v for v in results.values() if v != "won"][0]
    assert case.number in loser and "已被他人修改" in loser  # zh-Hans is the default language
    case.refresh_from_db()
    winner = [k for k, v in results.items() if v == "won"][0]
    assert case.assignee == w.accounts[winner]
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_stale_copy_gets_a_conflict(world, cats):
    case = report_leak(world)
    stale = Case.objects.get(pk=case.pk)
    services.accept(sc(world, "grid_worker"), case)
    with pytest.raises(services.Conflict):
        services.accept(sc(world, "grid_worker_2"), stale)


def test_overdue_response_escalates_exactly_once(world, cats):
    case = report_leak(world)
    Case.objects.filter(pk=case.pk).update(response_due=timezone.now() - datetime.timedelta(minutes=1))
    assert sweeps.escalate_overdue_cases() == 1
    assert sweeps.escalate_overdue_cases() == 0
    case.refresh_from_db()
    assert (case.tier, case.assignee) == ("community", world.accounts["community_staff"])
    assert case.response_due > timezone.now()
    assert CaseEvent.objects.filter(case=case, action="escalate").count() == 1
    ev = CaseEvent.objects.get(case=case, action="escalate")
    assert (ev.from_tier, ev.to_tier, ev.actor, ev.data["auto"]) == ("grid", "community", None, True)


def test_top_tier_overdue_is_flagged_once(world, cats):
    case = report_leak(world)
    for _ in range(3):  # grid → community → subdistrict → flagged
        Case.objects.filter(pk=case.pk).update(response_due=timezone.now() - datetime.timedelta(minutes=1))
        sweeps.escalate_overdue_cases()
    case.refresh_from_db()
    assert case.tier == "subdistrict" and case.overdue
    Case.objects.filter(pk=case.pk).update(response_due=timezone.now() - datetime.timedelta(minutes=1))
    assert sweeps.escalate_overdue_cases() == 0
    assert actions(case).count("escalate") == 2 and actions(case).count("overdue") == 1


def test_rating_rules(world, cats):
    case = report_leak(world)
    gw = sc(world, "micro_grid_worker")
    services.accept(gw, case)
    with pytest.raises(ValidationError):
        services.rate(sc(world, "resident"), case, "satisfied")  # not resolved yet
    services.resolve(gw, case, "已联系楼上住户维修管道")
    case.refresh_from_db()
    with pytest.raises(OutOfScope):
        services.rate(sc(world, "resident_b"), case, "satisfied")
    with pytest.raises(ValidationError) as exc:
        services.rate(sc(world, "resident"), case, "unsatisfied")
    assert "comment" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.rate(sc(world, "resident"), case, "meh")


def test_no_verdict_in_time_closes_by_the_rule(world, cats):
    from linli.cases.models import CaseSettings

    CaseSettings.objects.create(community=world.a, rating_days=2, no_verdict="unrated")
    case = report_leak(world)
    gw = sc(world, "micro_grid_worker")
    services.accept(gw, case)
    services.resolve(gw, case, "已维修")
    case.refresh_from_db()
    assert case.rating_due.date() == (case.resolved_at + datetime.timedelta(days=2)).date()
    assert sweeps.close_unrated_cases() == 0
    Case.objects.filter(pk=case.pk).update(rating_due=timezone.now() - datetime.timedelta(seconds=1))
    assert sweeps.close_unrated_cases() == 1
    assert sweeps.close_unrated_cases() == 0
    case.refresh_from_db()
    assert (case.state, case.verdict) == ("closed", "default")


def test_merged_reporters_follow_and_rate_the_parent(world, cats):
    from linli.people import services as people

    # a1's spouse also has an account and reports the same leak
    spouse = people.create_account(world.persons["a1_spouse"], "spouse", "linli-test-pass")
    first = report_leak(world)
    second = services.submit(resolve(spouse), source="resident", description="卫生间天花板滴水，楼上渗下来的",
                             category="home.leak", dwelling=world.dwellings["A1-101"])
    staff = sc(world, "community_staff")
    services.merge(staff, second, first)
    second.refresh_from_db()
    assert (second.state, second.parent) == ("merged", first)
    with pytest.raises(ValidationError):
        services.merge(staff, first, first)
    first.refresh_from_db()
    gw = sc(world, "micro_grid_worker")
    services.accept(gw, first)
    services.resolve(gw, first, "更换楼上排水管")
    first.refresh_from_db()
    assert OutboxMessage.objects.filter(recipient=spouse, event_key__contains=f"case:{first.pk}:").exists()
    services.rate(sc(world, "resident"), first, "satisfied")
    first.refresh_from_db()
    assert first.state == "resolved"  # waits for the second reporter
    services.rate(resolve(spouse), first, "basic")
    first.refresh_from_db()
    assert (first.state, first.verdict) == ("closed", "basic")


def test_photo_on_a_note(world, cats):
    case = report_leak(world)
    gw = sc(world, "micro_grid_worker")
    services.add_note(gw, case, "", photos=[SimpleUploadedFile("p.png", PNG, content_type="image/png")])
    assert CaseEvent.objects.filter(case=case, action="photo").count() == 1
    with pytest.raises(ValidationError):
        services.add_note(gw, case, "   ")
