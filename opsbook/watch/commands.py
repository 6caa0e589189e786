"""The `opsbook watch` and `opsbook schedule` commands (registered in opsbook/cli.py)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import OpsbookError

DEFAULT_OUTPUT = "opsbook-checked"


def _fail(message: str) -> None:
    click.echo(f"opsbook: {message}", err=True)
    sys.exit(2)


def read_watch_config(config_path: Path | None, folder: Path) -> tuple[dict, dict, list]:
    """The rules' settings, the notify targets and the schedule from opsbook.toml."""
    from ..config import CONFIG_NAME, load_config, tomllib
    from ..errors import ConfigError
    from ..notify import load_targets
    from ..schedule import load_schedule

    settings = load_config(config_path, near=folder if folder.is_dir() else None)
    path = config_path or (folder / CONFIG_NAME)
    raw = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read settings: {exc}") from exc
    return settings, load_targets(raw.get("notify"), str(path)), load_schedule(raw.get("schedule"))


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help=f"Annotated copies here (default: FOLDER/{DEFAULT_OUTPUT}; never the originals).",
)
@click.option("--write", is_flag=True, help="Annotate the workbooks themselves instead.")
@click.option(
    "--history",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH|URL]",
    help="Record each check (alone: .opsbook-history.sqlite in FOLDER).",
)
@click.option(
    "--overview",
    "overview",
    type=click.Path(path_type=Path),
    help="Keep 總覽.xlsx/.html of the folder's latest checks here.",
)
@click.option(
    "--notify",
    "notify",
    multiple=True,
    metavar="NAME",
    help="Tell these [notify.NAME] targets (repeatable; default: every target in opsbook.toml).",
)
@click.option("--lang", type=click.Choice(["zh-Hant", "zh-Hans", "en"]), help="Message language.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="Settings file (default: FOLDER/opsbook.toml).",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    metavar="SECONDS",
    help="Scan the folder every SECONDS instead of waiting for change events (network shares).",
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0.0),
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="A workbook is checked once it has not changed for this long.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0.0),
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="A workbook that is still not whole after this long is checked anyway (and said unreadable).",
)
@click.option("--no-schedule", is_flag=True, help="Check arrivals only; no scheduled reports.")
@click.option("--clock-start", hidden=True, help="Tests: the watch's clock starts at this time.")
def watch(
    folder,
    output,
    write,
    history,
    overview,
    notify,
    lang,
    config_path,
    poll,
    settle,
    max_wait,
    no_schedule,
    clock_start,
):
    """Check each workbook that lands in FOLDER, make the scheduled reports, tell people.

    Runs until Ctrl-C or SIGTERM, which let the workbook in hand finish. A workbook is
    checked once it has stopped changing and is not open in Excel/WPS.

    \b
    Examples:
      opsbook watch //fileserver/運營/收件 --poll 30 --history --overview 總覽/
      opsbook watch 收件/ --output 已檢查/ --notify 運營群 --notify 經理郵件
    """
    from ..schedule import CST
    from .loop import Clock, Options, Watch

    if output and write:
        _fail("--output and --write: choose one (copies, or the workbooks themselves)")
    if not write and output is None:
        output = folder / DEFAULT_OUTPUT
    try:
        settings, targets, jobs = read_watch_config(config_path, folder)
    except OpsbookError as exc:
        _fail(str(exc))
    missing = [n for n in notify if n not in targets]
    if missing:
        _fail(f"--notify {missing[0]}: no [notify.{missing[0]}] in opsbook.toml")
    start = None
    if clock_start:
        start = dt.datetime.fromisoformat(clock_start)
        start = start if start.tzinfo else start.replace(tzinfo=CST)
    options = Options(
        folder=folder,
        output=output,
        write=write,
        history=history,
        overview=overview,
        notify=list(notify),
        lang=lang,
        config_path=config_path,
        poll_s=poll,
        settle_s=settle,
        max_wait_s=max_wait,
    )
    say = lambda line: click.echo(line, err=line.startswith(("✗", "opsbook:", "notify")))
    try:
        code = Watch(
            options, settings, targets, [] if no_schedule else jobs, say, Clock(start)
        ).run()
    except OpsbookError as exc:
        _fail(str(exc))
    sys.exit(code)


@click.command(
    # what follows FOLDER is the watch's own options, passed on untouched
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option("--show", is_flag=True, help="Print the next twenty scheduled runs.")
@click.option(
    "--install-task",
    "install_task",
    is_flag=True,
    help="Write the Windows Task Scheduler task (XML) that runs `opsbook watch FOLDER` at "
    "logon, and print the schtasks line that registers it.",
)
@click.option(
    "--systemd", is_flag=True, help="With --install-task: write a systemd user unit instead."
)
@click.option(
    "--task-file",
    type=click.Path(path_type=Path),
    help="Where --install-task writes (default: opsbook-watch.xml / opsbook-watch.service).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="Settings file (default: FOLDER/opsbook.toml).",
)
@click.option("--lang", type=click.Choice(["zh-Hant", "zh-Hans", "en"]), help="Line language.")
@click.option("--now", "now", help="Show the runs after this time (default: now).")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.argument("watch_args", nargs=-1, type=click.UNPROCESSED)
def schedule(show, install_task, systemd, task_file, config_path, lang, now, folder, watch_args):
    """Show the schedule of `opsbook watch`, or set the watch up as a service.

    Arguments after FOLDER are passed to `opsbook watch` by the task.

    \b
    Examples:
      opsbook schedule --show 收件/
      opsbook schedule --install-task D:\\運營\\收件 --poll 30 --history --notify 運營群
      opsbook schedule --install-task --systemd /srv/運營/收件 --history
    """
    from ..schedule import CST, next_runs, show_lines

    folder = folder or Path.cwd()
    if watch_args and not install_task:
        _fail(f"unexpected {' '.join(watch_args)} (give the options before FOLDER)")
    if install_task:
        _install(folder, list(watch_args), systemd, task_file)
        return
    try:
        settings, _, jobs = read_watch_config(config_path, folder)
    except OpsbookError as exc:
        _fail(str(exc))
    start = dt.datetime.now(CST)
    if now:
        start = dt.datetime.fromisoformat(now)
        start = start if start.tzinfo else start.replace(tzinfo=CST)
    if not jobs:
        click.echo("no scheduled runs ([schedule] enabled = false)")
    for line in show_lines(next_runs(jobs, start, 20), lang or settings["general"]["language"]):
        click.echo(line)


def _install(folder: Path, args: list[str], systemd: bool, task_file: Path | None) -> None:
    from .service import command_line, schtasks_lines, systemd_unit, task_xml

    argv = command_line(str(folder.absolute()), args)
    description = f"opsbook watch {folder.absolute()}"
    if systemd:
        target = task_file or Path("opsbook-watch.service")
        env = "%h/.config/opsbook/secrets.env"
        target.write_text(systemd_unit(argv, description, env), encoding="utf-8")
        click.echo(f"wrote {target}")
        click.echo(f"  cp {target} ~/.config/systemd/user/ && systemctl --user daemon-reload")
        click.echo("  systemctl --user enable --now opsbook-watch.service")
        return
    target = task_file or Path("opsbook-watch.xml")
    # Task Scheduler reads its XML as UTF-16 (with the byte order mark)
    target.write_text(task_xml(argv, description), encoding="utf-16")
    click.echo(f"wrote {target}")
    for line in schtasks_lines(str(target.absolute()), argv):
        click.echo(f"  {line}")
