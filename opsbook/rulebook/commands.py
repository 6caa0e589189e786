"""``opsbook rules``: list the catalog (as before), ``rules export`` the rulebook a department
edits, ``rules check`` it.  docs/rulebook.md shows the round trip."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _kinds():
    from ..options import KindChoice

    return KindChoice()


@click.group(name="rules", invoke_without_command=True)
@click.option("--kind", type=_kinds(), help="Only the rules of this workbook kind.")
@click.pass_context
def rules_group(ctx, kind):
    """List the rule catalog: id, clause, severity, title; or export/check a rulebook.

    \b
    Examples:
      opsbook rules --kind inspections
      opsbook rules | grep R2-2.7
      opsbook rules export --output 規則.xlsx --kind posts
      opsbook rules check 規則.xlsx
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..kinds import all_rules, get

    for rule in get(kind).rules if kind else all_rules():
        click.echo(
            f"{rule.clause:<10} {rule.id:<48} {rule.kind:<4} {rule.severity:<8} {rule.title}"
        )


@rules_group.command("export")
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    required=True,
    help="The rulebook to write: .xlsx (for Excel/WPS), or .toml/.yaml (for git).",
)
@click.option("--kind", type=_kinds(), help="Only this workbook kind's sheet.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True),
    help="The settings exported as the rulebook's setting rows (default: opsbook.toml here).",
)
def export(output, kind, config_path):
    """Write the rules and their settings as a rulebook (one row per rule version)."""
    from .. import kinds  # noqa: F401 - registers the kinds' settings sections first
    from ..config import load_config
    from ..errors import ConfigError
    from .model import dump_toml, from_kinds

    try:
        settings = load_config(config_path, near=Path.cwd())
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    book = from_kinds(settings, kind)
    if output.suffix.lower() == ".toml":
        output.write_text(dump_toml(book), encoding="utf-8")
    elif output.suffix.lower() in (".yaml", ".yml"):
        from .model import dump_yaml

        output.write_text(dump_yaml(book), encoding="utf-8")
    elif output.suffix.lower() in (".xlsx", ".xlsm"):
        from .xlsx import write_xlsx

        write_xlsx(book, output)
    else:
        click.echo(f"{output}: a rulebook is written as .xlsx, .toml or .yaml", err=True)
        sys.exit(2)
    rules = sum(e.type != "setting" for e in book.entries)
    click.echo(f"{output}: {rules} rules, {len(book.entries) - rules} settings")


@rules_group.command("check")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
def check(path):
    """Check a rulebook: every problem one line naming its sheet and cell (exit 2)."""
    wrong = problems_of(path)
    for line in wrong:
        click.echo(line, err=True)
    if wrong:
        sys.exit(2)
    click.echo(f"{path}: OK")


def problems_of(path) -> list[str]:
    from .check import problems
    from .model import RulebookError, load

    try:
        return problems(load(path))
    except RulebookError as exc:
        return exc.lines
