"""Turning cell values as teams type them into typed columns, one whole column at a time.

Each parser takes the raw values of one column (whatever the reader gave: ``str``, ``float``,
``int``, ``bool``, ``date``, ``datetime`` or ``""`` for a blank cell) and returns
``(typed, unreadable)``: the typed Series (NA for blank) and a boolean Series that is True where
a value was present but could not be read.  An unreadable value becomes a violation on its
cell, never an exception.

Work is per distinct text value (a sheet of 100k rows has a few thousand distinct date
strings), so the parsers stay vectorised on big sheets.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd

from .text import fold, python_values

# Excel's day 0 for the 1900 date system (serial 60 is the fictitious 1900-02-29), and for
# the 1904 system of workbooks kept on a Mac (workbook.xml <workbookPr date1904="1"/>).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EPOCH_1900, EPOCH_1904 = _EXCEL_EPOCH, pd.Timestamp("1904-01-01")
# Dates are nanosecond timestamps: 1677-09-21 00:12:43 to 2262-04-11 23:47:16.  Anything
# outside the whole days 1677-09-22 .. 2262-04-10 is an unreadable date on its cell (Excel's
# own range, 1900 to 9999, is wider; no operations log dates a post in the 2260s).
_FIRST_DAY, _LAST_DAY = pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10 23:59:59")
_FIRST_KEY, _LAST_KEY = 16770922, 22620410  # the same days as year*10000 + month*100 + day
_MAX_SERIAL = (_LAST_DAY - _EXCEL_EPOCH).days  # 132,404: 2262-04-10

_DATE_TEXT = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日號号]?"
    r"(?:\s*[T ]?\s*(?P<H>\d{1,2})\s*[:時时點点]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:分]\s*(?P<S>\d{1,2}))?\s*[分秒]?)?$"
)
_COMPACT_DATE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")

YES_WORDS = frozenset(
    fold(w) for w in ["是", "有", "Y", "YES", "✓", "✔", "√", "☑", "TRUE", "對", "已", "是的", "1"]
)
NO_WORDS = frozenset(
    fold(w)
    for w in ["否", "無", "沒有", "N", "NO", "✗", "✘", "×", "X", "☐", "FALSE", "未", "不", "0"]
)
# Marks meaning "not applicable" (WORKBOOKS.md): a blank, not an unreadable value.  無 is one
# only outside 是/否 columns, where it means no.
PLACEHOLDERS = frozenset(
    fold(w) for w in ["/", "／", "—", "–", "－", "-", "--", "N/A", "NA", "不適用", "無", "无"]
)


def _by_distinct(values: pd.Series, parse) -> tuple[pd.Series, pd.Series]:
    """Run ``parse`` (on a Series of distinct values) once per distinct value and spread the
    result back: a 100k-row column has a few thousand distinct dates or a handful of 是/否."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    typed_u, bad_u = parse(pd.Series(python_values(uniques), dtype=object))
    typed = pd.Series(typed_u.array.take(codes, allow_fill=True), index=values.index)
    present = codes >= 0
    bad = (
        np.asarray(bad_u, dtype=bool).take(np.where(present, codes, 0)) & present
        if len(uniques)
        else np.zeros(len(values), dtype=bool)
    )
    return typed, pd.Series(bad, index=values.index)


def _kind_of(values: pd.Series) -> pd.Series:
    """Python type name of each value (the reader hands us mixed object columns)."""
    return values.map(type)


def blank_mask(values: pd.Series) -> pd.Series:
    """True where a cell holds nothing (None, NaN or only white space)."""
    if values.dtype != object and not pd.api.types.is_string_dtype(values):
        return values.isna()
    if values.dtype != object:  # text read as text: strip in Arrow (see parse_text)
        return (values.isna() | values.str.strip().eq("")).fillna(True).astype(bool)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    empty_u = pd.Series(
        [isinstance(u, str) and not u.strip() for u in python_values(uniques)], dtype=bool
    )
    out = codes < 0
    if len(empty_u):
        out = out | (empty_u.to_numpy().take(codes, mode="clip") & (codes >= 0))
    return pd.Series(out, index=values.index)


def placeholder_mask(values: pd.Series, yes_no: bool = False, keeps=()) -> pd.Series:
    """True where a cell holds a "not applicable" mark (PLACEHOLDERS; in a 是/否 column
    ``yes_no=True`` 無 keeps its meaning, no; ``keeps``: words that are values in this
    column, such as 防盜封「無」)."""
    words = PLACEHOLDERS - NO_WORDS if yes_no else PLACEHOLDERS
    words = words - {fold(w) for w in keeps}
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return pd.Series(False, index=values.index)
    # Every mark is at most three characters: only those few distinct values are folded
    # (a title column has as many distinct values as rows).
    short = np.flatnonzero(pd.Series(uniques).astype("string").str.strip().str.len().le(3))
    hit = np.zeros(len(uniques), dtype=bool)
    for i, u in zip(short, python_values(uniques.take(short))):
        hit[i] = isinstance(u, str) and fold(u) in words
    return pd.Series(hit.take(np.where(codes >= 0, codes, 0)) & (codes >= 0), index=values.index)


def yearless_mask(values: pd.Series) -> pd.Series:
    """True where a cell holds a text date without a year (``10月13日``, ``10/13 14:30``)."""

    def parse(u: pd.Series):
        is_text = u.map(type).eq(str)  # type: ignore[arg-type]  # pandas-stubs reject a type as the scalar; eq compares with ==
        out = pd.Series(False, index=u.index)
        if is_text.any():
            parts = _normalise_text(u[is_text]).astype(str).str.extract(_DATE_TEXT)
            out[is_text] = (parts["m"].notna() & parts["y"].isna()).to_numpy()
        return out, None

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return pd.Series(False, index=values.index)
    hit = parse(pd.Series(python_values(uniques), dtype=object))[0].to_numpy(dtype=bool)
    return pd.Series(hit.take(np.where(codes >= 0, codes, 0)) & (codes >= 0), index=values.index)


def _normalise_text(values: pd.Series) -> pd.Series:
    uniques = values.unique()
    mapping = {u: unicodedata.normalize("NFKC", u).strip() for u in uniques}
    return values.map(mapping)


def parse_dates(
    values: pd.Series, default_year: int, epoch: pd.Timestamp = _EXCEL_EPOCH
) -> tuple[pd.Series, pd.Series]:
    """Dates and date-times: real Excel dates, serial numbers, and text such as
    ``2023/2/16``, ``2023-02-16``, ``2023年2月16日``, ``2023.2.16 14:30``, ``20230216`` or ``2/16``
    (a text date without a year takes ``default_year``: the caller decides it, see
    workbook.tables._years).  A serial counts from ``epoch``: the workbook's date system."""
    typed, bad = _by_distinct(values, lambda u: _parse_dates(u, default_year, epoch))
    return typed.astype("datetime64[ns]"), bad


def _parse_dates(
    values: pd.Series, default_year: int, epoch: pd.Timestamp = _EXCEL_EPOCH
) -> tuple[pd.Series, pd.Series]:
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    blank = blank_mask(values)
    kinds = _kind_of(values)
    unreadable = pd.Series(False, index=values.index)

    is_dt = kinds.isin([dt.datetime, pd.Timestamp, dt.date])
    if is_dt.any():  # distinct values only (see _by_distinct): a map is cheap here
        stamps = values[is_dt].map(_timestamp)
        out[is_dt] = pd.to_datetime(stamps)
        unreadable[is_dt] = stamps.isna()

    is_num = (kinds.isin([float, int, np.float64, np.int64])) & ~blank
    if is_num.any():
        serial = values[is_num].astype(float)
        ok = serial.between(1 if epoch == _EXCEL_EPOCH else 0, (_LAST_DAY - epoch).days)
        out[ok[ok].index] = epoch + pd.to_timedelta(serial[ok], unit="D").dt.round("s")
        unreadable[ok[~ok].index] = True

    is_text = kinds.isin([str]) & ~blank
    if is_text.any():
        text = _normalise_text(values[is_text])
        parts = text.str.extract(_DATE_TEXT)
        compact = text.str.extract(_COMPACT_DATE)
        parts = parts.fillna(compact.reindex(columns=parts.columns))
        year = pd.to_numeric(parts["y"]).fillna(default_year)
        month, day = pd.to_numeric(parts["m"]), pd.to_numeric(parts["d"])
        in_range = (year * 10000 + month * 100 + day).between(_FIRST_KEY, _LAST_KEY)
        frame = pd.DataFrame(
            {
                "year": year.where(in_range),
                "month": month.where(in_range),
                "day": day.where(in_range),
                "hour": pd.to_numeric(parts["H"]).fillna(0),
                "minute": pd.to_numeric(parts["M"]).fillna(0),
                "second": pd.to_numeric(parts["S"]).fillna(0),
            }
        )
        parsed = pd.to_datetime(frame, errors="coerce")
        # A serial typed as text ("45678") is read like the number it is.
        numeric = pd.to_numeric(text, errors="coerce")
        from_serial = numeric.between(1, _MAX_SERIAL) & parsed.isna() & compact["y"].isna()
        if from_serial.any():
            parsed[from_serial] = epoch + pd.to_timedelta(numeric[from_serial], unit="D").dt.round(
                "s"
            )
        out[is_text] = parsed
        unreadable[is_text] = parsed.isna()

    other = ~(is_dt | is_num | is_text | blank)
    unreadable |= other
    return out, unreadable


def _timestamp(value):
    """A real date or date-time as a timestamp; NaT when it lies outside what a
    nanosecond timestamp holds (see _FIRST_DAY)."""
    try:
        stamp = pd.Timestamp(value)
    except (OverflowError, ValueError):  # pandas' OutOfBoundsDatetime is a ValueError
        return pd.NaT
    if stamp is pd.NaT or not (_FIRST_DAY <= stamp <= _LAST_DAY + pd.Timedelta(seconds=1)):
        return pd.NaT
    return stamp.as_unit("ns")


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """是/否, 有/無, Y/N, ✓/✗, TRUE/FALSE, 1/0 (and real Excel booleans) as a nullable boolean."""
    return _by_distinct(values, _parse_bools)


def _parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    bad = pd.Series(False, index=values.index)
    for i, u in zip(values.index, values):
        if u is None or (isinstance(u, float) and u != u) or (isinstance(u, str) and not u.strip()):
            continue
        if isinstance(u, (bool, np.bool_)):
            out[i] = bool(u)
            continue
        key = fold(u if not isinstance(u, float) or not u.is_integer() else int(u))
        if key.endswith(".0") and key[:-2] in ("0", "1"):
            key = key[:-2]
        if key in YES_WORDS:
            out[i] = True
        elif key in NO_WORDS:
            out[i] = False
        else:
            bad[i] = True
    return out, bad


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, including numbers typed as text (full-width digits, thousands separators,
    ¥ and 元).  Text such as ``五十`` is unreadable, not zero."""
    typed, bad = _by_distinct(values, _parse_numbers)
    return typed.astype("float64"), bad


def _parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    blank = blank_mask(values)
    kinds = _kind_of(values)
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    # Decimal: xlwings on Windows reads a Currency- or Accounting-formatted cell as Decimal
    # (Range.Value's Currency type; xlwings issues #65, #640).
    is_num = kinds.isin([float, int, np.float64, np.int64, Decimal]) & ~blank
    out[is_num] = values[is_num].astype(float)
    is_text = kinds.isin([str]) & ~blank
    if is_text.any():
        text = _normalise_text(values[is_text]).str.replace(r"[,\s¥￥$元]", "", regex=True)
        # An accountant's negative: (120) is -120 (full-width parentheses are NFKC'd above).
        text = text.str.replace(r"^\((.+)\)$", r"-\1", regex=True)
        out[is_text] = pd.to_numeric(text, errors="coerce")
    unreadable = ~blank & out.isna()
    return out, unreadable


def parse_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text as written, stripped; numbers and dates are turned into their text form."""
    if values.dtype != object and pd.api.types.is_string_dtype(values.dtype):
        # A column read as text (fastexcel): strip in Arrow, no Python call per distinct
        # value (names and addresses have tens of thousands).  Arrow's whitespace is
        # Python's (tests/test_coerce.py checks every whitespace character).
        text = values.str.strip()
        blank = text.isna() | text.eq("")
        return text.where(~blank).astype("string"), pd.Series(False, index=values.index)
    typed, bad = _by_distinct(values, _parse_text)
    return typed.astype("string"), bad


def _parse_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    blank = blank_mask(values)
    text = values.map(_as_text, na_action="ignore")
    out = text.where(~blank).astype("string")
    return out, pd.Series(False, index=values.index)


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


PARSERS = {
    "text": lambda values, year: parse_text(values),
    "date": parse_dates,  # also takes the workbook's epoch: parse_dates(values, year, epoch)
    "datetime": parse_dates,
    "bool": lambda values, year: parse_bools(values),
    "number": lambda values, year: parse_numbers(values),
}
