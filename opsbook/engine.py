"""Running the catalog over a workbook: sheets → tables → rules (through pandera) → report.

The same function serves files (the batch command) and live books (the Excel buttons): both
hand it ``SheetValues``.  Nothing here prints, writes or keeps state between runs.

The engine decides, it does not present: violations come out as one columnar table
(``VIOLATION_DATA``: message templates and their parameters, no language chosen) and rules
that could not run as ``NotChecked`` records with a reason code.  opsbook.messages renders
them; the pipeline builds summaries when an output wants them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import string
from collections.abc import Iterable
from typing import cast

import numpy as np
import pandas as pd

from . import kinds
from .catalog import AggregateRule, Context, RowRule, Rule
from .placing import anchor_merged, place
from .report import (
    VIOLATION_DATA,
    Checked,
    FileResult,
    NotChecked,
    Reason,
    Report,
    Skip,
    SkippedSheet,
    TableInfo,
    empty_violations,
)
from .values import arrow_array, distinct_codes, json_value, shown
from .workbook.logs import one_log, same_header_logs
from .workbook.overrides import pinned_header
from .workbook.reader import SheetValues
from .workbook.tables import Table, build_table, not_records
from .workcalendar import calendar_for

TYPE_ZH = {
    "date": "日期",
    "datetime": "日期時間",
    "bool": "是/否",
    "number": "數字",
    "text": "文字",
}


def as_of_moment(as_of: dt.date | dt.datetime | str | None) -> pd.Timestamp:
    """ "Now" for rules: a datetime as given; a bare date means the end of that day."""
    if as_of is None:
        return pd.Timestamp.now().floor("s")
    stamp = pd.Timestamp(as_of)
    if isinstance(as_of, dt.datetime) or (isinstance(as_of, str) and len(as_of) > 10):
        return stamp
    return stamp + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)


def check_sheets(
    sheets: Iterable[SheetValues],
    file: str,
    settings: dict,
    as_of: pd.Timestamp,
    kind: str | None = None,
    period: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None),
) -> Checked:
    """Find the tables in ``sheets``, run every applicable rule and return the report."""
    result = FileResult(file=file)
    report = Report(as_of=as_of, files=[result])
    skipped: list[SkippedSheet] = []
    specs = kinds.tables(kind)
    found: dict[str, list[Table]] = {}
    scan = settings["general"]["header_scan_rows"]
    waivers: list = []  # approved exceptions: a 例外 sheet (opsbook.rulebook.waivers)
    for sheet in sheets:
        found_waivers = _waivers(sheet)
        if found_waivers is not None:
            waivers += found_waivers
            continue
        pins = settings.get("tables", {}).get(sheet.name)  # [tables."Sheet"] in opsbook.toml
        header = pinned_header(sheet, specs, scan, pins)
        if header is None:
            skipped.append(SkippedSheet(sheet.name, Skip.NO_KNOWN_TABLE))
            continue
        table = build_table(sheet, header, default_year=as_of.year, year=(pins or {}).get("year"))
        del (
            sheet
        )  # the whole grid is freed before the next sheet is read; the table keeps its columns
        reason = not_records(table)
        if reason:  # header words match, values do not: a printed summary or pivot
            skipped.append(SkippedSheet(table.sheet, Skip.NOT_RECORDS, reason))
            continue
        found.setdefault(table.name, []).append(table)
        result.tables.append(
            TableInfo(
                sheet=table.sheet,
                table=table.name,
                header_row=table.header_row,
                rows=len(table),
                columns={k: c.header for k, c in table.columns.items()},
                extra_columns=table.extra_headers,
                skipped_rows=table.skipped_rows,
                reading=table.reading,
            )
        )

    found = _logs(found, result, skipped)
    kinds_found = [k for k in kinds.names() if k in found]
    if kind is None and len(kinds_found) > 1:
        # One workbook, one kind: the main table with most rows decides.
        kind = max(kinds_found, key=lambda k: sum(len(t) for t in found[k]))
    kind = kind or (kinds_found[0] if kinds_found else None)
    if kind is None:
        # Companion tables alone (a roster without a post log) are not checked.
        kind = next((kinds.table(n).kind for n in found), None)
    result.kind = kind
    tables = {n: ts for n, ts in found.items() if kinds.table(n).kind == kind}
    for name, ts in found.items():
        if kinds.table(name).kind != kind:
            for t in ts:
                skipped.append(
                    SkippedSheet(t.label, Skip.OTHER_KIND, (kinds.table(name).kind, kind))
                )

    calendar = calendar_for(settings["general"]["calendar"])
    companions = {n: ts[0] for n, ts in tables.items() if not kinds.table(n).main}
    frames = []
    not_checked: list[NotChecked] = []
    # One context for the workbook: the rules of every table and the summaries share it.
    ctx = Context(
        as_of=as_of,
        settings=settings,
        calendar=calendar,
        tables=companions,
        period_from=period[0],
        period_to=period[1],
        section=kinds.get(kind).settings if kind in kinds.names() else None,
    )
    book = _rulebook(settings)
    for ts in tables.values():
        for table in ts:
            if book is None:
                frames.append(_check_table(table, ctx, file, not_checked))
            else:  # each record under the rule versions in force on its date
                from .rulebook.apply import check_table

                assert kind is not None  # tables holds only the tables of kind

                frames.append(check_table(table, ctx, file, not_checked, _check_table, book, kind))
            for note in ctx.notes:
                not_checked.append(
                    NotChecked(
                        file,
                        table.label,
                        note["rule"],
                        _rule(note["rule"]).clause,
                        Reason.ROWS_NOT_JUDGED,
                        (note["reason"], note["reason_en"]),
                    )
                )
            ctx.notes.clear()
    frames = [f for f in frames if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else empty_violations(VIOLATION_DATA)
    del frames  # one copy of the violations alive at a time (issue 27)
    waivers += book.waivers if book is not None else []
    if waivers:
        from .rulebook.waivers import engine_hook

        frame = engine_hook(frame, waivers, tables, report, file)
    # Rows are whole numbers or None (a violation with no row), never 12.0.
    frame["row"] = _whole_rows(frame["row"])
    if book is not None:
        from .rulebook.apply import describe

        report.summaries["rulebook"] = [describe(book, file)]
    # Messages and summaries are outputs: opsbook.messages and the pipeline make them.
    return Checked(
        report=report,
        tables=tables,
        kind=kind,
        context=ctx,
        violations=frame,
        not_checked=not_checked,
        skipped=skipped,
    )


def _whole_rows(rows: pd.Series) -> pd.Series:
    """Rows as Python ints or None (a violation with no row), never 12.0, as one column."""
    out = np.full(len(rows), None, dtype=object)
    present = rows.notna().to_numpy()
    out[present] = rows[present].to_numpy(dtype=np.int64).tolist()
    return pd.Series(out, dtype=object, index=rows.index)


def _logs(
    found: dict[str, list[Table]], result: FileResult, skipped: list[SkippedSheet]
) -> dict[str, list[Table]]:
    """Same-header sheets of one kind (one per month, quarter, inspector) read as one log; the
    report says which.  A companion (roster, purchases …) is one table: a second one with other
    columns is skipped."""
    out: dict[str, list[Table]] = {}
    for name, tables in found.items():
        logs = [one_log(group) for group in same_header_logs(tables)]
        if not kinds.table(name).main:
            for other in logs[1:]:
                for sheet in other.sheets or (other.sheet,):
                    skipped.append(
                        SkippedSheet(
                            sheet, Skip.ANOTHER_COMPANION, (kinds.table(name).title, logs[0].sheet)
                        )
                    )
            logs = logs[:1]
        for log in logs:
            if len(log.sheets) > 1:
                result.logs.append({"table": name, "sheets": list(log.sheets)})
        out[name] = logs
    return out


def _rule(rule_id: str) -> Rule:
    return kinds.rule(rule_id)


def _waivers(sheet: SheetValues) -> list | None:
    if sheet.name not in ("例外", "豁免", "例外清單", "waivers"):  # cheap test, no import
        return None
    from .rulebook.waivers import workbook_waivers

    return workbook_waivers(sheet)


def _rulebook(settings: dict):
    """The rulebook ``[general] rules`` / ``--rules`` names, checked (None: the built-in
    catalog).  opsbook.rulebook.apply picks each record's rule versions."""
    path = settings["general"].get("rules")
    if not path:
        return None
    from .rulebook.apply import load_checked

    return load_checked(path)


def _check_table(
    table: Table,
    ctx: Context,
    file: str,
    not_checked: list[NotChecked],
    rules: list[Rule] | None = None,
    keep=None,
) -> pd.DataFrame:
    """``rules``: those of a rulebook version (default: the catalog's); ``keep``: the
    violations that version judges (a mask over the frame, before ``place``)."""
    if rules is None:
        rules = kinds.rules_for({table.name}, ctx.settings)
    runnable: list[Rule] = []
    for rule in rules:
        why = _why_not(rule, table, ctx)
        if why:
            not_checked.append(NotChecked(file, table.label, rule.id, rule.clause, *why))
        else:
            runnable.append(rule)
    frames = [_unreadable(table, rules, ctx, file)]
    row_rules = [r for r in runnable if isinstance(r, RowRule)]
    failures = _run_row_rules(table, row_rules, ctx)
    for rule in row_rules:
        rows = failures.get(rule.id)
        if rows is not None and len(rows):
            frames.append(_row_violations(rule, table, ctx, file, rows))
    for rule in runnable:
        if isinstance(rule, AggregateRule):
            frames.append(_aggregate_violations(rule, table, ctx, file, rule.run(table, ctx)))
    frames = [f for f in frames if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else empty_violations(VIOLATION_DATA)
    del frames  # one copy of the violations alive at a time (issue 27)
    if keep is not None and len(frame):
        frame = frame[keep(frame).to_numpy()].reset_index(drop=True)
    # A log over several sheets: each violation back on its own sheet and row; then a cell
    # hidden under a merge is marked on the merge's top-left cell.  The note that adds is
    # appended to the templates (zh to zh, en to en: the language is chosen when rendering).
    frame = place(frame, table, json_value)
    frame = frame.rename(columns={"template": "message", "template_en": "message_en"})
    frame = anchor_merged(frame, table, "zh-Hant")
    return frame.rename(columns={"message": "template", "message_en": "template_en"})


def _why_not(rule: Rule, table: Table, ctx: Context) -> tuple[Reason, tuple] | None:
    if not rule.enabled(ctx):
        return Reason.DISABLED, ()
    needed = list(rule.needs)
    if isinstance(rule, RowRule):
        target = rule.target_key(table)
        if target is None:
            targets = (rule.target,) if isinstance(rule.target, str) else rule.target
            needed.append(targets[0])
    missing = table.missing(*needed)
    if rule.needs_any and not any(table.has(k) for k in rule.needs_any):
        missing.append(rule.needs_any[0])
    if missing:
        return Reason.MISSING_COLUMN, tuple((table.spec.column(k).aliases[1], k) for k in missing)
    absent = [c for c in rule.companions if c not in ctx.tables]
    if absent:
        return Reason.MISSING_TABLE, tuple((kinds.table(c).title, c) for c in absent)
    return None


def _run_row_rules(table: Table, rules: list[RowRule], ctx: Context) -> dict[str, pd.Index]:
    """Run the row rules as the table's lazy pandera schema (opsbook.catalog.schema): the
    rows each failing check found."""
    if not rules or table.data.empty:
        return {}
    # Imported here, after the sheets are read: the parse of a big sheet is the peak of a
    # run's memory, and pandera (with pydantic and typeguard) adds ~17 MB under it.
    from .catalog.schema import failing_rows

    return failing_rows(table, rules, ctx)


def template_fields(rule: Rule) -> set[str]:
    """The names a rule's message templates use ({published_at}, {value} …)."""
    return {
        name
        for text in (rule.message, rule.message_en)
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }


def _params(frame: pd.DataFrame) -> dict[str, object]:
    """The template parameters as two columns: their names (one tuple, shared by the rule's
    rows) and each row's values (a tuple, hashable, so equal messages are rendered once)."""
    names = tuple(frame.columns)
    values = list(zip(*(frame[c].tolist() for c in names))) if names else [()] * len(frame)
    return {"param_names": [names] * len(frame), "params": values}


def _per_distinct(series: pd.Series, fn) -> pd.Series:
    """``series.map(fn)`` with ``fn`` called once per distinct value (40,000 fees of three
    amounts format three values).  In object columns 1, True and 1.0 hash as one value but
    are written differently, so there a value is distinct by its type too."""
    if isinstance(series.dtype, pd.StringDtype) and fn in (json_value, shown):
        return _texts(series, fn)
    codes, firsts = distinct_codes(
        series.to_numpy(dtype=object) if series.dtype == object else series
    )
    values = series.take(firsts).tolist() if len(firsts) else []
    done = np.empty(len(firsts) + 1, dtype=object)
    done[:] = [fn(v) for v in values] + [fn(None)]  # code -1 (missing): the last
    return pd.Series(done[codes], index=series.index)


# A text that may start or end with white space as Python's str.strip sees it (a superset:
# a text it matches is stripped by Python, which leaves one without such space as it is).
_PADDED = r"^[\t-\r\x1c-\x20\x85\pZ]|[\t-\r\x1c-\x20\x85\pZ]$"


def _texts(series: pd.Series, fn) -> pd.Series:
    """json_value or shown of a text column without a Python call per value: a text is
    itself (missing: None, or （空白） when shown; "" is None in JSON); only the texts with
    white space at an end go through ``fn`` to be stripped.  Equal texts share one string."""
    import pyarrow.compute as pc

    array = arrow_array(series)
    encoded = array.dictionary_encode()
    texts = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False)
    padded = pc.match_substring_regex(encoded.dictionary, _PADDED).to_numpy(zero_copy_only=False)
    if fn is json_value:
        padded = padded | pc.equal(encoded.dictionary, "").to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(padded):  # rare: texts typed with a space at an end
        texts[i] = fn(texts[i])
    texts = np.append(texts, fn(None))  # a missing value: the last
    indices = encoded.indices.fill_null(len(texts) - 1).to_numpy(zero_copy_only=False)
    return pd.Series(texts[indices], index=series.index)


def _row_violations(
    rule: RowRule, table: Table, ctx: Context, file: str, rows: pd.Index
) -> pd.DataFrame:
    target = rule.target_key(table)
    assert target is not None  # a rule without its column was listed as not checked
    source = table.columns[target]
    # Only the columns the templates name are formatted (a row has 20-35 of them).
    keys = [k for k in table.columns if k in template_fields(rule)]
    params = pd.DataFrame(
        {k: _per_distinct(table.data.loc[rows, k], shown) for k in keys}, index=rows
    )
    raw = table.raw.loc[rows, target]
    params["value"] = _per_distinct(raw, shown)
    params["header"] = source.header
    # The numbers a message states come from the settings the rule checks ({news_working_days}).
    own = ctx.settings.get(ctx.section or "", {})
    for name in template_fields(rule) - set(params.columns):
        if name in own:
            params[name] = shown(own[name])
    if rule.params is not None:
        extra = rule.params(table, ctx, rows)
        for col in extra.columns:
            params[col] = extra[col].map(shown) if extra[col].dtype != object else extra[col]
    return pd.DataFrame(
        {
            "file": file,
            "sheet": table.sheet,
            "row": rows.astype(object),
            "column": source.header,
            "cell": (source.letter + pd.Series(rows).astype(str)).to_numpy(dtype=object),
            "clause": rule.clause,
            "rule": rule.id,
            "severity": rule.severity,
            "value": _per_distinct(raw, json_value).astype(object).values,
            "rows": list(zip(rows.tolist())),  # one-row tuples, made in C
            "template": rule.message,
            "template_en": rule.message_en,
            **_params(params),
        }
    )[VIOLATION_DATA]


def _aggregate_violations(
    rule: AggregateRule, table: Table, ctx: Context, file: str, lines: pd.DataFrame
) -> pd.DataFrame:
    if lines.empty:
        return empty_violations(VIOLATION_DATA)
    lines = lines.reset_index(drop=True)
    params = lines.drop(columns=["rows", "key"]).astype(object)
    all_rows, first_rows, headers, cells, values = _line_cells(lines, table)
    severity = lines["severity"] if "severity" in lines else rule.severity
    return pd.DataFrame(
        {
            "file": file,
            "sheet": table.sheet,
            "row": first_rows,
            "column": headers,
            "cell": cells,
            "clause": rule.clause,
            "rule": rule.id,
            "severity": severity,
            "value": values,
            "rows": all_rows,
            "template": rule.message,
            "template_en": rule.message_en,
            **_params(params),
        }
    )[VIOLATION_DATA]


def _line_cells(lines: pd.DataFrame, table: Table) -> tuple[list, np.ndarray, list, list, list]:
    """For each line of an aggregate rule: its rows sorted, its first row, and the header,
    cell and value it marks there (None where it has no key or no row).  Built as columns:
    the rows flattened into one array and sorted per line at once, each key's cells joined
    in Arrow and its values written once per distinct value (no Python per line: a year of
    twice-a-year shortfalls is 60,000 lines)."""
    lists = lines["rows"].tolist()
    n = len(lists)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    flat = np.fromiter(
        itertools.chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum())
    )
    ends = np.cumsum(lengths)
    starts = ends - lengths
    flat = flat[np.lexsort((flat, np.repeat(np.arange(n), lengths)))]  # sorted within each line
    values = flat.tolist()
    # One tuple per line, made by C-level maps over slices of one list.
    all_rows = list(map(tuple, map(values.__getitem__, map(slice, starts.tolist(), ends.tolist()))))
    has_row = lengths > 0
    first_rows = np.full(n, None, dtype=object)
    firsts = flat[starts[has_row]]
    first_rows[has_row] = firsts.tolist()
    headers = np.full(n, None, dtype=object)
    cells = np.full(n, None, dtype=object)
    marked = np.full(n, None, dtype=object)
    keys = lines["key"].to_numpy(dtype=object)
    codes, names = pd.factorize(keys, use_na_sentinel=True)
    first_of = np.zeros(n, dtype=np.int64)
    first_of[has_row] = firsts
    for code, key in enumerate(names.tolist()):
        source = table.columns.get(key) if key else None
        if source is None:
            continue
        at = codes == code
        headers[at] = source.header  # a key without a row still names its column
        at &= has_row
        if not at.any():
            continue
        rows = first_of[at]
        cells[at] = (source.letter + pd.Series(rows).astype(str)).to_numpy(dtype=object)
        marked[at] = _per_distinct(table.raw[key].loc[rows], json_value).to_numpy(dtype=object)
    return all_rows, first_rows, list(headers), list(cells), list(marked)


# The reader's own "rule": a value that cannot be read as its column's type (one id per type).
UNREADABLE_IDS = {
    "date": "read.unreadable_date",
    "datetime": "read.unreadable_datetime",
    "bool": "read.unreadable_bool",
    "number": "read.unreadable_number",
    "text": "read.unreadable_text",
}
UNREADABLE = (
    "「{header}」的值「{value}」無法讀取為{type_zh}，{clause} 無法檢查此格",
    "'{value}' in '{header}' cannot be read as a {type}; {clause} cannot be checked here",
)
UNREADABLE_PARAMS = ("header", "value", "type", "type_zh", "clause")


def _unreadable(table: Table, rules: list[Rule], ctx: Context, file: str) -> pd.DataFrame:
    """A value that cannot be read (text where a date belongs) is a violation on its cell,
    citing the first clause that needs the column."""
    bad = table.unreadable
    if bad.empty:
        return empty_violations(VIOLATION_DATA)
    lines = []
    for group_key, group in bad.groupby("key"):
        key = cast(str, group_key)  # pandas-stubs type a group's key as any scalar
        users = [
            r
            for r in rules
            if key in r.needs
            or key in r.needs_any
            or (
                isinstance(r, RowRule)
                and key in ((r.target,) if isinstance(r.target, str) else r.target)
            )
        ]
        if not users:
            continue  # a column no rule reads: nothing is blocked, nothing to report
        rows = pd.Index(group["row"])
        clause = pd.Series(users[0].clause, index=rows)
        for rule in reversed(users):  # the first rule whose scope holds the row wins
            if rule.scope is not None and table.has(*rule.needs):
                inside = rule.scope(table, ctx).reindex(rows, fill_value=False).astype(bool)
                clause[inside] = rule.clause
        source = table.columns[key]
        expected = table.spec.column(key).type
        for row in rows:
            raw = table.raw.at[row, key]
            lines.append(
                {
                    "file": file,
                    "sheet": table.sheet,
                    "row": int(row),
                    "column": source.header,
                    "cell": f"{source.letter}{row}",
                    "clause": clause[row],
                    "rule": UNREADABLE_IDS[expected],
                    "severity": "error",
                    "value": json_value(raw),
                    "rows": (int(row),),
                    "template": UNREADABLE[0],
                    "template_en": UNREADABLE[1],
                    "param_names": UNREADABLE_PARAMS,
                    "params": (source.header, shown(raw), expected, TYPE_ZH[expected], clause[row]),
                }
            )
    return (
        pd.DataFrame(lines, columns=VIOLATION_DATA) if lines else empty_violations(VIOLATION_DATA)
    )
