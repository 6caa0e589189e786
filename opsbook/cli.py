"""The command line: one function per command, each ending in an example.

The library raises OpsbookError; here it becomes one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Arrow (under pandas' text columns) allocates through the C library rather than its bundled
# mimalloc, which keeps freed memory: with it, freed memory goes back to the system between
# the check and the write (a 100k-row log with 137k violations peaks at 0.42 GB, not 0.53).
# Set before pandas first allocates; inherited by the worker processes; a user's choice wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import click  # noqa: E402

from . import __version__  # noqa: E402
from .config import dump_config, load_config  # noqa: E402
from .embed.command import embed as embed_command  # noqa: E402
from .errors import ExitCode, OpsbookError  # noqa: E402
from .excel.commands import doctor as doctor_command  # noqa: E402
from .excel.commands import excel as excel_group  # noqa: E402
from .options import KindChoice  # noqa: E402
from .rulebook.commands import rules_group  # noqa: E402
from .schema_command import schema as schema_command  # noqa: E402
from .watch.commands import schedule as schedule_command  # noqa: E402
from .watch.commands import watch as watch_command  # noqa: E402

KIND_CHOICE = KindChoice()


def _date(ctx, param, value):
    if value is None:
        return None
    import pandas as pd  # not at the top: `opsbook --help` and `rules` do without pandas

    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise click.BadParameter(f"not a date: {value!r} (use YYYY-MM-DD)") from None


@click.group()
@click.version_option(__version__, prog_name="opsbook")
@click.option("--debug", is_flag=True, help="Print the traceback of an unexpected failure.")
def cli(debug) -> None:
    """Check operations workbooks against the company's regulations."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--as-of",
    "as_of",
    help="The 'now' of time-dependent rules (YYYY-MM-DD or "
    "YYYY-MM-DDTHH:MM; a bare date means the end of that day). Default: now.",
)
@click.option(
    "--from", "period_from", callback=_date, help="First day of the period cadence rules check."
)
@click.option(
    "--to", "period_to", callback=_date, help="Last day of the period cadence rules check."
)
@click.option(
    "--kind", type=KIND_CHOICE, help="Treat the workbooks as this kind instead of recognising it."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="Settings file (default: opsbook.toml beside the workbook).",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path, exists=True),
    help="Judge by this rulebook (.xlsx/.toml, `opsbook rules export`) instead of the built-in rules.",
)
@click.option(
    "--report", "report_path", type=click.Path(path_type=Path), help="Write the JSON report here."
)
@click.option(
    "--report-format",
    "report_format",
    type=click.Choice(["json", "jsonl", "parquet"]),
    default="json",
    show_default=True,
    help="The report file: the JSON report, one violation per line (JSON Lines), "
    "or a Parquet table of the violations.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Write an annotated copy here (a folder when several workbooks are checked).",
)
@click.option(
    "--write",
    "write",
    is_flag=True,
    help="Annotate each workbook itself (replacing an earlier run's marks and sheets).",
)
@click.option(
    "--no-backup", is_flag=True, help="With --write: do not keep NAME.opsbook-backup.xlsx."
)
@click.option("--lang", type=click.Choice(["zh-Hant", "zh-Hans", "en"]), help="Message language.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Workbooks checked in parallel processes (default: the number of cores).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Print the traceback of a file that failed unexpectedly (the batch goes on either way).",
)
@click.option(
    "--overview",
    "overview_path",
    type=click.Path(path_type=Path),
    help="Write the overview of the run: 總覽.xlsx and 總覽.html in this folder (or NAME.xlsx/.html).",
)
@click.option(
    "--history",
    "history",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH|URL]",
    help="Record the run in this history database (SQLite file or postgresql:// URL); "
    "alone: .opsbook-history.sqlite in the folder checked.",
)
@click.option(
    "--cluster",
    "cluster",
    metavar="tcp://HOST:PORT|local:N",
    help="Check the workbooks on a Dask cluster (each task one workbook).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Say how each sheet was read: header rows, each key's column, the date system, "
    "where years came from, rows skipped and why.",
)
@click.option(
    "--recursive/--no-recursive",
    default=True,
    show_default=True,
    help="Search the folders given for workbooks in their subfolders too.",
)
def validate(
    paths,
    as_of,
    period_from,
    period_to,
    kind,
    config_path,
    rules_path,
    report_path,
    report_format,
    output,
    write,
    no_backup,
    lang,
    jobs,
    debug,
    overview_path,
    history,
    cluster,
    explain,
    recursive,
):
    """Check workbooks and report every violation.

    \b
    Exit codes: 0 no error-severity violations, 1 there are some,
    2 a file could not be read or written (the other files are still checked),
    130 interrupted.

    \b
    Examples:
      opsbook validate 發布日誌.xlsx --as-of 2026-11-26 --report out.json --output checked.xlsx
      opsbook validate workbooks/ --output checked/ --jobs 2
      opsbook validate 2026-11/ --output checked/ --history=ops.sqlite --overview 總覽/
      opsbook validate 入戶安檢記錄.xlsx --write --lang en
    """
    from .console import summary_lines
    from .engine import as_of_moment
    from .pipeline import check_files, workbook_files

    try:
        moment = as_of_moment(as_of)
    except ValueError:
        raise click.BadParameter(f"not a date: {as_of!r}", param_hint="--as-of") from None
    if rules_path:  # the rulebook is checked once, before any workbook: nothing runs
        from .rulebook.commands import problems_of

        wrong = problems_of(rules_path)
        for line in wrong:
            click.echo(line, err=True)
        if wrong:
            sys.exit(2)
    files = workbook_files(list(paths), recursive, skip=(output, overview_path))
    if not files:
        _fail("no .xlsx/.xlsm workbooks found in " + ", ".join(map(str, paths)))
    if output and len(files) > 1 and output.suffix.lower() in (".xlsx", ".xlsm"):
        _fail(f"--output {output}: several workbooks are checked, give a folder")
    if output and write:
        _fail("--output and --write: choose one (a copy, or the workbook itself)")
    started = _utcnow()
    report = check_files(
        files,
        moment,
        jobs=jobs or os.cpu_count() or 1,
        progress=sys.stderr.isatty(),
        kind=kind,
        period=(period_from, period_to),
        config_path=config_path,
        rules=rules_path,
        lang=lang,
        output=output,
        write=write,
        no_backup=no_backup,
        cluster=cluster,
        fingerprints=history is not None or bool(overview_path),
    )
    for line in summary_lines(report, lang):
        click.echo(line)
    if explain:
        from .explain import explain_lines

        for line in explain_lines(report, lang):
            click.echo(line)
    if debug:
        for trace in report.debug:
            click.echo(trace, err=True)
    if report_path:
        from .writers.reportfile import write_report

        write_report(report, report_path, report_format)
    code = report.exit_code()
    if history is not None or overview_path:
        from .overview.run import after_run

        options = dict(
            kind=kind,
            period_from=period_from,
            period_to=period_to,
            jobs=jobs,
            cluster=cluster,
            output=output,
            write=write,
        )
        lines, ok = after_run(
            report,
            list(paths),
            started,
            options,
            history=history,
            overview=overview_path,
            config_path=config_path,
        )
        for line in lines:
            click.echo(line, err=not ok)
        code = code if ok else ExitCode.FAILED
    sys.exit(code)


def _utcnow() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-backup", is_flag=True, help="Do not keep NAME.opsbook-backup.xlsx.")
def clear(paths, no_backup):
    """Remove everything opsbook wrote into workbooks: marks, notes, its sheets.

    A cell recoloured by hand after the run keeps its new colour; a user's own note stays.

    \b
    Examples:
      opsbook clear 發布日誌.xlsx
      opsbook clear workbooks/ --no-backup
    """
    from .errors import OpsbookError, naming
    from .pipeline import workbook_files
    from .workbook.reader import check_workbook_file
    from .writers.annotate import clear_file

    failed = False
    for path in workbook_files(list(paths)):
        try:
            check_workbook_file(path)
            done = clear_file(path, backup=not no_backup)
            click.echo(
                f"{path}: {'已清除標記' if done else '沒有 opsbook 的標記 (nothing to clear)'}"
            )
        except OpsbookError as exc:
            click.echo(f"✗ {naming(exc, path)}", err=True)
            failed = True
        except Exception as exc:  # noqa: BLE001 - the other files are still cleared
            click.echo(f"✗ {path}: not cleared ({type(exc).__name__}: {exc})", err=True)
            failed = True
    sys.exit(ExitCode.FAILED if failed else ExitCode.OK)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--month", required=True, help="The month to settle, YYYY-MM (items ordered in that month)."
)
@click.option("--as-of", "as_of", help="The 'now' of the check (default: now).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="Settings file (default: opsbook.toml beside the workbook).",
)
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Write a copy of the workbook with only this month's 月度結算 sheet added.",
)
def settle(path, month, as_of, config_path, output):
    """Print one month's design-cost settlement (R3-3.12) by department and vendor.

    \b
    Examples:
      opsbook settle workbooks/平面設計費用.xlsx --month 2026-09
      opsbook settle workbooks/平面設計費用.xlsx --month 2026-09 --output 結算.xlsx
    """
    import pandas as pd

    from .engine import as_of_moment
    from .kinds.design_costs.summaries import settlement
    from .pipeline import check_file
    from .report import Checked
    from .writers.annotate import write_summaries_only

    try:
        pd.Period(month, freq="M")
    except ValueError:
        _fail(f"--month {month!r}: use YYYY-MM")
    settings = _settings(config_path, path)
    checked = check_file(path, settings, as_of_moment(as_of), kind="design_costs", summaries=False)
    result = checked.report.files[0]
    if result.error:
        _fail(result.error)
    tables = checked.tables.get("design_costs")
    if not tables or not tables[0].has("ordered_on"):
        _fail(f"{path}: no design-cost ledger with a 下單日期 column found")
    summary = settlement(tables[0], checked.context, month=str(pd.Period(month, freq="M")))
    _print_summary(summary)
    if output:
        write_summaries_only(path, output, Checked(report=checked.report, summaries=[summary]))
        click.echo(f"\n→ 已寫入 {output}")


@cli.command()
@click.argument("grain", type=click.Choice(["weekly", "monthly"]))
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--week", help="The ISO week to report, e.g. 2026-W43 (default: the last complete week)."
)
@click.option(
    "--month", help="The month to report, e.g. 2026-10 (default: the last complete month)."
)
@click.option("--as-of", "as_of", help="The 'now' that picks the default period (default: now).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="Settings file (default: opsbook.toml beside the workbook).",
)
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Write a copy of the workbook with only this report's sheet added.",
)
def report(grain, path, week, month, as_of, config_path, output):
    """Print the weekly (R1-6.8) or monthly (R1-6.9) platform report: each platform against
    the previous period, post counts, inquiry replies, and the trend.

    \b
    Examples:
      opsbook report weekly workbooks/發布日誌.xlsx --week 2026-W43
      opsbook report monthly workbooks/發布日誌.xlsx --month 2026-10 --output 月報.xlsx
    """
    from .engine import as_of_moment
    from .kinds.posts.summaries import parse_period, platform_report
    from .pipeline import check_file
    from .report import Checked
    from .writers.annotate import write_summaries_only

    unit = "week" if grain == "weekly" else "month"
    chosen = week if unit == "week" else month
    if (week and unit == "month") or (month and unit == "week"):
        _fail(f"{grain}: use --{unit}")
    try:
        start = parse_period(chosen, unit) if chosen else None
    except ValueError as exc:
        _fail(str(exc))
    settings = _settings(config_path, path)
    checked = check_file(path, settings, as_of_moment(as_of), kind="posts", summaries=False)
    if checked.report.files[0].error:
        _fail(checked.report.files[0].error)
    summary = (
        platform_report(checked.tables, checked.context, unit, start) if checked.context else None
    )
    if summary is None:
        _fail(f"{path}: no 平台數據 (metrics) sheet found")
    _print_summary(summary)
    if output:
        write_summaries_only(path, output, Checked(report=checked.report, summaries=[summary]))
        click.echo(f"\n→ 已寫入 {output}")


def _print_summary(summary) -> None:
    from .summaries.base import block_text

    for block in summary.blocks:
        click.echo(f"\n{block.title}")
        if len(block.frame):
            click.echo(block_text(block))
        if block.note:
            click.echo(block.note)


def _settings(config_path, near):
    try:
        return load_config(config_path, near=near)
    except OpsbookError as exc:
        _fail(str(exc))


@cli.group(invoke_without_command=True)
@click.option(
    "--history",
    "history",
    metavar="PATH|URL",
    help="The history database (default: .opsbook-history.sqlite here).",
)
@click.pass_context
def history(ctx, history):
    """List the recorded runs of `validate --history`.

    \b
    Examples:
      opsbook history --history workbooks/.opsbook-history.sqlite
      opsbook history --history postgresql://ops@db.example/opsbook
    """
    from .history.commands import open_history, run_lines

    ctx.obj = history
    if ctx.invoked_subcommand is None:
        try:
            with open_history(history) as db:
                for line in run_lines(db):
                    click.echo(line)
        except OpsbookError as exc:
            _fail(str(exc))


@history.command("diff")
@click.argument("run_a", required=False, type=int)
@click.argument("run_b", required=False, type=int)
@click.option("--history", "history_path", metavar="PATH|URL", help="The history database.")
@click.pass_context
def history_diff(ctx, run_a, run_b, history_path):
    """Violations new, fixed and still open, per file and clause: RUN_B against RUN_A; one
    run: that run against each file's previous run; none: the last run.

    \b
    Examples:
      opsbook history diff 3 4 --history ops.sqlite
      opsbook history --history ops.sqlite diff
    """
    from .history.commands import diff_lines, open_history

    if run_b is None and run_a is not None:
        run_a, run_b = None, run_a
    try:
        with open_history(history_path or ctx.obj) as db:
            for line in diff_lines(db.diff(run_a, run_b)):
                click.echo(line)
    except OpsbookError as exc:
        _fail(str(exc))


@cli.command()
@click.option("--show", is_flag=True, help="Print the effective settings as TOML.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="Settings file (default: opsbook.toml beside the workbook).",
)
@click.argument("near", required=False, type=click.Path(path_type=Path))
def config(show, config_path, near):
    """Show the settings every rule uses (defaults overlaid with opsbook.toml).

    \b
    Examples:
      opsbook config --show workbooks/
    """
    click.echo(dump_config(_settings(config_path, near or Path.cwd())), nl=False)


@cli.command()
@click.option(
    "--check", is_flag=True, help="Fail if docs/coverage.md is stale instead of writing it."
)
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    default=Path("docs/coverage.md"),
    show_default=True,
    help="Where the coverage matrix is written (or checked).",
)
def coverage(check, path):
    """Write the coverage matrix: every clause, the rules that check it, or why not.

    \b
    Examples:
      opsbook coverage --check
      opsbook coverage --path docs/coverage.md
    """
    from .coverage import render_coverage

    text = render_coverage()
    if check:
        if not path.exists():
            _fail(f"{path} not found (run from the project folder, or give the path)")
        if path.read_text(encoding="utf-8") != text:
            _fail(f"{path} is stale: run `opsbook coverage`")
        click.echo(f"{path} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


cli.add_command(excel_group)  # opsbook/excel/commands.py; imports no xlwings until a command runs
cli.add_command(doctor_command)
cli.add_command(embed_command)  # opsbook/embed/command.py
cli.add_command(schema_command)  # opsbook/schema_command.py
cli.add_command(watch_command)  # opsbook/watch/commands.py: `opsbook watch`, `opsbook schedule`
cli.add_command(schedule_command)
cli.add_command(rules_group)  # opsbook/rulebook/commands.py: rules, rules export/check


def _fail(message: str, code: int = ExitCode.FAILED):
    click.echo(f"opsbook: {message}", err=True)
    sys.exit(code)


def main(args: list[str] | None = None) -> None:
    """The console script.  Exit codes: 0 clean, 1 error-severity violations, 2 a file could
    not be read or written (or opsbook failed), 130 interrupted (Ctrl-C)."""
    args = sys.argv[1:] if args is None else list(args)
    try:
        # Not click's standalone mode: it turns Ctrl-C into "Aborted!" and exit code 1.
        code = cli.main(args, prog_name="opsbook", standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _fail("interrupted", ExitCode.INTERRUPTED)
        _fail("aborted", ExitCode.ABORTED)
    except KeyboardInterrupt:
        _fail("interrupted", ExitCode.INTERRUPTED)
    except click.ClickException as exc:  # a usage error: click's own message and exit code 2
        exc.show()
        sys.exit(exc.exit_code)
    except OpsbookError as exc:  # a library error that escaped a command: one line, no traceback
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - a crash is exit 2 and one line, never exit 1
        if "--debug" in args:
            import traceback

            traceback.print_exc()
        _fail(
            f"unexpected failure ({type(exc).__name__}: {exc}); run with --debug for the traceback"
        )
    sys.exit(code if isinstance(code, int) else ExitCode.OK)
