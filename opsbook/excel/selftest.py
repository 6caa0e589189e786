"""`opsbook excel selftest`: what a careful first user would try in Excel, unattended, with one
report file to send back.

Each step records pass, fail or error and never stops the others.  The steps drive Excel
only through a *driver* (``ExcelDriver`` here, for the real Excel through xlwings; the
tests give the Excel stand-in, tests/excel_standin.py ``StandInDriver``): everything else —
building the add-in and templates, the buttons' own code (opsbook.excel.buttons), the
comparison with ``opsbook validate --output`` — is the same code in CI and on a user's PC.

The report is plain text, one line per fact, tab-separated, in a fixed order, so two reports
(two PCs, two versions) compare with any diff tool::

    opsbook excel selftest report	1
    info	<key>	<value>
    step	<id>	<pass|fail|error>	<seconds>	<detail>
"""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..layout import FILL_RGB
from ..workbook.cells import column_letter

FORMAT = 1
PASS, FAIL, ERROR = "pass", "fail", "error"
BUTTONS = ("validate", "summarize", "clear")
COLOURS = {rgb: severity for severity, rgb in FILL_RGB.items()}
# The formulas tried, on the sample's own cells: (name, Excel text); a driver that cannot
# type a formula into Excel (the stand-in) calls the same Python function instead.
# The expected answer is the core's own, computed here without Excel.
FORMULAS = (
    (
        "OPS_IS_WORKDAY",
        "=OPS_IS_WORKDAY(DATE(2026,10,8))",
        ("is_workday", dt.datetime(2026, 10, 8)),
    ),
    (
        "OPS_WORKDAYS_AFTER",
        "=OPS_WORKDAYS_AFTER(DATE(2026,9,30),3)",
        ("workdays_after", dt.datetime(2026, 9, 30), 3),
    ),
)


@dataclass
class Report:
    info: list[tuple[str, str]] = field(default_factory=list)
    steps: list[tuple[str, str, float, str]] = field(default_factory=list)
    path: Path | None = None  # written after every step: a hang or crash leaves what ran

    def step(self, name: str, action) -> bool:
        """Run one step: ``action()`` returns (ok, detail); an exception is an error."""
        start = time.perf_counter()
        try:
            ok, detail = action()
            status = PASS if ok else FAIL
        except Exception as exc:  # noqa: BLE001 - a step never stops the others
            status = ERROR
            detail = f"{type(exc).__name__}: {exc}".replace("\n", " ")
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            if last:
                detail += f" ({Path(last[0].filename).name}:{last[0].lineno})"
        self.steps.append((name, status, time.perf_counter() - start, str(detail)))
        self.save()
        return status == PASS

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(self.text(), encoding="utf-8")

    def text(self) -> str:
        lines = [f"opsbook excel selftest report\t{FORMAT}"]
        lines += [f"info\t{k}\t{_one_line(v)}" for k, v in self.info]
        lines += [
            f"step\t{name}\t{status}\t{seconds:.3f}\t{_one_line(detail)}"
            for name, status, seconds, detail in self.steps
        ]
        return "\n".join(lines) + "\n"

    @property
    def ok(self) -> bool:
        return all(status == PASS for _, status, _, _ in self.steps)


def _one_line(value) -> str:
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ⏎ ")


def run_selftest(driver, folder: Path, report_path: Path) -> Report:
    """Every step, in a fixed order, into ``report_path``; ``folder`` holds the copies."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = Report(path=Path(report_path))
    report.info += [
        ("opsbook", __version__),
        ("python", f"{platform.python_version()} ({sys.executable})"),
        ("os", platform.platform()),
        ("date", dt.date.today().isoformat()),
    ]
    try:
        report.info += list(driver.info().items())
    except Exception as exc:  # noqa: BLE001 - a self-test step records any failure and goes on
        report.info.append(("excel", f"error: {type(exc).__name__}: {exc}"))
    built = _build_step(report, folder)
    for path in built:
        report.step(f"compile.{path.name}", lambda path=path: _compile(driver, path))
    samples = _samples(report, folder)
    for name, source in samples.items():
        _sample_steps(report, driver, folder, name, source)
    for name, text, expected in FORMULAS:
        report.step(f"formula.{name}", lambda n=name, t=text, e=expected: _formula(driver, n, t, e))
    report.step("formula.OPS_CHECK_ROW", lambda: _check_row(driver, samples))
    report.step("runpython.OpsClear", lambda: _runpython(driver, folder, samples))
    report.step("ribbon.screenshot", lambda: driver.screenshot(folder / "ribbon.png"))
    report.save()
    return report


def _runpython(driver, folder: Path, samples: dict[str, Path]):
    """The one step through Excel's own macro: 驗證 on a copy, then the add-in's OpsClear,
    which starts Python through xlwings' RunPython (the interpreter of xlwings.conf) as a
    click does; the copy must be as it was.  Last but one: if Python cannot start, xlwings
    shows its error box, and the report already holds every other step."""
    name, source = next(iter(samples.items()))
    copy = folder / "copies" / f"runpython-{name}"
    shutil.copy(source, copy)
    book = driver.open(copy)
    try:
        before = driver.snapshot(book)
        alerts = driver.press(book, "validate")
        driver.run_macro(book, folder / "opsbook.xlam", "OpsClear")
        return _same(driver.snapshot(book), before, alerts)
    finally:
        with contextlib.suppress(Exception):
            driver.close(book)


# building --------------------------------------------------------------------------------
def _build_step(report: Report, folder: Path) -> list[Path]:
    from .. import kinds
    from .addin.build import build_addin
    from .template import build_template

    built: list[Path] = []

    def addin():
        built.append(build_addin(folder / "opsbook.xlam"))
        return True, str(built[-1])

    report.step("build.addin", addin)
    for kind in kinds.names():

        def template(kind=kind):
            built.append(build_template(kind, folder / f"{kind}.xlsm"))
            return True, str(built[-1])

        report.step(f"build.template.{kind}", template)
    return built


def _compile(driver, path: Path):
    """OpsAddinCheck compiles opsbook's module and reads xlwings' version constant without
    starting Python (macros/opsbook.bas)."""
    from .addin.sources import XLWINGS_VERSION

    answer = driver.compile_check(path)
    return answer == f"opsbook {XLWINGS_VERSION}", f"OpsAddinCheck → {answer!r}"


def _samples(report: Report, folder: Path) -> dict[str, Path]:
    from ..samples.bundled import BUILDERS

    out = {}
    for name, build in BUILDERS.items():

        def make(name=name, build=build):
            path = folder / "samples" / name
            path.parent.mkdir(exist_ok=True)
            build(path)
            out[name] = path
            return True, str(path)

        report.step(f"sample.{Path(name).stem}", make)
    return out


# the buttons on a sample -------------------------------------------------------------------
def _sample_steps(report: Report, driver, folder: Path, name: str, source: Path) -> None:
    stem = Path(name).stem
    copy = folder / "copies" / name
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(source, copy)
    state: dict = {}

    def expected():
        state["expected"] = file_marks(copy, folder / "validated" / name)
        return bool(state["expected"]), f"{len(state['expected'])} marked cells"

    report.step(f"{stem}.validate_output", expected)
    book = None
    try:
        book = driver.open(copy)
        state["before"] = driver.snapshot(book)

        def validate():
            alerts = driver.press(book, "validate")
            return _same_marks(driver.shown_marks(book), state.get("expected"), alerts)

        report.step(f"{stem}.validate", validate)

        def summarize():
            alerts = driver.press(book, "summarize")
            failed = [a for a in alerts if "未能完成" in a]
            return not failed, "; ".join(alerts) or "no message"

        report.step(f"{stem}.summarize", summarize)

        def clear():
            alerts = driver.press(book, "clear")
            after = driver.snapshot(book)
            return _same(after, state["before"], alerts)

        report.step(f"{stem}.clear", clear)
        report.step(f"{stem}.insert_row", lambda: _insert_row(driver, book, state))
        report.step(f"{stem}.rename_sheet", lambda: _rename_sheet(driver, book, state))
    except Exception as exc:  # noqa: BLE001 - a self-test step records any failure and goes on
        report.steps.append((f"{stem}.open", ERROR, 0.0, f"{type(exc).__name__}: {exc}"))
    finally:
        if book is not None:
            with contextlib.suppress(Exception):
                driver.close(book)


def _insert_row(driver, book, state):
    """驗證, then a row inserted above the first marked row: every mark moves down with
    its cell."""
    driver.press(book, "validate")
    marks = driver.shown_marks(book)
    sheet, row, _ = min(marks, key=lambda k: (k[0] != _first_sheet(marks), k[1], k[2]))
    driver.insert_row(book, sheet, row)
    moved = {(s, r + 1 if s == sheet and r >= row else r, c): v for (s, r, c), v in marks.items()}
    ok, detail = _same_marks(driver.shown_marks(book), moved, [])
    driver.delete_row(book, sheet, row)
    driver.press(book, "clear")
    return ok, detail


def _rename_sheet(driver, book, state):
    """驗證, rename a marked sheet, 驗證 again, 清除標記: nothing doubled or left behind."""
    driver.press(book, "validate")
    sheet = _first_sheet(driver.shown_marks(book))
    driver.rename(book, sheet, sheet + "(改名)")
    alerts = driver.press(book, "validate") + driver.press(book, "clear")
    driver.rename(book, sheet + "(改名)", sheet)
    return _same(driver.snapshot(book), state["before"], alerts)


def _first_sheet(marks) -> str:
    return min(marks)[0]


def _same_marks(shown: dict, expected: dict | None, alerts: list[str]):
    if expected is None:
        return False, "no `opsbook validate --output` to compare with"
    failed = [a for a in alerts if "未能完成" in a]
    if failed:
        return False, failed[0]
    if shown == expected:
        return True, f"{len(shown)} marked cells, cell by cell as `opsbook validate --output`"
    missing = sorted(set(expected) - set(shown))[:5]
    extra = sorted(set(shown) - set(expected))[:5]
    wrong = sorted(k for k in set(shown) & set(expected) if shown[k] != expected[k])[:5]
    return False, f"missing {missing} extra {extra} other colour {wrong}"


def _same(after, before, alerts):
    failed = [a for a in alerts if "未能完成" in a]
    if failed:
        return False, failed[0]
    if after == before:
        return True, "the copy is as it was"
    differs = sorted(k for k in set(after) | set(before) if after.get(k) != before.get(k))
    return False, f"differs on {differs[:5]}"


def file_marks(path: Path, output: Path) -> dict:
    """(sheet, row, column) → severity of each cell `opsbook validate --output` fills."""
    from openpyxl import load_workbook

    output.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", str(path), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode not in (0, 1):  # 1: violations found
        raise RuntimeError(f"opsbook validate: {done.stderr.strip()[-300:]}")
    hexes = {"FF{:02X}{:02X}{:02X}".format(*rgb): sev for sev, rgb in FILL_RGB.items()}
    out = {}
    for ws in load_workbook(output).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                rgb = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None
                if isinstance(rgb, str) and rgb.upper() in hexes:
                    out[(ws.title, cell.row, cell.column)] = hexes[rgb.upper()]
    return out


# formulas --------------------------------------------------------------------------------
def _formula(driver, name: str, text: str, core):
    from . import serial

    expected = getattr(serial, core[0])(*core[1:])
    if hasattr(expected, "to_pydatetime"):
        expected = expected.to_pydatetime()
    value, seconds = driver.formula(name, text)
    if isinstance(expected, dt.datetime) and isinstance(value, (int, float)):
        value = dt.datetime(1899, 12, 30) + dt.timedelta(days=value)  # a serial, unformatted
    return value == expected, f"{text} → {value!r}, {seconds * 1000:.2f} ms per call"


def _check_row(driver, samples: dict[str, Path]):
    """OPS_CHECK_ROW over the inspections sample's rows, against the same rows' row rules
    from the engine (opsbook.excel.rowcache.check_rows, no Excel)."""
    path = next((p for n, p in samples.items() if "安檢" in n), None)
    if path is None:
        return False, "no inspections sample"
    answers, seconds, expected = driver.check_rows(path)
    ok = answers == expected
    first = next((i for i, (a, e) in enumerate(zip(answers, expected)) if a != e), None)
    detail = f"{len(answers)} rows, {seconds * 1000:.2f} ms per call"
    return ok, detail if ok else f"{detail}; row {first}: {answers[first]!r} ≠ {expected[first]!r}"


# the real Excel ----------------------------------------------------------------------------
class ExcelDriver:  # pragma: no cover - needs Microsoft Excel on Windows (`pytest -m excel`)
    """Microsoft Excel through xlwings: a visible instance of its own, the add-in opened in
    it; message boxes of the buttons recorded instead of shown (App.alert replaced for the
    run) so nothing waits for a click."""

    XL_LIST_SEPARATOR, XL_COUNTRY_SETTING = 5, 2  # XlApplicationInternational

    def __init__(self) -> None:
        import xlwings as xw

        self.xw = xw
        self.app = xw.App(visible=True, add_book=False)
        self.alerts: list[str] = []
        self._alert = xw.App.alert
        # Excel's alerts are collected, not shown: the self-test runs unattended.
        xw.App.alert = lambda app, prompt, *a, **k: self.alerts.append(str(prompt))  # type: ignore[method-assign]

    def close_all(self) -> None:
        self.xw.App.alert = self._alert  # type: ignore[method-assign]  # put Excel's back
        with contextlib.suppress(Exception):
            self.app.quit()

    def info(self) -> dict:
        api = self.app.api
        return {
            "excel": f"{self.app.version} build {api.Build}",
            "excel_language": str(api.LanguageSettings.LanguageID(2)),  # msoLanguageIDUI
            "country": str(api.International(self.XL_COUNTRY_SETTING)),
            "list_separator": str(api.International(self.XL_LIST_SEPARATOR)),
            "reference_style": "R1C1" if api.ReferenceStyle == -4150 else "A1",
            "automation_security": str(api.AutomationSecurity),
            **trust_settings(str(self.app.version)),
        }

    def open(self, path: Path):
        return self.app.books.open(str(path))

    def close(self, book) -> None:
        book.close()

    def run_macro(self, book, addin_path: Path, macro: str) -> None:
        addin = self.app.books.open(str(addin_path))
        book.activate()
        self.app.api.Run(f"'{addin.name}'!opsbook.{macro}")

    def compile_check(self, path: Path) -> str:
        book = self.app.books.open(str(path))
        try:
            return str(self.app.api.Run(f"'{book.name}'!opsbook.OpsAddinCheck"))
        finally:
            book.close()

    def press(self, book, button: str) -> list[str]:
        from . import buttons

        self.alerts.clear()
        book.activate()
        book.set_mock_caller()
        getattr(buttons, button)()
        return list(self.alerts)

    def snapshot(self, book) -> dict:
        out = {}
        for sheet in book.sheets:
            out[(sheet.name, "values")] = sheet.used_range.options(ndim=2).value
            out[(sheet.name, "visible")] = sheet.visible
            out[(sheet.name, "notes")] = sorted(
                (c.Parent.Address, c.Text()) for c in sheet.api.Comments
            )
        return out

    def shown_marks(self, book) -> dict:
        out = {}
        for sheet in book.sheets:
            if sheet.name.startswith("_opsbook") or not sheet.visible:
                continue
            for cell in sheet.used_range.api.Cells:
                colour = cell.DisplayFormat.Interior.Color
                rgb = (int(colour) & 255, int(colour) >> 8 & 255, int(colour) >> 16 & 255)
                if rgb in COLOURS:
                    out[(sheet.name, cell.Row, cell.Column)] = COLOURS[rgb]
        return out

    def insert_row(self, book, sheet: str, row: int) -> None:
        book.sheets[sheet].api.Rows(row).Insert()

    def delete_row(self, book, sheet: str, row: int) -> None:
        book.sheets[sheet].api.Rows(row).Delete()

    def rename(self, book, sheet: str, name: str) -> None:
        book.sheets[sheet].name = name

    def formula(self, name: str, text: str):
        book = self.app.books.add()
        try:
            cell = book.sheets[0].range("A1")
            start = time.perf_counter()
            cell.formula = text
            self.app.calculate()
            return cell.value, time.perf_counter() - start
        finally:
            book.close()

    def check_rows(self, path: Path):
        book = self.app.books.open(str(path))
        try:
            sheet = book.sheets[0]
            values = sheet.range("A1").expand().options(ndim=2).value
            top, rows, last = header_row(values), len(values), column_letter(len(values[0]) - 1)
            first = top + 2  # the first data row, 1-based
            target = sheet.range((first, len(values[0]) + 2), (rows, len(values[0]) + 2))
            start = time.perf_counter()
            # relative row references: Excel fills them down the column
            target.formula = f"=OPS_CHECK_ROW(A{first}:{last}{first},A${top + 1}:{last}${top + 1})"
            self.app.calculate()
            seconds = (time.perf_counter() - start) / max(rows - first + 1, 1)
            answers = target.options(ndim=1).value
            return answers, seconds, expected_answers(values[top], values[top + 1 :])
        finally:
            book.close()

    def screenshot(self, path: Path):
        from PIL import ImageGrab  # type: ignore[import-not-found]  # Pillow: optional, Windows only

        # The screen with Excel in front and the add-in open: the opsbook tab is there to see
        # (a tab cannot be selected from outside without the ribbon's own IRibbonUI).
        self.app.books.open(str(path.parent / "opsbook.xlam"))
        self.app.activate(steal_focus=True)
        time.sleep(1)
        ImageGrab.grab().save(path)
        return True, str(path)


def header_row(values: list[list]) -> int:
    """The index of a sheet's header row among its first rows: the first of the fullest
    (a title row and a blank row often come first)."""
    counts = [sum(v not in (None, "") for v in row) for row in values[:10]]
    return counts.index(max(counts))


def expected_answers(headers: list, rows: list[list]) -> list[str]:
    """What OPS_CHECK_ROW should answer for each row: the engine's row rules, directly."""
    from .rowcache import check_rows
    from .serial import as_of_day
    from .settings import settings_near

    found = check_rows(headers, rows, as_of_day(None), settings_near(None))
    return [
        "#OPS: 空行"  # what the formula answers for a blank row
        if all(v in (None, "") for v in row)
        else "; ".join(f"{c}: {t}" for c, t in f) or "✓"
        for row, f in zip(rows, found)
    ]


def trust_settings(version: str) -> dict:  # pragma: no cover - Windows registry
    """The macro trust settings Excel keeps per user (HKCU\\Software\\Microsoft\\Office\\
    <version>\\Excel\\Security): VBAWarnings (1 all macros, 2 notify, 3 signed only, 4 none)
    and AccessVBOM (trust access to the VBA project object model)."""
    if sys.platform != "win32":
        return {"trust": "not Windows"}
    import winreg

    out = {}
    key = rf"Software\Microsoft\Office\{version}\Excel\Security"
    for value in ("VBAWarnings", "AccessVBOM", "BlockContentExecutionFromInternet"):
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                out[f"trust_{value}"] = str(winreg.QueryValueEx(handle, value)[0])
        except OSError:
            out[f"trust_{value}"] = "unset (Excel's default)"
    return out
