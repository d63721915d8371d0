"""What an import reports, and running one as a background job.

An import reads a sheet row by row, commits every valid row (or nothing in a dry run)
and reports each invalid one by row, column and rule. The rules are short stable codes
(see docs/import-mapping.md); the messages are translated text for people.
"""

import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from . import excel

# Rules (stable codes shown in the report and documented in docs/import-mapping.md).
REQUIRED = "required"
MISSING_COLUMN = "missing_column"
BAD_FILE = "bad_file"
BAD_VALUE = "bad_value"
BAD_DATE = "bad_date"
BAD_NUMBER = "bad_number"
TOO_LONG = "too_long"
ID_CHECKSUM = "id_checksum"
ID_LENGTH = "id_length"
ID_FORMAT = "id_format"
ID_BIRTH_DATE = "id_birth_date"
ID_REGION = "id_region"
DUPLICATE_IN_FILE = "duplicate_in_file"
DB_CONFLICT = "db_conflict"
MISMATCH = "mismatch"
PHONE = "phone"
UNKNOWN_BUILDING = "unknown_building"
AMBIGUOUS_BUILDING = "ambiguous_building"
UNKNOWN_ENTRANCE = "unknown_entrance"
UNKNOWN_COMPOUND = "unknown_compound"
UNKNOWN_GRID = "unknown_grid"
AMBIGUOUS_GRID = "ambiguous_grid"
HEAD_CONFLICT = "head_conflict"
OUT_OF_SCOPE = "out_of_scope"
NOT_LIVING_HERE = "not_living_here"
CREDIT_CODE = "credit_code"
COORDINATES = "coordinates"
INVALID = "invalid"


@dataclass(frozen=True)
class RowError:
    row: int       # the row number Excel shows (the header row for file-level errors)
    column: str    # the header as written in the file ("" when no one column is at fault)
    rule: str      # a stable code, e.g. "id_checksum"
    message: str   # for people, translated

    def as_tuple(self) -> tuple:
        return (self.row, self.column, self.rule)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    rows: int = 0                                    # data rows read
    headers: list = field(default_factory=list)      # the header row as written
    header_row: int = 1
    columns: dict = field(default_factory=dict)      # field -> header found
    ignored_columns: list = field(default_factory=list)
    seconds: float = 0.0
    _raw: dict = field(default_factory=dict, repr=False)  # row number -> original cells of an invalid row

    # ------------------------------------------------------------------ recording
    def error(self, row, column: str, rule: str, message) -> RowError:
        e = RowError(row=row.number if hasattr(row, "number") else int(row), column=column or "", rule=rule, message=str(message))
        self.errors.append(e)
        if hasattr(row, "raw") and e.row not in self._raw:
            self._raw[e.row] = list(row.raw)
        return e

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors if e.row != self.header_row or e.rule not in (MISSING_COLUMN, BAD_FILE)})

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_tuples(self) -> list[tuple]:
        return [e.as_tuple() for e in self.errors]

    # ------------------------------------------------------------------ output
    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid_rows": self.invalid_rows,
            "errors": [{"row": e.row, "column": e.column, "rule": e.rule, "message": e.message} for e in self.errors],
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored_columns),
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        text = _("%(kind)s: %(rows)d rows — %(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(invalid)d with errors") % {
            "kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "invalid": self.invalid_rows,
        }
        if self.dry_run:
            text += " " + _("(dry run: nothing was written)")
        return text

    def error_xlsx(self) -> bytes:
        """The invalid rows with their original values, then the row number and the errors.

        One line per invalid row (several errors on a row are listed one per line in the cell),
        so the sheet can be corrected and imported again: the error columns are ignored then.
        """
        by_row: dict[int, list[RowError]] = {}
        for e in self.errors:
            by_row.setdefault(e.row, []).append(e)
        headers = list(self.headers) + [_("Source row"), _("Error column"), _("Rule"), _("Error")]
        width = len(self.headers)

        def lines():
            for number in sorted(by_row):
                errs = by_row[number]
                raw = list(self._raw.get(number, []))[:width]
                raw += [None] * (width - len(raw))
                yield raw + [number, "\n".join(e.column for e in errs), "\n".join(e.rule for e in errs), "\n".join(e.message for e in errs)]

        return excel.write_xlsx(headers, lines(), title=_("Errors"))


def open_sheet(report: ImportReport, fileobj, aliases: dict, required_columns: list[str]):
    """Read the header row; file-level problems become errors on the report (and None is returned)."""
    try:
        sheet = excel.read_sheet(fileobj, aliases)
    except excel.SheetError:
        report.error(1, "", BAD_FILE, _("The file is not an Excel workbook (.xlsx) with a header row this import knows."))
        return None
    report.headers = list(sheet.headers)
    report.header_row = sheet.header_row
    report.columns = dict(sheet.columns)
    report.ignored_columns = sorted(sheet.extra)
    missing = [name for name in required_columns if not sheet.has(name)]
    for name in missing:
        label = aliases[name][0]
        report.error(sheet.header_row, label, MISSING_COLUMN, _("Column %(c)s: missing; the sheet needs it") % {"c": label})
    if missing:
        sheet.close()
        return None
    return sheet


# How an account's scope is resolved. core knows no app: the people app, which owns scopes, installs its
# resolver when it starts (linli.people.apps), and every import job is run with the scope of its owner.
_scope_resolver = None


def use_scope_resolver(resolver) -> None:
    """resolver(account, on=date) -> scope; installed once by the app that owns scopes."""
    global _scope_resolver
    _scope_resolver = resolver


def run_job(job, importer) -> None:
    """Run an import job: scope from its owner, progress as it goes, report and error sheet stored."""
    from . import jobs

    params = job.params or {}
    if _scope_resolver is None:
        raise RuntimeError("no scope resolver installed (linli.people is not among the installed apps)")
    scope = _scope_resolver(job.owner, on=timezone.localdate()) if job.owner_id else None
    if scope is None:
        raise PermissionError("an import job needs an owner")

    def progress(done, total=None):
        jobs.progress(job, done, total)

    started = datetime.datetime.now()
    with job.input_file.open("rb") as fh:
        report = importer(scope, fh, dry_run=bool(params.get("dry_run", True)), on_progress=progress, community=params.get("community"))
    job.result = report.as_dict()
    job.result["started"] = started.isoformat(timespec="seconds")
    job.done = report.rows
    job.total = max(job.total, report.rows)
    if report.errors:
        job.result_file.save(f"import-errors-{job.pk}.xlsx", ContentFile(report.error_xlsx()), save=False)
