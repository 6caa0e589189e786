"""Messages: what the engine decided, rendered in the run's language.

The engine leaves message templates and their parameters in its violations table; here each
distinct (template, parameters) pair is formatted once (a rule that fails the same way on
20,000 rows formats one message), and the not-checked records get their words.
"""

from __future__ import annotations

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
from .text import localize

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
    """VIOLATION_DATA → VIOLATION_FIELDS: messages in ``language`` plus English, each
    distinct (template, English template, parameter names, parameters) formatted once."""
    if not len(data):
        return empty_violations()
    try:
        codes, firsts = _distinct_messages(data)
    except TypeError:  # a parameter that cannot be hashed: formatted row by row
        codes, firsts = np.arange(len(data)), np.arange(len(data))
    # Plain lists: iterating an Arrow-backed string column costs ~5 µs a value.
    columns = (
        data[c].take(firsts).tolist() for c in ("template", "template_en", "param_names", "params")
    )
    shown, english = [], []
    for template, template_en, names, params in zip(*columns):
        values = dict(zip(names, params))
        en = template_en.format_map(values)
        zh = template.format_map(values)
        shown.append(localize(zh, en, language))
        english.append(en)
    frame = data.drop(columns=["template", "template_en", "param_names", "params"])
    frame["message"] = np.asarray(shown, dtype=object)[codes]
    frame["message_en"] = np.asarray(english, dtype=object)[codes]
    return frame[VIOLATION_FIELDS]


def _distinct_messages(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's message number and the first row of each message: rows are one message
    when their templates, parameter names and parameters are equal (as a dict key: 1, 1.0
    and True are one value, as they format alike in a message).  Raises TypeError for a
    parameter that cannot be hashed."""
    key = np.zeros(len(data), dtype=np.int64)
    for column in ("template", "template_en", "param_names", "params"):
        column_values = data[column]
        # tuples: as an array, so the uniques stay tuples (no MultiIndex)
        values: pd.Series | np.ndarray = (
            column_values.to_numpy(dtype=object) if column_values.dtype == object else column_values
        )
        codes, uniques = pd.factorize(values)
        key, _ = pd.factorize(key * (len(uniques) + 1) + codes)  # renumbered: never overflows
    codes = key  # numbered in order of first appearance
    _, firsts = np.unique(codes, return_index=True)
    return codes, firsts


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
