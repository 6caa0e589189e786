"""Workbooks shaped the way teams keep them after a year in Excel or WPS (issue 14), built by
the tests.  Each builder is named after its case, writes ``<case>.xlsx`` and returns the path
with the violations planted in it as a set of (sheet, row, clause).

Where a case comes from WPS Office or Excel 365, the package parts those programs write are
reproduced (see ``wps_package``): they are written from the published structure of such files,
not copied from a file WPS or Excel saved, which this machine does not have.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import xlsxwriter
from openpyxl import Workbook
from openpyxl.styles import Alignment

INSPECTION_HEADERS = [
    "用戶編號",
    "戶名",
    "用戶類型",
    "檢查日期",
    "檢查員",
    "統一著裝",
    "佩戴工作牌",
    "是否入戶",
    "燃氣洩漏",
    "灶前壓力正常",
    "氣表正常",
    "檢查結果",
    "用戶簽字",
    "已填寫用戶使用證",
    "收取費用",
]
COL = {h: i for i, h in enumerate(INSPECTION_HEADERS)}  # 0-based column of each header


def inspection(cid: str, day: dt.date, inspector: str = "劉明", **changes) -> list:
    """One clean inspection row (entered, passed, signed); ``changes`` by header."""
    row = [
        cid,
        f"王{cid}",
        "民用",
        day,
        inspector,
        "是",
        "是",
        "是",
        "無",
        "是",
        "是",
        "合格",
        f"王{cid}",
        "是",
        0,
    ]
    for header, value in changes.items():
        row[COL[header]] = value
    return row


def twice(customers: int, first: dt.date, second: dt.date, start: int = 1) -> list[list]:
    """Every customer inspected twice (the twice-a-year rule is met)."""
    ids = [f"C{n:03d}" for n in range(start, start + customers)]
    return [inspection(c, first) for c in ids] + [inspection(c, second) for c in ids]


def _write(ws, rows: list[list], first_row: int = 1) -> None:
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)


# Merged cells over data rows ----------------------------------------------------------------


def merged_inspector_rows(folder: Path) -> tuple[Path, set]:
    """An inspector's name, 統一著裝, 佩戴工作牌 and the 檢查日期 merged over the five rows
    they apply to.  Rows 7-11: a 否 for uniform merged over five rows (five violations, all
    marked on F7); row 14 badge 否 alone; row 16 a fee."""
    sheet = "入戶安檢記錄"
    rows = [INSPECTION_HEADERS]
    day1, day2 = dt.date(2026, 3, 2), dt.date(2026, 3, 9)
    for n in range(1, 11):  # rows 2-11: the first visits, in two groups of five
        rows.append(
            inspection(
                f"C{n:03d}",
                day1 if n <= 5 else day2,
                "劉明" if n <= 5 else "陳亮",
                統一著裝="是" if n <= 5 else "否",
            )
        )
    for n in range(1, 11):  # rows 12-21: the second visits
        rows.append(inspection(f"C{n:03d}", dt.date(2026, 9, 1) + dt.timedelta(days=n)))
    rows[13][COL["佩戴工作牌"]] = "否"  # row 14
    rows[15][COL["收取費用"]] = 50  # row 16
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    _write(ws, rows)
    for first, last in ((2, 6), (7, 11)):
        for header in ("檢查日期", "檢查員", "統一著裝", "佩戴工作牌"):
            col = COL[header] + 1
            for r in range(first + 1, last + 1):  # as Excel leaves them: covered cells empty
                ws.cell(row=r, column=col).value = None
            ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
            ws.cell(row=first, column=col).alignment = Alignment(vertical="center")
    path = folder / "merged_inspector_rows.xlsx"
    wb.save(path)
    planted = {(sheet, r, "R2-2.1") for r in range(7, 12)} | {
        (sheet, 14, "R2-3.2"),
        (sheet, 16, "R2-3.6"),
    }
    return path, planted


# Grouped (two-row) header ------------------------------------------------------------------

POST_GROUP_ROW = [
    "平台",
    "標題",
    "類別",
    "撰稿人",
    "發布\n日期",
    "審核",
    None,
    "配圖",
    "含個人觀點",
    "含未公開信息",
    "未經核實",
]
POST_SUB_ROW = [None, None, None, None, None, "審核人", "日期", None, None, None, None]


def website_posts(start: dt.date, weeks: int, prefix: str = "稿") -> list[list]:
    """Clean website posts, Monday, Wednesday and Friday of each week (three a week)."""
    rows = []
    for w in range(weeks):
        for d in (0, 2, 4):
            day = dt.datetime.combine(start + dt.timedelta(days=7 * w + d), dt.time(10, 0))
            rows.append(
                [
                    "官網",
                    f"{prefix}{w}-{d}",
                    "行業資訊",
                    "李文",
                    day,
                    "陳經理",
                    day - dt.timedelta(hours=2),
                    "否",
                    "否",
                    "否",
                    "否",
                ]
            )
    return rows


def _two_row_header(ws, first_row: int = 1) -> None:
    _write(ws, [POST_GROUP_ROW, POST_SUB_ROW], first_row)
    for c, (top, sub) in enumerate(zip(POST_GROUP_ROW, POST_SUB_ROW), start=1):
        if top and sub is None:
            ws.merge_cells(start_row=first_row, start_column=c, end_row=first_row + 1, end_column=c)
    ws.merge_cells(
        start_row=first_row, start_column=6, end_row=first_row, end_column=7
    )  # 審核 over two
    ws.cell(row=first_row, column=5).alignment = Alignment(wrap_text=True)


def grouped_header_posts(folder: Path) -> tuple[Path, set]:
    """A merged 審核 group cell above 審核人 / 日期 (日期 alone says nothing: under 審核 it is
    the review date), every other header merged down both rows, 發布 and 日期 on two lines.
    Row 5 reviewed after publication; row 8 admits a personal opinion."""
    sheet = "發布日誌"
    rows = website_posts(dt.date(2026, 9, 7), 4)
    rows[5 - 3][6] = rows[5 - 3][4] + dt.timedelta(days=1)  # row 5: reviewed the day after
    rows[8 - 3][8] = "是"  # row 8
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    _two_row_header(ws)
    _write(ws, rows, 3)
    path = folder / "grouped_header_posts.xlsx"
    wb.save(path)
    return path, {(sheet, 5, "R1-4.2.3"), (sheet, 8, "R1-6.4")}


# Excel table with a totals row ---------------------------------------------------------------


def table_with_totals_row(folder: Path) -> tuple[Path, set]:
    """An Excel table (ListObject) with its totals row on (totalsRowCount="1", label 汇总,
    a SUBTOTAL of the fees) and a note under the table.  Row 4 badge 否, row 9 a fee."""
    sheet = "入戶安檢記錄"
    rows = twice(5, dt.date(2026, 4, 1), dt.date(2026, 10, 1))
    rows[4 - 2][COL["佩戴工作牌"]] = "否"
    rows[9 - 2][COL["收取費用"]] = 20
    path = folder / "table_with_totals_row.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    columns = [{"header": h} for h in INSPECTION_HEADERS]
    columns[0]["total_string"] = "汇总"
    columns[COL["收取費用"]]["total_function"] = "sum"
    columns[COL["檢查日期"]]["format"] = dates
    ws.add_table(
        0,
        0,
        len(rows) + 1,
        len(INSPECTION_HEADERS) - 1,
        {
            "name": "安檢",
            "columns": columns,
            "total_row": True,
            "data": [
                [dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) else v for v in r]
                for r in rows
            ],
        },
    )
    ws.write(len(rows) + 3, 0, "備註：本表由安檢班組每月匯總")
    wb.close()
    return path, {(sheet, 4, "R2-3.2"), (sheet, 9, "R2-3.6")}


# A printed summary that only looks like data ---------------------------------------------------


def printed_summary_sheet(folder: Path) -> tuple[Path, set]:
    """The log, and 隱患統計: per-month counts under the log's own header words (4月 under
    檢查日期, a count under 統一著裝, a fee total).  Row 3 of the log has a fee."""
    rows = twice(4, dt.date(2026, 4, 3), dt.date(2026, 5, 6))
    rows[3 - 2][COL["收取費用"]] = 30
    summary = [
        ["2026年隱患統計", None, None, None, None],
        ["檢查日期", "檢查員", "用戶編號", "統一著裝", "收取費用"],
        ["4月", "劉明", "4戶", 2, 30],
        ["5月", "劉明", "4戶", 1, 0],
        ["合計", None, "8戶", 3, 30],
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "入戶安檢記錄"
    _write(ws, [INSPECTION_HEADERS] + rows)
    _write(wb.create_sheet("隱患統計"), summary)
    path = folder / "printed_summary_sheet.xlsx"
    wb.save(path)
    return path, {("入戶安檢記錄", 3, "R2-3.6")}


# Subtotals in the middle of the log ---------------------------------------------------------


def subtotals_in_the_log(folder: Path) -> tuple[Path, set]:
    """2025年小計 in the middle, 十月合計 and 總 計 at the end (a 小計 row has blanks where
    a visit has 是/否 and a count under 收取費用).  Row 4 uniform 否."""
    sheet = "入戶安檢記錄"
    first = twice(3, dt.date(2025, 3, 1), dt.date(2025, 9, 1))
    second = twice(3, dt.date(2026, 3, 1), dt.date(2026, 10, 1))
    first[4 - 2][COL["統一著裝"]] = "否"
    rows = (
        [INSPECTION_HEADERS]
        + first
        + [
            [
                "2025年小計",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                0,
            ]
        ]
    )
    rows += second + [
        [
            "十月合計",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            0,
        ],
        ["總 計", None, None, None, None, None, None, None, None, None, None, None, None, None, 0],
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    _write(ws, rows)
    path = folder / "subtotals_in_the_log.xlsx"
    wb.save(path)
    return path, {(sheet, 4, "R2-2.1")}


# A log of 2023 checked in 2026 ------------------------------------------------------------


def log_of_2023(folder: Path) -> tuple[Path, set]:
    """Every customer twice in 2023 but C003 (once, row 4): one R2-2.1 line for 2023 and
    nothing for 2024-2026, which the log does not cover."""
    sheet = "入戶安檢記錄"
    rows = twice(4, dt.date(2023, 3, 1), dt.date(2023, 9, 1))
    del rows[4 + 2]  # C003's second visit
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    _write(ws, [INSPECTION_HEADERS] + rows)
    path = folder / "log_of_2023.xlsx"
    wb.save(path)
    return path, {(sheet, 4, "R2-2.1")}


# In-cell pictures: WPS and Excel 365 ---------------------------------------------------------


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = zlib.compress((b"\0" + b"\x20\x80\xc0" * width) * height)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


NEWS_HEADERS = ["平台", "標題", "類別", "撰稿人", "發布日期", "審核人", "審核時間", "配圖"]


def news_posts(start: dt.date, weeks: int, prefix: str = "稿") -> list[list]:
    """Website posts, three a week; every Wednesday's is company news (公司新聞), whose 配圖
    the builders fill with a picture."""
    rows = []
    for w in range(weeks):
        for d in (0, 2, 4):
            day = dt.datetime.combine(start + dt.timedelta(days=7 * w + d), dt.time(10, 0))
            rows.append(
                [
                    "官網",
                    f"{prefix}{w}-{d}",
                    "公司新聞" if d == 2 else "行業資訊",
                    "李文",
                    day,
                    "陳經理",
                    day - dt.timedelta(hours=2),
                    None if d == 2 else "否",
                ]
            )
    return rows


WPS_CELL_IMAGE_REL = "http://www.wps.cn/officeDocument/2020/cellImage"
WPS_CELL_IMAGE_TYPE = "application/vnd.wps-officedocument.cellimage+xml"


def wps_package(path: Path, pictures: list[str]) -> None:
    """Make an XlsxWriter file what WPS 表格 saves: docProps/app.xml says Application
    "WPS 表格", docProps/custom.xml carries KSOProductBuildVer (written by XlsxWriter's
    custom properties, with its content type and relationship), and the in-cell pictures
    live in xl/cellimages.xml (etc:cellImages, one xdr:pic per picture whose cNvPr name is
    the ID a DISPIMG formula names) with xl/_rels/cellimages.xml.rels → xl/media, its content
    type override and the workbook's relationship of type
    http://www.wps.cn/officeDocument/2020/cellImage."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    app = parts["docProps/app.xml"].decode()
    parts["docProps/app.xml"] = (
        re.sub(r"<Application>[^<]*</Application>", "<Application>WPS 表格</Application>", app)
        .replace("<AppVersion>12.0000</AppVersion>", "")
        .encode()
    )
    pics = "".join(
        f'<etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{n}" name="{name}" descr="img"/><xdr:cNvPicPr/>'
        f'</xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId{n}"/><a:stretch><a:fillRect/></a:stretch>'
        f'</xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="19050" cy="19050"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic></etc:cellImage>'
        for n, name in enumerate(pictures, start=1)
    )
    parts["xl/cellimages.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<etc:cellImages xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData">{pics}</etc:cellImages>'
    ).encode()
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/image" Target="media/image{n}.png"/>'
        for n in range(1, len(pictures) + 1)
    )
    parts["xl/_rels/cellimages.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
        f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
    ).encode()
    for n in range(1, len(pictures) + 1):
        parts[f"xl/media/image{n}.png"] = png()
    types = parts["[Content_Types].xml"].decode()
    if 'Extension="png"' not in types:
        types = types.replace(
            "<Default ", '<Default Extension="png" ContentType="image/png"/><Default ', 1
        )
    parts["[Content_Types].xml"] = types.replace(
        "</Types>",
        f'<Override PartName="/xl/cellimages.xml" ContentType="{WPS_CELL_IMAGE_TYPE}"/></Types>',
    ).encode()
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = wb_rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId99" Type="{WPS_CELL_IMAGE_REL}" Target="cellimages.xml"/>'
        "</Relationships>",
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _wps_workbook(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_custom_property("KSOProductBuildVer", "2052-12.1.0.17827")
    return wb


def _dispimg(ws, row: int, col: int, picture: str) -> None:
    """A WPS in-cell picture: <c t="str"><f>_xlfn.DISPIMG("ID_…",1)</f><v>=DISPIMG("ID_…",1)</v></c>."""
    ws.write_formula(row, col, f'=_xlfn.DISPIMG("{picture}",1)', None, f'=DISPIMG("{picture}",1)')


def _write_rows(ws, rows: list[list], first: int, dates) -> None:
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, dates)
            elif value is not None:
                ws.write(r, c, value)


def wps_dispimg_pictures(folder: Path) -> tuple[Path, set]:
    """A WPS post log whose company news carry a picture in 配圖 (DISPIMG), except row 9's
    news, which says 否: that one is news without pictures."""
    sheet = "發布日誌"
    rows = news_posts(dt.date(2026, 9, 7), 4)
    path = folder / "wps_dispimg_pictures.xlsx"
    wb = _wps_workbook(path)
    ws = wb.add_worksheet(sheet)
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, NEWS_HEADERS)
    _write_rows(ws, rows, 1, dates)
    pictures = []
    for i, row in enumerate(rows):
        if row[2] == "公司新聞":
            if i + 2 == 9:
                ws.write(i + 1, 7, "否")
            else:
                pictures.append(f"ID_{0xA1B2C3 + i:06X}D4E5F60718293A4B5C6D7E8F9")
                _dispimg(ws, i + 1, 7, pictures[-1])
    wb.close()
    wps_package(path, pictures)
    return path, {(sheet, 9, "R1-4.5.2")}


def excel365_pictures_in_cells(folder: Path) -> tuple[Path, set]:
    """Excel 365 "Place in Cell" pictures in 配圖 (XlsxWriter's embed_image writes what Excel
    does: a vm="n" cell, xl/metadata.xml and xl/richData/*), except row 6's news: 否."""
    sheet = "發布日誌"
    rows = news_posts(dt.date(2026, 9, 7), 3)
    path = folder / "excel365_pictures_in_cells.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, NEWS_HEADERS)
    _write_rows(ws, rows, 1, dates)
    for i, row in enumerate(rows):
        if row[2] == "公司新聞":
            if i + 2 == 6:
                ws.write(i + 1, 7, "否")
            else:
                ws.embed_image(i + 1, 7, "pic.png", {"image_data": BytesIO(png())})
    wb.close()
    return path, {(sheet, 6, "R1-4.5.2")}


# One log over several sheets -----------------------------------------------------------------

SECTION_HEADERS = ["平台", "欄目", "固定欄目", "標題", "撰稿人", "發布日期", "審核人", "審核時間"]


def _section_post(day: dt.date, section: str = "公司動態", fixed: str = "否") -> list:
    at = dt.datetime.combine(day, dt.time(9, 30))
    return [
        "官網",
        section,
        fixed,
        f"{section}{day:%m%d}",
        "李文",
        at,
        "陳經理",
        at - dt.timedelta(hours=1),
    ]


def _mwf(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=d) for d in (0, 2, 4)]


def one_sheet_per_month(folder: Path) -> tuple[Path, set]:
    """A post log kept as 2026年9月 and 2026年10月 with the same header.  The week of
    9/28-10/4 has one post in each sheet (two, three are due): one violation, named on both
    sheets with its own rows.  The fixed section 行業動態 is updated in September and never in
    October (a line with no row)."""
    september = [
        _section_post(d, "行業動態", "是") if d == dt.date(2026, 9, 9) else _section_post(d)
        for m in (dt.date(2026, 9, 7), dt.date(2026, 9, 14), dt.date(2026, 9, 21))
        for d in _mwf(m)
    ]
    september.append(_section_post(dt.date(2026, 9, 28)))  # row 11 of 2026年9月
    october = [_section_post(dt.date(2026, 10, 2))]  # row 2 of 2026年10月
    october += [
        _section_post(d)
        for m in (
            dt.date(2026, 10, 5),
            dt.date(2026, 10, 12),
            dt.date(2026, 10, 19),
            dt.date(2026, 10, 26),
        )
        for d in _mwf(m)
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "2026年9月"
    _write(ws, [SECTION_HEADERS] + september)
    # The October sheet has the same columns in another order (發布日期 first): letters differ.
    order = [5, 0, 1, 2, 3, 4, 6, 7]
    _write(
        wb.create_sheet("2026年10月"),
        [[SECTION_HEADERS[i] for i in order]] + [[r[i] for i in order] for r in october],
    )
    path = folder / "one_sheet_per_month.xlsx"
    wb.save(path)
    return path, {
        ("2026年9月", 11, "R1-4.5.1"),
        ("2026年10月", 2, "R1-4.5.1"),
        ("2026年9月", None, "R1-4.5.4"),
    }


def one_sheet_per_quarter(folder: Path) -> tuple[Path, set]:
    """Inspections kept as Q1 and Q3: every customer once in each, so twice a year, except
    C004 (only in Q1, row 5): one R2-2.1 line on its Q1 row."""
    q1 = [inspection(f"C{n:03d}", dt.date(2026, 2, n)) for n in range(1, 5)]
    q3 = [inspection(f"C{n:03d}", dt.date(2026, 8, n)) for n in range(1, 4)]
    wb = Workbook()
    ws = wb.active
    ws.title = "Q1"
    _write(ws, [INSPECTION_HEADERS] + q1)
    _write(wb.create_sheet("Q3"), [INSPECTION_HEADERS] + q3)
    path = folder / "one_sheet_per_quarter.xlsx"
    wb.save(path)
    return path, {("Q1", 5, "R2-2.1")}


def wps_months_grouped_header(folder: Path) -> tuple[Path, set]:
    """The combination: a WPS file (app.xml, custom.xml, xl/cellimages.xml) kept as one sheet
    per month, each with the two-row header (審核 above 審核人 / 日期, the rest merged down both
    rows), news with DISPIMG pictures in 配圖.  Planted: the week of 9/28-10/4 has two posts
    (row 12 of 9月, row 3 of 10月), 9月 row 6 reviewed after publication, 10月 row 8 news
    without a picture (否)."""
    path = folder / "wps_months_grouped_header.xlsx"
    wb = _wps_workbook(path)
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    merged = wb.add_format({"align": "center", "valign": "vcenter", "text_wrap": True})
    pictures: list[str] = []
    months = {
        "9月": [
            dt.date(2026, 9, 7),
            dt.date(2026, 9, 14),
            dt.date(2026, 9, 21),
            dt.date(2026, 9, 28),
        ],
        "10月": [
            dt.date(2026, 10, 2),
            dt.date(2026, 10, 5),
            dt.date(2026, 10, 12),
            dt.date(2026, 10, 19),
        ],
    }
    for sheet, mondays in months.items():
        ws = wb.add_worksheet(sheet)
        for c, (top, sub) in enumerate(zip(POST_GROUP_ROW, POST_SUB_ROW)):
            if top and sub is None:
                ws.merge_range(0, c, 1, c, top, merged)
        ws.merge_range(0, 5, 0, 6, "審核", merged)
        ws.write(1, 5, "審核人")
        ws.write(1, 6, "日期")
        days = []
        for m in mondays:
            if m == dt.date(2026, 9, 28) or m == dt.date(2026, 10, 2):
                days.append(m)  # one post in each sheet that week
            else:
                days += _mwf(m)
        for i, day in enumerate(days):
            r = i + 2  # 0-based row; worksheet row r + 1
            at = dt.datetime.combine(day, dt.time(10, 0))
            news = day.weekday() == 2
            reviewed = (
                at + dt.timedelta(days=1)
                if (sheet, r + 1) == ("9月", 6)
                else at - dt.timedelta(hours=2)
            )
            values = [
                "官網",
                f"{sheet}稿{i}",
                "公司新聞" if news else "行業資訊",
                "李文",
                at,
                "陳經理",
                reviewed,
            ]
            for c, v in enumerate(values):
                (
                    ws.write_datetime(r, c, v, dates)
                    if isinstance(v, dt.datetime)
                    else ws.write(r, c, v)
                )
            if news and (sheet, r + 1) != ("10月", 8):
                pictures.append(f"ID_{len(pictures) + 1:04d}9F3C0B5A4E2D1C8B7A6F5E4D3C2B")
                _dispimg(ws, r, 7, pictures[-1])
            else:
                ws.write(r, 7, "否")
            ws.write_row(r, 8, ["否", "否", "否"])
    wb.close()
    wps_package(path, pictures)
    return path, {
        ("9月", 12, "R1-4.5.1"),
        ("10月", 3, "R1-4.5.1"),
        ("9月", 6, "R1-4.2.3"),
        ("10月", 8, "R1-4.5.2"),
    }
