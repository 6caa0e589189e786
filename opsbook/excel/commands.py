"""The `opsbook excel …` commands and `opsbook doctor`.  cli.py registers them with
cli.add_command; importing this module imports neither xlwings nor xlsxwriter (each command
imports what it needs when it runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ExitCode, OpsbookError
from ..options import KindChoice

KINDS = KindChoice()


def _fail(message: str, code: int = ExitCode.FAILED):
    click.echo(f"opsbook: {message}", err=True)
    sys.exit(code)


def _echo_all(lines) -> None:
    for line in lines:
        click.echo(line)


@click.group()
def excel():
    """The Excel side: the opsbook add-in, workbook templates with buttons, wiring one workbook."""


@excel.group()
def addin():
    """opsbook.xlam: the opsbook ribbon tab on every workbook (Windows Excel)."""


@addin.command("build")
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    default=Path("opsbook.xlam"),
    show_default=True,
    help="Where to write the add-in (.xlam).",
)
def addin_build(output):
    """Build opsbook.xlam from the shipped VBA sources and the installed xlwings; needs no Excel.

    Example: opsbook excel addin build --output opsbook.xlam
    """
    from .addin.build import build_addin, has_formulas

    try:
        path = build_addin(output)
    except OpsbookError as exc:
        _fail(str(exc))
    click.echo(f"wrote {path}")
    if not has_formulas(path):
        click.echo(
            "  (without the worksheet functions: xlwings generates their VBA on Windows only; "
            "`opsbook excel addin install` there builds them in)"
        )


@addin.command("install")
def addin_install():
    """Install opsbook.xlam for this Windows user and point Excel at this Python.

    Example: opsbook excel addin install
    """
    from .install import install_addin

    try:
        _echo_all(install_addin())
    except OpsbookError as exc:
        _fail(str(exc))


@addin.command("uninstall")
def addin_uninstall():
    """Remove opsbook.xlam from Excel's startup folder.

    Example: opsbook excel addin uninstall
    """
    from .install import uninstall_addin

    try:
        _echo_all(uninstall_addin())
    except OpsbookError as exc:
        _fail(str(exc))


@excel.command("template")
@click.argument("kind", type=KINDS)
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Where to write it (default: KIND.xlsm; it must be .xlsm, buttons need macros).",
)
def excel_template(kind, output):
    """Build a ready workbook for KIND: headers, dropdowns, an instruction sheet, buttons.

    Example: opsbook excel template inspections --output 入戶安檢.xlsm
    """
    from .template import build_template

    try:
        click.echo(f"wrote {build_template(kind, output or Path(f'{kind}.xlsm'))}")
    except OpsbookError as exc:
        _fail(str(exc))


@excel.command("install")
@click.argument("book", type=click.Path(path_type=Path, exists=True))
def excel_install(book):
    """Import opsbook's button macros (and xlwings' module) into BOOK.xlsm; needs Excel on Windows.

    Example: opsbook excel install 發布日誌.xlsm
    """
    from .install import install

    try:
        click.echo(install(book))
    except OpsbookError as exc:
        _fail(str(exc))


@excel.command("selftest")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    default=Path("opsbook-selftest.txt"),
    show_default=True,
    help="The report file to send back.",
)
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    default=Path("opsbook-selftest"),
    show_default=True,
    help="Where the add-in, templates and sample copies are made.",
)
def excel_selftest(report_path, folder):
    """Try everything in Excel a careful first user would, unattended; write one report.

    The first thing to run on a new PC (Windows, Excel installed): builds the add-in and
    templates, has Excel compile them, presses each button on copies of the three samples
    and compares the marks with `opsbook validate --output`, checks 清除標記, inserting a row
    and renaming a sheet, times each formula.  Every step is pass, fail or error.

    Example: opsbook excel selftest --report selftest.txt
    """
    if sys.platform != "win32":
        _fail("opsbook excel selftest drives Microsoft Excel on Windows; not available here")
    from .selftest import ExcelDriver, run_selftest

    driver = ExcelDriver()
    try:
        report = run_selftest(driver, folder, report_path)
    finally:
        driver.close_all()
    for name, status, _seconds, detail in report.steps:
        click.echo(f"{status:5}  {name}  {detail}")
    click.echo(f"report: {report_path}")
    sys.exit(0 if report.ok else 1)


@click.command()
def doctor():
    """Report the Python, xlwings and opsbook versions, the interpreter Excel will use, whether
    the add-in is installed, and what is missing for the buttons and formulas.

    Example: opsbook doctor
    """
    from .doctor import report_lines

    lines, ok = report_lines()
    _echo_all(lines)
    sys.exit(ExitCode.OK if ok else ExitCode.NOT_READY)
