"""The workbook contract: every table opsbook recognises, its canonical column keys,
the headers teams write for them, and each column's value type.

The spec types live here; each kind declares its tables in ``opsbook/kinds/<kind>/tables.py``
(together they are the alias list WORKBOOKS.md names "the full alias list").  Aliases are folded (Traditional/Simplified, full-width, spaces, case)
before comparing, so each is listed once in either script.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    aliases: tuple[str, ...]
    type: str = "text"  # text | date | datetime | bool | number
    required: bool = False
    # Words that are values in this column, not "not applicable" marks (coerce.PLACEHOLDERS):
    # 防盜封「無」says the seal is missing, which R2-1.4 checks.
    keeps: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    name: str  # posts, inspections, … or a companion: roster, accounts, …
    title: str  # the usual sheet name, used for messages
    kind: str  # the workbook kind this table belongs to
    columns: tuple[ColumnSpec, ...]
    sheet_names: tuple[str, ...] = field(default=())
    main: bool = False  # the kind's main table (the others are companions)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def column(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


def C(  # noqa: N802 - reads as a column in the tables below
    key: str,
    *aliases: str,
    type: str = "text",  # noqa: A002 - the column's type, as the tables below read
    required: bool = False,
    keeps: tuple[str, ...] = (),
) -> ColumnSpec:
    return ColumnSpec(key, (key, *aliases), type, required, keeps)


# Every registered kind's tables, filled by ``opsbook.kinds.register`` (the reader looks
# headers up here; a mutable registry so ``find_header``'s default sees later kinds too).
TABLES: list[TableSpec] = []
BY_NAME: dict[str, TableSpec] = {}
