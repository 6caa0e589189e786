"""Issue 27: violations are built and worded as columns.  The per-value helpers (json_value,
shown, format, OpenCC) run once per distinct value, however many violations share it: the
counts below are the same for 1,000 and 10,000 violations, and the columns equal what the
value-by-value rendering gives."""

from __future__ import annotations

import cProfile
import pstats
import random

import numpy as np
import pandas as pd
import pytest
from helpers import AS_OF, settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import opsbook.engine as engine
import opsbook.messages as messages
from opsbook.catalog import AggregateRule
from opsbook.report import VIOLATION_DATA
from opsbook.values import distinct_codes, json_value, shown
from opsbook.workbook.reader import SheetValues

H = ["平台", "標題", "發布日期", "審核人", "負責人"]
RULE = AggregateRule(
    id="test.columns",
    clause="R0-1",
    title="test",
    message="「{who}」第 {week} 週只發了 {count:,} 篇（{ratio:.1f}，{flag}）",
    message_en="{who!r} posted {count} in week {week} ({ratio:.1f}, {flag})",
    table="posts",
)


def _table(rows: int):
    """A post log of ``rows`` rows whose titles take five values."""
    data = [["官網", f"標題{i % 5}", "2026-10-05", "李", "張"] for i in range(rows)]
    checked = engine.check_sheets(
        [SheetValues("發布日誌", [H, *data])], "t.xlsx", settings(), engine.as_of_moment(AS_OF)
    )
    return checked.tables["posts"][0], checked.context


def _lines(rows: int, table) -> pd.DataFrame:
    """One aggregate line per worksheet row (rows given unsorted, some lines without rows or
    key); parameters of few distinct values (1 / 1.0 / True mixed in one of them), but
    their combinations, so the messages, all distinct up to 10,100 lines."""
    rng = random.Random(27)
    first = table.header_row + 1
    lines = []
    for i in range(rows):
        row = first + i
        lines.append(
            {
                "rows": [] if i % 97 == 0 else [row + 1, row] if i % 2 else [row],
                "key": None if i % 89 == 0 else "title",
                "who": f"王{i % 100}",
                "week": i % 101,
                "count": [1, 1.0, True, 1200][i % 4],
                "ratio": 0.25 * (i % 3),
                "flag": rng.choice(["是", "否", None]),
            }
        )
    return pd.DataFrame(lines)


# The per-value helpers, as cProfile names them: a Python function by its name, a builtin
# by the words of its description.
HELPERS = {
    "json_value": ("json_value",),
    "shown": ("shown",),
    "format": ("builtins.format", "'format' of 'str'", "'format_map' of 'str'"),
    "to_simplified": ("to_simplified", "'convert' of"),
}


def _counted(rows: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Calls of each helper while the aggregate lines become violations and messages."""
    table, ctx = _table(rows)
    lines = _lines(rows, table)
    profile = cProfile.Profile()
    profile.enable()
    data = engine._aggregate_violations(RULE, table, ctx, "t.xlsx", lines)
    frame = messages.violation_frame(data, "zh-Hans")
    profile.disable()
    calls = dict.fromkeys(HELPERS, 0)
    for (_file, _line, name), (_cc, count, *_rest) in pstats.Stats(profile).stats.items():
        for helper, words in HELPERS.items():
            if name in words or any(w in name for w in words if " " in w or "." in w or "'" in w):
                calls[helper] += count
    return calls, data, frame


def test_helpers_run_per_distinct_value_not_per_violation():
    small, _, _ = _counted(1_000)
    big, data, frame = _counted(10_000)
    assert len(frame) == 10_000
    assert big == small  # 10× the violations, not one call more
    # five titles (+1 for a missing value); per field: 100 names, 101 weeks, 4 counts told
    # apart by type, 3 ratios, 3 flags, in two languages; the Simplified text one OpenCC call.
    assert big["json_value"] <= 6  # none: a text is itself, in Arrow
    assert 0 < big["format"] <= 2 * (100 + 101 + 4 + 3 + 3)
    assert big["to_simplified"] == 1


def test_columns_equal_the_value_by_value_rendering(monkeypatch):
    table, ctx = _table(2_000)
    lines = _lines(2_000, table)
    data = engine._aggregate_violations(RULE, table, ctx, "t.xlsx", lines)
    assert list(data.columns) == VIOLATION_DATA
    for i, (rows, key) in enumerate(zip(lines["rows"], lines["key"])):
        ordered = tuple(sorted(rows))
        assert data.at[i, "rows"] == ordered
        first = ordered[0] if ordered else None
        assert data.at[i, "row"] == first
        marks = isinstance(key, str) and first is not None
        _same(data.at[i, "cell"], f"B{first}" if marks else None)
        _same(data.at[i, "value"], json_value(table.raw.at[first, key]) if marks else None)
        _same(data.at[i, "column"], "標題" if isinstance(key, str) else None)
    for lang in ("zh-Hant", "zh-Hans", "en"):
        frame = messages.violation_frame(data, lang)
        template = RULE.message_en if lang == "en" else RULE.message
        expected = [
            template.format_map(dict(zip(names, params)))
            for names, params in zip(data["param_names"], data["params"])
        ]
        if lang == "zh-Hans":
            expected = [messages.to_simplified(t) for t in expected]
        assert frame["message"].tolist() == expected
        assert [type(m) for m in frame["message"]] == [str] * len(frame)
    # 1, 1.0 and True are one value to Python but three texts
    en = messages.violation_frame(data, "en")["message"]
    assert [en[i].split(" posted ")[1].split(" in ")[0] for i in range(4)] == [
        "1",
        "1.0",
        "True",
        "1200",
    ]


def _same(value, expected) -> None:
    """Equal, or both missing (a text column holds a missing value as NaN)."""
    assert value == expected or (expected is None and pd.isna(value)), (value, expected)


@pytest.mark.parametrize(
    "values",
    [
        [1, 1.0, True, None, float("nan"), pd.NaT, 1, "1", 0.0, -0.0],
        ["a", "b", "a", None, "b"],
        [],
    ],
)
def test_distinct_codes_tell_types_and_missing_kinds_apart(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    for missing in (True, False):
        codes, firsts = distinct_codes(array, missing)
        assert len(codes) == len(values)
        for i, v in enumerate(values):
            if codes[i] < 0:
                assert missing and pd.isna(v)
                continue
            f = array[firsts[codes[i]]]
            assert type(f) is type(v) and (str(f) == str(v) or (pd.isna(f) and pd.isna(v)))


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(
                alphabet=st.sampled_from(["a", "公", " ", "\u3000", "\x1c", "\x85", "\t", "\xa0"])
            ),
            st.text(),
        ),
        max_size=30,
    )
)
def test_text_columns_are_written_as_each_value_would_be(values):
    """A text column's values for JSON and for messages come from Arrow, not a call per
    value: the same as json_value and shown of each (white space of every kind stripped)."""
    series = pd.Series(values, dtype="str")
    for fn in (json_value, shown):
        got = [None if pd.isna(v) else v for v in engine._per_distinct(series, fn).tolist()]
        assert got == [fn(v) for v in series.tolist()], fn.__name__
