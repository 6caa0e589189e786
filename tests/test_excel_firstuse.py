"""Issue 25: what a first real user would still hit in Excel, each against the stand-in
(tests/excel_standin.py models the xlwings/Windows behaviour and cites its source)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import types

import pandas as pd
import pytest
from conftest import ROOT
from excel_standin import Book
from test_excel_live import run_validate

from opsbook.layout import VIOLATIONS_SHEET

WORKBOOKS = ROOT / "workbooks"


def press(book, monkeypatch, button):
    import xlwings as xw

    from opsbook.excel import buttons
    from opsbook.excel.live import XlwingsBook

    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    monkeypatch.setattr(buttons, "XlwingsBook", lambda b: XlwingsBook(b, platform=b.excel.platform))
    getattr(buttons, button)()


def cloud_book(tmp_path):
    """A workbook opened from SharePoint with AutoSave and no synced copy: xlwings' fullname
    raises (the stand-in's Book.fullname, as _xlwindows.py/utils.py do)."""
    path = tmp_path / "發布日誌.xlsx"
    shutil.copy(WORKBOOKS / "發布日誌.xlsx", path)
    book = Book.from_file(path)
    book.url = "https://contoso.sharepoint.com/sites/ops/Shared Documents/發布日誌.xlsx"
    return book


@pytest.mark.parametrize("button", ["validate", "summarize"])
def test_a_cloud_workbook_is_checked_with_the_defaults_and_says_so(tmp_path, monkeypatch, button):
    book = cloud_book(tmp_path)
    (tmp_path / "opsbook.toml").write_text("[posts]\nwebsite_posts_per_week = 1\n", "utf-8")
    press(book, monkeypatch, button)
    alerts = "\n".join(book.excel.alerts)
    assert "未能完成" not in alerts and "XlwingsError" not in alerts, alerts
    assert "預設設定" in alerts and "不記錄歷史" in alerts
    if button == "validate":
        assert VIOLATIONS_SHEET in book.names() and any(s.rules for s in book._sheets)
    assert not list(tmp_path.glob("*.history*")) and not list(tmp_path.glob("opsbook.history"))


def test_settings_button_on_a_cloud_workbook_explains_instead_of_failing(tmp_path, monkeypatch):
    import xlwings as xw

    from opsbook.excel.addin import ribbon

    book = cloud_book(tmp_path)
    book.app.books = types.SimpleNamespace(active=book)
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    ribbon.settings()  # raised XlwingsError outside its try before
    assert len(book.excel.alerts) == 1 and "OneDrive" in book.excel.alerts[0]
    assert not (tmp_path / "opsbook.toml").exists()


def test_settings_opens_notepad_when_windows_has_no_program_for_toml(tmp_path, monkeypatch):
    """ShellExecute's ERROR_NO_ASSOCIATION (WinError 1155) reaches Python as OSError from
    os.startfile; the file must still open, in Notepad."""
    from opsbook.excel.addin import ribbon

    started = []

    def startfile(path):
        raise OSError(1155, "No application is associated with the specified file")

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ribbon.os, "startfile", startfile, raising=False)
    monkeypatch.setattr(ribbon.subprocess, "Popen", lambda args, **kw: started.append(args))
    ribbon._open(tmp_path / "opsbook.toml")
    assert started == [["notepad.exe", str(tmp_path / "opsbook.toml")]]


def purchases_sheet(book):
    sheet = book._new_sheet("購氣記錄")
    sheet.cells[(1, 1)], sheet.cells[(1, 2)] = "用戶編號", "購氣日期"
    sheet.cells[(2, 1)], sheet.cells[(2, 2)] = "C1", dt.datetime(2026, 6, 1)
    return sheet


def test_formulas_read_the_opsbook_toml_beside_the_callers_workbook(tmp_path):
    """A team with blacklist_months = 6: the formula must agree with 驗證 (which reads
    the file beside the workbook), not with the defaults."""
    from opsbook.excel import settings, udfs

    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "opsbook.toml").write_text("[inspections]\nblacklist_months = 6\n", "utf-8")
    settings._FOLDERS.clear()
    book = Book("安檢.xlsx", folder)
    sheet = purchases_sheet(book)
    caller = sheet.range((2, 5))
    ids, dates = ["C1"], [dt.datetime(2026, 6, 1)]
    as_of = dt.datetime(2026, 11, 26)
    default = udfs.OPS_BLACKLISTED("C1", ids, dates, as_of)
    team = udfs.OPS_BLACKLISTED("C1", ids, dates, as_of, caller=caller)
    assert isinstance(default, dt.datetime) and team == "否"  # 3 months passed, 6 not yet
    handle = udfs.OPS_PURCHASES(ids, dates, caller=caller)
    assert udfs.OPS_BLACKLISTED("C1", handle, None, as_of) == "否"
    assert udfs.OPS_BLACKLISTED("C1", udfs.OPS_PURCHASES(ids, dates), None, as_of) == default


def test_a_formula_in_a_cloud_workbook_uses_the_defaults(tmp_path):
    from opsbook.excel import settings, udfs

    settings._FOLDERS.clear()
    book = Book("雲端.xlsx", tmp_path)
    book.url = "https://contoso-my.sharepoint.com/personal/a/Documents/雲端.xlsx"
    sheet = purchases_sheet(book)
    answer = udfs.OPS_BLACKLISTED(
        "C1", ["C1"], [dt.datetime(2026, 6, 1)], dt.datetime(2026, 11, 26), sheet.range("E2")
    )
    assert isinstance(answer, dt.datetime)


HEADERS = ["用戶編號", "檢查日期", "檢查員", "檢查結果", "用戶簽字", "佩戴工作牌"]


def inspection_sheet(rows: int, name="安檢.xlsx", folder=None):
    book = Book(name, folder)
    sheet = book._new_sheet("入戶安檢記錄")
    for c, h in enumerate(HEADERS, start=1):
        sheet.cells[(1, c)] = h
    for r in range(2, rows + 2):
        row = [f"C{r}", dt.datetime(2026, 3, 2), "劉", "合格", None if r % 2 else "王", "是"]
        for c, v in enumerate(row, start=1):
            if v is not None:
                sheet.cells[(r, c)] = v
    return book, sheet


def column_of_formulas(sheet, rows, as_of=None):
    from opsbook.excel import udfs

    header = sheet.range((1, 1), (1, 6))
    return [
        udfs.OPS_CHECK_ROW(sheet.range((r, 1), (r, 6)), header, as_of, caller=sheet.range((r, 8)))
        for r in range(2, rows + 2)
    ]


def test_check_row_without_as_of_is_cached_for_the_day_not_the_second(monkeypatch):
    """A recalculation that crosses seconds must not re-check the block again and again."""
    from opsbook.excel import rowcache

    clock = iter(
        pd.Timestamp("2026-11-26 09:00:00") + pd.Timedelta(seconds=i) for i in range(10**6)
    )
    monkeypatch.setattr(pd.Timestamp, "now", classmethod(lambda cls, tz=None: next(clock)))
    runs = []
    real = rowcache.check_rows
    monkeypatch.setattr(
        rowcache, "check_rows", lambda *a, **k: runs.append(len(a[1])) or real(*a, **k)
    )
    rowcache.ANSWERS.tables.clear()
    book, sheet = inspection_sheet(30)
    answers = column_of_formulas(sheet, 30)
    assert runs == [30] and "R2-2.7" in answers[1]


def test_check_row_asks_excel_little_per_formula(tmp_path):
    """Cross-process calls are the cost in Excel: on a cached row a formula reads its row
    and header values and the caller's address, nothing else; locating the row, reading the
    block and the workbook's folder happen once per block/book."""
    from opsbook.excel import rowcache, settings

    rowcache.ANSWERS.tables.clear()
    settings._FOLDERS.clear()
    rows = 200
    book, sheet = inspection_sheet(rows, folder=tmp_path)
    book.excel.calls = 0
    answers = column_of_formulas(sheet, rows, dt.datetime(2026, 11, 26))
    assert len(answers) == rows and all(not a.startswith("#OPS") for a in answers)
    # ranges made by the test itself (row, header, caller: 3 sheet.range calls per formula)
    # are the stand-in's; the formula's own: 3 per formula + one block's locate/fetch/folder
    own = book.excel.calls - 3 * rows
    assert own <= 3 * rows + 10, own


def test_doctor_finds_the_formula_dll_where_xlwings_bas_looks(tmp_path):
    from opsbook.excel.doctor import dll_report

    standard = tmp_path / "Python311"
    venv = tmp_path / "venv"
    user = tmp_path / "AppData" / "Python" / "Python311"
    for folder in (standard, venv / "Scripts", user):
        folder.mkdir(parents=True)
    (standard / "xlwings64-0.37.8.dll").write_bytes(b"")
    (venv / "xlwings64-0.37.8.dll").write_bytes(b"")  # a virtualenv: one folder up
    (user / "xlwings64-0.37.8.dll").write_bytes(b"")  # pip install --user put it here
    assert dll_report(str(standard / "python.exe"))[1]
    assert dll_report(str(venv / "Scripts" / "python.exe"))[1]
    lines, ok = dll_report(str(tmp_path / "Other" / "python.exe"))
    assert not ok and "✗" in lines[0] and "--user" in lines[0]


def test_doctor_exits_non_zero_when_something_is_missing(monkeypatch):
    from click.testing import CliRunner

    from opsbook.cli import cli
    from opsbook.excel import doctor

    monkeypatch.setattr(doctor, "interpreter_report", lambda: (["Excel's Python: ✗ none"], False))
    result = CliRunner().invoke(cli, ["doctor"])
    assert "✗" in result.output and result.exit_code == 1


@pytest.mark.skipif(sys.platform == "win32", reason="the refusal off Windows")
def test_addin_uninstall_off_windows_speaks_of_uninstall():
    from click.testing import CliRunner

    from opsbook.cli import cli

    result = CliRunner().invoke(cli, ["excel", "addin", "uninstall"])
    assert result.exit_code == 2 and "addin uninstall" in result.output
    assert "addin install" not in result.output and "Browse" not in result.output


# The live writer ---------------------------------------------------------------------------
AS_OF = "2026-11-26"


def validate_book(book, settings=None):
    """What 驗證 does, with a fixed as-of."""
    return run_validate(book, AS_OF, settings)


def clear_book(book):
    from opsbook.excel.live import XlwingsBook

    live = XlwingsBook(book, platform=book.excel.platform)
    with live.quiet():
        live.clear()


def marked_cells(checked, sheet):
    from excel_standin import _parse_cell

    from opsbook.layout import cell_marks

    marks = cell_marks(checked.report.frame)
    marks = marks[marks["sheet"] == sheet]
    return {_parse_cell(ref): sev for ref, sev in zip(marks["ref"], marks["severity"])}


def snapshot(book):
    return {
        s._name: (dict(s.cells), dict(s.notes_), s.coloured(), s.visibility, dict(s.defined))
        for s in book._sheets
    }


@pytest.mark.parametrize("action", ["insert", "delete"])
def test_marks_follow_their_cells_when_rows_are_inserted_or_deleted(action):
    """Deleting a violating row is the most common fix: the marks below it must move up
    with their cells (and an inserted row must not shift the colours off their cells)."""
    from opsbook.layout import FILL_RGB

    book = Book.from_file(WORKBOOKS / "入戶安檢記錄.xlsx")
    checked = validate_book(book)
    sheet = book.sheet("入户安检记录")  # the sample's own (Simplified) sheet name
    wanted = marked_cells(checked, "入户安检记录")
    assert wanted
    row = min(r for r, _ in wanted)  # a marked row
    if action == "insert":
        sheet.insert_rows(row, 2)
        moved = {(r + 2 if r >= row else r, c): s for (r, c), s in wanted.items()}
    else:
        sheet.delete_rows(row)
        moved = {(r - 1 if r > row else r, c): s for (r, c), s in wanted.items() if r != row}
    shown = {k: v for k, v in sheet.coloured().items() if k in moved or v in FILL_RGB.values()}
    assert shown == {k: FILL_RGB[s] for k, s in moved.items()}
    clear_book(book)  # and 清除標記 still removes everything opsbook wrote
    assert not sheet.rules and not any(n.startswith("_opsbook") for n in book.names())


@pytest.mark.parametrize("separator,style", [(";", "A1"), (",", "R1C1")])
def test_rules_are_accepted_in_every_locale_and_reference_style(separator, style):
    """FormatConditions.Add reads its formula in the user's list separator and reference
    style: a German/French Excel (';') or an R1C1 user refused the rule, and 驗證 failed."""
    from opsbook.layout import FILL_RGB

    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    book.excel.list_separator, book.excel.reference_style = separator, style
    checked = validate_book(book)
    wanted = marked_cells(checked, "發布日誌")
    shown = book.sheet("發布日誌").coloured()
    assert shown == {k: FILL_RGB[s] for k, s in wanted.items()}


def test_renaming_a_marked_sheet_orphans_nothing():
    """The state recorded sheets by name: after a rename 清除標記 left the notes, and the
    next 驗證 took opsbook's note for the user's and doubled its text."""
    from opsbook.layout import NOTE_MARK

    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    before = snapshot(book)
    validate_book(book)
    sheet = book.sheet("發布日誌")
    assert sheet.notes_
    sheet.rename("發布日誌2026")
    validate_book(book)
    assert all(text.count(NOTE_MARK) == 1 for text in sheet.notes_.values())
    clear_book(book)
    after = snapshot(book)
    assert after.pop("發布日誌2026") == before.pop("發布日誌") and after == before


def test_a_run_that_fails_half_way_can_be_cleared():
    """A protected sheet refusing a note stopped the run before its state was written:
    helper sheets and rules nobody recorded, which 清除標記 could not remove."""
    import excel_standin

    from opsbook.excel import buttons
    from opsbook.excel.live import XlwingsBook

    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    before = snapshot(book)
    real = excel_standin.Range.add_note

    def refuse(self, text):
        raise excel_standin.ComError("The cell or chart you're trying to change is protected")

    excel_standin.Range.add_note = refuse
    try:
        live = XlwingsBook(book, platform=book.excel.platform)
        with pytest.raises(excel_standin.ComError):
            buttons.run_recorded(live, lambda: validate_on(live, book))
    finally:
        excel_standin.Range.add_note = real
    assert any(s.rules for s in book._sheets)  # it did write, then failed
    clear_book(book)
    assert snapshot(book) == before


def validate_on(live, book):
    from opsbook.bookio import annotate
    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_book

    live.clear()
    annotate(live, check_book(live.read_all(), book.name, load_config(), as_of_moment(AS_OF)))
    live.save()


def test_clear_finds_opsbooks_leftovers_by_name_without_a_state():
    """Nothing recorded at all (Excel closed mid-run): clear still finds the very hidden
    _opsbook_N sheets and the rules that read them.  (Notes are found through the state
    only — reading every note of every sheet is a call each; a later 驗證 replaces an
    unrecorded note of opsbook's instead of doubling it: test_renaming_….)"""
    from opsbook.ooxml.state import STATE_SHEET

    def without_notes(book):
        return {name: (v[0], v[2], v[3], v[4]) for name, v in snapshot(book).items()}

    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.excel.live import XlwingsBook
    from opsbook.pipeline import check_book

    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    before = without_notes(book)
    live = XlwingsBook(book, platform=book.excel.platform)
    checked = check_book(live.read_all(), book.name, load_config(), as_of_moment(AS_OF))
    live.mark(checked.report.frame)  # and then Excel closed: no state written
    assert STATE_SHEET not in book.names() and any(s.rules for s in book._sheets)
    clear_book(book)
    assert without_notes(book) == before
