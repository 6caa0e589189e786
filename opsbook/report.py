"""The report: one violation record feeding every output.

Two forms of the same violations:

* ``VIOLATION_DATA`` — what the engine decides, one columnar table: where (file, sheet, row,
  cell, column header), which rule and clause, the severity, the cell's value, and the
  message templates with their parameters (``param_names``: the names, one tuple per rule;
  ``params``: each row's values as a tuple, hashable, so equal messages are rendered once).  No language is chosen here.
* ``VIOLATION_FIELDS`` — the record every output shows (messages rendered in the run's
  language by ``opsbook.messages``); ``Report.frame`` holds it, ``Report.violations()``
  yields it as ``Violation`` objects.

A rule that could not run is a ``NotChecked`` record with a ``Reason`` code, apart from the
violations (a missing column is not a broken row).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import __version__
from .errors import ExitCode
from .values import record_value

if TYPE_CHECKING:
    from .catalog import Context
    from .workbook.tables import Table


@dataclass(frozen=True)
class Violation:
    file: str
    sheet: str
    row: int | None  # 1-based worksheet row; None when no row exists (a week with no post)
    column: str | None  # header as written in the sheet
    cell: str | None  # A1
    clause: str  # e.g. R1-4.5.2, exactly as CLAUSES.md spells it
    rule: str  # stable rule id
    severity: str  # error | warning
    message: str  # in the configured language (Traditional Chinese by default)
    message_en: str
    value: Any
    rows: tuple[int, ...] = ()  # every row an aggregate violation concerns (marks all of them)


VIOLATION_FIELDS = [f.name for f in Violation.__dataclass_fields__.values()]


# The engine's columns: the record without the rendered messages, plus the templates and
# their parameters.
VIOLATION_DATA = [f for f in VIOLATION_FIELDS if f not in ("message", "message_en")] + [
    "template",
    "template_en",
    "param_names",
    "params",
]


def empty_violations(columns: list[str] = VIOLATION_FIELDS) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})


class Reason(str, enum.Enum):
    """Why a rule was not checked (as pandera's SchemaErrorReason names schema problems)."""

    DISABLED = "disabled"  # switched off in the settings
    MISSING_COLUMN = "missing_column"  # a column the rule reads is not in the table
    MISSING_TABLE = "missing_table"  # a companion sheet the rule needs is not in the workbook
    ROWS_NOT_JUDGED = "rows_not_judged"  # the rule ran, but some rows it could not judge


class Skip(str, enum.Enum):
    """Why a sheet was not read as a table."""

    NO_KNOWN_TABLE = "no_known_table"  # no header of any registered kind
    NOT_RECORDS = "not_records"  # header words match, values do not (a printed summary, a pivot)
    OTHER_KIND = "other_kind"  # a table of another kind than the workbook's
    ANOTHER_COMPANION = "another_companion"  # a second companion table with other columns
    TOO_LARGE = "too_large"  # more rows than Excel allows
    PAST_GRID = "past_grid"  # a cell reference past Excel's grid (XFD1048577): not read
    VALUES_UNREAD = "values_unread"  # its XML holds values, yet no cells could be read


@dataclass(frozen=True)
class SkippedSheet:
    sheet: str
    reason: Skip
    # NOT_RECORDS: (header, filled, unreadable, type zh, type en, example); OTHER_KIND: (its
    # kind, the workbook's kind); ANOTHER_COMPANION: (table title, the sheet holding the
    # first); TOO_LARGE: (rows, limit); PAST_GRID: (the reference,); VALUES_UNREAD: (cells in
    # its XML,)
    detail: tuple = ()


@dataclass(frozen=True)
class NotChecked:
    file: str
    sheet: str
    rule: str
    clause: str
    reason: Reason
    # MISSING_COLUMN: (header, key) pairs; MISSING_TABLE: (title, table) pairs;
    # ROWS_NOT_JUDGED: the rule's own words, (Traditional Chinese, English).
    detail: tuple = ()


@dataclass
class TableInfo:
    sheet: str
    table: str
    header_row: int
    rows: int
    columns: dict[str, str]  # key → header as written
    extra_columns: tuple[str, ...]
    skipped_rows: dict[str, int]
    # How the sheet was read (`validate --explain`): header rows, each key's column, the
    # date system, where each year came from, the rows skipped and why.
    reading: dict = field(default_factory=dict)


@dataclass
class FileResult:
    file: str
    kind: str | None = None
    tables: list[TableInfo] = field(default_factory=list)
    skipped_sheets: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all
    output: str | None = None  # annotated workbook written
    write_error: str | None = None  # the check ran but the workbook could not be written
    warnings: list[str] = field(default_factory=list)  # things to know about the file
    logs: list[dict[str, Any]] = field(
        default_factory=list
    )  # sheets read as one log: table, sheets
    # Sheets holding values that were not checked (no table found in them, refused, or
    # unreadable): each is in skipped_sheets with its reason; the batch summary counts them.
    sheets_not_checked: int = 0


@dataclass
class Report:
    as_of: pd.Timestamp
    files: list[FileResult] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=empty_violations)
    not_checked: list[dict[str, Any]] = field(default_factory=list)
    summaries: dict[str, Any] = field(default_factory=dict)
    # Tracebacks of unexpected failures, shown by --debug; never in the JSON report.
    debug: list[str] = field(default_factory=list)

    def add(self, other: Report) -> None:
        self.files += other.files
        self.debug += other.debug
        if not len(
            self.frame
        ):  # taken as it is: a concat with an empty frame copied it to object dtype
            self.frame = other.frame.reset_index(drop=True) if len(other.frame) else self.frame
        elif len(other.frame):
            self.frame = pd.concat([self.frame, other.frame], ignore_index=True)
        self.not_checked += other.not_checked
        for key, value in other.summaries.items():
            self.summaries.setdefault(key, []).extend(value)

    def violations(self) -> Iterator[Violation]:
        for record in self.frame.to_dict("records"):
            yield Violation(**{k: record_value(record[k]) for k in VIOLATION_FIELDS})

    @property
    def errors(self) -> int:
        return int((self.frame["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.frame["severity"] == "warning").sum())

    @property
    def unreadable_files(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    def summary(self) -> dict[str, Any]:
        f = self.frame
        by_clause = (
            f.groupby(["clause", "severity"]).size().unstack(fill_value=0)
            if len(f)
            else pd.DataFrame()
        )
        return {
            "files": len(self.files),
            "unreadable_files": len(self.unreadable_files),
            "sheets_not_checked": sum(f.sheets_not_checked for f in self.files),
            "violations": len(f),
            "errors": self.errors,
            "warnings": self.warnings,
            "by_clause": {
                clause: {sev: int(n) for sev, n in row.items() if n}
                for clause, row in by_clause.iterrows()
            },
            "by_sheet": {
                f"{file}|{sheet}": int(n)
                for file, sheet, n in f.groupby(["file", "sheet"])
                .size()
                .reset_index()
                .itertuples(index=False)
            }
            if len(f)
            else {},
        }

    def exit_code(self) -> int:
        """0 clean, 1 error-severity violations, 2 a file could not be read or written."""
        if self.unreadable_files or any(f.write_error for f in self.files):
            return ExitCode.FAILED
        return ExitCode.VIOLATIONS if self.errors else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "opsbook": __version__,
            "as_of": self.as_of.isoformat(),
            "files": [asdict(f) for f in self.files],
            "violations": [{**asdict(v), "rows": list(v.rows)} for v in self.violations()],
            "not_checked": self.not_checked,
            "summaries": self.summaries,
            "summary": self.summary(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(type(value))


@dataclass
class Checked:
    """A checked workbook: the report plus the tables it was made from (for summaries)."""

    report: Report
    tables: dict[str, list[Table]] = field(default_factory=dict)
    kind: str | None = None
    context: Context | None = None
    summaries: list = field(default_factory=list)  # SummarySheet objects for the workbook
    # What the engine decided (VIOLATION_DATA, NotChecked records); ``report`` shows them
    # rendered once an output asked (opsbook.messages.render).  pipeline.check_book empties
    # ``violations`` once rendered (the memory of a sheet full of violations).
    violations: pd.DataFrame = field(default_factory=lambda: empty_violations(VIOLATION_DATA))
    not_checked: list[NotChecked] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)
    # The file as it was read (FileReader.identity): the writer refuses a file saved since.
    source_identity: tuple | None = None
    # The language the report was rendered in (opsbook.messages.render): the writers label
    # the 違規清單 sheet in it too.
    language: str = "zh-Hant"
