"""Sheets for the import tests: an .xlsx workbook in memory, laid out as communities keep their registers.

    xlsx(headers, rows)                                  # the residents register's title row, headers, rows
    xlsx(headers, rows, title=None)                      # headers on the first row
    buildings = partial(xlsx, title=BUILDING_REGISTER)   # another register's title (places/tests/test_import.py)

With the title row the first data row is sheet row 3, which the tests' expected errors count on.
"""

import io

from openpyxl import Workbook

RESIDENT_REGISTER = "柳航里社区居民信息登记表"
BUILDING_REGISTER = "柳航里社区楼栋台账"


def xlsx(headers, rows, title: str | None = RESIDENT_REGISTER) -> io.BytesIO:
    """An .xlsx file (rewound, ready to import) with an optional title row above the headers."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
