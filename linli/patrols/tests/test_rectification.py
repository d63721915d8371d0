"""Patrols, hazards, inspections, rectification notices, re-inspection and escalation into a case."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.cases.models import Case
from linli.core.models import OutboxMessage
from linli.patrols import services, sweeps
from linli.patrols.models import (Hazard, Inspection, InspectionResult, Patrol, PatrolStop, RectificationNotice,
                                  Reinspection)
from linli.people.scopes import resolve, system

TODAY = timezone.localdate


def counts():
    return (Patrol.objects.count(), PatrolStop.objects.count(), Hazard.objects.count(), RectificationNotice.objects.count(),
            Reinspection.objects.count(), Inspection.objects.count(), InspectionResult.objects.count(), Case.objects.count())


def worker(gw, key="grid_worker"):
    return resolve(gw.accounts[key])


@pytest.mark.django_db
def test_patrol_two_stops_a_hazard_a_notice_then_not_fixed_becomes_a_property_case(gw):
    s = worker(gw)
    patrol = services.start_patrol(s)
    assert patrol.grid == gw.grids["A1"]
    stop1 = services.record_stop(s, patrol, building=gw.buildings["A1"], seen="楼道堆放纸箱和旧家具")
    stop2 = services.record_stop(s, patrol, dwelling=gw.dwellings["A1-101"], seen="王建国老人身体可以，独居")
    assert stop2.household is not None and stop2.building == gw.buildings["A1"]
    assert len(Patrol.objects.get(pk=patrol.pk).track) == 2
    hazard = services.record_hazard(s, stop=stop1, title="楼道堆物堵塞疏散通道", category_code="fire.corridor_clutter",
                                    responsible_org=gw.orgs["property"])
    assert hazard.responsible_name == "航苑物业" and hazard.building == gw.buildings["A1"]
    deadline = TODAY() + datetime.timedelta(days=3)
    notice = services.issue_notice(s, [hazard], requirements="三日内清理楼道堆物", deadline=deadline)
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.NOTIFIED and notice.reinspection.due_on == deadline
    # before the deadline the sweep does nothing; on it the re-inspection comes due and the inspector is told
    assert sweeps.reinspections_due(TODAY()) == 0
    assert sweeps.reinspections_due(deadline) == 1
    assert sweeps.reinspections_due(deadline) == 0  # once
    r = Reinspection.objects.get(notice=notice)
    assert r.came_due_at is not None
    assert OutboxMessage.objects.filter(recipient=gw.accounts["grid_worker"], event_key__contains=f"reinspection:{r.pk}").count() == 1
    r = services.record_reinspection(s, r, fixed=False, note="堆物仍在")
    hazard.refresh_from_db()
    case = hazard.case
    assert hazard.status == Hazard.Status.ESCALATED and r.case == case
    assert case.source == Case.Source.PATROL and case.category.code == "fire.corridor_clutter"
    assert case.tier == "department" and case.assignee_org == gw.orgs["property"]  # the property company serving 航苑
    assert notice.number in case.description
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ESCALATED
    with pytest.raises(ValidationError) as exc:
        services.record_reinspection(s, r, fixed=True)
    assert "already recorded" in str(exc.value)


@pytest.mark.django_db
def test_shop_fire_inspection_failed_item_escalates_to_the_fire_department(gw):
    staff = resolve(gw.accounts["community_staff"])
    campaign = services.create_campaign(staff, gw.a, kind="shop_fire", title="九小场所消防安全检查", target="venue",
                                        starts_on=TODAY(), ends_on=TODAY() + datetime.timedelta(days=30),
                                        items=["灭火器在有效期内", "疏散通道畅通", "无违规住人"])
    items = list(campaign.items.all())
    s = worker(gw)
    inspection = services.inspect(s, campaign, place=gw.venues["shop_a1"], results={
        items[0].pk: (True, ""), items[1].pk: (False, "后门堆放货物"), items[2].pk: (True, "")})
    assert inspection.results.filter(passed=False).count() == 1
    hazard = Hazard.objects.get(inspection=inspection)
    assert hazard.responsible_name == "航苑小吃店" and hazard.category_code == "fire.passage"
    progress = services.campaign_progress(campaign)
    assert progress["inspected"] == 1 and progress["hazards"] == 1 and progress["escalated"] == 0
    assert progress["planned"] == 2  # community A's venues: 平价超市 and 航苑小吃店
    nine = services.create_campaign(staff, gw.a, kind="shop_fire", title="九小场所专项检查", target="venue", place_kind="nine_small",
                                    starts_on=TODAY(), ends_on=TODAY(), items=["灭火器有效"])
    assert services.campaign_progress(nine)["planned"] == 1  # only 航苑小吃店 is one of the nine small venues
    notice = services.issue_notice(s, [hazard], requirements="清理后门通道", deadline=TODAY())
    r = notice.reinspection
    services.record_reinspection(s, r, fixed=False, note="仍然堆放")
    hazard.refresh_from_db()
    assert hazard.case.assignee_org == gw.orgs["fire"] and hazard.case.tier == "department"
    assert services.campaign_progress(campaign)["escalated"] == 1
    # inspecting the same shop twice in one campaign is refused
    with pytest.raises(ValidationError) as exc:
        services.inspect(s, campaign, place=gw.venues["shop_a1"], results={i.pk: (True, "") for i in items})
    assert "already been inspected" in str(exc.value)


@pytest.mark.django_db
def test_fixed_on_time_counts_in_the_campaign_progress(gw):
    staff = resolve(gw.accounts["community_staff"])
    campaign = services.create_campaign(staff, gw.a, kind="corridor", title="楼道堆物清理", target="building",
                                        starts_on=TODAY(), ends_on=TODAY(), items=["楼道无堆物"])
    item = campaign.items.get()
    s = worker(gw)
    services.inspect(s, campaign, place=gw.buildings["A1"], results={item.pk: (False, "一单元堆物")}, responsible_name="1号楼一单元住户")
    hazard = Hazard.objects.get()
    notice = services.issue_notice(s, [hazard], requirements="清理", deadline=TODAY() + datetime.timedelta(days=2))
    services.record_reinspection(s, notice.reinspection, fixed=True, note="已清理")
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.FIXED
    p = services.campaign_progress(campaign)
    assert (p["inspected"], p["hazards"], p["fixed"], p["fixed_on_time"], p["escalated"]) == (1, 1, 1, 1, 0)
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_a_fix_recorded_after_the_deadline_counts_as_fixed_but_not_on_time(gw, client):
    from django.urls import reverse

    from linli.testing.world import PASSWORD

    staff = resolve(gw.accounts["community_staff"])
    campaign = services.create_campaign(staff, gw.a, kind="corridor", title="楼道堆物清理", target="building",
                                        starts_on=TODAY(), ends_on=TODAY(), items=["楼道无堆物", "无飞线充电"])
    first, second = campaign.items.all()
    # building 1: two hazards on one notice, fixed on the deadline day (on time)
    services.inspect(staff, campaign, place=gw.buildings["A1"], results={first.pk: (False, "一单元堆物"), second.pk: (False, "飞线")},
                     responsible_name="1号楼住户")
    on_time = services.issue_notice(staff, list(Hazard.objects.filter(building=gw.buildings["A1"])), requirements="清理", deadline=TODAY())
    services.record_reinspection(staff, on_time.reinspection, fixed=True, note="已清理")
    # building 2: the notice's deadline was yesterday (staged: issued earlier), the fix is recorded today (late)
    services.inspect(staff, campaign, place=gw.buildings["A2"], results={first.pk: (False, "堆物"), second.pk: (True, "")},
                     responsible_name="2号楼住户")
    late = services.issue_notice(staff, list(Hazard.objects.filter(building=gw.buildings["A2"])), requirements="清理", deadline=TODAY())
    yesterday = TODAY() - datetime.timedelta(days=1)
    RectificationNotice.objects.filter(pk=late.pk).update(deadline=yesterday)
    Reinspection.objects.filter(notice=late).update(due_on=yesterday)
    services.record_reinspection(staff, Reinspection.objects.get(notice=late), fixed=True, note="逾期后清理")
    assert Hazard.objects.filter(status=Hazard.Status.FIXED).count() == 3
    p = services.campaign_progress(campaign)
    assert (p["inspected"], p["hazards"], p["fixed"], p["fixed_on_time"], p["escalated"]) == (2, 3, 3, 2, 0)
    assert client.login(username="community_staff", password=PASSWORD)
    page = client.get(reverse("patrols:campaign", args=[campaign.pk])).content.decode()
    assert 'id="progress-fixed">3<' in page and 'id="progress-fixed-on-time">2<' in page


@pytest.mark.django_db
def test_notice_deadline_in_the_past_is_refused_and_changes_nothing(gw):
    s = worker(gw)
    hazard = services.record_hazard(s, place=gw.buildings["A1"], title="飞线充电", category_code="fire.flying_wire",
                                    responsible_name="1号楼101住户")
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.issue_notice(s, [hazard], requirements="拆除飞线", deadline=TODAY() - datetime.timedelta(days=1))
    assert exc.value.message_dict == {"deadline": ["Deadline: the date lies in the past."]}
    assert counts() == before
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.OPEN
    with pytest.raises(ValidationError) as exc:
        services.issue_notice(s, [hazard], requirements="拆除飞线", deadline="next week")
    assert "deadline" in exc.value.message_dict
    assert counts() == before


@pytest.mark.django_db
def test_inspecting_a_venue_outside_the_workers_grid_is_refused_and_changes_nothing(gw):
    staff = resolve(gw.accounts["community_staff"])
    campaign = services.create_campaign(staff, gw.a, kind="shop_fire", title="商铺消防检查", target="venue",
                                        starts_on=TODAY(), ends_on=TODAY(), items=["灭火器有效"])
    item = campaign.items.get()
    before = counts()
    with pytest.raises(PermissionDenied) as exc:  # 平价超市 lies in the dedicated grid, not in A1
        services.inspect(worker(gw), campaign, place=gw.venues["shop"], results={item.pk: (False, "灭火器过期")})
    assert str(exc.value) == "平价超市 lies outside your grid: you may inspect only places in your grid."
    assert counts() == before
    # a shop where the campaign inspects only the nine small venues is refused by field
    nine = services.create_campaign(staff, gw.a, kind="shop_fire", title="九小场所", target="venue", place_kind="nine_small",
                                    starts_on=TODAY(), ends_on=TODAY(), items=["灭火器有效"])
    with pytest.raises(ValidationError) as exc:
        services.inspect(resolve(gw.accounts["community_staff"]), nine, place=gw.venues["shop"], results={nine.items.get().pk: (True, "")})
    assert exc.value.message_dict == {"venue": ["平价超市 is not of the kind this campaign inspects (Nine small venues)."]}
    with pytest.raises(ValidationError) as exc:
        services.create_campaign(staff, gw.a, kind="shop_fire", title="x", target="venue", place_kind="castle", starts_on=TODAY(),
                                 ends_on=TODAY(), items=["一"])
    assert "place_kind" in exc.value.message_dict
    assert counts() == before
    # a building where a venue is expected is refused by field
    with pytest.raises(ValidationError) as exc:
        services.inspect(worker(gw), campaign, place=gw.buildings["A1"], results={item.pk: (True, "")})
    assert "venue" in exc.value.message_dict
    assert counts() == before
    # a checklist with an item left out is refused
    other = services.create_campaign(staff, gw.a, kind="shop_fire", title="复检", target="venue", starts_on=TODAY(),
                                     ends_on=TODAY(), items=["一", "二"])
    first = other.items.first()
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.inspect(worker(gw), other, place=gw.venues["shop_a1"], results={first.pk: (True, "")})
    assert "results" in exc.value.message_dict
    assert counts() == before


@pytest.mark.django_db
def test_patrol_refusals(gw):
    s = worker(gw)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.start_patrol(s, grid=gw.grids["A2"])
    assert counts() == before
    patrol = services.start_patrol(s)
    with pytest.raises(ValidationError) as exc:
        services.start_patrol(s)
    assert "already have a patrol" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.record_stop(s, patrol, building=gw.buildings["A2"], seen="外网格楼栋")
    with pytest.raises(ValidationError) as exc:
        services.record_stop(s, patrol, building=gw.buildings["A1"], seen=" ")
    assert "seen" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_stop(s, patrol, seen="两个地点", building=gw.buildings["A1"], dwelling=gw.dwellings["A1-101"])
    assert "place" in exc.value.message_dict
    other = resolve(gw.accounts["micro_grid_worker"])
    with pytest.raises(PermissionDenied):
        services.record_stop(other, patrol, building=gw.buildings["A1"], seen="别人的巡查")
    assert PatrolStop.objects.count() == 0
    services.end_patrol(s, patrol)
    with pytest.raises(ValidationError):
        services.record_stop(s, patrol, building=gw.buildings["A1"], seen="巡查已结束")
    with pytest.raises(ValidationError) as exc:
        services.record_hazard(s, place=gw.buildings["A1"], title="楼道堆物")
    assert "responsible" in exc.value.message_dict
    # not fixed before the deadline is refused: the party still has time
    hazard = services.record_hazard(s, place=gw.buildings["A1"], title="楼道堆物", responsible_name="101住户")
    notice = services.issue_notice(s, [hazard], requirements="清理", deadline=TODAY() + datetime.timedelta(days=5))
    with pytest.raises(ValidationError) as exc:
        services.record_reinspection(s, notice.reinspection, fixed=False, note="未清理")
    assert "outcome" in exc.value.message_dict
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_one_tap_case_from_a_stop(gw):
    s = worker(gw)
    patrol = services.start_patrol(s)
    stop = services.record_stop(s, patrol, dwelling=gw.dwellings["A1-101"], seen="楼上渗水到101卫生间")
    case = services.stop_to_case(s, stop, "楼上渗水到101卫生间，墙面发霉", category="housing.upstairs_leak")
    assert case.source == Case.Source.PATROL and case.dwelling == gw.dwellings["A1-101"]
    assert PatrolStop.objects.get(pk=stop.pk).case == case
    with pytest.raises(ValidationError):
        services.stop_to_case(s, stop, "再报一次同一问题")
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_system_sweep_escalation_uses_the_grid_worker_when_the_sweep_records(gw):
    """Staff may also record the re-inspection; the case is then opened by the system on the patrol's behalf."""
    s = worker(gw)
    hazard = services.record_hazard(s, place=gw.buildings["A1"], title="电动车楼道充电", category_code="fire.ebike",
                                    responsible_org=gw.orgs["property"])
    notice = services.issue_notice(s, [hazard], requirements="清理电动车", deadline=TODAY())
    services.record_reinspection(system(), notice.reinspection, fixed=False, note="仍在充电")
    hazard.refresh_from_db()
    assert hazard.case is not None and hazard.case.assignee_org == gw.orgs["property"]


@pytest.mark.django_db
def test_a_whistle_stays_possible_on_the_escalated_case(gw):
    from linli.cases import services as cases

    s = worker(gw)
    hazard = services.record_hazard(s, place=gw.venues["shop_a1"], title="后门通道堆放货物", category_code="fire.passage")
    notice = services.issue_notice(s, [hazard], requirements="清理后门通道", deadline=TODAY())
    services.record_reinspection(s, notice.reinspection, fixed=False, note="仍然堆放")
    case = Hazard.objects.get(pk=hazard.pk).case
    assert case.assignee_org == gw.orgs["fire"]
    w = cases.whistle(resolve(gw.accounts["community_staff"]), case, [gw.orgs["fire"], gw.orgs["property"]], "消防通道长期堵塞，需联合执法")
    case.refresh_from_db()
    assert case.state == "whistled" and w.summonses.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_recording_not_fixed_at_once_open_one_case():
    import threading

    from django.db import connection

    from linli.patrols.tests.conftest import add_grid_work
    from linli.core import roles
    from linli.people import services as people
    from linli.testing.world import PASSWORD, build_world

    w = add_grid_work(build_world())
    second = people.register_person(system(), community=w.a, name="第二网格员", phone="13900008001")
    people.appoint(system(), second, roles.GRID_WORKER, w.grids["A1"], starts_on=datetime.date(2020, 1, 1))
    w.accounts["grid_worker_2"] = people.create_account(second, "grid_worker_2", PASSWORD)
    s = resolve(w.accounts["grid_worker"])
    hazard = services.record_hazard(s, place=w.buildings["A1"], title="楼道堆物", category_code="fire.corridor_clutter",
                                    responsible_org=w.orgs["property"])
    notice = services.issue_notice(s, [hazard], requirements="清理楼道", deadline=TODAY())
    barrier = threading.Barrier(2)
    results = {}

    def record(key):
        try:
            r = Reinspection.objects.get(notice=notice)
            scope = resolve(w.accounts[key])
            barrier.wait(timeout=5)
            services.record_reinspection(scope, r, fixed=False, note=f"{key} 复查未整改")
            results[key] = "won"
        except ValidationError as exc:
            results[key] = " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001  (a lock timeout would show here and fail the test)
            results[key] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(k,)) for k in ("grid_worker", "grid_worker_2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()).count("won") == 1, results
    assert [v for v in results.values() if v != "won"][0] == "复查：已经记录（未整改）。", results  # threads speak zh-Hans
    assert Case.objects.count() == 1
    assert Hazard.objects.get(pk=hazard.pk).case == Case.objects.get()


@pytest.mark.django_db
def test_a_due_reinspection_left_undone_goes_to_the_community_once(gw):
    s = worker(gw)
    hazard = services.record_hazard(s, place=gw.buildings["A1"], title="飞线充电", category_code="fire.flying_wire",
                                    responsible_name="1号楼101住户")
    due = datetime.date(2026, 9, 30)  # the day before the National Day holiday (1–7 October 2026)
    notice = services.issue_notice(s, [hazard], requirements="拆除飞线", deadline=due, today=datetime.date(2026, 9, 25))
    assert sweeps.reinspections_due(due) == 1
    # three working days after 30 September: 8, 9 and 10 October (a Saturday made a working day) → overdue from the 11th
    assert services.reinspection_overdue_on(due) == datetime.date(2026, 10, 11)
    assert sweeps.reinspections_due(datetime.date(2026, 10, 10)) == 0
    assert sweeps.reinspections_due(datetime.date(2026, 10, 11)) == 1
    assert sweeps.reinspections_due(datetime.date(2026, 10, 12)) == 0
    msgs = OutboxMessage.objects.filter(event_key=f"patrols:reinspection:{notice.reinspection.pk}:overdue", channel="inapp")
    assert set(msgs.values_list("recipient_id", flat=True)) == {gw.accounts["community_staff"].pk, gw.accounts["community_secretary"].pk}


@pytest.mark.django_db
def test_a_failed_item_becomes_a_hazard_with_its_photos_and_bad_photos_are_refused(gw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.patrols.models import Photo

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    staff = resolve(gw.accounts["community_staff"])
    campaign = services.create_campaign(staff, gw.a, kind="ebike", title="电动车充电摸底", target="building", starts_on=TODAY(),
                                        ends_on=TODAY(), items=["无电动车进楼充电", "无飞线充电"])
    first, second = campaign.items.all()
    s = worker(gw)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.inspect(s, campaign, place=gw.buildings["A1"], results={first.pk: (False, "楼道充电"), second.pk: (True, "")},
                         responsible_name="1号楼住户",
                         photos={first.pk: [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]})
    assert "photos" in exc.value.message_dict and counts() == before and Photo.objects.count() == 0
    services.inspect(s, campaign, place=gw.buildings["A1"], results={first.pk: (False, "楼道充电"), second.pk: (True, "")},
                     responsible_name="1号楼住户", photos={first.pk: [SimpleUploadedFile("ebike.png", png, content_type="image/png")]})
    hazard = Hazard.objects.get()
    assert hazard.title == "无电动车进楼充电" and hazard.category_code == "fire.flying_wire"
    photo = hazard.photos.get()
    assert photo.file.name.startswith("patrols/") and photo.file.read() == png


@pytest.mark.django_db(transaction=True)
def test_two_notices_for_one_hazard_at_once_one_wins_and_numbers_stay_unique():
    import threading

    from django.db import connection

    from linli.patrols.tests.conftest import add_grid_work
    from linli.core import roles
    from linli.people import services as people
    from linli.testing.world import PASSWORD, build_world

    w = add_grid_work(build_world())
    second = people.register_person(system(), community=w.a, name="第二网格员", phone="13900008001")
    people.appoint(system(), second, roles.GRID_WORKER, w.grids["A1"], starts_on=datetime.date(2020, 1, 1))
    w.accounts["grid_worker_2"] = people.create_account(second, "grid_worker_2", PASSWORD)
    s = resolve(w.accounts["grid_worker"])
    hazard = services.record_hazard(s, place=w.buildings["A1"], title="楼道堆物", responsible_org=w.orgs["property"])
    barrier = threading.Barrier(2)
    results = {}

    def issue(key):
        try:
            h = Hazard.objects.get(pk=hazard.pk)
            scope = resolve(w.accounts[key])
            barrier.wait(timeout=5)
            results[key] = services.issue_notice(scope, [h], requirements="清理楼道", deadline=TODAY()).number
        except ValidationError as exc:
            results[key] = "refused: " + " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001
            results[key] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(k,)) for k in ("grid_worker", "grid_worker_2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    won = [v for v in results.values() if v.startswith("ZG")]
    assert len(won) == 1 and all(v.startswith(("ZG", "refused")) for v in results.values()), results
    assert RectificationNotice.objects.count() == 1 and Reinspection.objects.count() == 1
    assert Hazard.objects.get(pk=hazard.pk).status == Hazard.Status.NOTIFIED


@pytest.mark.django_db
def test_the_escalated_case_page_links_back_to_its_notice_for_those_who_may_read_it(gw, client):
    from django.urls import reverse

    s = worker(gw)
    stop = services.record_stop(s, services.start_patrol(s), building=gw.buildings["A1"], seen="楼道堆放纸箱")
    hazard = services.record_hazard(s, stop=stop, title="楼道堆物堵塞疏散通道", category_code="fire.corridor_clutter",
                                    responsible_org=gw.orgs["property"])
    deadline = TODAY() + datetime.timedelta(days=3)
    notice = services.issue_notice(s, [hazard], requirements="三日内清理楼道堆物", deadline=deadline)
    assert sweeps.reinspections_due(deadline) == 1
    services.record_reinspection(s, Reinspection.objects.get(notice=notice), fixed=False, note="堆物仍在")
    case = Hazard.objects.get(pk=hazard.pk).case
    link = reverse("patrols:notice", args=[notice.pk])
    client.force_login(gw.accounts["property_manager"])  # the case's handler, who may read notices sent to it
    page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert f'href="{link}"' in page and notice.number in page
    assert client.get(link).status_code == 200
    client.force_login(gw.accounts["resident_b"])  # neither handler nor reader: no link
    assert link not in client.get(reverse("cases:case", args=[case.pk])).content.decode()


@pytest.mark.django_db
def test_the_department_handling_the_escalated_case_reads_its_notice_and_photos_and_others_do_not(gw, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from linli.patrols.models import Photo

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\r"
           b"IDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    s = worker(gw)
    hazard = services.record_hazard(s, place=gw.venues["shop_a1"], title="灭火器过期", category_code="fire.passage",
                                    photos=[SimpleUploadedFile("a.png", png, content_type="image/png")])
    deadline = TODAY() + datetime.timedelta(days=2)
    notice = services.issue_notice(s, [hazard], requirements="更换灭火器", deadline=deadline)
    notice_url, pdf_url = reverse("patrols:notice", args=[notice.pk]), reverse("patrols:notice_pdf", args=[notice.pk])
    photo_url = reverse("patrols:photo", args=[Photo.objects.get(hazard=hazard).pk])
    client.force_login(gw.accounts["fire_contact"])
    assert client.get(notice_url).status_code == 404  # not escalated yet: not the department's business
    assert sweeps.reinspections_due(deadline) == 1
    services.record_reinspection(s, Reinspection.objects.get(notice=notice), fixed=False, note="仍未更换")
    case = Hazard.objects.get(pk=hazard.pk).case
    assert case.assignee_org == gw.orgs["fire"]
    assert f'href="{notice_url}"' in client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert client.get(notice_url).status_code == 200 and client.get(pdf_url)["Content-Type"] == "application/pdf"
    assert client.get(photo_url).status_code == 200
    client.force_login(gw.accounts["department_contact"])  # the police: not this case's handler
    assert client.get(notice_url).status_code == 404 and client.get(photo_url).status_code == 404
