"""What a rule is.  Declaring a rule (this module, and one catalog module per regulation) is
kept apart from running it (opsbook.engine), as pandera keeps its API apart from backends.

A ``RowRule`` says, for each row of one table, whether the row breaks one clause, and which
cell to mark.  An ``AggregateRule`` looks across rows (a week, a platform-day, a customer's
year) and returns one line per problem.  Both carry a stable id, the clause id they enforce
(exactly as CLAUSES.md spells it), a title, a severity and message templates in Traditional
Chinese and English.  Templates are ``str.format`` strings over the row's formatted values
(``{value}`` is the marked cell, ``{published_at}`` any column key) and the rule's params.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
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
    cache: dict[Hashable, Any] = field(default_factory=dict)  # results two rules or a summary share

    def cfg(self, section: str, key: str):
        return self.settings[section][key]

    def skip_rows(self, rule: str, reason: str) -> None:
        self.notes.append({"rule": rule, "reason": reason})


def _always(ctx: Context) -> bool:
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
    enabled: Callable[[Context], bool] = _always
    profile: str | None = None  # posts.profile this rule belongs to (None = any)
    # Rows the rule governs (None = all); decides which clause an unreadable value blocks.
    scope: Callable[[Table, Context], pd.Series] | None = None
    description: str = ""

    @property
    def kind(self) -> str:
        return "row" if isinstance(self, RowRule) else "agg"


@dataclass(frozen=True)
class RowRule(Rule):
    """``fails(table, ctx)`` → boolean Series, True on rows that break the rule.
    ``target``: the column key of the cell to mark (the first present of a tuple)."""

    fails: Callable[[Table, Context], pd.Series] = None  # type: ignore[assignment]
    target: str | tuple[str, ...] = ""
    params: Callable[[Table, Context, pd.Index], pd.DataFrame] | None = None

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
