"""Rows under a header that are no records, and the year of dates typed without one.

The same records are laid out many ways (WORKBOOKS.md, "The same records, laid out
differently"; decisions in docs/workbooks-contract.md): a block pasted again brings its header
along, a printed log repeats the header per month, an English translation row sits under the
header, a note row says where a month starts (以下為十一月) and a footer counts the records
(共 120 條記錄).  None of them is a record.  Each test is a whole-column operation on the
distinct values, never a loop over cells.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ..coerce import yearless_mask
from ..text import fold_header, fold_series, python_values, regex_flags
from .headers import HeaderMatch, _alias_index
from .reader import SheetValues
from .specs import TableSpec

# A translation row: Latin words only (Date, Customer ID, Cost (CNY)), no digit-led value.
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9 .,'&/()#%\-_]*$")
# A note or footer, folded (Simplified, no spaces): 以下為十一月, 十月份：, 共 120 條記錄.
_NOTE = re.compile(
    r"^(?:以下|以上|下列|如下|下面)\S*$|^[^:]{0,12}[:]$|"
    r"^(?:共|合共|总共|一共)\d+(?:条|笔|项|行|个|份|户|次)\S*$|^(?:记录数|记录条数)[:]?\d*$"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _by_distinct(values: pd.Series, test) -> np.ndarray:
    """``test`` (a list of distinct Python values → list of bools) spread back over a column."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return np.zeros(len(values), dtype=bool)
    hit = np.asarray(test(python_values(uniques)), dtype=bool)
    return hit.take(np.where(codes >= 0, codes, 0)) & (codes >= 0)


def not_record_rows(
    raw: pd.DataFrame, blanks: pd.DataFrame, spec: TableSpec, columns: dict
) -> pd.DataFrame:
    """Per row (raw's index) a flag per reason: ``header_repeats`` (at least half the
    columns, and two, name their own column again: the header repeated, as written or in
    another form of it), ``translations`` (every filled cell Latin words, at least two) and
    ``notes`` (one filled cell, a note or a footer)."""
    keys = list(raw.columns)
    flags = pd.DataFrame(
        False, index=raw.index, columns=["header_repeats", "translations", "notes"]
    )
    if not keys or raw.empty:
        return flags
    index = _alias_index(spec)
    names: dict[str, set[str]] = {}
    for form, key in index.items():
        names.setdefault(key, set()).add(form)
    filled = ~blanks
    # Only rows where at least half the columns (and two) hold text without a digit can be a
    # header or a translation (a record has its date, its amount): a vectorised test first,
    # the folding only on those few rows.
    wordy = pd.DataFrame({k: _digit_free_text(raw[k]) for k in keys}, index=raw.index)
    need = max(2, (len(keys) + 1) // 2)
    candidates = wordy.sum(axis=1) >= need
    named = pd.DataFrame(False, index=raw.index, columns=keys)
    latin = pd.DataFrame(False, index=raw.index, columns=keys)
    rows = raw[candidates]
    for key in keys if candidates.any() else ():
        own = names.get(key, set()) | set(fold_header(columns[key].header))

        def names_it(values, own=own):
            out = []
            for v in values:
                if not isinstance(v, str):
                    out.append(False)
                    continue
                lines = [v, *v.splitlines()] if "\n" in v else [v]
                out.append(any(f in own for line in lines for f in fold_header(line)))
            return out

        named.loc[candidates, key] = _by_distinct(rows[key], names_it)
        latin.loc[candidates, key] = _by_distinct(
            rows[key], lambda vs: [isinstance(v, str) and bool(_LATIN.match(v.strip())) for v in vs]
        )
    count = filled.sum(axis=1)
    flags["header_repeats"] = named.sum(axis=1) >= need
    flags["translations"] = candidates & (count >= 2) & (latin | ~filled).all(axis=1)
    single = count == 1
    if single.any():
        rows = raw[single]
        text = rows.astype(object).where(filled[single]).bfill(axis=1).iloc[:, 0]
        folded = fold_series(text.astype(object))
        flags.loc[single, "notes"] = folded.str.match(_NOTE, na=False).to_numpy(dtype=bool)
    return flags


def _digit_free_text(values: pd.Series) -> np.ndarray:
    """True where a cell holds text with no digit (Arrow's regex over the column)."""
    return regex_flags(values, r"^\s*[^\s\d][^\d]*$")


def title_year(sheet: SheetValues, header: HeaderMatch) -> int | None:
    """The one year the sheet's name and the rows above its header name (2025年下半年,
    2025Q3, 2025年10月), or None when they name none or several (2025-2026年度)."""
    texts = [sheet.name]
    for row in sheet.head(header.row_offset):
        texts += [c for c in row if isinstance(c, str)]
    found = set(_YEAR.findall(unicodedata.normalize("NFKC", " ".join(texts))))
    return int(found.pop()) if len(found) == 1 else None


def resolve_years(
    raw: pd.Series,
    typed: pd.Series,
    unreadable: pd.Series,
    named: int | None,
    pinned: bool,
    default_year: int,
) -> tuple[pd.Series, pd.Series, str]:
    """Dates typed without a year get the year the settings pin or the sheet names (parsed so
    already); else the year of the nearest record above with one (below for the first
    ones), else ``default_year`` (the as-of year).  Returns the dates, the unreadable flags
    and where the year came from ("" when every date had one)."""
    missing = pd.Series(yearless_mask(raw).to_numpy(), index=typed.index) & typed.notna()
    if not missing.any():
        return typed, unreadable, ""
    if named is not None:
        return typed, unreadable, f"{named} ({'opsbook.toml' if pinned else 'sheet name or title'})"
    known = typed.dt.year.where(~missing & typed.notna())
    near = known.ffill().fillna(known.bfill())
    fill = missing & near.notna()
    if fill.any():
        moved = pd.to_datetime(
            pd.DataFrame(
                {
                    "year": near[fill],
                    "month": typed[fill].dt.month,
                    "day": typed[fill].dt.day,
                    "hour": typed[fill].dt.hour,
                    "minute": typed[fill].dt.minute,
                    "second": typed[fill].dt.second,
                }
            ),
            errors="coerce",
        )
        typed = typed.copy()
        typed[fill] = moved
        unreadable = unreadable | (fill & typed.isna())
    source = "neighbouring records" if not (missing & ~fill).any() else ""
    if (missing & ~fill).any():
        source = f"{default_year} (--as-of: no year in the sheet's name, title or records)"
        if fill.any():
            source = "neighbouring records; " + source
    return typed, unreadable, source


def skipped_row_lists(reasons: dict[str, pd.Series]) -> dict[str, list[int]]:
    """Worksheet rows skipped per reason (only the reasons that skipped some)."""
    return {
        r: [int(i) for i in m.index[m.to_numpy(dtype=bool)]] for r, m in reasons.items() if m.any()
    }
