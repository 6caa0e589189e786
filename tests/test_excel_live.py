"""The live writer and the buttons against the Excel stand-in (tests/excel_standin.py),
which behaves as Excel and xlwings 0.37.8 are documented to: marks land on the marked
cells whatever cell is active, a team's own sheets survive, every writer's run is undone by
either clear, and the number of Excel calls is bounded by the number of sheets."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import types

import pandas as pd
import pytest
from excel_standin import VERY_HIDDEN, Book, Formula, Rule
from paths import ROOT

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.layout import FILL_RGB, NOTE_MARK, VIOLATIONS_SHEET, cell_marks
from opsbook.pipeline import check_book, check_file
from opsbook.report import VIOLATION_FIELDS

WORKBOOKS = ROOT / "workbooks"
AS_OF = "2026-11-26"


def live_book(book, **kw):
    from opsbook.excel.live import XlwingsBook

    try:
        return XlwingsBook(book, platform=book.excel.platform, **kw)
    except TypeError:  # the writer before issue 13 looked at sys.platform itself
        return XlwingsBook(book, **kw)


def run_validate(book, as_of=AS_OF, settings=None):
    """What the 驗證 button does, with a fixed as-of."""
    from opsbook.bookio import annotate

    live = live_book(book)
    with live.quiet():
        live.clear()
        checked = check_book(
            live.read_all(), book.name, settings or load_config(), as_of_moment(as_of)
        )
        annotate(live, checked)
        live.save()
    return checked


def run_summarize(book, as_of=AS_OF):
    from opsbook.bookio import annotate

    live = live_book(book)
    with live.quiet():
        live.resume()
        checked = check_book(live.read_all(), book.name, load_config(), as_of_moment(as_of))
        annotate(live, checked, marks=False)
        live.save()
    return checked


def run_clear(book):
    live = live_book(book)
    with live.quiet():
        live.clear()


def snapshot(book):
    """Everything a user sees: sheets, values, notes, fills shown, visibility."""
    return {
        s._name: (dict(s.cells), dict(s.notes_), s.coloured(), s.visibility) for s in book._sheets
    }


def expected_fills(checked):
    marks = cell_marks(checked.report.frame)
    out = {}
    for sheet, ref, severity in zip(marks["sheet"], marks["ref"], marks["severity"]):
        from excel_standin import _parse_cell

        out.setdefault(sheet, {})[_parse_cell(ref)] = FILL_RGB[severity]
    return out


@pytest.mark.parametrize("platform", ["win32", "darwin"])
@pytest.mark.parametrize("active", [None, ("發布日誌", 40, 7)])
def test_marks_land_on_the_marked_cells_whatever_cell_is_active(platform, active, monkeypatch):
    """Issue 13: a relative reference in a rule is read relative to the active cell; with
    the helper sheet just added (and active, at A1) the post log's marks moved 31 rows."""
    if platform == "darwin":
        as_mac(monkeypatch)
    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx", platform=platform)
    if active:
        book.active = (book.sheet(active[0]), active[1], active[2])
    checked = run_validate(book)
    wanted = expected_fills(checked)
    assert wanted, "the sample has violations"
    for sheet in book._sheets:
        shown = sheet.coloured()
        assert shown == wanted.get(sheet._name, {}), sheet._name


def fake_appscript(monkeypatch):
    """On macOS the live writer hides sheets through appscript's keyword (xlwings' own
    Mac dependency); here a keyword object with the same AS_name."""
    keyword = types.SimpleNamespace(
        sheet_very_hidden=types.SimpleNamespace(AS_name="sheet_very_hidden")
    )
    monkeypatch.setitem(sys.modules, "appscript", types.SimpleNamespace(k=keyword))


def as_mac(monkeypatch):
    fake_appscript(monkeypatch)
    monkeypatch.setattr(sys, "platform", "darwin")  # for a writer that asks sys.platform


def test_macos_never_uses_com_format_conditions(monkeypatch):
    """Issue 13: ``.api.FormatConditions`` is a COM name; on a Mac 驗證 and 清除標記 failed."""
    as_mac(monkeypatch)
    book = Book.from_file(WORKBOOKS / "入戶安檢記錄.xlsx", platform="darwin")
    before = snapshot(book)
    run_validate(book)
    assert any(s.rules for s in book._sheets)
    run_clear(book)
    assert snapshot(book) == before


def test_a_teams_own_sheets_survive(monkeypatch):
    """Issue 13: a team's own 週報 / 違規清單 were deleted by 驗證 and gone after 清除標記."""
    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    for name in ("週報", VIOLATIONS_SHEET):
        own = book._new_sheet(name)
        own.cells[(1, 1)] = f"我們自己的{name}"
    before = snapshot(book)
    run_validate(book)
    assert book.sheet("週報").cells == {(1, 1): "我們自己的週報"}
    assert "週報 (2)" in book.names() and f"{VIOLATIONS_SHEET} (2)" in book.names()
    run_validate(book)  # a second run replaces its own sheets, not the team's
    assert book.names().count("週報 (2)") == 1 and "週報 (3)" not in book.names()
    run_clear(book)
    assert snapshot(book) == before


def test_validate_summarize_clear_leaves_nothing_behind():
    """Issue 13: 驗證 → 彙總 → 清除標記 left 違規清單 behind (the state kept only the last run)."""
    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    book.sheet("發布日誌").notes_[(1, 1)] = "使用者自己的備註"
    before = snapshot(book)
    run_validate(book)
    validated = snapshot(book)
    run_summarize(book)
    assert VIOLATIONS_SHEET in book.names() and "週報" in book.names()
    assert book.names().count("週報") == 1
    run_clear(book)
    assert snapshot(book) == before
    run_validate(book)  # and validating again gives the first run's workbook
    assert snapshot(book) == validated


def test_opsbook_sheets_are_very_hidden():
    """Issue 13: the live _opsbook sheet was only hidden (Unhide showed it)."""
    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    run_validate(book)
    hidden = [s for s in book._sheets if s._name.startswith("_opsbook")]
    assert {s._name for s in hidden} >= {"_opsbook", "_opsbook_0"}
    assert all(s.visibility == VERY_HIDDEN for s in hidden)


@pytest.mark.parametrize("calculation", ["manual", "semiautomatic", "automatic"])
@pytest.mark.parametrize("updating", [True, False])
def test_quiet_restores_exactly_what_was_there(calculation, updating):
    """Issue 13: quiet() always restored "automatic" (a full recalculation for a user in
    Manual) and set screen updating outside its try."""
    book = Book("x.xlsx")
    book._new_sheet("Sheet1")
    book.excel.calculation, book.excel.screen_updating = calculation, updating
    live = live_book(book)
    with pytest.raises(RuntimeError), live.quiet():
        assert book.excel.calculation == "manual" and book.excel.screen_updating is False
        raise RuntimeError("a failing run")
    assert (book.excel.calculation, book.excel.screen_updating) == (calculation, updating)
    # Back to automatic recalculates (as it should, it was automatic); Manual stays Manual.
    assert book.excel.recalculations == (1 if calculation == "automatic" else 0)


def test_helper_sheet_holds_only_the_marked_cells():
    """Issue 13: the helper grid wrote 0 into every cell of the bounding box."""
    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    checked = run_validate(book)
    marks = cell_marks(checked.report.frame)
    helpers = [s for s in book._sheets if s._name.startswith("_opsbook_")]
    assert sum(len(s.cells) for s in helpers) == 2 * len(marks)  # a key and a code per marked cell


def violations(n, sheet="入戶安檢記錄", values=None):
    rows = [
        {
            "file": "live.xlsx",
            "sheet": sheet,
            "row": 2 + i // 5,
            "column": "x",
            "cell": f"{'ABCDE'[i % 5]}{2 + i // 5}",
            "clause": "R2-2.7",
            "rule": "inspections.signature",
            "severity": "error" if i % 3 else "warning",
            "message": "m",
            "message_en": "m",
            "value": values[i] if values else None,
            "rows": (2 + i // 5,),
        }
        for i in range(n)
    ]
    return pd.DataFrame(rows, columns=VIOLATION_FIELDS)


def calls_to_mark(n, user_notes=0):
    book = Book("live.xlsx")
    data = book._new_sheet("入戶安檢記錄")
    for i in range(user_notes):
        data.notes_[(5000 + i, 1)] = "使用者的備註"
    live = live_book(book)
    frame = violations(n)
    with live.quiet():
        live.clear()
        live.mark(frame)
        live.write_violations(frame)
        live.save()
    marking = book.excel.calls
    run_clear(book)
    return marking, book.excel.calls - marking, live


def test_calls_are_bounded_by_sheets_not_violations_or_notes():
    """Marking 10 or 10,000 violations takes the same calls, up to the notes cap; clearing
    does not read every note of every sheet (issue 13: O(notes) calls)."""
    few, clear_few, live = calls_to_mark(10)
    many, clear_many, _ = calls_to_mark(10_000)
    assert many == calls_to_mark(1_000)[0]
    assert many <= few + live.notes_cap * 4
    _, clear_with_user_notes, _ = calls_to_mark(10_000, user_notes=500)
    assert clear_with_user_notes == clear_many
    assert many < 250 and clear_many < 250


def test_violations_sheet_values_are_text_and_link_to_their_cells():
    """Issue 13: values were re-parsed by Excel: "=…" became a formula, "+86 138…" a COM
    error, "2/16" a date, "00123" the number 123."""
    tricky = ["=SUM(A1:A3)", "+86 138 0013 8000", "2/16", "00123", "1,000", "TRUE"] + [None] * 4
    book = Book("live.xlsx")
    data = book._new_sheet("入戶安檢記錄")
    data.cells[(1, 1)] = "用戶編號"
    live = live_book(book)
    frame = violations(10, values=tricky)
    with live.quiet():
        live.mark(frame)
        live.write_violations(frame)
        live.save()
    sheet = book.sheet(VIOLATIONS_SHEET)
    value_col = 9
    assert [sheet.cells.get((r, value_col)) for r in range(2, 8)] == tricky[:6]
    assert sheet.cells[(1, 1)] == "工作表" and (1, 1) in sheet.bold
    link = sheet.cells[(2, 2)]
    assert isinstance(link, Formula) and link == '=HYPERLINK("#\'入戶安檢記錄\'!A2","A2")'


def test_team_notes_are_kept_and_ours_removed():
    book = Book("live.xlsx")
    data = book._new_sheet("入戶安檢記錄")
    data.notes_[(2, 1)] = "使用者的備註"  # on a marked cell
    data.notes_[(40, 1)] = "別處的備註"
    before = snapshot(book)
    live = live_book(book)
    with live.quiet():
        live.mark(violations(10))
        live.save()
    assert data.notes_[(2, 1)].startswith("使用者的備註\n" + NOTE_MARK)
    assert data.notes_[(2, 2)].startswith(NOTE_MARK)
    run_clear(book)
    assert snapshot(book) == before


def test_currency_cells_read_as_decimal_give_the_file_paths_violations():
    """Issue 13: xlwings on Windows reads Currency-formatted cells as Decimal; the number
    parser rejected them (23 violations became 84, budget rules vanished)."""
    path = WORKBOOKS / "平面設計費用.xlsx"
    money = {
        "平面設計費用": {"打樣製作預算": "¥#,##0", "實際費用": "¥#,##0.00"},
        "年度預算": {"預算": "¥#,##0"},
    }
    book = Book.from_file(path, currency_columns=money)
    live = live_book(book)
    values = live.read_all()
    from decimal import Decimal

    assert any(isinstance(v, Decimal) for s in values for r in s.rows for v in r)
    live_checked = check_book(values, path.name, load_config(), as_of_moment(AS_OF))
    file_checked = check_file(path, load_config(), as_of_moment(AS_OF))
    key = ["sheet", "cell", "rule"]
    assert len(file_checked.report.frame) == 23
    assert sorted(map(tuple, live_checked.report.frame[key].astype(str).values)) == sorted(
        map(tuple, file_checked.report.frame[key].astype(str).values)
    )


def press(book, monkeypatch, button):
    import xlwings as xw

    from opsbook.excel import buttons

    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    monkeypatch.setattr(buttons, "XlwingsBook", lambda b: live_book(b))
    getattr(buttons, button)()


def test_buttons_read_the_settings_beside_the_workbook(tmp_path, monkeypatch):
    """Issue 13: the buttons ignored opsbook.toml beside the workbook."""
    path = tmp_path / "發布日誌.xlsx"
    shutil.copy(WORKBOOKS / "發布日誌.xlsx", path)
    (tmp_path / "opsbook.toml").write_text(
        "[posts]\nwebsite_posts_per_week = 1\ninquiry_reply_hours = 1000\n", encoding="utf-8"
    )
    now = as_of_moment(None)
    near = check_file(path, load_config(near=path), now)
    default = check_file(path, load_config(), now)
    assert len(near.report.frame) != len(default.report.frame)  # the settings matter here
    book = Book.from_file(path)
    press(book, monkeypatch, "validate")
    listed = book.sheet(VIOLATIONS_SHEET)
    assert max(r for r, _ in listed.cells) - 1 == len(near.report.frame)
    # One message box, the count; the workbook is left for its user to save (a button never
    # saves it, so Excel's "replace the file?" prompt never comes up mid-run).
    assert len(book.excel.alerts) == 1 and "錯誤" in book.excel.alerts[0] and book.saved == 0


def test_a_fresh_inspections_template_validates(tmp_path, monkeypatch):
    """Issue 13: empty purchase and visit tables crashed blacklist() ('id' is both an index
    level and a column label), in the button and in `opsbook validate`."""
    from click.testing import CliRunner

    from opsbook.cli import cli
    from opsbook.excel.template import build_template

    path = build_template("inspections", tmp_path / "inspections.xlsm")
    result = CliRunner().invoke(cli, ["validate", str(path), "--as-of", AS_OF])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "index level" not in result.output
    book = Book.from_file(path)
    press(book, monkeypatch, "validate")
    assert not any("未能完成" in a for a in book.excel.alerts), book.excel.alerts


def xlsx_from_standin(book, path):
    """Save the stand-in as Excel would (openpyxl writes it): values, notes, the rules
    (their formulas as Excel stores them) and very hidden sheets."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    for s in book._sheets:
        ws = wb.create_sheet(s._name)
        for (r, c), v in s.cells.items():
            ws.cell(r, c, str(v) if isinstance(v, Formula) else v)
        for (r, c), text in s.notes_.items():
            ws.cell(r, c).comment = Comment(text, "Excel")
        for rule in s.rules:
            from excel_standin import letters

            where = f"{letters(rule.c1)}{rule.r1}:{letters(rule.c2)}{rule.r2}"
            colour = "{:02X}{:02X}{:02X}".format(*rule.fill)
            ws.conditional_formatting.add(
                where,
                FormulaRule(formula=[rule.formula1[1:]], fill=PatternFill("solid", bgColor=colour)),
            )
        if s.visibility == VERY_HIDDEN:
            ws.sheet_state = "veryHidden"
    wb.save(path)


def test_file_clear_undoes_a_button_run(tmp_path):
    """Issue 13: `opsbook clear` on a live-annotated workbook left the helper sheets and
    their rules."""
    from openpyxl import load_workbook

    from opsbook.ooxml.state import read_state
    from opsbook.writers.annotate import clear_file

    book = Book.from_file(WORKBOOKS / "發布日誌.xlsx")
    book.sheet("發布日誌").notes_[(1, 1)] = "使用者自己的備註"
    original = tmp_path / "before.xlsx"
    xlsx_from_standin(book, original)
    run_validate(book)
    path = tmp_path / "after.xlsx"
    xlsx_from_standin(book, path)
    state = read_state(path)
    assert state.writer == "live" and state.rules and state.notes
    assert clear_file(path, backup=False)
    after, before = load_workbook(path), load_workbook(original)
    assert after.sheetnames == before.sheetnames
    for ws in after.worksheets:
        assert not list(ws.conditional_formatting), ws.title
        notes = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
        assert notes == {
            c.coordinate: c.comment.text
            for row in before[ws.title].iter_rows()
            for c in row
            if c.comment
        }


def solid_fills(path):
    """{sheet: {(row, col): rgb}} of the plain solid fills in a workbook file."""
    from openpyxl import load_workbook

    out = {}
    for ws in load_workbook(path).worksheets:
        out[ws.title] = {
            (c.row, c.column): tuple(int(c.fill.fgColor.rgb[i : i + 2], 16) for i in (2, 4, 6))
            for row in ws.iter_rows()
            for c in row
            if c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str)
        }
    return out


def test_button_clear_undoes_a_file_run(tmp_path):
    """Issue 13: 清除標記 on a workbook written by `opsbook validate --write` deleted the file
    side's undo records, so its fills could never be cleared."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    from opsbook.writers.annotate import write_annotated

    path = tmp_path / "入戶安檢記錄.xlsx"
    shutil.copy(WORKBOOKS / "入戶安檢記錄.xlsx", path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    ws["G4"].fill = PatternFill("solid", fgColor="FF00B0F0")  # the team's own fill on a marked cell
    wb.save(path)
    user_names, user_fills = Book.from_file(path).names(), solid_fills(path)
    checked = check_file(path, load_config(), as_of_moment(AS_OF))
    assert "G4" in set(cell_marks(checked.report.frame)["ref"])
    write_annotated(path, path, checked, load_config(), backup=False)
    book = Book.from_file(path)  # Excel opens the written file: fills are the cells' own
    written = solid_fills(path)
    for s in book._sheets:
        s.fills.update(written.get(s._name, {}))
    assert written[ws.title] != user_fills[ws.title]
    run_clear(book)
    assert book.names() == user_names
    for s in book._sheets:
        assert {k: v for k, v in s.fills.items() if v is not None} == user_fills[s._name], s._name
    assert not any(s.notes_ for s in book._sheets)


def test_state_written_by_either_writer_reads_the_same(tmp_path):
    from opsbook.ooxml.state import RunState

    state = RunState(
        sheets=["違規清單", "_opsbook_0"],
        marks=[("表", "A2", None, 7, 0)],
        fills={("表", "A2"): "#00B0F0"},
        notes=[("表", "A2", "new")],
        rules=[("表", "$A$2:$C$9", "_opsbook_0")],
        writer="live",
    )
    book = Book("x.xlsx")
    book._new_sheet("表")
    live = live_book(book)
    live.run = state
    live.save()
    back = live_book(book).state()
    assert back == state


def test_dates_and_text_in_summaries_are_not_reparsed():
    """Summary sheets: ids such as 00123 stay text (as written by the file writer)."""
    from decimal import Decimal

    from opsbook.excel.live import as_text

    assert as_text("00123") == "'00123" and as_text("") is None and as_text(3.0) == 3.0
    assert type(as_text(Decimal("3000.5"))) is float
    when = dt.datetime(2026, 3, 2)
    assert as_text(when) is when


def test_file_clear_finds_rules_in_excels_2010_extension():
    """Excel keeps a rule that reads another sheet in the x14 extension of the sheet part
    ([MS-XLSX] 2.6.2), not in <conditionalFormatting>: opsbook clear removes it there too,
    and leaves the user's rules and other extensions."""
    from opsbook.writers.clear import remove_rules

    x14 = b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"'
    xml = (
        b'<worksheet><sheetData/><conditionalFormatting sqref="A1"><cfRule type="expression" dxfId="0" '
        b'priority="3"><formula>$A$1=1</formula></cfRule></conditionalFormatting><extLst>'
        b'<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
        + x14
        + b"><x14:conditionalFormattings>"
        b'<x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        b'<x14:cfRule type="expression" priority="1" id="{0}"><xm:f>LOOKUP((ROW()*16384+COLUMN()),'
        b"'_opsbook_0'!$A$1:$A$5,'_opsbook_0'!$B$1:$B$5)=(ROW()*16384+COLUMN())*4+2</xm:f><x14:dxf/>"
        b"</x14:cfRule><xm:sqref>A2:C9</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings>"
        b'</ext><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        + x14
        + b'><x14:dataValidations count="0"/>'
        b"</ext></extLst></worksheet>"
    )
    out = remove_rules(xml, {"_opsbook_0"})
    assert b"_opsbook_0" not in out and b"$A$1=1" in out and b"x14:dataValidations" in out
    assert b"conditionalFormattings" not in out
    assert remove_rules(xml, {"_opsbook_1"}) == xml  # another run's helper: nothing of ours here


def test_calls_grow_with_sheets_not_with_violations():
    """Three marked sheets cost three times one sheet's calls (plus a constant), whether
    they carry 30 or 6,000 violations."""

    def calls(n_sheets, per_sheet):
        book = Book("live.xlsx")
        names = [f"表{i}" for i in range(n_sheets)]
        for name in names:
            book._new_sheet(name)
        frame = pd.concat([violations(per_sheet, sheet=name) for name in names], ignore_index=True)
        live = live_book(book, notes_cap=5)
        with live.quiet():
            live.clear()
            live.mark(frame)
            live.write_violations(frame)
            live.save()
        return book.excel.calls

    one, two, three = calls(1, 30), calls(2, 30), calls(3, 30)
    assert calls(3, 2000) == three  # violations do not add calls
    assert three - two == two - one < 40  # each sheet adds the same few calls


def test_clear_removes_what_the_writer_before_issue_13_left():
    """A workbook marked by the earlier live writer (two-column state, hidden helper sheet,
    relative-reference rules, notes found by their marker) is cleared by 清除標記; the team's
    own rule and note stay."""
    book = Book.from_file(WORKBOOKS / "入戶安檢記錄.xlsx")
    data = book._sheets[0]
    data.notes_[(1, 1)] = "使用者的備註"
    data.rules.insert(0, Rule(data, data.range("A2:C9"), '=$A2="x"', (1, 2, 3), None))
    before = snapshot(book)
    helper = book._new_sheet("_opsbook_0")
    helper.visibility = 0
    helper.cells[(2, 1)] = 2
    data.rules.insert(
        0, Rule(data, data.range("A2:C9"), "='_opsbook_0'!A2=2", (255, 199, 206), None)
    )
    data.notes_[(2, 1)] = NOTE_MARK + "\nR2-2.7 …"
    listed = book._new_sheet(VIOLATIONS_SHEET)
    listed.cells[(1, 1)] = "工作表"
    state = book._new_sheet("_opsbook")
    state.visibility = 0
    state.cells.update({(1, 1): "kind", (1, 2): "where", (2, 1): "sheet", (2, 2): VIOLATIONS_SHEET})
    run_clear(book)
    assert snapshot(book) == before and [r.formula1 for r in data.rules] == ['=$A2="x"']


def test_validate_says_what_was_fixed_and_what_is_new_since_the_last_press(tmp_path, monkeypatch):
    """Issue 18: the 驗證 button's closing message compares with the last check of that
    workbook (the history file beside it)."""
    path = tmp_path / "發布日誌.xlsx"
    shutil.copy(WORKBOOKS / "發布日誌.xlsx", path)
    book = Book.from_file(path)
    press(book, monkeypatch, "validate")
    assert "第一次記錄" in book.excel.alerts[-1]
    press(book, monkeypatch, "validate")
    assert "已修正 0 條，新增 0 條" in book.excel.alerts[-1], book.excel.alerts[-1]
    assert (tmp_path / ".opsbook-history.sqlite").exists()
