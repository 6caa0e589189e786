"""The table finder on messy sheets: titles, shuffled Trad/Simp headers, blank and totals rows."""

import datetime as dt

from helpers import check, write_xlsx

from opsbook.workbook.cells import column_index, column_letter
from opsbook.workbook.reader import SheetValues
from opsbook.workbook.tables import build_table, find_header


def test_header_below_a_title_and_blank_rows_with_simplified_headers():
    rows = [
        ["2026年10月 发布日志", "", ""],
        ["", "", ""],
        ["", "", ""],
        ["備註", "文章标题", "发布平台", "发布时间"],
        ["x", "t1", "公众号", "2026/10/1"],
        ["", "", "", ""],
        ["", "t2", "官網", dt.datetime(2026, 10, 2)],
        ["合計", "2", "", ""],
    ]
    sheet = SheetValues("Sheet1", rows)
    header = find_header(sheet)
    assert header.spec.name == "posts" and header.row_offset == 3
    table = build_table(sheet, header, 2026)
    assert table.header_row == 4
    assert list(table.data.index) == [5, 7]  # blank row 6 and the 合計 row 8 are dropped
    assert (
        table.columns["platform"].letter == "C" and table.columns["platform"].header == "发布平台"
    )
    assert table.extra_headers == ("備註",)
    assert table.data.loc[5, "published_at"] == dt.datetime(2026, 10, 1)
    assert table.skipped_rows == {"blank": 1, "totals": 1}


def test_full_width_and_spaced_headers():
    sheet = SheetValues(
        "s", [["平 台", "標題 ", "ＰＵＢＬＩＳＨＥＤ"], ["官網", "a", "2026-01-05"]]
    )
    header = find_header(sheet)
    assert header is not None and set(header.found) == {"platform", "title", "published_at"}


def test_columns_beyond_z_keep_their_letters():
    filler = [f"自訂{i}" for i in range(30)]
    sheet = SheetValues(
        "s", [filler + ["平台", "標題", "發布日期"], [""] * 30 + ["官網", "a", "2026-01-05"]]
    )
    table = build_table(sheet, find_header(sheet), 2026)
    assert table.columns["platform"].letter == "AE"
    assert column_letter(16383) == "XFD" and column_index("XFD") == 16383


def test_unknown_sheet_is_skipped_not_an_error():
    checked = check({"說明": [["這是說明"], ["隨便寫"]]})
    assert checked.report.files[0].skipped_sheets[0]["sheet"] == "說明"
    assert checked.report.exit_code() == 0


def test_unreadable_value_becomes_a_violation_on_its_cell():
    checked = check(
        {
            "發布日誌": [
                ["平台", "標題", "發布日期", "活動結束日期", "類別"],
                ["官網", "a", "2026-10-05", "下週一", "公司新聞"],
            ]
        }
    )
    f = checked.report.frame
    row = f[f["rule"] == "read.unreadable_date"].iloc[0]
    assert (row["cell"], row["clause"], row["value"]) == ("D2", "R1-4.5.2", "下週一")


def test_real_file_with_merged_title(tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(
        tmp_path / "merged-title.xlsx",
        {
            "發布日誌": [
                ["標題行", None, None],
                [None, None, None],
                ["平台", "標題", "發布日期"],
                ["官網", "a", "2026/10/5"],
            ]
        },
    )
    wb = load_workbook(path)
    wb["發布日誌"].merge_cells("A1:C1")
    wb.save(path)
    from opsbook.pipeline import read_sheets

    sheet = read_sheets(path)[0]
    table = build_table(sheet, find_header(sheet), 2026)
    assert table.header_row == 3 and list(table.data.index) == [4]


def test_type_guessing_trap_text_after_row_2000_is_reported(tmp_path):
    """fastexcel guesses types from the first rows; opsbook reads every column as text, so
    「五十」 in row 2,001 of a number column is an unreadable value on its cell, not a blank."""
    rows = [["用戶編號", "檢查日期", "檢查員", "收取費用"]]
    rows += [
        [f"C{i}", dt.date(2026, 3, 1) + dt.timedelta(days=i % 200), "劉", 0] for i in range(2000)
    ]
    rows += [["C9999", dt.date(2026, 3, 2), "劉", "五十"], ["C9998", "2026年3月3日", "劉", 0]]
    path = write_xlsx(tmp_path / "type-guessing-trap.xlsx", {"入戶安檢記錄": rows})
    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_file

    checked = check_file(path, load_config(), as_of_moment("2026-11-26"))
    f = checked.report.frame
    bad = f[f["rule"] == "read.unreadable_number"]
    assert list(bad["cell"]) == ["D2002"] and list(bad["value"]) == ["五十"]
    table = checked.tables["inspections"][0]
    assert table.data.loc[2003, "inspected_on"] == dt.datetime(2026, 3, 3)


def test_coordinates_when_the_data_starts_below_and_right_of_a1(tmp_path):
    from openpyxl import Workbook

    from opsbook.pipeline import read_sheets

    for write_only in (False, True):  # with and without a <dimension> element
        wb = Workbook(write_only=write_only)
        ws = wb.create_sheet("發布日誌") if write_only else wb.active
        if not write_only:
            ws.title = "發布日誌"
            for r, row in enumerate(
                [["平台", "標題", "發布日期"], ["官網", "a", "2026/10/5"]], start=3
            ):
                for c, v in enumerate(row, start=3):
                    ws.cell(row=r, column=c, value=v)
        else:
            ws.append([])
            ws.append([])
            ws.append([None, None, "平台", "標題", "發布日期"])
            ws.append([None, None, "官網", "a", "2026/10/5"])
        path = tmp_path / f"offset-{write_only}.xlsx"
        wb.save(path)
        sheet = read_sheets(path)[0]
        table = build_table(sheet, find_header(sheet), 2026)
        assert table.header_row == 3 and table.columns["platform"].letter == "C", write_only
        assert list(table.data.index) == [4]
