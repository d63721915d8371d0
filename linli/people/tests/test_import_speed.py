"""The resident import's cost per row: no query per row, an unchanged row skips the clean, the phone fast path."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.validation import check_id_number, normalize_phone
from linli.people import services
from linli.people.importers import ResidentImport, import_residents
from linli.people.scopes import resolve
from linli.testing.sheets import xlsx
from linli.testing.world import IDS, _id

HEADERS = ["姓名", "性别", "身份证号", "出生日期", "联系电话", "民族", "政治面貌", "楼栋", "单元", "房号", "与户主关系", "居住状态", "标签", "备注"]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def rows(n: int, start: int, room_base: int) -> list:
    """n new residents, two per household, in rooms room_base… of 1号楼 (both entrances), every other with tags."""
    out = []
    for i in range(n):
        k = start + i
        base = f"1402131960{(k // 28) % 12 + 1:02d}{k % 28 + 1:02d}{k % 97:02d}{1 if i % 2 == 0 else 2}"
        out.append([f"居民{k}", "男" if i % 2 == 0 else "女", _id(base), "", f"138{k:08d}", "汉族", "群众", "1号楼",
                    f"{i // 2 % 2 + 1}单元", str(room_base + i // 2), "户主" if i % 2 == 0 else "配偶", "户籍",
                    "独居" if i % 4 == 0 else "", "基准" if i % 3 == 0 else ""])
    return out


def import_counting(scope, sheet, **kw):
    with CaptureQueriesContext(connection) as ctx:
        report = import_residents(scope, sheet, **kw)
    return report, [q["sql"] for q in ctx.captured_queries]


def test_queries_per_import_do_not_grow_with_rows(world):
    scope = resolve(world.accounts["community_staff"])
    small, q_small = import_counting(scope, xlsx(HEADERS, rows(10, 0, 500)), dry_run=False)
    big, q_big = import_counting(scope, xlsx(HEADERS, rows(100, 1000, 600)), dry_run=False)
    assert (small.errors, small.created, big.errors, big.created) == ([], 10, [], 100)
    # bulk inserts split by SQLite's bound-parameter limit: a few more statements, never one per row
    assert len(q_big) - len(q_small) <= 8, (len(q_small), len(q_big))
    again_small, q_again_small = import_counting(scope, xlsx(HEADERS, rows(10, 0, 500)), dry_run=False)
    again_big, q_again_big = import_counting(scope, xlsx(HEADERS, rows(100, 1000, 600)), dry_run=False)
    assert (again_small.unchanged, again_big.unchanged) == (10, 100)
    assert len(q_again_big) - len(q_again_small) <= 2, (len(q_again_small), len(q_again_big))
    dry_small, q_dry_small = import_counting(scope, xlsx(HEADERS, rows(10, 5000, 700)), dry_run=True)
    dry_big, q_dry_big = import_counting(scope, xlsx(HEADERS, rows(100, 6000, 800)), dry_run=True)
    assert (dry_small.created, dry_big.created) == (10, 100)
    assert len(q_dry_big) - len(q_dry_small) <= 2, (len(q_dry_small), len(q_dry_big))


def test_noop_reimport_writes_nothing_and_skips_the_clean(world, monkeypatch):
    scope = resolve(world.accounts["community_staff"])
    sheet = rows(60, 0, 500) + [
        ["王建国", "男", IDS["a1"], "", "13800000001", "", "", "1号楼", "1单元", "101", "户主", "", "独居", ""],
    ]
    first = import_residents(scope, xlsx(HEADERS, sheet), dry_run=False)
    assert first.errors == [] and first.created == 60
    cleans = []
    real_clean = services.clean_person_fields
    monkeypatch.setattr(services, "clean_person_fields", lambda *a, **kw: cleans.append(a) or real_clean(*a, **kw))
    second, queries = import_counting(scope, xlsx(HEADERS, sheet), dry_run=False)
    assert second.errors == []
    assert (second.created, second.updated, second.unchanged) == (0, 0, 61)
    assert [q for q in queries if q.lstrip().upper().startswith(WRITES)] == []
    assert cleans == []  # every row was found unchanged by comparison, none went through the full clean


def test_unchanged_shortcut_agrees_with_the_full_path(world, monkeypatch):
    """Rows that differ from the register in one way each: the shortcut must send every one of them the full way."""
    scope = resolve(world.accounts["community_staff"])
    base = rows(8, 0, 500)
    assert import_residents(scope, xlsx(HEADERS, base), dry_run=False).created == 8
    changed = [list(r) for r in base]
    changed[0][0] = "改名"                 # name
    changed[1][4] = "13900000000"          # phone
    changed[2][4] = "138-0000-0002"        # the same phone, written otherwise: unchanged
    changed[3][12] = "低保"                # tags
    changed[4][9] = "520"                  # moved to another room
    changed[5][1] = "男"                   # gender against the ID number: an error
    changed[6][5] = "回族"                 # ethnicity
    changed[7][11] = "流动"                # resident type
    changed.append(["王建国", "男", IDS["a1"], "", "1380000000", "", "", "1号楼", "1单元", "101", "", "", "", ""])  # bad phone

    def outcome():
        r = import_residents(scope, xlsx(HEADERS, changed), dry_run=True)
        return r.created, r.updated, r.unchanged, r.error_tuples()

    fast = outcome()
    monkeypatch.setattr(ResidentImport, "unchanged", lambda *a: False)
    full = outcome()
    assert fast == full
    assert fast[:3] == (0, 6, 1)


@pytest.mark.parametrize("seed", [1, 2])
def test_phone_fast_path_matches_phonenumbers(seed):
    def full(raw):
        raw = raw.strip().replace(" ", "").replace("-", "")
        if not raw:
            return ""
        try:
            parsed = phonenumbers.parse(raw, "CN")
        except phonenumbers.NumberParseException:
            return "error"
        if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
            return "error"
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "").replace("-", "")

    def ours(raw):
        try:
            return normalize_phone(raw)
        except ValidationError:
            return "error"

    rng = random.Random(seed)
    samples = [f"{prefix}{rng.randint(0, 999999):06d}" for prefix in range(10000, 20000)]  # every 5-digit head of 1…
    samples += ["17951" + "13800001111"[:6], "1795113800001", "8613800001111", "+8613800001111", "138 0000 1111",
                "03522345678", "0352-2345678", "12345", "1380000111", "138000011112", "10086", "4008123123"]
    assert [ours(s) for s in samples] == [full(s) for s in samples]



def test_id_number_fast_path_matches_stdnum(monkeypatch):
    """check_id_number skips stdnum's compact for a number already compact and reads the birth date itself:
    over valid, mistyped and oddly written numbers it must answer exactly as stdnum's path does."""
    import re

    from stdnum.cn import ric
    from stdnum.exceptions import InvalidComponent

    from linli.core import validation

    def outcome(value):
        try:
            facts = check_id_number(value)
        except ValidationError as exc:
            err = exc.error_dict["id_number"][0]
            return err.code, err.messages[0]
        try:
            stdnum_birth = ric.get_birth_date(facts.number)
        except InvalidComponent:
            stdnum_birth = "invalid"
        assert facts.birth_date == stdnum_birth
        return facts

    rng = random.Random(5)
    samples = ["", "   ", "abc", "14021319500101001", "1402131950010100171", "14021319500101001x", "1402131950010100AX"]
    for _ in range(3000):
        body = (rng.choice(["140213", "110105", "990101", "440304"])
                + f"{rng.randint(1890, 2030)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}{rng.randint(0, 999):03d}")
        good = body + ric.calc_check_digit(body + "0")
        samples += [good, good.lower(), body + rng.choice("0123456789X"), f" {good[:6]} {good[6:14]} {good[14:]} ",
                    good[:6] + "-" + good[6:], good[:6] + "\u2013" + good[6:], good[:17], good + "1", "\uff11" + good[1:]]
    fast = [outcome(v) for v in samples]
    monkeypatch.setattr(validation, "_COMPACT_ID", re.compile(r"(?!)"))  # never taken: stdnum's compact every time
    assert fast == [outcome(v) for v in samples]
    codes = {r[0] for r in fast if isinstance(r, tuple)}
    assert {"checksum", "length", "format", "birth_date", "region"} <= codes
    assert sum(not isinstance(r, tuple) for r in fast) > 2000
