"""One regression test per class of misreading the layout property suite found (issue 26).

Each builds a real .xlsx named after its case and reads it the way `validate` does.  The
contract each one pins is docs/workbooks-contract.md.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
from helpers import write_xlsx
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from opsbook.config import DEFAULTS
from opsbook.engine import as_of_moment
from opsbook.pipeline import check_file
from opsbook.workbook.reader import FileReader
from opsbook.workbook.tables import build_table, find_header

HEAD = ["用戶編號", "戶名", "用戶類型", "檢查日期", "安檢員", "收取費用", "備註"]


def _book(path, sheets: dict[str, list[list]], date1904: bool = False):
    return write_xlsx(path, sheets, date1904)


def _table(path, sheet: str | None = None, year: int | None = None):
    reader = FileReader(path)
    try:
        values = reader.read(sheet or reader.sheet_names()[0])
        header = find_header(values)
        return build_table(values, header, 2026, year=year), values
    finally:
        reader.close()


def test_a_serial_in_a_mac_workbook_counts_from_1904(tmp_path):
    day = dt.datetime(2025, 10, 13)
    serial_1904 = (day - dt.datetime(1904, 1, 1)).days  # as a Mac workbook stores it
    path = _book(
        tmp_path / "mac_1904.xlsx",
        {"安檢": [HEAD, ["C1", "王", "民用", serial_1904, "趙"], ["C2", "李", "民用", day, "趙"]]},
        date1904=True,
    )
    table, values = _table(path)
    assert values.date1904
    assert list(table.data["inspected_on"]) == [pd.Timestamp(day)] * 2
    assert table.reading["date_system"] == 1904


def test_a_bilingual_header_cell_names_its_column_on_either_line(tmp_path):
    head = ["用戶編號\nCustomer ID", "戶名\nName", "檢查日期\nDate", "安檢員\nInspector"]
    path = _book(tmp_path / "bilingual.xlsx", {"安檢": [head, ["C1", "王", "2025-10-13", "趙"]]})
    table, _ = _table(path)
    assert table.spec.name == "inspections"
    assert table.header("inspected_on") == "檢查日期"  # shown by the line that matched
    assert table.data.loc[2, "customer_id"] == "C1"


def test_repeated_headers_translation_notes_and_footer_are_not_records(tmp_path):
    english = ["Customer ID", "Name", "Type", "Date", "Inspector", "Fee", "Note"]
    path = _book(
        tmp_path / "printed_per_month.xlsx",
        {
            "安檢": [
                HEAD,
                english,
                ["C1", "王", "民用", "2025-10-13", "趙", 0],
                ["以下為十一月"],
                ["用戶編號：", "戶名", "用戶類型", "檢查日期", "安檢員", "收取費用"],
                ["C2", "李", "民用", "2025-11-02", "趙", 0],
                ["共 2 條記錄"],
            ]
        },
    )
    table, _ = _table(path)
    assert list(table.data.index) == [3, 6]
    assert table.unreadable.empty
    assert table.skipped_rows == {
        "blank": 0,
        "totals": 0,
        "header_repeats": 1,
        "translations": 1,
        "notes": 2,
    }
    assert table.reading["skipped"]["header_repeats"] == [5]


def test_a_totals_row_is_found_when_its_label_is_not_in_the_first_columns(tmp_path):
    head = ["收取費用", "戶名", "用戶類型", "備註", "用戶編號", "檢查日期", "安檢員"]
    path = _book(
        tmp_path / "totals_label_moved.xlsx",
        {
            "安檢": [
                head,
                [50, None, None, "合計"],  # directly under the header, label in column D
                [20, "王", "民用", None, "C1", "2025-10-13", "趙"],
                [30, "李", "民用", None, "C2", "2025-10-14", "趙"],
            ]
        },
    )
    table, _ = _table(path)
    assert list(table.data.index) == [3, 4] and table.skipped_rows["totals"] == 1


def test_not_applicable_marks_are_blank_not_unreadable(tmp_path):
    path = _book(
        tmp_path / "placeholders.xlsx",
        {
            "安檢": [
                HEAD,
                ["C1", "王", "民用", "2025-10-13", "趙", "/", "—"],
                ["C2", "李", "民用", "2025-10-14", "趙", "N/A", "不適用"],
                ["C3", "張", "民用", "2025-10-15", "趙", "不適用", "無"],
            ]
        },
    )
    table, _ = _table(path)
    assert table.unreadable.empty
    assert table.data["fee_charged"].isna().all() and table.blanks["fee_charged"].all()


def test_amount_forms_and_accounting_negatives(tmp_path):
    fees = ["￥1,280.00", "20元", "1,200", "１２８０", "(120)", "（45.5）"]
    rows = [HEAD] + [[f"C{i}", "王", "民用", "2025-10-13", "趙", f] for i, f in enumerate(fees)]
    table, _ = _table(_book(tmp_path / "amounts.xlsx", {"安檢": rows}))
    assert table.unreadable.empty
    assert list(table.data["fee_charged"]) == [1280.0, 20.0, 1200.0, 1280.0, -120.0, -45.5]


def test_a_date_without_a_year_takes_the_year_the_sheet_names(tmp_path):
    rows = [HEAD, ["C1", "王", "民用", "10月13日", "趙"], ["C2", "李", "民用", "10/14", "趙"]]
    table, _ = _table(_book(tmp_path / "year_in_name.xlsx", {"2024年10月": rows}))
    assert list(table.data["inspected_on"]) == [
        pd.Timestamp(2024, 10, 13),
        pd.Timestamp(2024, 10, 14),
    ]
    assert "sheet name or title" in table.reading["years"]["inspected_on"]
    titled = [["2023年下半年 入戶安檢記錄"], *rows]
    table, _ = _table(_book(tmp_path / "year_in_title.xlsx", {"安檢": titled}))
    assert table.data["inspected_on"].dt.year.tolist() == [2023, 2023]


def test_a_date_without_a_year_takes_its_neighbours_year_then_as_of(tmp_path):
    rows = [
        HEAD,
        ["C1", "王", "民用", "10月13日", "趙"],  # before any dated record: the next one's year
        ["C2", "李", "民用", "2024-10-14", "趙"],
        ["C3", "張", "民用", "10月15日", "趙"],
    ]
    table, _ = _table(_book(tmp_path / "year_from_neighbours.xlsx", {"安檢": rows}))
    assert table.data["inspected_on"].dt.year.tolist() == [2024, 2024, 2024]
    assert table.reading["years"]["inspected_on"] == "neighbouring records"
    alone = [HEAD, ["C1", "王", "民用", "10月13日", "趙"]]
    table, _ = _table(_book(tmp_path / "year_unknown.xlsx", {"安檢": alone}))
    assert table.data["inspected_on"].dt.year.tolist() == [2026]  # the as-of year, and said:
    assert table.reading["years"]["inspected_on"].startswith("2026 (--as-of")
    table, _ = _table(tmp_path / "year_unknown.xlsx", year=2021)  # pinned in opsbook.toml
    assert table.data["inspected_on"].dt.year.tolist() == [2021]


def test_header_marks_are_not_part_of_the_header_shown(tmp_path):
    head = ["*用戶編號", "戶名：", "檢查日期:", "安檢員 "]
    table, _ = _table(
        _book(tmp_path / "marks.xlsx", {"安檢": [head, ["C1", "王", "2025-10-13", "趙"]]})
    )
    assert [table.header(k) for k in ("customer_id", "customer_name", "inspected_on")] == [
        "用戶編號",
        "戶名",
        "檢查日期",
    ]


def test_a_chartsheet_is_skipped_without_a_word_on_stderr(tmp_path):
    path = tmp_path / "chartsheet.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "安檢"
    for row in [HEAD, ["C1", "王", "民用", "2025-10-13", "趙", 0]]:
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=6, min_row=1, max_row=2))
    wb.create_chartsheet("圖表").add_chart(chart)
    wb.save(path)
    run = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", str(path), "--as-of", "2026-11-26"],
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 1) and run.stderr == ""
    checked = check_file(path, DEFAULTS, as_of_moment("2026-11-26"))
    assert [s["sheet"] for s in checked.report.files[0].skipped_sheets] == ["圖表"]


def test_a_date_column_without_any_text_has_no_yearless_dates():
    from opsbook.coerce import yearless_mask

    values = pd.Series([45678.0, None, dt.datetime(2026, 1, 2)], dtype=object)
    assert not yearless_mask(values).any()
    assert yearless_mask(pd.Series(["10月13日", "2026/10/13", 5.0], dtype=object)).tolist() == [
        True,
        False,
        False,
    ]


def test_a_missing_seal_written_none_is_a_value_not_a_placeholder(tmp_path):
    """防盜封「無」means the seal is missing (R2-1.4), not "not applicable": the embed
    generated tests found the engine reading it as blank while the formula did not."""
    from opsbook.coerce import placeholder_mask
    from opsbook.kinds.inspections.tables import INSPECTIONS

    seal = INSPECTIONS.column("seal")
    values = pd.Series(["無", "/", "完好", None], dtype=object)
    assert placeholder_mask(values, keeps=seal.keeps).tolist() == [False, True, False, False]
    assert placeholder_mask(values).tolist() == [True, True, False, False]
    rows = [
        [*HEAD, "防盜封", "加裝防盜封"],
        ["C1", "王", "民用", "2025-10-13", "趙", "", "", "無", "否"],
        ["C2", "李", "民用", "2025-10-14", "趙", "", "", "/", "否"],
    ]
    table, _ = _table(_book(tmp_path / "seal.xlsx", {"安檢": rows}))
    assert table.data["seal"].iloc[0] == "無" and pd.isna(table.data["seal"].iloc[1])
