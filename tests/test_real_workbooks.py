"""Workbooks as teams really keep them (issue 14; WORKBOOKS.md "How teams really keep them").

Every case is a workbook built by the tests (tests/real_workbooks.py) with violations planted
on known rows.  Each is run through the command line as a user would (validate with a JSON
report and an annotated copy), and must give every planted violation on its sheet, row and
clause and nothing else; the annotated copy must have no mark on a cell hidden under a merge.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile

import pytest
import real_workbooks as rw
from click.testing import CliRunner
from openpyxl import load_workbook

from opsbook.cli import cli
from opsbook.workbook.reader import SheetValues
from opsbook.workbook.tables import build_table, find_header


def validate(path, as_of="2026-11-26", *extra):
    """Run ``opsbook validate`` on ``path``; the JSON report and the annotated copy."""
    report, out = path.with_suffix(".json"), path.with_name(path.stem + "-checked.xlsx")
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(path),
            "--as-of",
            as_of,
            "--report",
            str(report),
            "--output",
            str(out),
            *extra,
        ],
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads(report.read_text(encoding="utf-8")), out


def found(report) -> set[tuple[str, int | None, str]]:
    return {(v["sheet"], v["row"], v["clause"]) for v in report["violations"]}


def hidden_cells(book) -> dict[str, set[str]]:
    """Per sheet, the cells covered by a merge other than its top-left cell."""
    out = {}
    for ws in book.worksheets:
        cells = set()
        for rng in ws.merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    if (row, col) != (rng.min_row, rng.min_col):
                        cells.add(ws.cell(row=row, column=col).coordinate)
        out[ws.title] = cells
    return out


def marked_cells(book, sheet: str) -> set[str]:
    """Cells carrying opsbook's note (its notes start with the clause id)."""
    ws = book[sheet]
    return {
        c.coordinate
        for row in ws.iter_rows()
        for c in row
        if c.comment is not None and re.match(r"R\d-", c.comment.text)
    }


def assert_no_mark_under_a_merge(out):
    book = load_workbook(out)
    for sheet, hidden in hidden_cells(book).items():
        if sheet in book.sheetnames and hidden:
            assert not marked_cells(book, sheet) & hidden, sheet


def test_merged_inspector_rows(tmp_path):
    path, planted = rw.merged_inspector_rows(tmp_path)
    report, out = validate(path, "2027-01-10")
    assert found(report) == planted  # no blank-uniform errors on rows 3-6, no customer short
    uniform = [v for v in report["violations"] if v["rule"] == "inspections.uniform"]
    assert {v["cell"] for v in uniform} == {"F7"}  # the merge's top-left cell, for all five rows
    assert {tuple(v["rows"]) for v in uniform} == {(7,)}
    assert all(
        f"第 {v['row']} 行" in v["message"] and "F7:F11" in v["message"]
        for v in uniform
        if v["row"] != 7
    )
    assert_no_mark_under_a_merge(out)
    note = load_workbook(out)["入戶安檢記錄"]["F7"].comment.text
    assert "第 9 行" in note and "第 11 行" in note


def test_merged_dates_count_for_the_twice_a_year_rule(tmp_path):
    path, _ = rw.merged_inspector_rows(tmp_path)
    report, _ = validate(path, "2027-01-10")
    assert not [v for v in report["violations"] if v["rule"] == "inspections.twice_a_year"]


def test_grouped_header_posts(tmp_path):
    path, planted = rw.grouped_header_posts(tmp_path)
    report, out = validate(path)
    assert found(report) == planted
    (table,) = report["files"][0]["tables"]
    assert table["header_row"] == 2  # the sub-header row is header, not data
    assert (
        table["columns"]["reviewed_at"] == "審核日期" and table["columns"]["reviewer"] == "審核人"
    )
    assert table["columns"]["published_at"] == "發布日期"  # the line break is no part of the name
    assert not [n for n in report["not_checked"] if "reviewed" in n["rule"]]
    assert_no_mark_under_a_merge(out)


def test_grouped_header_without_merge_information():
    """A live Excel range gives values only: the group word still spans its sub-headers."""
    rows = [
        ["平台", "標題", "發布日期", "審核", None],
        [None, None, None, "審核人", "日期"],
        ["官網", "a", "2026-10-05", "陳", "2026-10-06"],
    ]
    header = find_header(SheetValues("s", rows))
    assert header.header_rows == 2 and header.found["reviewed_at"][0] == 4
    table = build_table(SheetValues("s", rows), header, 2026)
    assert list(table.data.index) == [3] and table.header_row == 2


def test_group_word_names_a_sub_header_that_says_nothing_alone():
    rows = [
        ["平台", "標題", "發布日期", "總經理確認", None],
        [None, None, None, "簽字", "日期"],
        ["官網", "a", "2026-10-05", "張總", "2026-10-04"],
    ]
    sheet = SheetValues("s", rows, merges=((0, 3, 0, 4), (0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2)))
    header = find_header(sheet)
    assert header.header_rows == 2
    assert header.found["gm_confirmed_by"][0] == 3 and header.found["gm_confirmed_at"][0] == 4


def test_title_row_is_not_a_group_row():
    rows = [
        ["2026年10月發布日誌", None, None],
        ["平台", "標題", "發布日期"],
        ["官網", "a", "2026-10-05"],
    ]
    header = find_header(SheetValues("s", rows))
    assert (header.row_offset, header.header_rows) == (1, 1)


def test_table_with_totals_row(tmp_path):
    path, planted = rw.table_with_totals_row(tmp_path)
    report, out = validate(path, "2027-01-10")
    assert found(report) == planted  # nothing on the 汇总 line (row 12) or the note below (row 15)
    (table,) = report["files"][0]["tables"]
    assert table["rows"] == 10 and table["skipped_rows"]["totals"] == 1
    assert_no_mark_under_a_merge(out)


def test_printed_summary_sheet_is_skipped_with_the_reason(tmp_path):
    path, planted = rw.printed_summary_sheet(tmp_path)
    report, out = validate(path)
    assert found(report) == planted
    skipped = {s["sheet"]: s["reason"] for s in report["files"][0]["skipped_sheets"]}
    assert "隱患統計" in skipped and "4月" in skipped["隱患統計"]
    assert not marked_cells(load_workbook(out), "隱患統計")


def test_subtotals_in_the_log(tmp_path):
    path, planted = rw.subtotals_in_the_log(tmp_path)
    report, _ = validate(path, "2027-01-10")
    assert found(report) == planted
    assert report["files"][0]["tables"][0]["skipped_rows"]["totals"] == 3


@pytest.mark.parametrize(
    "label",
    [
        "2026年小計",
        "十月合計",
        "Q3 合計",
        "第三季度小計",
        "本月汇总",
        "總結",
        "合計：",
        "上半年總計",
    ],
)
def test_subtotal_labels(label):
    rows = [["用戶編號", "檢查日期", "檢查員"], ["C1", "2026-10-05", "劉"], [label, None, None]]
    table = build_table(SheetValues("s", rows), find_header(SheetValues("s", rows)), 2026)
    assert list(table.data.index) == [2]


@pytest.mark.parametrize("title", ["年度工作總結會", "十月合計報告", "合計表"])
def test_titles_that_contain_a_totals_word_are_records(title):
    rows = [["標題", "平台", "發布日期"], [title, "官網", "2026-10-05"]]
    table = build_table(SheetValues("s", rows), find_header(SheetValues("s", rows)), 2026)
    assert list(table.data.index) == [2]


def test_log_of_2023_checked_in_2026(tmp_path):
    path, planted = rw.log_of_2023(tmp_path)
    report, _ = validate(path, "2026-11-26")
    assert found(report) == planted
    (line,) = report["violations"]
    assert "2023" in line["message"] and line["severity"] == "error"


def test_periods_asked_for_with_from_and_to_are_judged(tmp_path):
    path, _ = rw.log_of_2023(tmp_path)
    report, _ = validate(path, "2026-11-26", "--from", "2023-01-01", "--to", "2026-11-26")
    years = {
        (v["severity"], re.search(r"(\d{4}) 年", v["message"]).group(1))
        for v in report["violations"]
    }
    assert {y for _, y in years} == {"2023", "2024", "2025", "2026"}
    assert {s for s, y in years if y == "2026"} == {"warning"}  # the year in progress


def test_the_year_in_progress_is_judged_when_the_log_reaches_into_it():
    from helpers import check

    rows = [rw.INSPECTION_HEADERS] + rw.twice(2, dt.date(2025, 3, 1), dt.date(2025, 9, 1))
    rows += [rw.inspection("C001", dt.date(2026, 3, 1))]  # row 6: C001 once so far in 2026
    checked = check({"入戶安檢記錄": rows}, as_of="2026-11-26")
    f = checked.report.frame
    assert set(zip(f["row"], f["clause"], f["severity"])) == {
        (6, "R2-2.1", "warning"),
        (None, "R2-2.1", "warning"),
    }


def test_wps_dispimg_pictures(tmp_path):
    path, planted = rw.wps_dispimg_pictures(tmp_path)
    with zipfile.ZipFile(path) as zf:
        assert b"WPS" in zf.read("docProps/app.xml") and b"KSOProductBuildVer" in zf.read(
            "docProps/custom.xml"
        )
        sheet = zf.read("xl/worksheets/sheet1.xml")
        assert b'<f>_xlfn.DISPIMG("ID_' in sheet and b"<v>=DISPIMG(" in sheet
    report, out = validate(path)
    assert found(report) == planted  # the DISPIMG cells are pictures, not unreadable 是/否
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(out) as after:
        kept = set(after.namelist())
        for name in before.namelist():
            assert name in kept, name
            if name.startswith(
                ("xl/cellimages", "xl/_rels/cellimages", "xl/media/", "docProps/custom")
            ):
                assert after.read(name) == before.read(name), name


def test_excel365_pictures_in_cells(tmp_path):
    path, planted = rw.excel365_pictures_in_cells(tmp_path)
    with zipfile.ZipFile(path) as zf:
        assert any(n.startswith("xl/richData/") for n in zf.namelist())
        assert b' vm="1"' in zf.read("xl/worksheets/sheet1.xml")
    report, out = validate(path)
    assert found(report) == planted
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(out) as after:
        for name in before.namelist():
            if name.startswith(("xl/richData/", "xl/metadata", "xl/media/")):
                assert after.read(name) == before.read(name), name


def test_picture_needs_its_store():
    """A DISPIMG text with no xl/cellimages.xml behind it (no picture) is not 是."""
    rows = [["平台", "標題", "發布日期", "配圖"], ["官網", "a", "2026-10-05", '=DISPIMG("ID_1",1)']]
    table = build_table(SheetValues("s", rows), find_header(SheetValues("s", rows)), 2026)
    assert list(table.unreadable["key"]) == ["has_images"]


def test_a_dated_log_under_the_summary_test_is_still_a_log():
    """A few unreadable dates do not make a log a summary: the record test needs most of them bad."""
    from opsbook.workbook.tables import not_records

    rows = [
        ["用戶編號", "檢查日期", "檢查員"],
        ["C1", "2026-10-05", "劉"],
        ["C2", "下週", "劉"],
        ["C3", "2026/10/7", "劉"],
    ]
    table = build_table(SheetValues("s", rows), find_header(SheetValues("s", rows)), 2026)
    assert not_records(table) is None
    rows = [
        ["用戶編號", "檢查日期", "檢查員"],
        ["8戶", "4月", "劉"],
        ["6戶", "5月", "劉"],
        ["2戶", "2026-06-01", "劉"],
    ]
    table = build_table(SheetValues("s", rows), find_header(SheetValues("s", rows)), 2026)
    assert "4月" in not_records(table)


def test_reading_merges_stays_fast(tmp_path):
    """The survey (cells, merges, pictures: workbook/survey.py) streams the sheet part: on a
    20k-row sheet it costs a small part of reading the values."""
    import time

    from opsbook.workbook.reader import FileReader

    path = tmp_path / "big.xlsx"
    wb = __import__("openpyxl").Workbook(write_only=True)
    ws = wb.create_sheet("入戶安檢記錄")
    ws.append(rw.INSPECTION_HEADERS)
    for i in range(20_000):
        ws.append(rw.inspection(f"C{i}", dt.date(2026, 3, 1) + dt.timedelta(days=i % 200)))
    wb.save(path)
    reader = FileReader(path)
    try:
        start = time.perf_counter()
        reader._read_values("入戶安檢記錄")
        values = time.perf_counter() - start
        start = time.perf_counter()
        reader.survey("入戶安檢記錄")
        scan = time.perf_counter() - start
    finally:
        reader.close()
    assert scan < values


def test_one_sheet_per_month(tmp_path):
    path, planted = rw.one_sheet_per_month(tmp_path)
    report, out = validate(path)
    assert found(report) == planted
    week = [v for v in report["violations"] if v["clause"] == "R1-4.5.1"]
    assert {(v["sheet"], v["cell"]) for v in week} == {("2026年9月", "F11"), ("2026年10月", "A2")}
    assert len({v["message"] for v in week}) == 1  # one week short, told on both sheets
    (log,) = report["files"][0]["logs"]
    assert log["sheets"] == ["2026年9月", "2026年10月"] and log["table"] == "posts"
    book = load_workbook(out)
    assert "R1-4.5.1" in book["2026年10月"]["A2"].comment.text
    console = CliRunner().invoke(cli, ["validate", str(path), "--as-of", "2026-11-26"]).output
    assert "讀作同一個記錄表 (posts): 2026年9月、2026年10月" in console


def test_one_sheet_per_quarter(tmp_path):
    path, planted = rw.one_sheet_per_quarter(tmp_path)
    report, _ = validate(path, "2027-01-10")
    assert found(report) == planted


def test_wps_months_grouped_header(tmp_path):
    path, planted = rw.wps_months_grouped_header(tmp_path)
    report, out = validate(path)
    assert found(report) == planted
    assert [t["header_row"] for t in report["files"][0]["tables"]] == [2, 2]
    assert report["files"][0]["logs"][0]["sheets"] == ["9月", "10月"]
    assert_no_mark_under_a_merge(out)
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(out) as after:
        for name in before.namelist():
            if not name.startswith("xl/worksheets/") and name not in (
                "[Content_Types].xml",
                "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels",
                "xl/styles.xml",
                "docProps/app.xml",
            ):
                assert after.read(name) == before.read(name), name


def test_an_aggregate_over_merged_rows_is_marked_on_the_top_left_cell():
    """C001 (its 用戶編號 merged over its two visits, rows 2-3) was never entered: the
    twice-a-year line concerns rows 2 and 3 and marks A2 only."""
    from helpers import settings

    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_book

    rows = [
        rw.INSPECTION_HEADERS,
        rw.inspection("C001", dt.date(2026, 3, 1), 是否入戶="否"),
        rw.inspection(None, dt.date(2026, 9, 1), 是否入戶="否"),
    ]
    rows += rw.twice(1, dt.date(2026, 3, 2), dt.date(2026, 9, 2), start=2)
    sheet = SheetValues("入戶安檢記錄", rows, merges=((1, 0, 2, 0),))
    checked = check_book([sheet], "t.xlsx", settings(), as_of_moment("2027-01-10"))
    f = checked.report.frame
    (line,) = f[f["rule"] == "inspections.twice_a_year"].to_dict("records")
    assert (line["sheet"], line["row"], line["cell"], tuple(line["rows"])) == (
        "入戶安檢記錄",
        2,
        "A2",
        (2,),
    )
    assert "A2:A3" in line["message"]


def test_excel_table_under_a_group_row(tmp_path):
    """An Excel table whose header is the sub-header row of a grouped header: the merged
    審核 above the table names its 日期 column (審核日期); the table decides the rest."""
    import xlsxwriter

    path = tmp_path / "excel_table_under_a_group_row.xlsx"
    rows = rw.website_posts(dt.date(2026, 9, 7), 3)
    rows[4][6] = rows[4][4] + dt.timedelta(days=2)  # worksheet row 7: reviewed after publication
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("發布日誌")
    ws.merge_range(0, 5, 0, 6, "審核")
    headers = [
        "平台",
        "標題",
        "類別",
        "撰稿人",
        "發布日期",
        "審核人",
        "日期",
        "配圖",
        "含個人觀點",
        "含未公開信息",
        "未經核實",
    ]
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.add_table(
        1,
        0,
        1 + len(rows),
        len(headers) - 1,
        {
            "name": "發布",
            "columns": [
                {"header": h, "format": dates if h in ("發布日期", "日期") else None}
                for h in headers
            ],
            "data": rows,
        },
    )
    wb.close()
    report, _ = validate(path)
    assert found(report) == {("發布日誌", 7, "R1-4.2.3")}
    assert report["files"][0]["tables"][0]["columns"]["reviewed_at"] == "審核日期"


def test_group_cell_typed_once_without_a_merge_on_a_sheet_with_other_merges():
    rows = [
        ["發布日誌", None, None, None, None],
        ["平台", "標題", "發布日期", "審核", None],
        [None, None, None, "審核人", "日期"],
        ["官網", "a", "2026-10-05", "陳", "2026-10-06"],
    ]
    sheet = SheetValues("s", rows, merges=((0, 0, 0, 4), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 2, 2)))
    header = find_header(sheet)
    assert (header.row_offset, header.header_rows) == (1, 2) and header.found["reviewed_at"][0] == 4


def test_an_excel_table_below_the_header_scan_is_found(tmp_path):
    """Notes fill the first 40 rows; the table part says where the log is."""
    import xlsxwriter

    path = tmp_path / "excel_table_far_down.xlsx"
    rows = rw.twice(2, dt.date(2026, 4, 1), dt.date(2026, 10, 1))
    rows[1][rw.COL["收取費用"]] = 10  # worksheet row 44
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("入戶安檢記錄")
    for r in range(40):
        ws.write(r, 0, f"說明第 {r + 1} 條")
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.add_table(
        41,
        0,
        41 + len(rows),
        len(rw.INSPECTION_HEADERS) - 1,
        {
            "name": "安檢",
            "columns": [
                {"header": h, "format": dates if h == "檢查日期" else None}
                for h in rw.INSPECTION_HEADERS
            ],
            "data": [
                [dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) else v for v in r]
                for r in rows
            ],
        },
    )
    wb.close()
    report, _ = validate(path, "2027-01-10")
    assert found(report) == {("入戶安檢記錄", 44, "R2-3.6")}
    assert report["files"][0]["tables"][0]["header_row"] == 42


def test_section_rows_merged_across_the_log_are_not_records():
    """A month heading merged across the row between records (十月) is no visit; a note
    merged over some columns of a real record leaves the record a record."""
    rows = [
        rw.INSPECTION_HEADERS,
        ["2026年9月"] + [None] * 14,
        rw.inspection("C001", dt.date(2026, 9, 1)),
        ["十月"] + [None] * 14,
        rw.inspection("C001", dt.date(2026, 10, 1), 統一著裝="否"),
    ]
    merges = ((1, 0, 1, 14), (3, 0, 3, 14), (4, 8, 4, 10))
    table = build_table(
        SheetValues("入戶安檢記錄", rows, merges=merges), find_header(SheetValues("s", rows)), 2026
    )
    assert list(table.data.index) == [3, 5] and table.skipped_rows["sections"] == 2


def test_a_first_record_that_holds_a_header_word_is_not_a_sub_header_row():
    rows = [
        ["平台", "標題", "發布日期", "備註"],
        ["官網", "a", "2026-10-05", "編輯"],
        ["官網", "b", "2026-10-06", ""],
    ]
    header = find_header(SheetValues("s", rows))
    assert (header.row_offset, header.header_rows) == (0, 1)
    assert list(build_table(SheetValues("s", rows), header, 2026).data.index) == [2, 3]
