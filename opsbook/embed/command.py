"""``opsbook embed BOOK``: the command line of opsbook.embed."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("embed")
@click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option("--write", is_flag=True, help="Write into BOOK itself (after a backup copy).")
@click.option("--kind", default=None, help="The workbook kind (default: recognised).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Settings file (default: opsbook.toml beside the workbook).",
)
@click.option(
    "--rows",
    "extra_rows",
    type=int,
    default=None,
    help="Empty rows below the last record the checks cover (default 1000).",
)
@click.option(
    "--error-style",
    type=click.Choice(["warning", "stop", "information"]),
    default="warning",
    help="What a data-validation error does: 警告 (default), 停止, 資訊.",
)
@click.option("--no-backup", is_flag=True, help="With --write: no NAME.opsbook-backup.xlsx.")
def embed(book, output, write, kind, config_path, extra_rows, error_style, no_backup):
    """Put the row rules into BOOK as native data validation and conditional formats.

    They work in Excel, WPS and LibreOffice without macros or Python; the 檢查說明 sheet
    lists which rules are live and which still need `opsbook validate`.  Running it again
    replaces the checks; `opsbook clear` removes them.

    \b
    Examples:
      opsbook embed 發布日誌.xlsx --output 發布日誌-checks.xlsx
      opsbook embed 發布日誌.xlsx --write
    """
    from ..config import load_config
    from ..errors import OpsbookError
    from .write import embed_file

    if bool(output) == bool(write):
        click.echo("opsbook embed: give exactly one of --output PATH or --write", err=True)
        sys.exit(2)
    try:
        settings = load_config(config_path, near=book)
        done = embed_file(
            book,
            output or book,
            kind=kind,
            settings=settings,
            extra_rows=extra_rows,
            error_style=error_style,
            backup=not no_backup,
        )
    except OpsbookError as exc:
        click.echo(f"✗ {exc}", err=True)
        sys.exit(2)
    live = sum(1 for c in done.plan.checks if c.what == "cf")
    inputs = sum(1 for c in done.plan.checks if c.what == "dv")
    later = sum(1 for line in done.plan.legend if line[0] != "已嵌入（即時檢查）")
    click.echo(
        f"{done.output}: {live} 條規則即時檢查（條件格式），{inputs} 欄資料驗證；"
        f"{later} 條仍須執行驗證（見「檢查說明」）"
    )
    for kept in done.plan.kept:
        click.echo(f"  保留團隊自己的資料驗證：{kept}")
