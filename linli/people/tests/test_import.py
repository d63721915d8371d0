import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from linli.core import crypto, excel, jobs
from linli.core.models import Job
from linli.people import importers
from linli.people.importers import import_residents
from linli.people.models import Household, HouseholdMember, Person, PersonTag, ResidentEvent
from linli.people.scopes import resolve, system
from linli.places.models import Dwelling
from linli.testing.sheets import xlsx
from linli.testing.world import IDS, _id

NEW1 = _id("14021319480101001")  # male, 1948
NEW2 = _id("14021319500202002")  # female, 1950
NEW3 = _id("14021319900303003")
NEW4 = _id("14021320000404004")  # female (17th digit 4)
NEW5 = _id("14021319850505005")  # male
BAD_CHECKSUM = NEW3[:-1] + ("1" if NEW3[-1] != "1" else "2")

HEADERS = ["姓名", "性别", "身份证号", "联系电话", "楼栋", "单元", "房号", "与户主关系", "标签", "备注"]


def counts():
    return {m.__name__: m.objects.count() for m in (Person, Household, HouseholdMember, ResidentEvent, PersonTag, Dwelling)}


BROKEN_ROWS = [
    ["孙大爷", "男", NEW1, "13800001111", "1号楼", "1单元", "102", "户主", "独居、残疾2级", "新迁入"],   # 3 ok
    ["孙大妈", "女", NEW2, "", "1号楼", "1", "102室", "配偶", "空巢", ""],                              # 4 ok
    ["坏校验", "男", BAD_CHECKSUM, "", "1号楼", "1单元", "103", "户主", "", ""],                        # 5
    ["重复人", "男", NEW1, "", "1号楼", "1单元", "104", "户主", "", ""],                                # 6
    ["无楼栋", "男", NEW5, "", "9号楼", "1单元", "101", "", "", ""],                                    # 7
    ["坏电话", "男", _id("14021319700707007"), "12345", "1号楼", "1单元", "105", "", "", ""],          # 8
    ["", "男", _id("14021319700808009"), "", "1号楼", "1单元", "", "", "", ""],                         # 9
    ["性别错", "男", NEW4, "", "1号楼", "2单元", "202", "", "", ""],                                    # 10
    ["怪标签", "", _id("14021319711111001"), "", "1号楼", "2单元", "203", "", "外星人", ""],           # 11
    ["抢户主", "", _id("14021319721212003"), "", "1号楼", "1单元", "101", "户主", "", ""],             # 12
    ["刘芳", "女", IDS["a3"], "13900001234", "2号楼", "1单元", "301", "", "", ""],                     # 13 update
    ["陈明", "男", IDS["b1"], "", "1号楼", "1单元", "101", "", "", ""],                                # 14 other community
    ["短号码", "男", "14021319700101", "", "1号楼", "1单元", "106", "", "", ""],                        # 15
]
EXPECTED_ERRORS = [
    (5, "身份证号", "id_checksum"),
    (6, "身份证号", "duplicate_in_file"),
    (7, "楼栋", "unknown_building"),
    (8, "联系电话", "phone"),
    (9, "姓名", "required"),
    (9, "房号", "required"),
    (10, "性别", "mismatch"),
    (11, "标签", "bad_value"),
    (12, "与户主关系", "head_conflict"),
    (14, "身份证号", "db_conflict"),
    (15, "身份证号", "id_length"),
]


def test_broken_sheet_reports_exact_errors_and_commits_valid_rows(world):
    scope = resolve(world.accounts["community_staff"])
    before = counts()
    report = import_residents(scope, xlsx(HEADERS, BROKEN_ROWS), dry_run=False)
    assert report.error_tuples() == EXPECTED_ERRORS
    assert (report.created, report.updated, report.unchanged) == (2, 1, 0)
    assert report.rows == 13
    after = counts()
    assert after["Person"] == before["Person"] + 2
    assert after["Dwelling"] == before["Dwelling"] + 1  # 1号楼 1单元 102
    assert after["Household"] == before["Household"] + 1
    # the valid rows are in, with household, relation and tags
    grandpa = Person.objects.get(id_number_hash=crypto.lookup_hash(NEW1))
    grandma = Person.objects.get(name="孙大妈")
    assert grandpa.name == "孙大爷" and grandpa.gender == "M" and grandpa.birth_date == datetime.date(1948, 1, 1)
    assert grandpa.phone == "13800001111" and grandpa.note == "新迁入"
    assert grandpa.household_id == grandma.household_id
    assert grandpa.household.head == grandpa
    assert HouseholdMember.objects.get(person=grandma, until__isnull=True).relation == "spouse"
    assert str(grandpa.dwelling) == "航苑1号楼1单元102"
    assert dict(grandpa.tags.values_list("tag", "level")) == {"living_alone": None, "disabled": 2}
    assert dict(grandma.tags.values_list("tag", "level")) == {"empty_nest": None}
    assert "age60" in grandpa.derived_tags()  # 60+ comes from the birth date, not from a stored tag
    assert list(grandpa.events.values_list("kind", flat=True).order_by("id")) == ["registered", "moved_in"]
    a3 = Person.objects.get(pk=world.persons["a3"].pk)
    assert a3.phone == "13900001234"
    assert a3.events.filter(kind="changed").exists()
    # nothing of the invalid rows got in
    assert not Person.objects.filter(name__in=["坏校验", "重复人", "无楼栋", "坏电话", "性别错", "怪标签", "抢户主", "短号码"]).exists()
    assert Person.objects.get(pk=world.persons["b1"].pk).community_id == world.b.pk
    # messages are for people
    assert all(e.message for e in report.errors)


def test_error_report_downloads_as_xlsx_with_original_values(world):
    scope = resolve(world.accounts["community_staff"])
    report = import_residents(scope, xlsx(HEADERS, BROKEN_ROWS), dry_run=True)
    rows = excel.read_all(report.error_xlsx())
    header = rows[0]
    assert header[: len(HEADERS)] == HEADERS
    assert len(header) == len(HEADERS) + 4
    body = rows[1:]
    assert [r[len(HEADERS)] for r in body] == [5, 6, 7, 8, 9, 10, 11, 12, 14, 15]
    by_row = {r[len(HEADERS)]: r for r in body}
    assert by_row[5][0] == "坏校验" and by_row[5][2] == BAD_CHECKSUM
    assert by_row[5][len(HEADERS) + 2] == "id_checksum"
    assert by_row[9][len(HEADERS) + 1].split("\n") == ["姓名", "房号"]
    assert by_row[9][len(HEADERS) + 2].split("\n") == ["required", "required"]
    assert by_row[8][3] == "12345"
    d = report.as_dict()
    assert d["invalid_rows"] == 10 and len(d["errors"]) == 11
    assert {"row": 5, "column": "身份证号", "rule": "id_checksum"}.items() <= d["errors"][0].items()


def test_dry_run_writes_nothing_and_counts_what_would_change(world):
    scope = resolve(world.accounts["community_staff"])
    before = counts()
    updated_at = Person.objects.get(pk=world.persons["a3"].pk).updated_at
    report = import_residents(scope, xlsx(HEADERS, BROKEN_ROWS), dry_run=True)
    assert report.dry_run
    assert report.error_tuples() == EXPECTED_ERRORS
    assert (report.created, report.updated, report.unchanged) == (2, 1, 0)
    assert counts() == before
    assert Person.objects.get(pk=world.persons["a3"].pk).updated_at == updated_at
    with translation.override("en"):
        assert "dry run" in report.summary()


GOOD_ROWS = [
    ["孙大爷", "男", NEW1, "13800001111", "1号楼", "1单元", "102", "户主", "独居、残疾2级", ""],
    ["孙大妈", "女", NEW2, "", "1号楼", "1单元", "102", "配偶", "", ""],
    ["孙小宝", "男", _id("14021320180606001"), "", "1号楼", "1单元", "102", "孙子", "", ""],
    ["王建国", "男", IDS["a1"], "13800000001", "1号楼", "1单元", "101", "户主", "独居", ""],
    ["刘芳", "女", IDS["a3"], "13800000004", "2号楼", "1单元", "301", "户主", "", ""],
]


def test_reimport_is_a_no_op(world):
    scope = resolve(world.accounts["community_staff"])
    first = import_residents(scope, xlsx(HEADERS, GOOD_ROWS), dry_run=False)
    assert first.errors == []
    assert (first.created, first.updated, first.unchanged) == (3, 0, 2)
    snapshot = counts()
    stamps = dict(Person.objects.values_list("pk", "updated_at"))
    members = list(HouseholdMember.objects.values_list("pk", "household_id", "relation", "until").order_by("pk"))
    second = import_residents(scope, xlsx(HEADERS, GOOD_ROWS), dry_run=False)
    assert second.errors == []
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert counts() == snapshot
    assert dict(Person.objects.values_list("pk", "updated_at")) == stamps
    assert list(HouseholdMember.objects.values_list("pk", "household_id", "relation", "until").order_by("pk")) == members
    # the child was not made head of anything: relation as written
    kid = Person.objects.get(name="孙小宝")
    assert HouseholdMember.objects.get(person=kid, until__isnull=True).relation == "grandchild"


def test_out_of_scope_rows_are_refused(world):
    scope = resolve(world.accounts["grid_worker"])  # grid A1: building 1 only
    rows = [
        ["甲", "男", NEW1, "", "1号楼", "1单元", "102", "户主", "", ""],
        ["乙", "女", NEW2, "", "2号楼", "1单元", "302", "户主", "", ""],  # grid A2
        ["丙", "男", NEW5, "", "1号楼", "1单元", "101", "", "", ""],       # community B's 1号楼 is not even visible: this is A's
    ]
    report = import_residents(scope, xlsx(HEADERS, rows), dry_run=False)
    assert report.error_tuples() == [(4, "楼栋", "out_of_scope")]
    assert report.created == 2
    assert not Person.objects.filter(name="乙").exists()
    # a building leader may not write people at all
    leader = resolve(world.accounts["building_leader"])
    report = import_residents(leader, xlsx(HEADERS, [["丁", "男", NEW4[:-1] + "0", "", "1号楼", "1单元", "103", "", "", ""]]), dry_run=False)
    assert [e.rule for e in report.errors][-1] in ("unknown_building", "out_of_scope")
    assert not Person.objects.filter(name="丁").exists()


def test_moving_a_resident_already_in_the_register(world):
    scope = resolve(world.accounts["community_staff"])
    rows = [["张伟", "男", IDS["a2"], "13800000003", "2号楼", "1单元", "302", "", "", ""]]
    report = import_residents(scope, xlsx(HEADERS, rows), dry_run=False)
    assert report.errors == [] and report.updated == 1
    a2 = Person.objects.get(pk=world.persons["a2"].pk)
    assert str(a2.dwelling) == "航苑2号楼1单元302"
    assert HouseholdMember.objects.filter(person=a2).count() == 2  # history kept
    assert HouseholdMember.objects.get(person=a2, until__isnull=True).relation == "head"
    # tags untouched: this sheet's 标签 column is empty, and the column governs all tags
    assert not a2.tags.exists()
    again = import_residents(scope, xlsx(HEADERS, rows), dry_run=False)
    assert (again.updated, again.unchanged) == (0, 1)


def test_tag_columns_aliases_and_other_fields(world):
    headers = ["序号", "姓名", "公民身份号码", "手机号", "民族", "政治面貌", "楼号", "单元", "门牌号", "与户主关系",
               "户籍所在地", "居住状态", "独居", "低保", "退役军人", "残疾等级", "备注"]
    rows = [
        [1, "赵老兵", NEW5, 13800009999, "汉族", "中共党员", "2号楼", 1, 303, "户主", "山西省大同市", "户籍", "是", "", "√", "三级", ""],
        [2, "赵大嫂", NEW2, None, "回族", "群众", "2号楼", 1, 303, "妻", "河北省", "流动", "否", "是", "", "", ""],
    ]
    report = import_residents(system(), xlsx(headers, rows, title=None), dry_run=False, community=world.a.pk)
    assert report.errors == []
    assert report.ignored_columns == ["序号"]
    vet = Person.objects.get(name="赵老兵")
    assert vet.phone == "13800009999" and vet.ethnicity == "汉族" and vet.political_status == "party_member"
    assert vet.registered_residence == "山西省大同市" and vet.registered_here is True
    assert dict(vet.tags.values_list("tag", "level")) == {"living_alone": None, "veteran": None, "disabled": 3}
    wife = Person.objects.get(name="赵大嫂")
    assert wife.registered_here is False and wife.ethnicity == "回族"
    assert dict(wife.tags.values_list("tag", "level")) == {"low_income": None}
    assert HouseholdMember.objects.get(person=wife, until__isnull=True).relation == "spouse"
    # a sheet with only the 低保 column governs only that tag
    only = import_residents(system(), xlsx(["姓名", "身份证号", "楼栋", "单元", "房号", "低保"], [["赵老兵", NEW5, "2号楼", "1单元", "303", "是"]]),
                            dry_run=False, community=world.a.pk)
    assert only.updated == 1
    assert dict(vet.tags.values_list("tag", "level")) == {"living_alone": None, "veteran": None, "disabled": 3, "low_income": None}


def test_missing_column_and_not_a_workbook(world):
    report = import_residents(system(), xlsx(["姓名", "身份证号", "楼栋"], [["甲", NEW1, "1号楼"]]), dry_run=False)
    assert report.error_tuples() == [(2, "房号", "missing_column")]
    assert report.created == 0
    report = import_residents(system(), io.BytesIO(b"not a workbook"), dry_run=True)
    assert [e.rule for e in report.errors] == ["bad_file"]


def test_ambiguous_building_without_community(world):
    # the system sees both communities, each with a 1号楼
    report = import_residents(system(), xlsx(HEADERS, [["甲", "男", NEW1, "", "1号楼", "1单元", "102", "", "", ""]]), dry_run=True)
    assert report.error_tuples() == [(3, "楼栋", "ambiguous_building")]
    with_compound = import_residents(system(), xlsx(["姓名", "身份证号", "小区", "楼栋", "单元", "房号"], [["甲", NEW1, "东苑", "1号楼", "1单元", "102"]]), dry_run=True)
    assert with_compound.errors == [] and with_compound.created == 1


def test_import_as_a_job_with_progress_and_error_file(world):
    job = jobs.enqueue("import.residents", owner=world.accounts["community_staff"], params={"dry_run": False},
                       input_file=ContentFile(xlsx(HEADERS, BROKEN_ROWS).getvalue(), name="register.xlsx"))
    job = jobs.run(Job.objects.get(pk=job.pk))
    assert job.status == Job.Status.DONE, job.error
    assert job.result["created"] == 2 and job.result["updated"] == 1
    assert [(e["row"], e["column"], e["rule"]) for e in job.result["errors"]] == EXPECTED_ERRORS
    assert job.done == 13
    with job.result_file.open("rb") as fh:
        rows = excel.read_all(fh.read())
    assert len(rows) == 11  # header + 10 invalid rows
    assert Person.objects.filter(name="孙大爷").exists()


def test_tag_text_parsing():
    tags, unknown = importers.parse_tags("独居、残疾二级，低保;60岁以上 特困人员")
    assert tags == {"living_alone": None, "disabled": 2, "low_income": None, "extreme_poverty": None}
    assert unknown == []
    assert importers.tags_label(tags) == "独居、残疾2级、低保、特困"
    assert importers.parse_tags(importers.tags_label(tags))[0] == tags
    assert importers.building_key("１号楼") == importers.building_key("1栋") == "1"
    assert importers.entrance_key("一单元") == "1"
    assert importers.room_key("101室") == "101"


def test_import_and_export_commands(world, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx(HEADERS, BROKEN_ROWS).getvalue())
    out = io.StringIO()
    call_command("import_register", "residents", str(path), "--as", "community_staff", "--dry-run", stdout=out)
    assert not Person.objects.filter(name="孙大爷").exists()
    assert (tmp_path / "register-errors.xlsx").exists()
    call_command("import_register", "residents", str(path), "--as", "community_staff", stdout=io.StringIO())
    assert Person.objects.filter(name="孙大爷").exists()
    from linli.core.models import AuditLog

    assert AuditLog.objects.filter(action="import", actor=world.accounts["community_staff"]).count() == 1
    target = tmp_path / "out.xlsx"
    call_command("export_register", "persons", str(target), "--as", "grid_worker", "--masked", stdout=io.StringIO())
    names = {r[0] for r in excel.read_all(target.read_bytes())[1:]}
    assert "孙大爷" in names and "刘芳" not in names
