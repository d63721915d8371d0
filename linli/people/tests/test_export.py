import io

from linli.core import excel
from linli.core.models import AuditLog
from linli.people.exports import PERSON_HEADERS, export_households, export_persons, revealable_ids
from linli.people.importers import import_residents
from linli.people.models import Person
from linli.people.queries import PersonFilter
from linli.people.scopes import resolve
from linli.places.exports import export_buildings, export_grids, export_venues
from linli.testing.world import IDS

REASON = "核对低保台账"
ID_COL = PERSON_HEADERS.index("身份证号")
PHONE_COL = PERSON_HEADERS.index("联系电话")


def sheet(data: bytes) -> tuple[list, list]:
    rows = excel.read_all(data)
    return rows[0], rows[1:]


def by_name(rows):
    return {r[0]: r for r in rows}


def test_community_staff_export_reveals_and_audits_once(world):
    scope = resolve(world.accounts["community_staff"])
    header, rows = sheet(export_persons(scope, reason=REASON))
    assert header == PERSON_HEADERS
    people = by_name(rows)
    assert {"王建国", "李秀兰", "张伟", "刘芳"} <= set(people)
    assert "陈明" not in people  # community B
    assert people["王建国"][ID_COL] == IDS["a1"] and people["王建国"][PHONE_COL] == "13800000001"
    assert people["王建国"][PERSON_HEADERS.index("标签")] == "独居"
    assert people["张伟"][PERSON_HEADERS.index("标签")] == "残疾2级"
    assert people["李秀兰"][PERSON_HEADERS.index("与户主关系")] == "配偶"
    logs = AuditLog.objects.filter(action="export_revealed")
    assert logs.count() == 1
    log = logs.get()
    assert log.actor == world.accounts["community_staff"] and log.community_id == world.a.pk
    assert log.reason == REASON and log.detail["count"] == len(rows)
    assert log.detail["revealed"] == len([r for r in rows if r[ID_COL] or r[PHONE_COL]])
    # the secretary of community A can browse it
    assert resolve(world.accounts["community_secretary"]).audit_logs().filter(pk=log.pk).exists()


def test_grid_worker_export_only_their_grid(world):
    scope = resolve(world.accounts["grid_worker"])
    _, rows = sheet(export_persons(scope, reason=REASON))
    assert set(by_name(rows)) == {"王建国", "李秀兰", "张伟"}
    assert by_name(rows)["张伟"][ID_COL] == IDS["a2"]


def test_masked_without_reveal_grant_and_on_request(world):
    leader = resolve(world.accounts["building_leader"])  # reads building 1, may not reveal
    _, rows = sheet(export_persons(leader, reason=REASON))
    people = by_name(rows)
    assert set(people) == {"王建国", "李秀兰", "张伟"}
    assert people["王建国"][ID_COL] == IDS["a1"][:4] + "*" * 10 + IDS["a1"][-4:]
    assert people["王建国"][PHONE_COL] == "138****0001"
    staff = resolve(world.accounts["community_staff"])
    _, rows = sheet(export_persons(staff))
    assert "*" in by_name(rows)["王建国"][ID_COL]
    assert not AuditLog.objects.filter(action="export_revealed").exists()
    assert revealable_ids(leader, Person.objects.all()) == set()
    # the batch rule agrees with Scope.may_reveal person by person
    gw = resolve(world.accounts["grid_worker"])
    assert revealable_ids(gw, Person.objects.all()) == {p.pk for p in Person.objects.all() if gw.may_reveal(p)}


def test_resident_sees_nothing_but_own_household(world):
    _, rows = sheet(export_persons(resolve(world.accounts["resident"])))
    assert set(by_name(rows)) == {"王建国", "李秀兰"}
    assert "*" in by_name(rows)["王建国"][ID_COL]


def test_filter_and_round_trip(world):
    scope = resolve(world.accounts["community_staff"])
    data = export_persons(scope, PersonFilter(tag="living_alone"), reason=REASON)
    _, rows = sheet(data)
    assert set(by_name(rows)) == {"王建国"}
    assert AuditLog.objects.get(action="export_revealed").detail["filter"] == {"tag": "living_alone", "status": "living_here"}
    data = export_persons(scope, PersonFilter(grid=world.grids["A1"].pk), reason=REASON)
    report = import_residents(scope, io.BytesIO(data), dry_run=False)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_households_export(world):
    header, rows = sheet(export_households(resolve(world.accounts["grid_worker"]), reason=REASON))
    assert header[6] == "户主"
    heads = {r[6]: r for r in rows}
    assert set(heads) == {"王建国", "张伟"}
    assert heads["王建国"][9] == 2 and "李秀兰(配偶)" in heads["王建国"][10]
    assert heads["王建国"][7] == IDS["a1"]
    _, masked = sheet(export_households(resolve(world.accounts["building_leader"]), reason=REASON))
    assert all("*" in r[7] for r in masked if r[7])


def test_place_exports_follow_the_scope(world):
    gw = resolve(world.accounts["grid_worker"])
    staff = resolve(world.accounts["community_staff"])
    _, rows = sheet(export_buildings(gw))
    assert [(r[1], r[2], r[3]) for r in rows] == [("航苑", "1号楼", world.grids["A1"].code)]
    _, rows = sheet(export_buildings(staff))
    assert sorted(r[2] for r in rows) == ["1号楼", "2号楼"] and all(r[0] == "柳航里社区" for r in rows)
    _, rows = sheet(export_venues(staff))
    assert [r[1] for r in rows] == ["平价超市"]
    _, rows = sheet(export_venues(gw))
    assert rows == []
    _, rows = sheet(export_grids(gw))
    assert {r[1] for r in rows} == {world.grids["A1"].code, world.grids["A1m"].code}
    _, rows = sheet(export_grids(staff))
    assert {r[2] for r in rows} == {"第一网格", "第一网格微网格1", "第二网格", "专属网格"}


# --- minimum necessary (issue 13, point 3): an export in full asks for a reason; a masked one is one click

def test_export_without_reason_is_masked_and_audited_as_masked(world):
    """Before: the grid worker's plain export held full ID numbers and phones (and no reason was asked)."""
    scope = resolve(world.accounts["grid_worker"])
    _, rows = sheet(export_persons(scope))
    people = by_name(rows)
    assert people["王建国"][ID_COL] != IDS["a1"] and "*" in people["王建国"][ID_COL]
    assert people["王建国"][PHONE_COL] == "138****0001"
    _, households = sheet(export_households(scope))
    assert all("*" in r[7] for r in households if r[7])
    assert not AuditLog.objects.filter(action="export_revealed").exists()
    logs = list(AuditLog.objects.filter(action="export").order_by("id"))
    assert len(logs) == 2  # one row per export, with its row count
    assert logs[0].detail["count"] == len(rows) == 3 and logs[0].detail["revealed"] == 0 and logs[0].reason == ""
    assert logs[1].detail["count"] == len(households)


def test_export_in_full_writes_one_row_with_reason_and_count(world):
    scope = resolve(world.accounts["community_staff"])
    _, rows = sheet(export_persons(scope, reason="  " + REASON + " "))
    assert AuditLog.objects.count() == 1
    log = AuditLog.objects.get()
    assert log.action == "export_revealed" and log.reason == REASON and log.field == "id_number,phone"
    assert log.detail["count"] == len(rows) and log.detail["revealed"] >= 4


def test_export_reason_too_short_is_refused(world):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        export_persons(resolve(world.accounts["community_staff"]), reason="x")
    assert not AuditLog.objects.exists()


def test_venue_contact_phones_need_a_reason(world):
    v = world.venues["shop"]
    v.contact_phone = "13912345678"
    v.save()
    staff = resolve(world.accounts["community_staff"])
    _, rows = sheet(export_venues(staff))
    assert rows[0][7] == "139****5678"
    _, rows = sheet(export_venues(staff, reason=REASON))
    assert rows[0][7] == "13912345678"
    assert [(a.action, a.detail["count"]) for a in AuditLog.objects.order_by("id")] == [("export", 1), ("export_revealed", 1)]
