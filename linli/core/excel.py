"""Excel in and out: read a register sheet by its Chinese headers (python-calamine), write lists (openpyxl).

Reading uses calamine (Rust): the sheet is parsed in one pass into compact native cells and rows
become Python values one at a time as they are iterated (about 15× faster than openpyxl's
read-only mode over the standard-library XML parser). Cells come back as openpyxl's did: empty
cells None, whole numbers int, dates as dates. Writing big lists uses openpyxl's write_only
workbooks so memory stays flat.

    sheet = read_sheet(fileobj, {"name": ("姓名",), "id_number": ("身份证号", "公民身份号码")})
    sheet.columns            # {"name": "姓名", ...}: the fields found and the header as written
    for row in sheet.rows(): # Row(number=Excel row number, values={field: str}, raw=[cell values])
        ...
    data = write_xlsx(["姓名", "电话"], [["王建国", "138****0001"]], title="居民")
"""

import datetime
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

HEADER_SCAN_ROWS = 10  # a title row or two often sits above the header row
_FULLWIDTH = str.maketrans("（）【】：　", "()[]: ")
_HEADER_NOISE = re.compile(r"[\s*＊:：]|\((必填|选填|可选|必须|选填项|必填项|如有)\)")


class SheetError(ValueError):
    """The file is not a workbook we can read, or it has no recognisable header row."""


def normalize_header(text) -> str:
    """'  身份证号码（必填）* ' → '身份证号码'. Full-width forms folded, marks and spaces dropped."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_FULLWIDTH)
    return _HEADER_NOISE.sub("", s)


def cell_str(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO dates, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value) -> datetime.date:
    """A date from a date cell or text (2001-02-03, 2001/2/3, 2001.2.3, 2001年2月3日, 20010203)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_str(value)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(text)


def parse_int(value) -> int:
    text = cell_str(value).replace(",", "")
    text = re.sub(r"(层|户|个|年|单元)$", "", text)
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(text)
    return int(text)


def parse_float(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = cell_str(value)
    try:
        return float(text)
    except ValueError:
        raise ValueError(text) from None


@dataclass
class Row:
    number: int            # the row number Excel shows
    values: dict           # field -> text (only the fields whose column is present)
    raw: list              # the cells as read (for the error report)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


@dataclass
class Sheet:
    header_row: int
    headers: list                                 # the header row as written (normalised text)
    columns: dict = field(default_factory=dict)   # field -> header as written
    _index: dict = field(default_factory=dict)    # field -> column index
    extra: dict = field(default_factory=dict)     # header -> column index for unrecognised headers
    total: int | None = None                      # data rows (up to the last used row)
    _iter: Iterator | None = None
    _workbook: object = None

    def has(self, name: str) -> bool:
        return name in self._index

    def rows(self) -> Iterator[Row]:
        """Data rows after the header; wholly blank rows are skipped."""
        index = self._index
        width = len(self.headers)
        number = self.header_row
        try:
            for cells in self._iter:
                number += 1
                raw = list(cells[:width]) if len(cells) >= width else list(cells) + [None] * (width - len(cells))
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                    continue
                yield Row(number=number, values={name: cell_str(raw[i]) for name, i in index.items()}, raw=raw)
        finally:
            self.close()

    def close(self) -> None:
        self._iter = iter(())  # calamine holds no file open: dropping the sheet frees it
        self._workbook = None


def _open_first_sheet(fileobj):
    """The first worksheet (calamine), or SheetError when the file is not a workbook."""
    if isinstance(fileobj, (bytes, bytearray, memoryview)):
        fileobj = io.BytesIO(bytes(fileobj))
    try:
        if isinstance(fileobj, (str, bytes)) or hasattr(fileobj, "__fspath__"):
            wb = CalamineWorkbook.from_path(str(fileobj))
        else:
            if hasattr(fileobj, "seek"):
                fileobj.seek(0)
            wb = CalamineWorkbook.from_filelike(fileobj)
        if not wb.sheet_names:
            raise SheetError("the workbook has no sheet")
        return wb.get_sheet_by_index(0)
    except SheetError:
        raise
    except Exception as exc:  # CalamineError, zip errors, …: not a workbook we can read
        raise SheetError(str(exc)) from exc


def _cell_in(value):
    """A calamine cell as openpyxl gave it: '' → None, 3.0 → 3."""
    if value == "" and isinstance(value, str):
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _sheet_rows(ws) -> Iterator[list]:
    """Every row from Excel row 1 on, each a list of cells from column A (calamine's rows start at
    row 1 but at the first used column: the leading empty columns are put back)."""
    if ws.end is None:  # an empty sheet
        return
    pad = [None] * (ws.start[1] if ws.start else 0)
    for cells in ws.iter_rows():
        yield pad + [_cell_in(v) for v in cells]


def read_sheet(fileobj, aliases: dict[str, Iterable[str]], *, min_matches: int = 2) -> Sheet:
    """Open the first worksheet and find the header row among the first rows.

    aliases: field -> accepted headers (normalised the same way as the sheet's). The header
    row is the first row (within HEADER_SCAN_ROWS) where at least `min_matches` headers are
    recognised; a field whose header appears twice keeps the first column.
    """
    lookup = {}
    for name, names in aliases.items():
        for alias in names:
            lookup.setdefault(normalize_header(alias), name)
    ws = _open_first_sheet(fileobj)
    it = _sheet_rows(ws)
    best = None
    for number in range(1, HEADER_SCAN_ROWS + 1):
        try:
            cells = next(it)
        except StopIteration:
            break
        headers = [normalize_header(c) for c in cells]
        found = {}
        for i, h in enumerate(headers):
            name = lookup.get(h)
            if name and name not in found:
                found[name] = i
        if len(found) >= min(min_matches, len(aliases)):
            best = (number, headers, found)
            break
    if best is None:
        raise SheetError("no header row found")
    number, headers, found = best
    # trailing empty header cells are not columns
    while headers and not headers[-1]:
        headers.pop()
    columns = {name: headers[i] for name, i in found.items()}
    extra = {h: i for i, h in enumerate(headers) if h and i not in found.values()}
    last_row = ws.end[0] + 1  # Excel's number of the last used row
    total = max(last_row - number, 0)
    return Sheet(header_row=number, headers=headers, columns=columns, _index=found, extra=extra, total=total, _iter=it, _workbook=ws)


def write_xlsx(headers: list[str], rows: Iterable[Iterable], *, title: str = "Sheet1", widths: dict | None = None) -> bytes:
    """A one-sheet workbook (write_only: rows stream out, memory stays flat)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(title))
    from openpyxl.utils import get_column_letter

    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(h, max(10, min(40, 2 * len(str(h)) + 4)))
    ws.freeze_panes = "A2"
    ws.append(list(headers))
    for row in rows:
        ws.append([_cell_out(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "", str(title or "Sheet1"))[:31]
    return title or "Sheet1"


def _cell_out(value):
    if value is None:
        return None
    if isinstance(value, (int, float, datetime.date, datetime.datetime)) and not isinstance(value, bool):
        return value
    text = str(value)
    # never let a cell be read back as a formula
    if text[:1] in ("=", "+", "-", "@") and len(text) > 1 and not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return "'" + text
    return text


def read_all(data: bytes) -> list[list]:
    """Every row of the first sheet as values (tests and small files)."""
    return list(_sheet_rows(_open_first_sheet(data)))


# ---------------------------------------------------------------------------- download
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, stem: str) -> "HttpResponse":
    from django.http import HttpResponse
    from django.utils import timezone

    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
