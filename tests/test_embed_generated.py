"""Differential proof on generated tables (hypothesis): values at and around each
threshold, blanks, text in number and date columns, dates on holidays and make-up
workdays.  Each example is three workbooks (one per kind), embedded, evaluated by ONE
LibreOffice call and by the ``formulas`` package, and compared with the engine row by row."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from embed_eval import computed, formulas_values, soffice_convert
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_embed_differential import mismatches, prepare

from opsbook import kinds
from opsbook.config import load_config

POSTS, INQUIRIES = kinds.table("posts"), kinds.table("inquiries")
INSPECTIONS, DESIGN_COSTS = kinds.table("inspections"), kinds.table("design_costs")

# Around the National Day holiday and its make-up Saturday (2026-10-10), the Mid-Autumn
# day (2026-09-25), a make-up Sunday (2026-09-20), Spring Festival (2026-02-14 is a make-up
# Saturday) and a year's end: where "three working days" is not three days.
BASES = [
    dt.date(2026, 9, 24),
    dt.date(2026, 9, 30),
    dt.date(2026, 10, 8),
    dt.date(2026, 10, 9),
    dt.date(2026, 9, 18),
    dt.date(2026, 2, 12),
    dt.date(2025, 12, 30),
    dt.date(2026, 5, 8),
]
TIMES = [dt.time(0, 0), dt.time(9, 30), dt.time(23, 59)]
BOOLS = ["是", "否", "", "Y", "n", "✓", "×", "有", "無", "abc", True, False, 1, 0, " 是 "]
NUMBERS = [0, 0.0, 50, 1200.5, -1, "", "abc", 999, 1000]
TEXT = {
    "platform": ["官網", "官网", "公眾號", "小程序", "", "website", " 官 網 "],
    "account": ["公司官網", "廣東幼教智庫", "", "不明號"],
    "category": ["公司新聞", "公司新闻", "重大活動", "促銷活動", "行業資訊", ""],
    "reviewer": ["陳經理", "王總", "李文", "", "路人"],
    "gm_confirmed_by": ["王總", "陳經理", "", "路人"],
    "owner": ["張欄目", ""],
    "author": ["李文", ""],
    "result": ["合格", "不合格", "通過", "", "pass"],
    "seal": ["完好", "缺失", "損壞", "", "無", "破損"],
    "status": ["", "退回", "完成", "已退回"],
    "not_entered_reason": ["", "無人在家"],
    "rectification": ["", "限期整改"],
}
DATE_JUNK = ["", "不詳"]


def cell(draw, spec_col, base):
    kind = spec_col.type
    if kind == "bool":
        return draw(st.sampled_from(BOOLS))
    if kind == "number":
        return draw(st.sampled_from(NUMBERS))
    if kind in ("date", "datetime"):
        if draw(st.integers(0, 9)) == 0:
            return draw(st.sampled_from(DATE_JUNK))
        day = base + dt.timedelta(days=draw(st.integers(-2, 8)))
        if kind == "date":
            return day
        return dt.datetime.combine(day, draw(st.sampled_from(TIMES)))
    return draw(st.sampled_from(TEXT.get(spec_col.key, ["", "某某"])))


@st.composite
def table_rows(draw, spec, n):
    rows = []
    for _ in range(n):
        base = draw(st.sampled_from(BASES))
        rows.append([cell(draw, c, base) for c in spec.columns])
    return rows


@st.composite
def inquiry_rows(draw, n):
    rows = []
    for _ in range(n):
        got = dt.datetime.combine(draw(st.sampled_from(BASES)), draw(st.sampled_from(TIMES)))
        late = draw(st.sampled_from([-60, 0, 60, 1439, 1440, 1441, 2880, None]))
        replied = "" if late is None else got + dt.timedelta(minutes=late)
        rows.append(["官網", "用戶", got, replied, "客服", "課程"])
    return rows


def write_book(path: Path, sheets: dict[str, tuple[list[str], list[list]]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, (header, rows) in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
            for c in ws[ws.max_row]:
                if isinstance(c.value, dt.datetime):
                    c.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(c.value, dt.date):
                    c.number_format = "yyyy-mm-dd"
    wb.save(path)


def header(spec) -> list[str]:
    return [c.aliases[1] for c in spec.columns]


@st.composite
def books(draw):
    n = 24
    return {
        "posts": {
            "發布日誌": (header(POSTS), draw(table_rows(POSTS, n))),
            "留言諮詢記錄": (header(INQUIRIES), draw(inquiry_rows(12))),
            "人員表": (
                ["姓名", "職位", "部門"],
                [
                    ["陳經理", "運營經理", "運營部"],
                    ["王總", "總經理", "總經辦"],
                    ["李文", "編輯", "運營部"],
                ],
            ),
            "賬號清單": (
                ["平台", "賬號", "負責人"],
                [["官網", "公司官網", "張欄目"], ["公眾號", "廣東幼教智庫", "李文"]],
            ),
        },
        "inspections": {"入戶安檢記錄": (header(INSPECTIONS), draw(table_rows(INSPECTIONS, n)))},
        "design_costs": {"平面設計費用": (header(DESIGN_COSTS), draw(table_rows(DESIGN_COSTS, n)))},
    }


def run_example(example, keep: Path | None = None) -> list[str]:
    work = keep or Path(tempfile.mkdtemp(prefix="embed-gen-"))
    try:
        paths = []
        for kind, sheets in example.items():
            path = work / f"{kind}.xlsx"
            write_book(path, sheets)
            paths.append(path)
        jobs = prepare(paths, work, load_config(None))
        converted = soffice_convert([j[0] for j in jobs], work / "lo")
        bad = []
        for (helper, cells, engine, plan), lo in zip(jobs, converted):
            assert cells
            bad += ["LibreOffice " + m for m in mismatches(engine, computed(lo, cells))]
            embedded = helper.with_name(helper.name.replace("helper-", "embedded-"))
            bad += [
                "formulas " + m for m in mismatches(engine, formulas_values(embedded, plan, cells))
            ]
        return bad
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


# No shrinking: each example is a LibreOffice run; a failure prints every mismatching row.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
@settings(max_examples=1, deadline=None, phases=NO_SHRINK, suppress_health_check=list(HealthCheck))
@given(books())
def test_generated_tables_agree(example):
    bad = run_example(example)
    assert not bad, "\n".join(bad)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
@settings(max_examples=10, deadline=None, phases=NO_SHRINK, suppress_health_check=list(HealthCheck))
@given(books())
def test_generated_tables_agree_more(example):
    bad = run_example(example)
    assert not bad, "\n".join(bad)
