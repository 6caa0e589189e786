"""``opsbook schema KIND``: a kind's tables as pandera schemas, written with pandera's own
serialisers, for a data team that wants the same checks on its own data frames.

YAML and JSON read back with ``pandera.io.pandas_io.from_yaml`` / ``from_json`` once
``opsbook.catalog.schema`` is imported (it registers the check method the rules are calls of).
Several tables: YAML documents separated by ``---``, a JSON object by table name, Python
scripts one after another.  Rules kept in Python are not in the schema (its description
names them).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import OpsbookError
from .options import KindChoice


def schemas(kind: str, settings: dict, table: str | None = None) -> dict:
    """Table name → the exported (typed, coerced) pandera schema of that table of ``kind``."""
    from . import kinds
    from .catalog.schema import table_schema

    found = kinds.get(kind)
    specs = [t for t in found.tables if table is None or t.name == table]
    if not specs:
        names = ", ".join(t.name for t in found.tables)
        raise OpsbookError(f"kind {kind} has no table {table!r} (its tables: {names})")
    return {
        spec.name: table_schema(spec, list(found.rules), settings, found.settings) for spec in specs
    }


def render(found: dict, fmt: str) -> str:
    if fmt == "yaml":
        return "---\n".join(s.to_yaml() for s in found.values())
    if fmt == "json":
        return json.dumps(
            {name: json.loads(s.to_json()) for name, s in found.items()},
            ensure_ascii=False,
            indent=2,
        )
    try:
        return "\n\n".join(s.to_script() for s in found.values())
    except ImportError as exc:  # pandera formats the script with black
        raise OpsbookError(f"--format python needs black: pip install black ({exc})") from exc


@click.command("schema")
@click.argument("kind", type=KindChoice())
@click.option("--table", help="One table of the kind (default: all of them).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "python"]),
    default="yaml",
    show_default=True,
    help="pandera's serialisation: to_yaml, to_json or to_script.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file; the checks carry the values of the settings they read.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file."
)
def schema(kind, table, fmt, config_path, output) -> None:
    """Write KIND's tables as pandera schemas (columns, types, one check per rule)."""
    from .config import load_config

    try:
        settings = load_config(config_path)
        text = render(schemas(kind, settings, table), fmt)
    except OpsbookError as exc:
        raise click.ClickException(str(exc)) from exc
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{output}")
    else:
        click.echo(text, nl=False)
