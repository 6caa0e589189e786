"""The 違規清單 sheet rendered from columns (opsbook.writers.columnsheet) is byte for byte the
cell-by-cell renderer's sheet, on every bundled sample and on values that need care."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.ooxml.package import Package
from opsbook.pipeline import check_file
from opsbook.report import VIOLATION_FIELDS
from opsbook.writers.annotate import violations_content, violations_part
from opsbook.writers.columnsheet import render_columns
from opsbook.writers.newsheet import SheetContent, render
from opsbook.writers.styles import Styles

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "workbooks").glob("*.xlsx"))
NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture(scope="module")
def styles():
    pkg = Package(SAMPLES[0])
    yield Styles(pkg)
    pkg.close()


def _reference(frame: pd.DataFrame, styles) -> bytes:
    return render(violations_content(frame, styles), NS)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_violations_sheet_is_the_cell_by_cell_sheet(sample, styles):
    frame = check_file(
        sample, load_config(None, near=sample), as_of_moment("2026-11-26")
    ).report.frame
    assert len(frame) > 0
    assert violations_part(frame, styles, NS).read() == _reference(frame, styles)


def test_violations_sheet_edge_values(styles):
    rows = [
        [
            "a.xlsx",
            "表1",
            5,
            "金額",
            "C5",
            "R1-1",
            "x.rule",
            "error",
            '說明 <&> "引號" \n換行',
            "m",
            12,
            (5,),
        ],
        [
            "a.xlsx",
            "it's",
            None,
            None,
            None,
            "R1-2",
            "x.agg",
            "warning",
            " 前後空白 ",
            "m",
            None,
            (),
        ],
        ["a.xlsx", "q\"uo'te", 7, "日期", "D7", "R1-3", "x.rule", "error", "m", "m", 2.5, (7,)],
        ["a.xlsx", "表1", 8, "是否", "E8", "R1-3", "x.rule", "warning", "m", "m", True, (8,)],
        [
            "a.xlsx",
            "表1",
            9,
            "",
            "F9",
            "R1-3",
            "x.rule",
            "error",
            "\x01控制 _x0041_",
            "m",
            " 值\x02",
            (9,),
        ],
        ["a.xlsx", "表1", 10, "數", "G10", "R1-3", "x.rule", "odd", "", "m", float("nan"), (10,)],
        [
            "a.xlsx",
            "表1",
            11,
            "數",
            "not a ref",
            "R1-3",
            "x.rule",
            "error",
            "m",
            "m",
            float("inf"),
            (11,),
        ],
        [
            "a.xlsx",
            "表1",
            12,
            "數",
            "",
            "R1-3",
            "x.rule",
            "error",
            "m",
            "m",
            pd.Timestamp("2026-01-02"),
            (12,),
        ],
        ["a.xlsx", "表1", 13.0, "數", "H13", "R1-3", "x.rule", "error", "m", "m", "", (13,)],
        [
            "a.xlsx",
            "表1",
            14,
            "\u3000全形空白",
            "H14",
            "R1-3",
            "x.rule",
            "error",
            "尾\u3000",
            "m",
            "a\tb",
            (14,),
        ],
        [
            "a.xlsx",
            "表1",
            15,
            "長",
            "H15",
            "R1-3",
            "x.rule",
            "error",
            "長" * 40_000,
            "m",
            "x" * 9_000,
            (15,),
        ],
        [
            "a.xlsx",
            "表1",
            16,
            "中 間",
            "$A$1",
            "R1-3",
            "x.rule",
            "error",
            "a\ufffeb",
            "m",
            10**20,
            (16,),
        ],
        ["a.xlsx", "表1", 17, "數", "G17", "R1-3", "x.rule", "error", "m", "m", 0.0, (17,)],
        ["a.xlsx", "表1", 18, "數", "G18", "R1-3", "x.rule", "error", "m", "m", -0.0, (18,)],
        ["a.xlsx", "表1", 19, "數", "G19", "R1-3", "x.rule", "error", "m", "m", 1, (19,)],
        ["a.xlsx", "表1", 20, "數", "G20", "R1-3", "x.rule", "error", "m", "m", 1.0, (20,)],
        ["a.xlsx", "表1", 21, "數", "G21", "R1-3", "x.rule", "error", "m", "m", False, (21,)],
        ["a.xlsx", "表1", 22, "數", "G22", "R1-3", "x.rule", "error", "m", "m", 0, (22,)],
    ]
    frame = pd.DataFrame(
        {
            name: pd.Series([r[i] for r in rows], dtype=object)
            for i, name in enumerate(VIOLATION_FIELDS)
        }
    )
    assert violations_part(frame, styles, NS).read() == _reference(frame, styles)
    text = frame.astype({c: "str" for c in ("sheet", "column", "clause", "rule", "message")})
    assert violations_part(text, styles, NS).read() == _reference(text, styles)


def test_no_violations_and_small_chunks(styles):
    empty = pd.DataFrame({name: pd.Series(dtype=object) for name in VIOLATION_FIELDS})
    assert violations_part(empty, styles, NS).read() == _reference(empty, styles)
    columns = [pd.Series(["x", None, "y", "z"]), pd.Series([1, 2, None, 4], dtype=object)]
    pieces = list(render_columns(["a", "b"], columns, NS, header_style=3, widths={0: 5}, chunk=3))
    assert b"".join(pieces) == render(
        SheetContent(
            rows=[["a", "b"], ["x", 1], [None, 2], ["y", None], ["z", 4]],
            row_styles={0: 3},
            widths={0: 5},
        ),
        NS,
    )


def test_state_sheet_rows_render_like_the_cell_by_cell_sheet():
    from opsbook.writers.columnsheet import spool_rows

    rows = [
        ["kind", "where", "ref", "a", "b", "c"],
        ["version", "0.1.0", "", "", "", ""],
        ["mark", "表1", "C5", "", 7, 0],
        ["mark", "it's", "D6", 3, 8, 3],
        ["note", "表1", "C5", "new", "", ""],
        ["style", "cellXfs", "", 12, "", ""],
    ]
    expected = render(SheetContent(rows=rows, freeze_header=False, autofilter=False), NS)
    assert spool_rows(rows, NS, freeze_header=False, autofilter=False).read() == expected
    short = rows[:2] + [["sheet", "表2"]]
    assert spool_rows(short, NS, freeze_header=False, autofilter=False).read() == render(
        SheetContent(rows=short, freeze_header=False, autofilter=False), NS
    )
    assert spool_rows(rows[:1], NS, freeze_header=False, autofilter=False).read() == render(
        SheetContent(rows=rows[:1], freeze_header=False, autofilter=False), NS
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(),
            st.text(
                alphabet=st.sampled_from(list("ab_x0F<>&\"' \n\t\u3000\u2028\x0b\x1c\x01\ufffe中")),
                max_size=12,
            ),
            st.sampled_from(
                [
                    "_x0041_",
                    " a",
                    "a ",
                    "\u3000值",
                    "值\u00a0",
                    "a\rb",
                    "&amp;",
                    "x" * 16_384,
                    "x" * 16_383,
                ]
            ),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_text_cells_escaped_in_arrow_equal_the_cell_by_cell_text(texts):
    """Text escaped in Arrow (ordinary text) or value by value (the rest) is what
    newsheet.render writes for that text, whatever the characters."""
    from opsbook.writers.columnsheet import _rest, _text_rests

    got = _text_rests(pa.array(texts, type=pa.string())).to_pylist()
    assert got == [_rest(t) for t in texts]


def test_state_columns_are_the_state_rows():
    """RunState.columns (the file writer's state sheet) holds rows() column by column, the
    marks' fills taken per style or per cell."""
    from opsbook.ooxml.state import RunState

    state = RunState(
        sheets=["違規清單"],
        marks=[("表1", "C5", None, 7, 3), ("表1", "D6", 4, 8, 0)],
        notes=[("表1", "C5", "new")],
        rules=[("表1", "A1:B2", "h")],
        parts=["xl/comments9.xml"],
        legacy=[("表1", "rId9")],
        styles={"cellXfs": 12},
    )
    state.fills = {("表1", "C5"): "none", ("表1", "D6"): "FF0000"}
    from opsbook import __version__

    # The state sheet's documented rows (opsbook.ooxml.state), written out.
    by_row = [
        ["version", __version__, "file", "", "", "", ""],
        ["sheet", "違規清單", "", "", "", "", ""],
        ["mark", "表1", "C5", "", 7, 3, "none"],
        ["mark", "表1", "D6", 4, 8, 0, "FF0000"],
        ["note", "表1", "C5", "new", "", "", ""],
        ["rule", "表1", "A1:B2", "h", "", "", ""],
        ["part", "xl/comments9.xml", "", "", "", "", ""],
        ["legacy", "表1", "rId9", "", "", "", ""],
        ["style", "cellXfs", "", 12, "", "", ""],
    ]
    assert state.rows()[1:] == by_row
    assert [list(r) for r in zip(*state.columns())] == by_row
    by_style = state.columns({3: "none", 4: "FF0000"})
    assert [list(r) for r in zip(*by_style)] == by_row
    assert RunState().rows()[1:] == [["version", __version__, "file", "", "", "", ""]]
    # What the file writer writes: created cells' style before as None, the same sheet.
    from opsbook.ooxml.state import HEADER
    from opsbook.writers.columnsheet import spool_columns

    kwargs = dict(freeze_header=False, autofilter=False)
    assert spool_columns(HEADER, state.columns(blank=None), NS, **kwargs).read() == render(
        SheetContent(rows=state.rows(), **kwargs), NS
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-(2**70), 2**70)),
            st.one_of(st.none(), st.text(max_size=5)),
            st.one_of(
                st.none(), st.integers(0, 99), st.text(max_size=2), st.booleans(), st.floats()
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_spooled_columns_of_any_python_values_render_like_the_cell_by_cell_sheet(rows):
    """Columns handed over as Python lists (Arrow-backed when all text or all whole numbers,
    else value by value) give newsheet.render's bytes."""
    from opsbook.writers.columnsheet import spool_rows

    grid = [["n", "t", "mixed"], *[list(r) for r in rows]]
    assert spool_rows(grid, NS, freeze_header=False, autofilter=False).read() == render(
        SheetContent(rows=grid, freeze_header=False, autofilter=False), NS
    )
