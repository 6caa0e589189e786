"""The pandas implementations of the rule vocabulary (opsbook.catalog.vocabulary).

Each predicate gets an ``Env`` — the rows of one table, with the helpers the catalogs share
(blank as written, folded text, companion tables, settings, the calendar and as-of) — and its
arguments resolved, and returns a bool Series over the table's rows, never NA.  A predicate
about a column the table does not have is False on every row (the vocabulary's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..text import fold
from .base import blank, folded, in_words, later_than, no, yes
from .vocabulary import (
    AS_OF,
    COLUMN,
    NUMBER,
    TABLE_COLUMN,
    UNIT,
    VALUE,
    VALUES,
    VocabularyError,
    param,
    predicate,
)


@dataclass
class FrameTable:
    """A bare DataFrame standing in for a read table (a schema used outside opsbook, from
    ``pandera.io.from_yaml``): its values are both the typed and the written ones."""

    data: pd.DataFrame
    blanks: Any = None
    folded: dict = field(default_factory=dict)

    @property
    def raw(self) -> pd.DataFrame:
        return self.data

    def has(self, *keys: str) -> bool:
        return all(k in self.data.columns for k in keys)


@dataclass
class Env:
    """What an expression is evaluated over: a table (``opsbook.workbook.tables.Table`` or a
    ``FrameTable``), the settings (section → key → value), the kind's own section, the
    companion tables, as-of and the calendar, and the rule's target column."""

    t: Any
    settings: dict
    section: str | None = None
    tables: dict = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    calendar: Any = None
    target: str | None = None

    @classmethod
    def of(cls, t, ctx, section: str | None, target: str | None = None) -> Env:
        return cls(t, ctx.settings, section, ctx.tables, ctx.as_of, ctx.calendar, target)

    @property
    def index(self) -> pd.Index:
        return self.t.data.index

    def has(self, key: str) -> bool:
        return key == AS_OF or (key is not None and self.t.has(key))

    def values(self, key: str) -> pd.Series:
        if key == AS_OF:
            if self.as_of is None:
                raise VocabularyError("as_of is not known outside a run")
            return pd.Series(self.as_of, index=self.index)
        return self.t.data[key]

    def setting(self, name: str, section: str | None = None):
        section = section or self.section
        if section is None:  # no kind's section known: the one section that has the name
            holders = [s for s, values in self.settings.items() if name in values]
            section = holders[0] if len(holders) == 1 else None
        try:
            return self.settings[section][name]
        except KeyError:
            raise VocabularyError(f"unknown setting {{{section}.{name}}}") from None

    def none(self) -> pd.Series:
        return pd.Series(False, index=self.index)


def _absent(env: Env, *keys: str) -> bool:
    return not all(env.has(k) for k in keys)


@predicate("blank", COLUMN, doc="the cell is empty as written (an unreadable value is not)")
def _blank(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else blank(env.t, key)


@predicate("filled", COLUMN, doc="the cell holds something as written")
def _filled(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else ~blank(env.t, key)


@predicate("known", COLUMN, doc="the cell's value was read (a date, a number …)")
def _known(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else env.values(key).notna()


@predicate("unknown", COLUMN, doc="no value was read from the cell (empty or unreadable)")
def _unknown(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else env.values(key).isna()


@predicate("yes", COLUMN, doc="a 是/否 cell says 是")
def _yes(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else yes(env.t, key)


@predicate("no", COLUMN, doc="a 是/否 cell says 否 (an empty one says neither)")
def _no(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else no(env.t, key)


@predicate("one_of", COLUMN, VALUES, doc="the text is one of the words (compared folded)")
def _one_of(env: Env, key: str, words) -> pd.Series:
    return env.none() if _absent(env, key) else in_words(env.t, key, words)


@predicate("matches", COLUMN, VALUE, doc="the text matches a regular expression")
def _matches(env: Env, key: str, pattern: str) -> pd.Series:
    if _absent(env, key):
        return env.none()
    text = env.values(key)
    return text.astype("string").str.contains(pattern, regex=True).fillna(False).astype(bool)


@predicate("between", COLUMN, NUMBER, NUMBER, doc="a number within [low, high]")
def _between(env: Env, key: str, low, high) -> pd.Series:
    if _absent(env, key):
        return env.none()
    return env.values(key).between(low, high).fillna(False).astype(bool)


@predicate("nonzero", COLUMN, doc="a number other than 0 (an empty cell is 0)")
def _nonzero(env: Env, key: str) -> pd.Series:
    return env.none() if _absent(env, key) else env.values(key).fillna(0).ne(0)


@predicate("exceeds", COLUMN, COLUMN, doc="the first number is greater than the second")
def _exceeds(env: Env, a: str, b: str) -> pd.Series:
    if _absent(env, a, b):
        return env.none()
    return (env.values(a) > env.values(b)).fillna(False).astype(bool)


@predicate(
    "later_than",
    COLUMN,
    COLUMN,
    param("n", NUMBER, 0),
    param("unit", UNIT),
    doc="a is after b (+ n units).  Without a unit: a moment after, except that when either "
    "side has no time of day only whole days compare (a review dated 3/5 is not after a "
    "publication at 3/5 10:00).  unit=days / working_days: a's day after b's day + n (working "
    "days by the calendar); unit=hours: a after b + n hours, exactly",
)
def _later_than(env: Env, a: str, b: str, n=0, unit: str | None = None) -> pd.Series:
    if _absent(env, a, b):
        return env.none()
    x, y = env.values(a), env.values(b)
    if unit is None:
        if n:
            raise VocabularyError("later_than(a, b, n) needs a unit")
        return later_than(x, y)
    if unit == "hours":
        bound = y + pd.Timedelta(hours=n)
        return (x > bound).fillna(False).astype(bool)
    if unit == "days":
        bound = y.dt.normalize() + pd.Timedelta(days=n)
    else:
        bound = env.calendar.add_working_days(y, int(n))
    return (x.dt.normalize() > bound).fillna(False).astype(bool)


@predicate("before", COLUMN, COLUMN, doc="a is before b (later_than with the sides swapped)")
def _before(env: Env, a: str, b: str) -> pd.Series:
    return _later_than(env, b, a)


@predicate(
    "in_table",
    COLUMN,
    TABLE_COLUMN,
    param("where", TABLE_COLUMN),
    param("among", VALUES),
    doc="the value appears in a companion table's column (compared folded); with where= and "
    "among=: only on that table's rows whose where column is among the words",
)
def _in_table(env: Env, key: str, ref, where=None, among=None) -> pd.Series:
    if _absent(env, key):
        return env.none()
    table, column = ref
    other = env.tables.get(table)
    if other is None:
        raise VocabularyError(f"in_table needs the {table} table")
    names = other.data[column]
    if where is not None:
        wanted = {fold(r) for r in among or ()}
        role = other.data[where[1]].map(lambda v: fold(v) if isinstance(v, str) else "")
        names = names[role.isin(wanted)]
    return folded(env.t, key).isin({fold(n) for n in names.dropna()})
