"""The engine's hook for a rulebook (``--rules``, ``[general] rules``): each record judged
under the version of each rule, and of each setting, in force on the record's date.

The dates of a kind's rulebook rows (every 生效日, and every day after a 失效日) cut time into
segments within which nothing changes.  For each segment the table is checked once, whole,
with that segment's rules and settings, and only the violations whose date falls in the
segment are kept: a row mask by date range per version, no per-row Python.  A rulebook
without dates is one segment: the rules and settings replaced, the check otherwise the
built-in one (so the exported rulebook gives the built-in report).

The date of a violation: its record's date (the table's first required date column:
發布日期, 留言時間, 檢查日期, 申請日期 …); for an aggregate line (a week, a month, a year),
the last day of its period (its ``end``, ``month`` or ``year``), else its latest record's;
without any date (an empty date cell), the as-of date.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import string
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from .model import AGGREGATE, PYTHON, RULE, SETTING, Entry, Rulebook, RulebookError

if TYPE_CHECKING:
    from pandas._libs import NaTType

    from ..report import NotChecked

_CACHE: dict[tuple, Rulebook] = {}


def load_checked(path: str) -> Rulebook:
    """The rulebook at ``path``, checked (RulebookError: one line per problem).  Cached by
    path, size and modification time: a batch reads it once per process."""
    from .check import problems
    from .model import load

    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        book = load(path)
        wrong = problems(book)
        if wrong:
            raise RulebookError(wrong)
        _CACHE[key] = book
    return _CACHE[key]


@dataclass
class Segment:
    start: dt.date | None  # None: from always
    end: dt.date | None  # inclusive; None: no end
    rules: list  # the rules in force, in the catalog's order
    settings: dict
    versions: dict[str, dt.date | None]  # rule id → the 生效日 of the version judging it


def segments(
    book: Rulebook, kind: str, table: str, base: dict, as_of: pd.Timestamp
) -> list[Segment]:
    entries = book.of_kind(kind)
    cuts = sorted(
        {e.since for e in entries if e.since}
        | {e.until + dt.timedelta(days=1) for e in entries if e.until}
    )
    bounds = [None, *cuts]
    out = []
    for i, start in enumerate(bounds):
        end = cuts[i] - dt.timedelta(days=1) if i < len(cuts) else None  # bounds[i + 1]
        day = start or (end if end is not None else as_of.date())
        out.append(_segment(entries, kind, table, base, start, end, day))
    return out


def _segment(entries, kind_name, table, base, start, end, day) -> Segment:
    from .. import kinds

    kind = kinds.get(kind_name)
    section = kind.settings
    settings = copy.deepcopy(base)
    dated_settings: dict[str, dt.date] = {}
    for e in entries:
        if e.type == SETTING and e.in_force(day):
            sec, _, name = e.id.rpartition(".")
            settings.setdefault(sec or section, {})[name] = e.value
            if e.since:
                dated_settings[name] = e.since
    rows: dict[str, list[Entry]] = {}
    for e in entries:
        if e.type != SETTING:
            rows.setdefault(e.id, []).append(e)
    builtin = [r for r in kinds.rules_for({table}, settings)]
    rules, versions = [], {}
    for r in builtin:
        versions_of = rows.pop(r.id, None)
        if versions_of is None:  # not in the rulebook: runs as built in
            rules.append(r)
            continue
        e = next((v for v in versions_of if v.in_force(day)), None)
        if e is None or not e.enabled:
            continue
        rules.append(_edited(r, e))
        versions[r.id] = _version_date(e, rules[-1], dated_settings, section)
    catalog = {r.id for r in kinds.all_rules()}
    for rid, versions_of in rows.items():  # the department's own rules
        if rid in catalog:  # a catalog rule not in force under these settings (a profile)
            continue
        e = next((v for v in versions_of if v.in_force(day)), None)
        if e is None or not e.enabled or e.table != table or e.type != RULE:
            continue
        rules.append(_new(e))
        versions[rid] = _version_date(e, rules[-1], dated_settings, section)
    return Segment(start, end, rules, settings, versions)


def _edited(rule, e: Entry):
    common = dict(clause=e.clause, severity=e.severity, message=e.message, message_en=e.message_en)
    if e.type in (PYTHON, AGGREGATE) or not getattr(rule, "declared", False):
        return replace(rule, **common) if _differs(rule, common) else rule
    target = e.targets[0] if len(e.targets) == 1 else e.targets
    fields = dict(common, when=e.when or None, fails_if=e.fails_if, target=target)
    if not _differs(rule, fields):
        return rule
    if rule.when is not None:
        fields["scope"] = None  # recomputed from the new `when` (RowRule.__post_init__)
    return replace(rule, **fields)


def _differs(rule, fields: dict) -> bool:
    return any(getattr(rule, k) != v for k, v in fields.items())


def _new(e: Entry):
    from ..catalog.base import RowRule

    target = e.targets[0] if len(e.targets) == 1 else e.targets
    return RowRule(
        id=e.id,
        clause=e.clause,
        title=e.title or e.id,
        message=e.message,
        message_en=e.message_en or e.message,
        table=e.table,
        severity=e.severity,
        target=target,
        when=e.when or None,
        fails_if=e.fails_if,
    )


def _version_date(e: Entry, rule, dated_settings: dict, section) -> dt.date | None:
    """The version's 生效日: its own row's, or a later one of a setting it reads."""
    from ..catalog.vocabulary import settings_used

    if getattr(rule, "declared", False):
        names = {s.name for s in settings_used(rule.expression) if s.section in (None, section)}
        names |= {
            n
            for t in (rule.message, rule.message_en)
            for _, n, _, _ in string.Formatter().parse(t)
            if n
        }
    else:
        names = set(dated_settings)  # Python reads what it reads: every setting counts
    dates = [d for n, d in dated_settings.items() if n in names] + ([e.since] if e.since else [])
    return max(dates) if dates else None


def record_date_key(spec) -> str | None:
    dated = [c for c in spec.columns if c.type in ("date", "datetime")]
    first = next((c for c in dated if c.required), dated[0] if dated else None)
    return first.key if first else None


def violation_dates(frame: pd.DataFrame, table, as_of: pd.Timestamp, lines: set) -> pd.Series:
    """The day each violation (before ``place``: rows are the table's index) is judged on."""
    key = record_date_key(table.spec)
    days = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if key is not None and table.has(key):
        record = pd.to_datetime(table.data[key], errors="coerce").dt.normalize()
        record = record[~record.index.duplicated()]
        has_row = frame["row"].notna()
        if has_row.any():
            days[has_row] = record.reindex(frame.loc[has_row, "row"].astype(int)).to_numpy()
        # An aggregate line (``lines``: those rules' ids): its period, else its last row.
        for i in frame.index[frame["rule"].isin(lines) | ~has_row]:
            days.at[i] = _line_day(
                frame.at[i, "param_names"], frame.at[i, "params"], frame.at[i, "rows"], record
            )
    return days.fillna(as_of.normalize())


def _line_day(names, values, rows, record) -> pd.Timestamp | NaTType:
    p = dict(zip(names or (), values or ()))
    try:
        if "end" in p:
            return pd.Timestamp(str(p["end"])[:10])
        if "month" in p:
            return pd.Period(str(p["month"]), "M").end_time.normalize()
        if "year" in p:
            return pd.Timestamp(year=int(p["year"]), month=12, day=31)
    except (ValueError, TypeError):
        pass
    found = record.reindex([int(r) for r in rows or ()]).dropna()
    return found.max() if len(found) else pd.NaT


def check_table(table, ctx, file, not_checked, check, book: Rulebook, kind: str) -> pd.DataFrame:
    """The engine's ``_check_table`` (``check``) once per segment, each keeping its dates."""
    from ..report import VIOLATION_DATA, empty_violations

    base = ctx.settings
    parts = segments(book, kind, table.name, base, ctx.as_of)
    if len(parts) == 1:
        seg = parts[0]
        ctx.settings = seg.settings
        frame = check(table, ctx, file, not_checked, rules=seg.rules)
        return _name_versions(frame, seg, book)
    frames, seen_notes = [], []
    today = ctx.as_of.normalize()
    current = base
    aggregates = {r.id for seg in parts for r in seg.rules if r.kind == "agg"}
    for seg in parts:
        ctx.settings = seg.settings
        ctx.cache.clear()  # results cached under another version's settings
        lo = pd.Timestamp(seg.start) if seg.start else pd.Timestamp.min
        hi = pd.Timestamp(seg.end) if seg.end else pd.Timestamp.max

        def keep(frame, lo=lo, hi=hi):
            days = violation_dates(frame, table, ctx.as_of, aggregates)
            return days.between(lo, hi)

        found: list[NotChecked] = []
        frame = check(table, ctx, file, found, rules=seg.rules, keep=keep)
        not_checked += [n for n in found if n not in not_checked]
        frames.append(_name_versions(frame, seg, book))
        seen_notes += [n for n in ctx.notes if n not in seen_notes]
        ctx.notes.clear()
        if lo <= today <= hi:
            current = seg.settings
    ctx.notes.extend(seen_notes)
    ctx.settings = current  # the summaries follow the version in force on as-of
    ctx.cache.clear()
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_violations(VIOLATION_DATA)


def _name_versions(frame: pd.DataFrame, seg: Segment, book: Rulebook) -> pd.DataFrame:
    """A violation judged by a dated version says which: the rulebook's digest and 生效日."""
    dated = {r: d for r, d in seg.versions.items() if d}
    if frame.empty or not dated:
        return frame
    short = book.digest()[:8]
    zh = {r: f"（規則簿 {short}，{d.isoformat()} 起生效的版本）" for r, d in dated.items()}
    en = {
        r: f" (rulebook {short}, version in force from {d.isoformat()})" for r, d in dated.items()
    }
    frame = frame.copy()
    frame["template"] = frame["template"] + frame["rule"].map(zh).fillna("")
    frame["template_en"] = frame["template_en"] + frame["rule"].map(en).fillna("")
    return frame


def describe(book: Rulebook, file: str) -> dict:
    """What the JSON report says of the rulebook a file was judged by."""
    dated = sorted({e.since.isoformat() for e in book.entries if e.since})
    return {
        "file": file,
        "rulebook": os.path.basename(book.source),
        "sha256": book.digest(),
        "versions_from": dated,
    }
