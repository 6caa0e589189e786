"""The registry of workbook kinds: each kind declared once — its tables, its rules, its
summaries, its settings section, the regulation it enforces, its template's dropdown lists —
and read by everything else (the engine, the CLI's choices, ``opsbook rules``, the coverage
matrix, the summaries, ``opsbook excel template``).

A fourth kind is one module beside ``posts.py`` and one ``register`` call (see
tests/test_kinds.py, which registers a toy kind and checks a workbook of it end to end).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..catalog import Rule
from ..config import DEFAULTS
from ..workbook.specs import TableSpec


@dataclass(frozen=True)
class Kind:
    name: str  # posts, inspections, design_costs: the --kind value and TableSpec.kind
    title: str  # what users call the workbook
    regulation: str  # the regulation it enforces (R1 …), as regulations.py names it
    tables: tuple[TableSpec, ...]  # the main table first, then its companions
    rules: tuple[Rule, ...]
    summaries: Callable | None = None  # (tables, ctx) -> [SummarySheet]
    settings: str | None = None  # its section of opsbook.toml, if it has one
    # A new kind's settings defaults ({key: value} of its section); the built-in kinds keep
    # theirs in config.DEFAULTS, each with the reason it is what it is.
    defaults: dict | None = None
    # Dropdown lists of the kind's template (`opsbook excel template KIND`), by column key;
    # every 是/否 column gets one anyway.  Values as the teams write them.
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def main(self) -> TableSpec:
        return next(t for t in self.tables if t.main)


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind.  Its table names and rule ids must be new: one name, one meaning."""
    if kind.name in _KINDS:
        raise ValueError(f"kind {kind.name!r} is already registered")
    if sum(t.main for t in kind.tables) != 1 or any(t.kind != kind.name for t in kind.tables):
        raise ValueError(f"kind {kind.name!r}: one main table, every table of kind {kind.name!r}")
    taken = {t.name for k in _KINDS.values() for t in k.tables}
    ids = {r.id for k in _KINDS.values() for r in k.rules}
    clash = [t.name for t in kind.tables if t.name in taken] + [
        r.id for r in kind.rules if r.id in ids
    ]
    if clash:
        raise ValueError(f"kind {kind.name!r}: already registered: {', '.join(clash)}")
    if kind.defaults is not None:
        if not kind.settings or kind.settings in DEFAULTS:
            raise ValueError(f"kind {kind.name!r}: defaults need a new settings section name")
        # Registering is global, like the kind itself: load_config then knows (and checks)
        # the section wherever it is called — CLI, buttons, formulas.
        DEFAULTS[kind.settings] = dict(kind.defaults)
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    kind = _KINDS.pop(name, None)
    if kind is not None and kind.defaults is not None and kind.settings is not None:
        DEFAULTS.pop(kind.settings, None)


def kinds() -> tuple[Kind, ...]:
    """Every kind, in registration order (which breaks ties when recognising a workbook)."""
    return tuple(_KINDS.values())


def names() -> tuple[str, ...]:
    return tuple(_KINDS)


def get(name: str) -> Kind:
    return _KINDS[name]


def tables(kind: str | None = None) -> tuple[TableSpec, ...]:
    """The table specs of one kind, or of every kind."""
    return tuple(t for k in kinds() if kind is None or k.name == kind for t in k.tables)


def table(name: str) -> TableSpec:
    return next(t for t in tables() if t.name == name)


def all_rules() -> tuple[Rule, ...]:
    return tuple(r for k in kinds() for r in k.rules)


def rule(rule_id: str) -> Rule:
    return next(r for r in all_rules() if r.id == rule_id)


def rules_for(table_names: set[str], settings) -> list[Rule]:
    """Rules whose table is among ``table_names`` and whose profile matches the settings."""
    profile = settings.get("posts", {}).get("profile")
    return [
        r
        for r in all_rules()
        if r.table in table_names and (r.profile is None or r.profile == profile)
    ]


def build_summaries(checked) -> list:
    """The summaries of a checked workbook, by its kind; also put into the JSON report."""
    kind = _KINDS.get(checked.kind)
    if kind is None or kind.summaries is None or checked.context is None:
        return []
    sheets = kind.summaries(checked.tables, checked.context)
    checked.report.summaries.setdefault("sheets", []).extend(
        {"file": checked.report.files[0].file, **s.to_json()} for s in sheets
    )
    return sheets


def _builtin() -> None:
    from . import design_costs, inspections, posts

    for module in (posts, inspections, design_costs):  # this order: the catalog's and the docs'
        register(module.KIND)


_builtin()
