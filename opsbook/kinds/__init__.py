"""The registry of workbook kinds: each kind declared once — its tables, its rules, its
summaries, its settings, its clauses, the regulation it enforces, its template's dropdown
lists — and read by everything else (the engine, the CLI's choices, ``opsbook rules``, the
coverage matrix, the summaries, ``opsbook excel template``).

This module is the core's kind API (``Kind``, ``register``, the look-ups); each kind is a
plugin package above it, ``opsbook/kinds/<kind>/`` (tables.py, clauses.py, rules.py,
summaries.py, settings.py, sample.py), so a regulation's change touches one folder.

Where kinds come from, in this order (which breaks ties when recognising a workbook):
1. the built-in kinds (``BUILTIN``), imported by name and registered directly — they ship
   with opsbook, so they do not depend on the installed distribution's metadata (an
   editable install or a PYTHONPATH checkout would otherwise lose them);
2. every entry point of the group ``opsbook.kinds`` (``importlib.metadata``), the way
   pytest and sqlite-utils load plugins: another distribution declares
   ``[project.entry-points."opsbook.kinds"] loans = "opsbook_loans:KIND"`` and its ``Kind``
   (or a function returning one) is registered.  A plugin that fails to load is reported in
   ``plugin_errors()`` and does not stop the others.
Tests may also ``register`` / ``unregister`` a kind directly (tests/test_kinds.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from .. import regulations
from ..catalog import AggregateRule, Context, RowRule, Rule
from ..catalog.base import ERROR, WARNING
from ..catalog.vocabulary import predicate
from ..config import DEFAULTS
from ..regulations import Clause
from ..summaries import SUMMARY_OUTPUTS
from ..summaries.base import Block, Chart, SummarySheet
from ..workbook import specs
from ..workbook.specs import C, ColumnSpec, TableSpec

# The kind API in one import, for a kind in another package:
# ``from opsbook.kinds import Kind, TableSpec, C, Clause, RowRule`` …
__all__ = [
    "ERROR",
    "WARNING",
    "AggregateRule",
    "Block",
    "C",
    "Chart",
    "Clause",
    "ColumnSpec",
    "Context",
    "Kind",
    "RowRule",
    "Rule",
    "SummarySheet",
    "TableSpec",
    "predicate",
    "register",
    "unregister",
]

ENTRY_POINT_GROUP = "opsbook.kinds"
BUILTIN = ("posts", "inspections", "design_costs")  # this order: the catalog's and the docs'


@dataclass(frozen=True)
class Kind:
    name: str  # posts, inspections, design_costs: the --kind value and TableSpec.kind
    title: str  # what users call the workbook
    regulation: str  # the regulation it enforces (R1 …), as regulations.py names it
    tables: tuple[TableSpec, ...]  # the main table first, then its companions
    rules: tuple[Rule, ...]
    summaries: Callable | None = None  # (tables, ctx) -> [SummarySheet]
    settings: str | None = None  # its section of opsbook.toml, if it has one
    # Its settings defaults ({key: value} of its section; the kind's settings.py, each with
    # the reason it is what it is), added to config.DEFAULTS when the kind registers.
    defaults: dict | None = None
    # Its part of the clause register: regulation title → clauses (the kind's clauses.py).
    clauses: dict[str, list[Clause]] = field(default_factory=dict)
    # Clause id → the summary that serves it (for the coverage matrix).
    summary_outputs: dict[str, str] = field(default_factory=dict)
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
    _check_declarations(kind)
    taken_clauses = [
        c.id for cs in kind.clauses.values() for c in cs if c.id in regulations.CLAUSES
    ]
    if taken_clauses:
        raise ValueError(f"kind {kind.name!r}: clauses already registered: {taken_clauses}")
    if kind.defaults is not None and kind.settings:  # (checked above: defaults need settings)
        # Registering is global, like the kind itself: load_config then knows (and checks)
        # the section wherever it is called — CLI, buttons, formulas.  Kind sections come
        # after general and before the sections of the outputs, in registration order.
        _add_section(kind.settings, dict(kind.defaults))
    for title, clauses in kind.clauses.items():
        regulations.add(title, clauses)
    SUMMARY_OUTPUTS.update(kind.summary_outputs)
    specs.TABLES.extend(kind.tables)
    specs.BY_NAME.update((t.name, t) for t in kind.tables)
    _KINDS[kind.name] = kind
    return kind


def _check_declarations(kind: Kind) -> None:
    """A declared rule names only columns of its table, the kind's companion tables and
    settings that exist: a typo in a rule's text fails at registration, naming the rule."""
    from ..catalog.vocabulary import TableColumn as Ref
    from ..catalog.vocabulary import columns_used, settings_used, walk

    specs_by_name = {t.name: t for t in kind.tables}
    own = dict(kind.defaults or DEFAULTS.get(kind.settings or "", {}))
    wrong = []
    for rule in kind.rules:
        if not isinstance(rule, RowRule) or not rule.declared:  # only row rules are declared
            continue
        expr = rule.expression
        keys = {c.key for c in specs_by_name[rule.table].columns}
        wrong += [f"{rule.id}: no column {k!r}" for k in columns_used(expr) if k not in keys]
        for ref in (n for n in walk(expr) if isinstance(n, Ref)):
            other = specs_by_name.get(ref.table)
            if other is None or ref.column not in {c.key for c in other.columns}:
                wrong.append(f"{rule.id}: no table column {ref.table}.{ref.column}")
        for setting in settings_used(expr):
            section = setting.section
            values = own if section in (None, kind.settings) else DEFAULTS.get(section or "", {})
            if setting.name not in values:
                wrong.append(f"{rule.id}: no setting {{{setting.name}}}")
    if wrong:
        raise ValueError(f"kind {kind.name!r}: " + "; ".join(wrong))


def _add_section(name: str, values: dict) -> None:
    kind_sections = {k.settings for k in _KINDS.values() if k.defaults is not None}
    before = [k for k in DEFAULTS if k == "general" or k in kind_sections]
    after = [(k, DEFAULTS[k]) for k in DEFAULTS if k not in before]
    for k, _ in after:
        del DEFAULTS[k]
    DEFAULTS[name] = values
    DEFAULTS.update(after)


def unregister(name: str) -> None:
    kind = _KINDS.pop(name, None)
    if kind is None:
        return
    if kind.defaults is not None and kind.settings:
        DEFAULTS.pop(kind.settings, None)
    regulations.remove([c for cs in kind.clauses.values() for c in cs])
    for clause in kind.summary_outputs:
        SUMMARY_OUTPUTS.pop(clause, None)
    for t in kind.tables:
        specs.TABLES.remove(t)
        specs.BY_NAME.pop(t.name, None)


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
    """Rules whose table is among ``table_names`` and that are in force in the settings."""
    return [r for r in all_rules() if r.table in table_names and r.in_force(settings)]


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


_PLUGIN_ERRORS: list[str] = []


def plugin_errors() -> tuple[str, ...]:
    """One line per entry point of ``opsbook.kinds`` that could not be loaded or registered."""
    return tuple(_PLUGIN_ERRORS)


def load_plugin(entry_point) -> Kind | None:
    """Register the kind an entry point names (a ``Kind``, or a callable returning one)."""
    try:
        found = entry_point.load()
        kind = found() if callable(found) and not isinstance(found, Kind) else found
        if not isinstance(kind, Kind):
            raise TypeError(f"{entry_point.value} is not an opsbook Kind")
        if kind.name in _KINDS:
            return _KINDS[kind.name]
        return register(kind)
    except Exception as exc:  # noqa: BLE001 — one broken plugin must not stop opsbook
        _PLUGIN_ERRORS.append(f"opsbook.kinds plugin {entry_point.name!r}: {exc}")
        return None


def load_plugins() -> list[Kind]:
    """Register every kind another distribution declares under ``opsbook.kinds``."""
    loaded = [load_plugin(ep) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return [k for k in loaded if k is not None]


def _builtin() -> None:
    for name in BUILTIN:
        register(importlib.import_module(f"{__name__}.{name}").KIND)


_builtin()
load_plugins()
