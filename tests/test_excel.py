"""The Excel side, on Linux: licensing, macros and their RunPython targets, UDFs, xlwings'
own UDF wrapper generation, templates, and the number of calls marking makes in Excel
(a recording stand-in for the xlwings objects)."""

import datetime as dt
import importlib
import os
import re
import subprocess
import sys
import types
import zipfile

import pytest
from click.testing import CliRunner
from excel_standin import VBA_RESERVED
from paths import ROOT

from opsbook.cli import cli

MACROS = (ROOT / "macros" / "opsbook.bas").read_text(encoding="utf-8")


def test_open_source_xlwings_only():
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    out = subprocess.run(
        [sys.executable, "-c", "import xlwings; print(xlwings.__pro__)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "False"
    forbidden = re.compile(
        r"(import|from)\s+xlwings\.(pro|server|reports)|from\s+xlwings\s+import\s+.*\b(pro|server|reports)\b"
        r"|Book\(\s*json\s*=|mode\s*=\s*[\"']r[\"']"
    )
    for path in (ROOT / "opsbook").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not forbidden.search(text), path
        if "excel" not in path.relative_to(ROOT / "opsbook").parts:
            assert not re.search(r"^\s*(import xlwings|from xlwings)", text, re.M), (
                f"{path} imports xlwings"
            )


def test_every_button_macro_calls_an_importable_callable():
    subs = re.findall(r"^Sub (\w+)\(", MACROS, re.M)
    assert {"OpsValidate", "OpsSummarize", "OpsClear"} <= set(subs)
    targets = re.findall(r'RunPython "import ([\w.]+) as (\w+); \2\.(\w+)\(\)"', MACROS)
    assert len(targets) >= 3
    for module, _, function in targets:
        assert callable(getattr(importlib.import_module(module), function))
    ribbon = (ROOT / "macros" / "customUI14.xml").read_text(encoding="utf-8")
    assert set(re.findall(r'onAction="(\w+)"', ribbon)) <= set(subs)
    from opsbook.excel.template import BUTTONS

    assert {macro for _, macro in BUTTONS} <= set(subs)


def serial(day: dt.date) -> float:
    """The number Excel passes for a date from DATE(), TODAY(), A2+1 or a General cell."""
    return float((day - dt.date(1899, 12, 30)).days)


def test_udfs_answer_and_never_raise():
    from opsbook.excel import udfs

    assert udfs.OPS_WORKDAYS_AFTER(dt.datetime(2026, 9, 30), 3) == dt.datetime(2026, 10, 10)
    assert udfs.OPS_IS_WORKDAY(dt.datetime(2026, 10, 10)) is True
    assert udfs.OPS_WORKDAYS_AFTER("not a date", 3).startswith("#OPS")
    assert udfs.OPS_WORKDAYS_AFTER(dt.datetime(2099, 1, 1), 3).startswith("#OPS")
    headers = [["用戶編號", "檢查日期", "檢查員", "檢查結果", "用戶簽字", "佩戴工作牌"]]
    bad = udfs.OPS_CHECK_ROW([["C1", dt.datetime(2026, 3, 2), "劉", "合格", None, "否"]], headers)
    assert "R2-2.7: 檢查合格後須請用戶簽字確認" in bad.split("; ") and any(
        p.startswith("R2-3.2: ") for p in bad.split("; ")
    )
    assert (
        udfs.OPS_CHECK_ROW([["C1", dt.datetime(2026, 3, 2), "劉", "合格", "王", "是"]], headers)
        == "✓"
    )
    assert udfs.OPS_CHECK_ROW([["a", "b"]], [["x", "y"]]).startswith("#OPS")
    ids, dates = (
        ["C1", "C1", "C2"],
        [dt.datetime(2026, 5, 1), dt.datetime(2026, 7, 31), dt.datetime(2026, 11, 1)],
    )
    # 逾3個月: more than three months after 7-31, listed the day after 10-31 (issue 23)
    assert udfs.OPS_BLACKLISTED("C1", ids, dates, dt.datetime(2026, 11, 26)) == dt.datetime(
        2026, 11, 1
    )
    assert udfs.OPS_BLACKLISTED("C2", ids, dates, dt.datetime(2026, 11, 26)) == "否"
    assert udfs.OPS_BLACKLISTED("C9", ids, dates).startswith("#OPS")


def test_udfs_read_dates_as_excel_passes_them():
    """Issue 13: DATE(), TODAY(), A2+1 and General cells arrive as serial numbers: they
    became 1970 (「1970 年不在工作日曆範圍內」), and a serial as_of was ignored."""
    from opsbook.excel import udfs

    assert udfs.OPS_WORKDAYS_AFTER(serial(dt.date(2026, 9, 30)), 3) == dt.datetime(2026, 10, 10)
    assert udfs.OPS_WORKDAYS_AFTER(serial(dt.date(2026, 9, 30)), 3.0) == dt.datetime(2026, 10, 10)
    assert udfs.OPS_IS_WORKDAY(serial(dt.date(2026, 10, 10))) is True  # a make-up working Saturday
    assert udfs.OPS_IS_WORKDAY(serial(dt.date(2026, 10, 1))) is False
    ids, dates = ["C1", "C1"], [serial(dt.date(2026, 5, 1)), serial(dt.date(2026, 7, 31))]
    assert udfs.OPS_BLACKLISTED("C1", ids, dates, serial(dt.date(2026, 11, 26))) == dt.datetime(
        2026, 11, 1
    )
    assert (
        udfs.OPS_BLACKLISTED("C1", ids, dates, serial(dt.date(2026, 10, 15))) == "否"
    )  # as_of is used
    headers = [["用戶編號", "檢查日期", "檢查員", "檢查結果", "用戶簽字", "佩戴工作牌"]]
    by_serial = udfs.OPS_CHECK_ROW(
        [["C1", serial(dt.date(2026, 3, 2)), "劉", "合格", None, "否"]],
        headers,
        serial(dt.date(2026, 11, 26)),
    )
    by_date = udfs.OPS_CHECK_ROW(
        [["C1", dt.datetime(2026, 3, 2), "劉", "合格", None, "否"]],
        headers,
        dt.datetime(2026, 11, 26),
    )
    assert by_serial == by_date and "R2-2.7" in by_serial and "1970" not in by_serial


def test_numeric_ids_match_text_ids_and_blanks_answer_shortly():
    """Issue 13: 1001 (a number cell) did not match "1001"; a blank gave '#OPS: nan…'."""
    from opsbook.excel import udfs

    ids, dates = ["1001", 1002.0], [dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 1)]
    assert udfs.OPS_BLACKLISTED(1001.0, ids, dates, dt.datetime(2026, 11, 26)) == dt.datetime(
        2026, 8, 2
    )
    assert udfs.OPS_BLACKLISTED("1002", ids, dates, dt.datetime(2026, 11, 26)) == dt.datetime(
        2026, 8, 2
    )
    for answer in (
        udfs.OPS_IS_WORKDAY(None),
        udfs.OPS_WORKDAYS_AFTER(None, 3),
        udfs.OPS_WORKDAYS_AFTER("", 3),
        udfs.OPS_BLACKLISTED(None, ids, dates),
        udfs.OPS_WORKDAYS_AFTER(dt.datetime(2026, 9, 30), None),
        udfs.OPS_CHECK_ROW([[None, None]], [["用戶編號", "檢查日期"]]),
    ):
        assert answer.startswith("#OPS: ") and "nan" not in answer and len(answer) <= 60, answer


def test_blacklisted_through_a_purchase_log_handle():
    """OPS_PURCHASES reads the log once; OPS_BLACKLISTED with its handle gives the same
    answers as with the columns (the catalog's blacklist both times)."""
    from opsbook.excel import udfs

    ids = ["C1", "C1", "C2", 1003.0]
    dates = [
        dt.datetime(2026, 5, 1),
        dt.datetime(2026, 7, 31),
        dt.datetime(2026, 11, 1),
        dt.datetime(2026, 1, 2),
    ]
    handle = udfs.OPS_PURCHASES(ids, dates)
    assert handle.startswith("購氣記錄#")
    for customer in ("C1", "C2", "1003", "C9", None):
        assert udfs.OPS_BLACKLISTED(
            customer, handle, None, dt.datetime(2026, 11, 26)
        ) == udfs.OPS_BLACKLISTED(customer, ids, dates, dt.datetime(2026, 11, 26))
    assert udfs.OPS_PURCHASES(ids, dates[:-1]).startswith("#OPS")


def test_check_row_checks_a_block_once_and_answers_each_row_alike(monkeypatch):
    """With the row passed as a range (as Excel does), the rows below are checked in the
    same engine run; every later formula of the column is a look-up."""
    from excel_standin import Book

    from opsbook.excel import rowcache, udfs

    book = Book("x.xlsx")
    sheet = book._new_sheet("入戶安檢記錄")
    headers = ["用戶編號", "檢查日期", "檢查員", "檢查結果", "用戶簽字", "佩戴工作牌"]
    rows = [
        [
            f"C{i}",
            dt.datetime(2026, 3, 2),
            "劉",
            "合格",
            None if i % 2 else "王",
            "否" if i % 3 else "是",
        ]
        for i in range(40)
    ]
    for c, h in enumerate(headers, start=1):
        sheet.cells[(1, c)] = h
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            if v is not None:
                sheet.cells[(r, c)] = v
    runs = []
    real = rowcache.check_rows
    monkeypatch.setattr(
        rowcache, "check_rows", lambda *a, **k: runs.append(len(a[1])) or real(*a, **k)
    )
    rowcache.ANSWERS.tables.clear()
    as_of = dt.datetime(2026, 11, 26)
    order = list(range(41, 1, -1))  # Excel's calculation order is its own: bottom-up here
    answers = {
        r: udfs.OPS_CHECK_ROW(sheet.range((r, 1), (r, 6)), sheet.range((1, 1), (1, 6)), as_of)
        for r in order
    }
    answers = [answers[r] for r in range(2, 42)]
    assert runs == [40]  # one engine run for the column
    del sheet.cells[(30, 5)]  # a row edited (its signature removed): only that row is checked again
    edited = udfs.OPS_CHECK_ROW(sheet.range((30, 1), (30, 6)), sheet.range((1, 1), (1, 6)), as_of)
    assert runs == [40, 1]
    assert (
        edited
        == udfs.OPS_CHECK_ROW([rows[28][:4] + [None] + rows[28][5:]], [headers], as_of)
        != answers[28]
    )
    alone = [
        udfs.OPS_CHECK_ROW([row], [headers], dt.datetime(2026, 11, 26, 23, 59, 59)) for row in rows
    ]
    assert answers == alone and "R2-2.7" in answers[1] and answers[0] != answers[1]


def test_xlwings_generates_the_vba_wrappers(monkeypatch):
    """xlwings' own wrapper generator runs over the module, so a bad decorator fails here.
    xlwings.udfs imports the Windows COM modules at its top; the generator itself uses none
    of them, so stand-in modules let it import on Linux."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["pythoncom"].CoInitialize = lambda: None
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    import xlwings
    from xlwings import udfs as xludfs

    # Off Windows xw.func/arg/ret are no-ops; use the decorators Excel's runtime uses.
    monkeypatch.setattr(xlwings, "func", xludfs.xlfunc, raising=False)
    monkeypatch.setattr(xlwings, "arg", xludfs.xlarg, raising=False)
    monkeypatch.setattr(xlwings, "ret", xludfs.xlret, raising=False)
    import opsbook.excel.udfs

    udfs = importlib.reload(opsbook.excel.udfs)
    generate_vba_wrapper = xludfs.generate_vba_wrapper

    class Out:
        text = ""

        def write(self, s):
            self.text += s

    out = Out()
    generate_vba_wrapper("opsbook.excel.udfs", udfs, out, types.SimpleNamespace(Name="book.xlsm"))
    for name in (
        "OPS_WORKDAYS_AFTER",
        "OPS_IS_WORKDAY",
        "OPS_CHECK_ROW",
        "OPS_BLACKLISTED",
        "OPS_PURCHASES",
    ):
        assert f"Function {name}(" in out.text
    assert "Optional as_of" in out.text
    # Issue 13: a parameter named like a VBA reserved word (Date) stopped the generated
    # module compiling, so Import Functions failed for every formula (xlwings #563).
    headers = re.findall(r"^Function (\w+)\(([^)]*)\)", out.text, re.M)
    assert len(headers) == 5
    for name, params in headers:
        for param in params.split(","):
            words = param.split()
            ident = words[words.index("Optional") + 1] if "Optional" in words else words[0]
            assert re.fullmatch(r"[A-Za-z]\w*", ident) and ident.lower() not in VBA_RESERVED, (
                name,
                ident,
            )
    assert len(re.findall(r"^End Function$", out.text, re.M)) == len(
        headers
    )  # each function is closed
    assert "OPS_CHECK_ROW" in out.text and udfs.OPS_CHECK_ROW.__xlfunc__["args"][0]["name"] == "row"
    monkeypatch.undo()
    importlib.reload(opsbook.excel.udfs)  # back to the plain functions for the other tests


@pytest.mark.parametrize("kind", ["posts", "inspections", "design_costs"])
def test_templates_have_headers_dropdowns_and_buttons(tmp_path, kind):
    from openpyxl import load_workbook

    path = tmp_path / f"{kind}.xlsm"
    result = CliRunner().invoke(cli, ["excel", "template", kind, "--output", str(path)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(path, keep_vba=True)
    main = wb.worksheets[0]
    lists = [dv.formula1 for dv in main.data_validations.dataValidation]
    assert any("是" in (f or "") for f in lists)
    with zipfile.ZipFile(path) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
        vml = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".vml"))
    for macro in ("OpsValidate", "OpsSummarize", "OpsClear"):
        assert macro.encode() in vml
    from opsbook.pipeline import read_sheets
    from opsbook.workbook.tables import find_header

    assert (
        find_header(read_sheets(path)[0]).spec.kind == kind
    )  # opsbook recognises its own template


def test_install_needs_excel_and_doctor_reports():
    result = CliRunner().invoke(
        cli, ["excel", "install", str(ROOT / "workbooks" / "發布日誌.xlsx")]
    )
    assert result.exit_code == 2 and "cannot keep macros" in result.output  # .xlsx refused first
    doctor = CliRunner().invoke(cli, ["doctor"])
    assert "xlwings  0.37.8" in doctor.output and "open-source only" in doctor.output


# The live writer against the Excel stand-in: tests/test_excel_live.py.


def test_contract_on_the_file_book(tmp_path):
    """The BookIO contract, file side: annotate → marks, violations sheet; clear → gone."""
    from helpers import write_xlsx
    from openpyxl import load_workbook

    from opsbook.bookio import annotate
    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_file
    from opsbook.writers.annotate import FileBook, clear_file

    path = write_xlsx(
        tmp_path / "contract.xlsx",
        {
            "入戶安檢記錄": [
                ["用戶編號", "檢查日期", "檢查員", "檢查結果", "用戶簽字"],
                ["C1", dt.datetime(2026, 3, 2), "劉", "合格", None],
            ]
        },
    )
    checked = check_file(path, load_config(), as_of_moment("2026-11-26"))
    book = FileBook(path)
    annotate(book, checked)
    book.save(backup=False)
    book.close()
    wb = load_workbook(path)
    assert wb["入戶安檢記錄"]["E2"].fill.fgColor.rgb == "FFFFC7CE"
    assert wb["違規清單"].max_row == len(checked.report.frame) + 1
    clear_file(path, backup=False)
    assert load_workbook(path).sheetnames == ["入戶安檢記錄"]


@pytest.mark.excel
@pytest.mark.skipif(sys.platform not in ("win32", "darwin"), reason="needs Microsoft Excel")
def test_contract_on_a_live_workbook(tmp_path):  # pragma: no cover - runs where Excel does
    import xlwings as xw

    from opsbook.bookio import annotate
    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.excel.live import XlwingsBook
    from opsbook.pipeline import check_book

    book = xw.Book()
    book.sheets[0].name = "入戶安檢記錄"
    book.sheets[0].range("A1").value = [
        ["用戶編號", "檢查日期", "檢查員", "檢查結果", "用戶簽字"],
        ["C1", dt.datetime(2026, 3, 2), "劉", "合格", None],
    ]
    live = XlwingsBook(book)
    checked = check_book(live.read_all(), "live", load_config(), as_of_moment("2026-11-26"))
    annotate(live, checked)
    live.save()
    assert "違規清單" in live.sheet_names()
    live.clear()
    assert live.sheet_names() == ["入戶安檢記錄"]
    book.close()
