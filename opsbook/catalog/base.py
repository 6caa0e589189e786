"""What a rule is.  Declaring a rule (this module, and each kind's ``rules.py``) is kept
apart from running it (opsbook.catalog.schema, opsbook.engine), as pandera keeps its API
apart from backends.

A ``RowRule`` says, for each row of one table, whether the row breaks one clause, and which
cell to mark.  An ``AggregateRule`` looks across rows (a week, a platform-day, a customer's
year) and returns one line per problem.  Both carry a stable id, the clause id they enforce
(exactly as CLAUSES.md spells it), a title, a severity and message templates in Traditional
Chinese and English.  Templates are ``str.format`` strings over the row's formatted values
(``{value}`` is the marked cell, ``{published_at}`` any column key) and the rule's params.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..text import fold, fold_series

if TYPE_CHECKING:
    from ..workbook.tables import Table
    from ..workcalendar import WorkCalendar

ERROR, WARNING = "error", "warning"


@dataclass
class Context:
    """Everything a rule may look at besides its own table.  Made fresh for every run."""

    as_of: pd.Timestamp
    settings: dict[str, dict[str, Any]]
    calendar: WorkCalendar
    tables: dict[str, Table] = field(default_factory=dict)
    period_from: pd.Timestamp | None = None
    period_to: pd.Timestamp | None = None
    notes: list[dict[str, str]] = field(default_factory=list)  # rows a rule could not judge
    cache: dict[str, Any] = field(default_factory=dict)  # results two rules or a summary share
    section: str | None = None  # the kind's settings section: where {setting} refers to

    def cfg(self, section: str, key: str):
        return self.settings[section][key]

    def skip_rows(self, rule: str, reason: str, reason_en: str = "") -> None:
        """Note rows ``rule`` could not judge, in Traditional Chinese and English (the
        report shows the one ``--lang`` asks for)."""
        self.notes.append({"rule": rule, "reason": reason, "reason_en": reason_en or reason})


def _always(ctx: Context) -> bool:
    return True


def _in_force(settings: dict) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    title: str
    message: str  # zh-Hant template
    message_en: str
    table: str
    needs: tuple[str, ...] = ()  # column keys that must be present
    needs_any: tuple[str, ...] = ()  # at least one of these must be present
    companions: tuple[str, ...] = ()  # other tables that must be present
    severity: str = ERROR
    # Whether the rule runs in this run's settings (a posts profile, a minimum set to 0).
    enabled: Callable[[Context], bool] = _always
    # Whether the rule is part of the regulation as configured at all (posts.profile picks
    # R1's or R3's website rules): a rule not in force is not run and not reported as not
    # checked; a disabled one (``enabled``) is reported.
    in_force: Callable[[dict], bool] = _in_force
    # Rows the rule governs (None = all); decides which clause an unreadable value blocks.
    scope: Callable[[Table, Context], pd.Series] | None = None
    description: str = ""

    @property
    def kind(self) -> str:
        return "row" if isinstance(self, RowRule) else "agg"


@dataclass(frozen=True)
class RowRule(Rule):
    """A rule judged row by row.  Declared in the vocabulary (opsbook.catalog.vocabulary):
    ``when`` the rows it governs (None: all; it is also the rule's ``scope``), ``fails_if``
    what breaks it on those rows, both text.  A rule the vocabulary cannot say keeps a Python
    ``fails(table, ctx)`` → boolean Series and says why in ``why_python``.
    ``target``: the column key of the cell to mark (the first present of a tuple).
    ``params``: extra message parameters (formatting only: a deadline written out …)."""

    fails: Callable[[Table, Context], pd.Series] | None = None
    target: str | tuple[str, ...] = ""
    params: Callable[[Table, Context, pd.Index], pd.DataFrame] | None = None
    when: str | None = None
    fails_if: str | None = None
    why_python: str = ""

    def __post_init__(self) -> None:
        if (self.fails_if is None) == (self.fails is None):
            raise ValueError(f"rule {self.id}: declare fails_if (text) or fails (Python)")
        if self.fails_if is not None:
            from .vocabulary import parse

            parse(self.fails_if)  # a typo fails at import, naming the rule's text
            if self.when is not None:
                parse(self.when)
                object.__setattr__(self, "scope", self._governed)
        elif self.when is not None:
            raise ValueError(f"rule {self.id}: when= is for rules declared in the vocabulary")

    @property
    def declared(self) -> bool:
        """Declared in the vocabulary (not Python)."""
        return self.fails_if is not None

    @property
    def expression(self):
        """The tree of ``when and fails_if`` (the rows that break the rule)."""
        from .vocabulary import conjoin, parse

        fails = parse(self.fails_if)
        return fails if self.when is None else conjoin(parse(self.when), fails)

    def env(self, table: Table, ctx: Context):
        from .predicates import Env

        return Env.of(table, ctx, ctx.section, self.target_key(table))

    def _governed(self, table: Table, ctx: Context) -> pd.Series:
        from .vocabulary import evaluate, parse

        return evaluate(parse(self.when), self.env(table, ctx))

    def failing(self, table: Table, ctx: Context) -> pd.Series:
        """True on the rows that break the rule."""
        if self.fails is not None:
            return self.fails(table, ctx)
        from .vocabulary import evaluate

        return evaluate(self.expression, self.env(table, ctx))

    def target_key(self, table: Table) -> str | None:
        targets = (self.target,) if isinstance(self.target, str) else self.target
        return next((t for t in targets if table.has(t)), None)


@dataclass(frozen=True)
class AggregateRule(Rule):
    """``run(table, ctx)`` → DataFrame, one line per problem, with columns ``rows`` (list of
    worksheet rows it concerns, possibly empty), ``key`` (column key to mark, or None),
    optional ``severity`` and any params its templates use."""

    run: Callable[[Table, Context], pd.DataFrame] = None  # type: ignore[assignment]


# Helpers the catalogs share -------------------------------------------------------------


def blank(t: Table, key: str) -> pd.Series:
    """True where the cell is empty as written (an unreadable value is not blank)."""
    if t.blanks is not None and key in t.blanks:
        return t.blanks[key]
    from ..coerce import blank_mask

    return blank_mask(t.raw[key])


def yes(t: Table, key: str) -> pd.Series:
    return t.data[key].fillna(False).astype(bool)


def no(t: Table, key: str) -> pd.Series:
    return t.data[key].eq(False).fillna(False).astype(bool)


def folded(t: Table, key: str) -> pd.Series:
    """The column folded for comparison (computed once per table and column)."""
    if key not in t.folded:
        t.folded[key] = fold_series(t.data[key])
    return t.folded[key]


def in_words(t: Table, key: str, words) -> pd.Series:
    """True where a text column's value is one of ``words`` (compared folded)."""
    wanted = {fold(w) for w in words}
    return folded(t, key).isin(wanted).fillna(False).astype(bool)


def day(series: pd.Series) -> pd.Series:
    return series.dt.normalize()


def later_than(a: pd.Series, b: pd.Series) -> pd.Series:
    """a after b.  When either side was written without a time, compare whole days only:
    a review dated 3/5 is not "after" a publication at 3/5 10:00."""
    date_only = a.dt.normalize().eq(a) | b.dt.normalize().eq(b)
    by_day = a.dt.normalize() > b.dt.normalize()
    exact = a > b
    return (by_day.where(date_only, exact)).fillna(False).astype(bool)


def no_rows() -> pd.DataFrame:
    return pd.DataFrame({"rows": pd.Series(dtype=object), "key": pd.Series(dtype=object)})


def row_lists(values: pd.Series) -> list:
    """A Series of lists (NaN where a group had no rows) as a list of lists: no row → []."""
    found = values.to_numpy(dtype=object, copy=True)
    missing = pd.isna(found)
    if missing.any():
        none = np.empty(1, dtype=object)
        none[0] = []
        found[missing] = np.repeat(none, int(missing.sum()))
    return list(found)
