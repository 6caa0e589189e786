"""The report as a file, written from the violation columns (never an object per violation).

- ``json``: the documented report, byte for byte what ``Report.to_json()`` gives (the
  record-by-record reference), streamed in chunks: each column is encoded once per distinct
  value (a sheet name, a clause, a message shared by many rows) and each record is one string
  format, so a violation costs a microsecond or two instead of a dataclass, a deep copy and
  the pure-Python indenting encoder.
- ``jsonl``: one violation per line, the same fields as the JSON report's ``violations``
  (``pandas.read_json(path, lines=True)``, DuckDB's ``read_json``).
- ``parquet``: the violations as a table (``value`` as text, ``rows`` a list of integers);
  the rest of the report (files, not checked, summaries, totals) is in the file's key-value
  metadata under ``opsbook.report`` as JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import asdict
from json.encoder import encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import ConfigError
from ..report import VIOLATION_FIELDS, Report, _json_default
from ..values import arrow_array, map_per_text_key
from ..values import record_value as _clean  # the report's cleaning of a field (the reference)

FORMATS = ("json", "jsonl", "parquet")
CHUNK = 20_000  # violations encoded and written at a time (~10 MB of JSON)
TEXT_FIELDS = (
    "file",
    "sheet",
    "column",
    "cell",
    "clause",
    "rule",
    "severity",
    "message",
    "message_en",
)
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # what json.dumps(ensure_ascii=False) escapes in a string

# One violation in the report's layout: json.dumps(indent=1) puts a violation at depth 2 and
# its fields at depth 3 ("rows" items at depth 4).  Each record ends with the separator; the
# last one's is cut off.
_JSON_PIECES = [
    "  {\n" + f'   "{VIOLATION_FIELDS[0]}": ',
    *(f',\n   "{name}": ' for name in VIOLATION_FIELDS[1:]),
    "\n  },\n",
]
_JSONL_PIECES = [
    "{" + f'"{VIOLATION_FIELDS[0]}": ',
    *(f', "{name}": ' for name in VIOLATION_FIELDS[1:]),
    "}\n",
]


def write_report(report: Report, path: Path, fmt: str = "json") -> None:
    """Write ``report`` to ``path`` as ``fmt`` (json, jsonl or parquet)."""
    if fmt == "parquet":
        _write_parquet(report, Path(path))
        return
    chunks = (
        json_chunks(report) if fmt == "json" else jsonl_chunks(report) if fmt == "jsonl" else None
    )
    if chunks is None:
        raise ConfigError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)


def report_json(report: Report) -> str:
    """The JSON report as one string (``Report.to_json()``'s text, built from columns)."""
    return b"".join(json_chunks(report)).decode("utf-8")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=_json_default)


def json_chunks(report: Report, chunk: int = CHUNK) -> Iterator[bytes | memoryview]:
    """The JSON report in UTF-8 pieces: the head, the violations ``chunk`` at a time, the tail."""
    head = _dump(
        {
            "opsbook": __version__,
            "as_of": report.as_of.isoformat(),
            "files": [asdict(f) for f in report.files],
        }
    )
    tail = _dump(
        {
            "not_checked": report.not_checked,
            "summaries": report.summaries,
            "summary": report.summary(),
        }
    )
    frame = report.frame
    yield (head[:-2] + ',\n "violations": ').encode()  # head without its closing "\n}"
    if not len(frame):
        yield b"[]"
    else:
        yield b"[\n"
        for start in range(0, len(frame), chunk):
            text = _records(frame.iloc[start : start + chunk], _JSON_PIECES, indented=True)
            yield text[:-2] if start + chunk >= len(frame) else text  # no comma after the last
        yield b"\n ]"
    yield (",\n" + tail[2:]).encode()  # tail without its opening "{\n"


def jsonl_chunks(report: Report, chunk: int = CHUNK) -> Iterator[bytes | memoryview]:
    """One violation per line, as ``json.dumps(record, ensure_ascii=False)`` writes it."""
    frame = report.frame
    for start in range(0, len(frame), chunk):
        yield _records(frame.iloc[start : start + chunk], _JSONL_PIECES, indented=False)


def _records(frame: pd.DataFrame, pieces: list[str], indented: bool) -> memoryview:
    """The records of ``frame`` as UTF-8: every column encoded as JSON text in Arrow, the
    records joined element-wise there, the bytes taken from the result's data buffer."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name in VIOLATION_FIELDS:
        series = frame[name]
        if name in TEXT_FIELDS:
            columns.append(_text_json(series))
        elif name == "rows":
            columns.append(_rows_json(series.tolist(), indented))
        elif name == "row":
            columns.append(_ints_json(series.tolist()))
        else:
            columns.append(pa.array(_scalars(series.tolist()), type=pa.string()))
    args = [pa.scalar(pieces[0])]
    for column, piece in zip(columns, pieces[1:]):
        args += [column, pa.scalar(piece)]
    records = pc.binary_join_element_wise(*args, "")
    return _utf8(records)


def _utf8(array) -> memoryview:
    """The concatenated values of a string array, straight from its data buffer."""
    import numpy as np

    offsets = np.frombuffer(
        array.buffers()[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4
    )
    return memoryview(array.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _text_json(series: pd.Series):
    """A column of text (or missing) values as JSON strings: quoted in Arrow, the few values
    with a quote, backslash or control character escaped by json's encoder."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = arrow_array(series)  # zero-copy for Arrow-backed text
    if not pa.types.is_string(values.type):
        if not pa.types.is_null(values.type):  # not text: each value as json.dumps writes it
            return pa.array([_scalar(v) for v in series.tolist()], type=pa.string())
        values = values.cast(pa.string())
    # Each distinct text quoted once (a sheet name, clause or message repeats on thousands
    # of violations), then spread back by the dictionary's indices.
    encoded = values.dictionary_encode()
    distinct = encoded.dictionary
    quoted = pc.binary_join_element_wise(pa.scalar('"'), distinct, pa.scalar('"'), "")
    escape = pc.match_substring_regex(distinct, _NEEDS_ESCAPE)
    if pc.any(escape).as_py():
        fixed = [
            encode_basestring(v) if e else None
            for v, e in zip(distinct.to_pylist(), escape.to_pylist())
        ]
        quoted = pc.if_else(escape, pa.array(fixed, type=pa.string()), quoted)
    return quoted.take(encoded.indices).fill_null("null")


def _ints_json(values: list):
    """Worksheet rows: whole numbers or missing, cast to text in Arrow (anything else, as a
    float row, the way json.dumps writes it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if all(type(v) is int or v is None for v in values):
        return pc.cast(pa.array(values, type=pa.int64()), pa.string()).fill_null("null")
    return pa.array([_scalar(v) for v in values], type=pa.string())


def _rows_json(values: list, indented: bool):
    """The ``rows`` lists: a one-row list (a row rule's) built in Arrow, the others in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        lists = pa.array(values, type=pa.list_(pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        lists = pa.array([_clean(v) for v in values], type=pa.list_(pa.int64()))
    single = pc.equal(pc.list_value_length(lists), 1)
    first = pc.cast(
        pc.list_element(
            pc.if_else(single, lists, pa.array([[0]] * len(lists), type=lists.type)), 0
        ),
        pa.string(),
    )
    open_, close = ("[\n    ", "\n   ]") if indented else ("[", "]")
    out = pc.binary_join_element_wise(pa.scalar(open_), first, pa.scalar(close), "")
    if not pc.all(single).as_py():
        text = _rows_indented if indented else _rows_inline
        others = [None if s else text(v) for v, s in zip(values, single.to_pylist())]
        out = pc.if_else(single, out, pa.array(others, type=pa.string()))
    return out


def _scalars(values: list) -> list[str]:
    """``_scalar`` of each value, computed once per distinct key (values.same_text_key)."""
    return map_per_text_key(values, _scalar)


def _scalar(value: Any) -> str:
    """One value as json.dumps writes it after the report's cleaning (_clean)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    value = _clean(value)
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _rows_indented(rows) -> str:
    rows = _clean(rows)
    if not rows:
        return "[]"
    return "[\n    " + ",\n    ".join(int.__repr__(int(r)) for r in rows) + "\n   ]"


def _rows_inline(rows) -> str:
    rows = _clean(rows)
    return "[" + ", ".join(int.__repr__(int(r)) for r in rows) + "]"


def _value_text(value: Any) -> str | None:
    """A cell value for the Parquet table's text column: text as written, other values as
    their JSON (12, 3.5, true)."""
    value = _clean(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    text = _scalar(value)
    return json.loads(text) if text.startswith('"') else text  # a date goes into JSON as text


def _write_parquet(report: Report, path: Path, chunk: int = CHUNK) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            (
                name,
                pa.int64()
                if name == "row"
                else pa.list_(pa.int64())
                if name == "rows"
                else pa.string(),
            )
            for name in VIOLATION_FIELDS
        ],
        metadata={
            "opsbook.version": __version__,
            "opsbook.as_of": report.as_of.isoformat(),
            "opsbook.report": _dump(
                {
                    "opsbook": __version__,
                    "as_of": report.as_of.isoformat(),
                    "files": [asdict(f) for f in report.files],
                    "not_checked": report.not_checked,
                    "summaries": report.summaries,
                    "summary": report.summary(),
                }
            ),
        },
    )
    frame = report.frame
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(frame), 1), chunk):
            part = frame.iloc[start : start + chunk]
            arrays = []
            for name in VIOLATION_FIELDS:
                if name in TEXT_FIELDS:
                    values = arrow_array(part[name])
                    if not (pa.types.is_string(values.type) or pa.types.is_null(values.type)):
                        values = [_value_text(v) for v in part[name].tolist()]
                else:
                    values = part[name].tolist()
                    if name == "row":
                        if not all(type(v) is int or v is None for v in values):
                            values = [None if _clean(v) is None else int(v) for v in values]
                    elif name == "rows":
                        try:
                            values = pa.array(values, type=pa.list_(pa.int64()))
                        except (pa.ArrowInvalid, pa.ArrowTypeError):
                            values = [[int(r) for r in _clean(v)] for v in values]
                    else:
                        values = [
                            v if type(v) is str or v is None else _value_text(v) for v in values
                        ]
                arrays.append(
                    pa.array(values, type=schema.field(name).type)
                    if isinstance(values, list)
                    else values.cast(schema.field(name).type)
                )
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
