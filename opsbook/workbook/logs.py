"""One log kept over several same-header sheets (one per month, quarter or inspector) read as
one logical table, so period and per-customer rules judge across them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import Table

ROW_BASE = (
    10_000_000  # > Excel's 1,048,576 rows: id // ROW_BASE is the sheet, id % ROW_BASE the row
)


def one_log(tables: list[Table]) -> Table:
    """Same-header tables of one kind (one sheet per month, quarter or inspector) as one
    logical table, so period and per-customer rules judge across them.  Every record keeps
    its sheet and row through its id (sheet number × ROW_BASE + row)."""
    if len(tables) == 1:
        return tables[0]
    first = tables[0]

    def shifted(frame: pd.DataFrame, n: int) -> pd.DataFrame:
        out = frame.copy(deep=False)
        out.index = pd.Index(frame.index.to_numpy(dtype=np.int64) + n * ROW_BASE, name="row")
        return out

    keys = list(first.columns)

    def blanks(t: Table) -> pd.DataFrame:
        assert t.blanks is not None  # build_table fills it on every table it reads
        return t.blanks

    unreadable = pd.concat(
        [
            t.unreadable.assign(row=t.unreadable["row"].astype(np.int64) + n * ROW_BASE)
            for n, t in enumerate(tables)
        ],
        ignore_index=True,
    )
    skipped: dict[str, int] = {}
    for t in tables:
        for k, v in t.skipped_rows.items():
            skipped[k] = skipped.get(k, 0) + v
    merges: dict[str, np.ndarray] = {}
    for t in tables:
        merges.update(t.merges)
    return Table(
        spec=first.spec,
        sheet=first.sheet,
        header_row=first.header_row,
        columns=first.columns,
        data=pd.concat([shifted(t.data[keys], n) for n, t in enumerate(tables)]),
        raw=pd.concat([shifted(t.raw[keys], n) for n, t in enumerate(tables)]),
        unreadable=unreadable,
        extra_headers=first.extra_headers,
        skipped_rows=skipped,
        blanks=pd.concat([shifted(blanks(t)[keys], n) for n, t in enumerate(tables)]),
        merges=merges,
        header_rows=first.header_rows,
        part=first.part,
        sheets=tuple(t.sheet for t in tables),
        letters={t.sheet: {k: c.letter for k, c in t.columns.items()} for t in tables},
    )


def same_header_logs(tables: list[Table]) -> list[list[Table]]:
    """Tables of one kind grouped by their columns: the sheets of one log have the same."""
    groups: dict[frozenset, list[Table]] = {}
    for t in tables:
        groups.setdefault(frozenset(t.columns), []).append(t)
    return list(groups.values())
