"""Messages: what the engine decided, rendered in the run's language.

The engine leaves message templates and their parameters in its violations table; here each
distinct (template, parameters) pair is formatted once (a rule that fails the same way on
20,000 rows formats one message), and the not-checked records get their words.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

from .report import (
    VIOLATION_FIELDS,
    Checked,
    NotChecked,
    Reason,
    Skip,
    SkippedSheet,
    empty_violations,
)
from .text import to_simplified
from .values import distinct_codes

LANGUAGES = ("zh-Hant", "zh-Hans", "en")

# Words for the not-checked reasons: (zh-Hant, en).
REASONS = {
    Reason.DISABLED: ("已在設定中關閉 (disabled in settings)", "disabled in settings"),
    Reason.MISSING_COLUMN: ("欄位缺失：", "missing column: "),
    Reason.MISSING_TABLE: ("缺少工作表：", "missing sheet: "),
}

# Words for skipped sheets: (zh-Hant, en) templates over the record's detail.
SKIPS = {
    Skip.NO_KNOWN_TABLE: ("不是可識別的表格 (no known table)", "no known table"),
    Skip.OTHER_KIND: (
        "屬於 {0}，不是本工作簿的類型 {1}",
        "belongs to {0}, not this workbook's kind {1}",
    ),
    Skip.ANOTHER_COMPANION: ("另一個{0}已在「{1}」", "another {0} is already on '{1}'"),
    Skip.TOO_LARGE: (
        "{0:,} 行，超過上限 {1:,} 行 (sheet too large)",
        "{0:,} rows, over the limit of {1:,} (sheet too large)",
    ),
}


def render(checked: Checked, language: str) -> Checked:
    """Fill ``checked.report`` (violations, not-checked, skipped sheets) from the engine's data."""
    checked.language = language
    checked.report.frame = violation_frame(checked.violations, language)
    checked.report.not_checked += [not_checked_record(n, language) for n in checked.not_checked]
    if checked.report.files:
        checked.report.files[0].skipped_sheets += [
            skipped_record(s, language) for s in checked.skipped
        ]
    return checked


def skipped_record(record: SkippedSheet, language: str) -> dict[str, str]:
    """The JSON report's skipped_sheets entry."""
    if record.reason is Skip.NOT_RECORDS:  # the reader's own words (Chinese)
        return {"sheet": record.sheet, "reason": str(record.detail[0])}
    zh, en = SKIPS[record.reason]
    zh, en = zh.format(*record.detail), en.format(*record.detail)
    return {
        "sheet": record.sheet,
        "reason": en if language == "en" else to_simplified(zh) if language == "zh-Hans" else zh,
    }


def violation_frame(data: pd.DataFrame, language: str) -> pd.DataFrame:
    """VIOLATION_DATA → VIOLATION_FIELDS: messages in ``language`` plus English, rendered as
    columns: the rows of one (template, English template, parameter names) together, each
    parameter's distinct values formatted once and the template's literal pieces joined
    to them in Arrow (60,000 twice-a-year lines, each naming its own customer, are one
    join, not 60,000 ``format`` calls)."""
    if not len(data):
        return empty_violations()
    shown = np.empty(len(data), dtype=object)
    english = np.empty(len(data), dtype=object)
    params = data["params"].to_numpy(dtype=object)
    kinds = [data[c].to_numpy(dtype=object) for c in ("template", "template_en", "param_names")]
    group = np.zeros(len(data), dtype=np.int64)
    for values in kinds:  # tuples stay tuples in an object array (no MultiIndex)
        codes, uniques = pd.factorize(values)
        group, _ = pd.factorize(group * (len(uniques) + 1) + codes)  # renumbered: never overflows
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for at in np.split(order, bounds):  # one piece per template: a few dozen
        first = at[0]
        template, template_en, names = (k[first] for k in kinds)
        fields = _fields(names, params[at])
        en = _render(template_en, names, fields, params[at])
        english[at] = en
        if language == "en":
            shown[at] = en
        else:
            zh = _render(template, names, fields, params[at])
            shown[at] = _simplified(zh) if language == "zh-Hans" else zh
    frame = data.drop(columns=["template", "template_en", "param_names", "params"])
    frame["message"] = shown
    frame["message_en"] = english
    return frame[VIOLATION_FIELDS]


def _fields(names: tuple, params: np.ndarray) -> dict[str, np.ndarray] | None:
    """The parameters of rows sharing ``names`` as one object array per name (None when a
    row's parameters do not match its names: then its messages are formatted one by one)."""
    try:
        columns = list(zip(*params, strict=True)) if len(names) else []
    except ValueError:
        return None
    if len(columns) != len(names):
        return None
    out = {}
    for name, column in zip(names, columns):
        array = np.empty(len(column), dtype=object)
        array[:] = column
        out[name] = array
    return out


def _render(template: str, names: tuple, fields: dict | None, params: np.ndarray) -> np.ndarray:
    """``template.format_map(dict(zip(names, row)))`` for every row of ``params``, as columns:
    each field formatted once per distinct value (told apart by type, so 1, 1.0 and True
    each keep their own text), the pieces joined element-wise in Arrow.  Templates with
    nested or indexed fields, and parameters that cannot be hashed, go row by row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces: list = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        parsed = None
    simple = (
        fields is not None
        and parsed is not None
        and all(
            f is None or (f in fields and "{" not in (spec or "") and conv in (None, "r", "s", "a"))
            for _, f, spec, conv in parsed
        )
    )
    if not simple:
        return _row_by_row(template, names, params)
    for literal, name, spec, conv in parsed:
        if literal:
            pieces.append(literal)
        if name is None:
            continue
        try:
            pieces.append(pa.array(_formatted(fields[name], spec or "", conv), type=pa.string()))
        except TypeError:  # a value that cannot be hashed
            return _row_by_row(template, names, params)
    if not any(isinstance(p, pa.Array) for p in pieces):
        text = "".join(pieces)
        out = np.empty(len(params), dtype=object)
        out[:] = [text] * len(params)
        return out
    joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
    return joined.to_numpy(zero_copy_only=False).astype(object, copy=False)


_CONVERT = {None: None, "r": repr, "s": str, "a": ascii}


def _formatted(values: np.ndarray, spec: str, conv: str | None) -> np.ndarray:
    """One field's values as format_map writes them, each distinct value formatted once."""
    codes, firsts = distinct_codes(values, missing=False)
    convert = _CONVERT[conv]
    done = np.array(
        [format(v if convert is None else convert(v), spec) for v in values.take(firsts).tolist()]
        + [""],
        dtype=object,
    )
    return done[codes]


def _row_by_row(template: str, names: tuple, params: np.ndarray) -> np.ndarray:
    out = np.empty(len(params), dtype=object)
    out[:] = [template.format_map(dict(zip(names, p))) for p in params]
    return out


def _simplified(texts: np.ndarray) -> np.ndarray:
    """to_simplified of each text, one OpenCC call for the distinct texts joined by line
    breaks (OpenCC matches phrases within a line; a text holding a line break alone)."""
    codes, firsts = distinct_codes(texts)
    uniques = texts.take(firsts).tolist()
    if any("\n" in t for t in uniques):
        converted = [to_simplified(t) for t in uniques]
    else:
        converted = to_simplified("\n".join(uniques)).split("\n")
    return np.array(converted + [None], dtype=object)[codes]


def reason_text(record: NotChecked, language: str) -> str:
    if record.reason is Reason.ROWS_NOT_JUDGED:
        return str(record.detail[0]) if record.detail else ""
    zh, en = REASONS[record.reason]
    if record.reason is not Reason.DISABLED:
        names = [f"{shown} ({key})" for shown, key in record.detail]
        zh, en = zh + "、".join(names), en + ", ".join(names)
    return en if language == "en" else to_simplified(zh) if language == "zh-Hans" else zh


def not_checked_record(record: NotChecked, language: str) -> dict[str, str]:
    """The JSON report's not_checked entry."""
    return {
        "file": record.file,
        "sheet": record.sheet,
        "rule": record.rule,
        "clause": record.clause,
        "reason": reason_text(record, language),
    }
