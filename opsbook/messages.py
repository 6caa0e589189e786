"""Messages: what the engine decided, rendered in the run's language.

The engine leaves message templates and their parameters in its violations table; here each
distinct (template, parameters) pair is formatted once (a rule that fails the same way on
20,000 rows formats one message), and the not-checked records get their words.
"""

from __future__ import annotations

import operator
import string
from typing import Any, cast

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
from .text import localize, to_simplified
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
    Skip.NOT_RECORDS: (
        "「{0}」欄 {1} 個值中 {2} 個不是{3}（如「{5!s}」）：是統計表或樞紐表，不是記錄 (not a record table)",
        "column '{0}': {2} of its {1} values are not {4} (e.g. '{5!s}'): a summary or pivot table, not records",
    ),
    Skip.OTHER_KIND: (
        "屬於 {0}，不是本工作簿的類型 {1}",
        "belongs to {0}, not this workbook's kind {1}",
    ),
    Skip.ANOTHER_COMPANION: ("另一個{0}已在「{1}」", "another {0} is already on '{1}'"),
    Skip.TOO_LARGE: (
        "{0:,} 行，超過上限 {1:,} 行 (sheet too large)",
        "{0:,} rows, over the limit of {1:,} (sheet too large)",
    ),
    Skip.PAST_GRID: (
        "儲存格參照 {0} 超出 Excel 的範圍 (最後一格是 XFD1048576)，未讀取此工作表；"
        "請在 Excel 中開啟並另存 (cell reference past Excel's grid)",
        "cell reference {0} past Excel's grid (the last cell is XFD1048576): not read; "
        "open and save it in Excel",
    ),
    Skip.VALUES_UNREAD: (
        "XML 中有 {0:,} 個儲存格有值，但一個也讀不出 (values in the sheet could not be read)",
        "its XML holds {0:,} values but none could be read",
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
    zh, en = SKIPS[record.reason]
    return {
        "sheet": record.sheet,
        "reason": localize(zh.format(*record.detail), en.format(*record.detail), language),
    }


def violation_frame(data: pd.DataFrame, language: str) -> pd.DataFrame:
    """VIOLATION_DATA → VIOLATION_FIELDS: messages in ``language`` plus English, rendered as
    columns: the rows of one (template, English template, parameter names) together, each
    parameter's distinct values formatted once and the template's literal pieces joined
    to them in Arrow (60,000 twice-a-year lines, each naming its own customer, are one
    join, not 60,000 ``format`` calls).  Equal messages share one string object."""
    if not len(data):
        return empty_violations()
    shown = np.empty(len(data), dtype=object)
    english = np.empty(len(data), dtype=object)
    params = data["params"].to_numpy(dtype=object)
    group = np.zeros(len(data), dtype=np.int64)
    for column in ("template", "template_en", "param_names"):
        values = data[column]  # text: factorized in Arrow; tuples: as objects (no MultiIndex)
        codes, uniques = pd.factorize(
            values.to_numpy(dtype=object) if values.dtype == object else values
        )
        group, _ = pd.factorize(group * (len(uniques) + 1) + codes)  # renumbered: never overflows
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for at in np.split(order, bounds):  # one piece per template: a few dozen
        template, template_en, names = (
            # Any: pandas-stubs type .iat as any scalar; these columns hold str, str, tuple
            cast(Any, data[c].iat[at[0]])
            for c in ("template", "template_en", "param_names")
        )
        fields = _Fields(names, params[at])
        en = _render(template_en, fields)
        english[at] = en
        if language == "en":
            shown[at] = en
        else:
            zh = _render(template, fields)
            shown[at] = _simplified(zh) if language == "zh-Hans" else zh
    frame = data.drop(columns=["template", "template_en", "param_names", "params"])
    frame["message"] = shown
    frame["message_en"] = english
    return frame[VIOLATION_FIELDS]


class _Fields:
    """The parameters of rows sharing one tuple of names, a column per name, each rendered
    (as ``format`` with a spec and conversion would) once per distinct value and kept for
    the other language's template."""

    def __init__(self, names: tuple, params: np.ndarray):
        self.params, self.names = params, names
        self.ok = set(map(len, params)) == {len(names)}  # else: formatted row by row
        self._columns: dict[str, list] = {}
        self._rendered: dict[tuple, object] = {}

    def column(self, name: str) -> list:
        if name not in self._columns:
            self._columns[name] = list(
                map(operator.itemgetter(self.names.index(name)), self.params)
            )
        return self._columns[name]

    def rendered(self, name: str, spec: str, conv: str | None):
        """The field's texts as an Arrow array."""
        import pyarrow as pa

        key = (name, spec, conv)
        if key not in self._rendered:
            values = self.column(name)
            kind = pd.api.types.infer_dtype(values, skipna=False) if not (spec or conv) else ""
            if kind == "string":  # format(text, "") is the text
                self._rendered[key] = pa.array(values, type=pa.string())
            else:
                array = np.empty(len(values), dtype=object)
                array[:] = values
                self._rendered[key] = pa.array(_formatted(array, spec, conv), type=pa.string())
        return self._rendered[key]


def _render(template: str, fields: _Fields) -> np.ndarray:
    """``template.format_map(dict(zip(names, row)))`` for every row, as columns: each field's
    texts (see _Fields) and the template's literal pieces joined element-wise in Arrow.
    Templates with nested or indexed fields, and parameters that cannot be hashed, go row
    by row."""
    import pyarrow.compute as pc

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        parsed = None
    simple = (
        fields.ok
        and parsed is not None
        and all(
            f is None
            or (f in fields.names and "{" not in (spec or "") and conv in (None, "r", "s", "a"))
            for _, f, spec, conv in parsed
        )
    )
    if not simple:
        return _row_by_row(template, fields.names, fields.params)
    assert parsed is not None  # simple says so
    pieces: list = []
    for literal, name, spec, conv in parsed:
        if literal:
            pieces.append(literal)
        if name is not None:
            try:
                pieces.append(fields.rendered(name, spec or "", conv))
            except TypeError:  # a value that cannot be hashed
                return _row_by_row(template, fields.names, fields.params)
    if all(isinstance(p, str) for p in pieces):
        out = np.empty(len(fields.params), dtype=object)
        out[:] = ["".join(pieces)] * len(out)
        return out
    joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
    # Each distinct message one Python string, the rows pointing at it.
    encoded = joined.dictionary_encode()
    texts = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False)
    return texts[encoded.indices.to_numpy(zero_copy_only=False)]


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
    if record.reason is Reason.ROWS_NOT_JUDGED:  # the rule's own words: (zh, en)
        zh, en = (*map(str, record.detail), "", "")[:2]
        return localize(zh, en or zh, language)
    zh, en = REASONS[record.reason]
    if record.reason is not Reason.DISABLED:
        names = [f"{shown} ({key})" for shown, key in record.detail]
        zh, en = zh + "、".join(names), en + ", ".join(names)
    return localize(zh, en, language)


def not_checked_record(record: NotChecked, language: str) -> dict[str, str]:
    """The JSON report's not_checked entry."""
    return {
        "file": record.file,
        "sheet": record.sheet,
        "rule": record.rule,
        "clause": record.clause,
        "reason": reason_text(record, language),
    }
