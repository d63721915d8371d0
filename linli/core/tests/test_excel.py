"""Reading sheets (python-calamine) keeps the interface openpyxl gave: header detection below title
rows, Excel row numbers, leading empty columns, None for empty cells, whole numbers as int, dates as dates."""

import datetime
import io

import pytest
from openpyxl import Workbook

from linli.core import excel

ALIASES = {"name": ("姓名",), "id_number": ("身份证号", "公民身份号码"), "born": ("出生日期",), "floor": ("楼层",)}


def _xlsx(rows, write_only=False) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_header_below_a_title_row_and_row_numbers():
    data = _xlsx([
        ["柳航里居民登记表"],
        [],
        [None, "姓名", "身份证号（必填）*", "出生日期", "楼层", "备注"],
        [None, "王建国", "110101199003071234", datetime.datetime(1990, 3, 7), 3, "x"],
        [None, None, None, None, None, None],
        [None, "李秀英", 13800138000, "1990/3/7", 4.5, None],
    ])
    sheet = excel.read_sheet(io.BytesIO(data), ALIASES)
    assert sheet.header_row == 3
    assert sheet.columns == {"name": "姓名", "id_number": "身份证号", "born": "出生日期", "floor": "楼层"}
    assert sheet.extra == {"备注": 5}
    assert sheet.total == 3
    rows = list(sheet.rows())
    assert [r.number for r in rows] == [4, 6]  # the blank row 5 is skipped, numbers stay Excel's
    first, second = rows
    assert first.values == {"name": "王建国", "id_number": "110101199003071234", "born": "1990-03-07", "floor": "3"}
    assert first.raw[0] is None and first.raw[4] == 3 and type(first.raw[4]) is int
    assert excel.parse_date(first.raw[3]) == datetime.date(1990, 3, 7)
    # a number cell, no '.0' (an 18-digit number cell is a double in Excel itself: IDs belong in text cells)
    assert second.values["id_number"] == "13800138000"
    assert second.values["floor"] == "4.5" and second.values["born"] == "1990/3/7"
    assert second.raw[5] is None


def test_bytes_and_sheets_without_dimension():
    data = _xlsx([["姓名", "身份证号"], ["甲", "1"], ["乙", "2"]], write_only=True)
    sheet = excel.read_sheet(data, ALIASES)
    assert sheet.header_row == 1 and sheet.total == 2
    assert [(r.number, r.get("name")) for r in sheet.rows()] == [(2, "甲"), (3, "乙")]


def test_not_a_workbook_and_no_header():
    with pytest.raises(excel.SheetError):
        excel.read_sheet(io.BytesIO(b"name,id\nx,y\n"), ALIASES)
    with pytest.raises(excel.SheetError):
        excel.read_sheet(_xlsx([["a", "b"], [1, 2]]), ALIASES)
    with pytest.raises(excel.SheetError):
        excel.read_sheet(_xlsx([]), ALIASES)


def test_read_all_round_trips_write_xlsx():
    data = excel.write_xlsx(["姓名", "人数", "日期"], [["王", 3, datetime.date(2024, 5, 1)], ["李", None, None]])
    rows = excel.read_all(data)
    assert rows[0] == ["姓名", "人数", "日期"]
    assert rows[1][:2] == ["王", 3] and excel.parse_date(rows[1][2]) == datetime.date(2024, 5, 1)
    assert rows[2] == ["李", None, None]
