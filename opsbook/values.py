"""One value normaliser: what counts as blank, how a cell value is shown in a message, and
how it goes into JSON, the violations sheet and summary sheets.

Before this module each layer had its own (engine, report, summaries, writers); a value
shown one way in a message and another in the violations sheet was the result.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

BLANK_SHOWN = "（空白）"  # how an empty cell reads inside a message


def is_na(value: Any) -> bool:
    """None, pandas' NA/NaT or a float NaN: no value at all (an empty string is a value here;
    see ``json_value`` for cell semantics)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def shown(value: Any) -> str:
    """A cell value as a message quotes it: dates as YYYY-MM-DD (with the time when it has
    one), yes/no as 是/否, whole floats without ``.0``, blanks as （空白）."""
    if is_na(value):
        return BLANK_SHOWN
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        return (
            stamp.strftime("%Y-%m-%d")
            if stamp == stamp.normalize()
            else stamp.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def json_value(value: Any) -> Any:
    """A raw cell value as it goes into JSON and the violations sheet: None for a blank
    cell, whole floats as int, dates as ``shown`` text."""
    if is_na(value) or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return shown(value)
    if isinstance(value, (bool, int, str)):
        return value.strip() if isinstance(value, str) else value
    return str(value)


def plain(value: Any, dates: str = "text") -> Any:
    """A summary value as JSON or Excel takes it: None for NA, Python numbers, and dates as
    YYYY-MM-DD text (``dates="text"``) or datetime objects (``dates="python"``)."""
    if is_na(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return (
            value.strftime("%Y-%m-%d") if dates == "text" else pd.Timestamp(value).to_pydatetime()
        )
    if hasattr(value, "item"):
        return value.item()
    return value


def record_value(value: Any) -> Any:
    """A field of a violation record: None for NA, Python scalars for numpy ones, a list of
    rows as a tuple of ints."""
    if is_na(value):
        return None
    if isinstance(value, list):
        return tuple(int(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        return value.item()
    return value


def same_text_key(value):
    """A key under which equal values are written alike (to JSON or a cell), or None: 1,
    1.0 and True are written differently (the type is in the key), and so are 0.0 and -0.0
    (the sign is); other types (Decimal('1.0') == Decimal('1.00')) get no key.  Lets a
    writer render each distinct value once."""
    kind = type(value)
    if kind is float:
        return kind, value, math.copysign(1.0, value)
    if kind in (str, int, bool) or value is None:
        return kind, value
    return None


def map_per_text_key(values: list, fn) -> list:
    """``[fn(v) for v in values]`` with ``fn`` called once per ``same_text_key`` (each value
    without a key on its own): 40,000 fees of three amounts are written three times."""
    done: dict = {}
    out = []
    for value in values:
        key = same_text_key(value)
        if key is None:
            out.append(fn(value))
            continue
        text = done.get(key, done)
        if text is done:
            text = done[key] = fn(value)
        out.append(text)
    return out


def distinct_codes(values, missing: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Each value's number, in order of first appearance, and the position of each number's
    first value: what a writer needs to render a column once per distinct value.  An object
    array's values are told apart by their type too (True, 1 and 1.0 are equal as Python
    values, not as text), and -0.0 from 0.0.  ``missing``: missing values are numbered -1 (and have no first);
    else each kind of missing value (None, NaN, NaT, NA) is a value of its own."""
    codes, _ = pd.factorize(values, use_na_sentinel=missing)
    present = codes >= 0
    if isinstance(values, np.ndarray) and values.dtype == object and len(values):
        kinds, types = pd.factorize(np.fromiter(map(type, values), dtype=object, count=len(values)))
        floats = [i for i, t in enumerate(types) if issubclass(t, float)]
        negative_zero = np.zeros(len(values), dtype=bool)  # -0.0 == 0.0, but writes "-0.0"
        if floats:
            at = np.flatnonzero(np.isin(kinds, floats))
            number = values[at].astype(np.float64)
            negative_zero[at] = (number == 0) & np.signbit(number)
        if len(types) > 1 or negative_zero.any():
            key = (codes[present].astype(np.int64) * len(types) + kinds[present]) * 2
            key += negative_zero[present]
            codes = np.full(len(values), -1, dtype=np.int64)
            codes[present], _ = pd.factorize(key)
    _, firsts = np.unique(codes[present], return_index=True)
    return codes, np.flatnonzero(present)[firsts]


def arrow_array(values):
    """A column (Series or array) as one Arrow array: zero-copy for an Arrow-backed column,
    its chunks combined, large and view strings as plain strings (what the writers'
    element-wise joins and buffer reads expect)."""
    import pyarrow as pa

    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    return array
