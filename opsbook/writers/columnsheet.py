"""A new sheet rendered from columns: the 違規清單 of hundreds of thousands of violations.

``newsheet.render`` builds a sheet cell by cell from a grid of Python values, which is right
for summaries of a few hundred cells; a violations sheet of 400,000 lines is 3.6 million
cells.  Here each column is turned into its cells' XML once per distinct value (a sheet
name, a clause, a message shared by many rows) or in Arrow (row numbers, cell references),
the cells of a chunk of rows are joined element-wise in Arrow, and each chunk leaves as one
string of bytes into a deflating spool: the sheet is never whole in memory.

The bytes are those ``newsheet.render`` writes for the same grid (tested), so the two
writers can be used interchangeably.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..ooxml.package import PartSpool, SpooledPart
from ..values import arrow_array, distinct_codes, map_per_text_key
from ..workbook.cells import column_letter
from .newsheet import MAIN
from .xmltext import CELL_TEXT_MAX, attr, cell_text

CHUNK = 20_000  # rows rendered at a time (~10 MB of XML)
_PLAIN_REF = re.compile(r"^[A-Z]{1,3}[0-9]{1,7}$")  # a cell reference: nothing to escape
_cell_text = (
    cell_text  # how newsheet.render escapes a cell's text (cut at 32,767 characters, _xHHHH_)
)


def render_columns(
    headers: Sequence[str],
    columns: Sequence[pd.Series],
    rel_ns: str,
    *,
    header_style: int | None = None,
    widths: dict[int, float] | None = None,
    link: tuple[int, int] | None = None,
    chunk: int = CHUNK,
    freeze_header: bool = True,
    autofilter: bool = True,
) -> Iterator[bytes | memoryview]:
    """The worksheet XML of a header row over ``columns`` (equal-length Series), in pieces.

    ``link=(c, s)``: every non-empty value of column ``c`` is a cell reference, linked to that
    cell on the sheet named in column ``s`` of the same row.  Byte for byte what
    ``newsheet.render(SheetContent(rows=[headers, *rows], row_styles={0: header_style},
    widths=widths, links=..., freeze_header=..., autofilter=...))`` gives."""
    n = len(columns[0]) if columns else 0
    width = max(len(headers), 1)
    letters = [column_letter(c) for c in range(width)]
    last = f"{letters[-1]}{n + 1}"
    head = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{rel_ns}">',
        f'<dimension ref="A1:{last}"/>',
    ]
    if freeze_header:
        head.append(
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        )
    if widths:
        head.append(
            "<cols>"
            + "".join(
                f'<col min="{c + 1}" max="{c + 1}" width="{w}" customWidth="1"/>'
                for c, w in sorted(widths.items())
            )
            + "</cols>"
        )
    style = f' s="{header_style}"' if header_style else ""
    head.append(
        '<sheetData><row r="1">'
        + "".join(
            f'<c r="{letters[c]}1"{style}/>'
            if not h
            else f'<c r="{letters[c]}1"{style} t="inlineStr"><is><t{_space(h)}>{_cell_text(h)}</t></is></c>'
            for c, h in enumerate(headers)
        )
        + "</row>"
    )
    yield "".join(head).encode("utf-8")
    for start in range(0, n, chunk):
        numbers = _numbers(start + 2, min(chunk, n - start))
        # One join for the whole row: a cell that is never empty goes in as its pieces; a
        # column with empty cells is joined first (an empty value has no cell at all).
        pieces = [pa.scalar('<row r="'), numbers, pa.scalar('">')]
        for c, column in enumerate(columns):
            rest = _cell_rests(column.iloc[start : start + chunk])
            opening = pa.scalar(f'<c r="{letters[c]}')
            if rest.null_count:
                pieces.append(
                    pc.binary_join_element_wise(
                        opening, numbers, pa.scalar('"'), rest, ""
                    ).fill_null("")
                )
            else:
                pieces += [opening, numbers, pa.scalar('"'), rest]
        pieces.append(pa.scalar("</row>"))
        yield _utf8(pc.binary_join_element_wise(*_merged_scalars(pieces), ""))
    tail = ["</sheetData>"]
    if n and autofilter:
        tail.append(f'<autoFilter ref="A1:{last}"/>')
    yield "".join(tail).encode("utf-8")
    if link is not None and n:
        opened = False
        for start in range(0, n, chunk):
            part = _links(
                columns[link[0]].iloc[start : start + chunk],
                columns[link[1]].iloc[start : start + chunk],
                letters[link[0]],
                start + 2,
            )
            if part is not None:
                if not opened:
                    yield b"<hyperlinks>"
                    opened = True
                yield part
        if opened:
            yield b"</hyperlinks>"
    yield (
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        b"</worksheet>"
    )


def _merged_scalars(pieces: list) -> list:
    """Adjacent constant pieces joined into one (fewer arguments for Arrow to copy)."""
    out: list = []
    for piece in pieces:
        if isinstance(piece, pa.Scalar) and out and isinstance(out[-1], pa.Scalar):
            out[-1] = pa.scalar(out[-1].as_py() + piece.as_py())
        else:
            out.append(piece)
    return out


def spool_rows(rows: list[list], rel_ns: str, size_hint: int = 1 << 20, **options) -> SpooledPart:
    """A sheet of ``rows`` (header first, rows of one length) rendered column-wise into a
    deflating spool: ``render(SheetContent(rows=rows, **options))`` for a grid too big to
    render a cell at a time."""
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):  # short rows: their missing cells are empty
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    body = [list(c) for c in zip(*rows[1:])] if len(rows) > 1 else [[] for _ in range(width)]
    return spool_columns(rows[0], body, rel_ns, size_hint, **options)


def spool_columns(
    headers: Sequence[str],
    columns: Sequence[list],
    rel_ns: str,
    size_hint: int = 1 << 20,
    **options,
) -> SpooledPart:
    """``spool_rows`` of a header and columns (lists of one length): the state sheet of a
    run with 300,000 marks, never turned into a list per row."""
    series = [_series(values) for values in columns]
    spool = PartSpool(size_hint)
    try:
        for piece in render_columns(headers, series, rel_ns, **options):
            spool.write(piece)
    except BaseException:
        spool.file.close()
        raise
    return spool.close()


def _series(values: list) -> pd.Series:
    """A column of Python values as a Series: Arrow-backed when it is all text or all whole
    numbers (missing values allowed; Arrow infers that in C), else object values."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pd.Series(values, dtype=object)
    if pa.types.is_string(array.type) or pa.types.is_int64(array.type):
        return pd.Series(pd.arrays.ArrowExtensionArray(array))
    return pd.Series(values, dtype=object)


def _space(value: str) -> str:
    return ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""


def _rest(value) -> str | None:
    """What follows ``<c r="A2"`` for one value (None: no cell), as newsheet.render writes it."""
    if type(value) is str:
        if not value:
            return None
        return f' t="inlineStr"><is><t{_space(value)}>{_cell_text(value)}</t></is></c>'
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and not math.isfinite(value))
        or value == ""
    ):
        return None
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f"><v>{repr(float(value)) if isinstance(value, float) else value}</v></c>"
    value = str(value)
    return f' t="inlineStr"><is><t{_space(value)}>{_cell_text(value)}</t></is></c>'


def _cell_rests(column: pd.Series) -> pa.Array:
    listed = column.tolist() if column.dtype == object else None
    if listed is not None and all(type(v) is str or v is None for v in listed):
        return _text_rests(pa.array(listed, type=pa.string()))
    # Whole numbers in Arrow while they fit 64 bits (a 20-digit number goes value by value).
    if listed is not None and all(type(v) is int or v is None for v in listed) and _fit(listed):
        return _number_rests(pa.array(listed, type=pa.int64()))
    if listed is None:
        values = arrow_array(column)
        if pa.types.is_string(values.type):
            return _text_rests(values)
        if pa.types.is_int64(values.type):
            return _number_rests(values)
        listed = column.tolist()
    kinds = {type(v) for v in listed}
    if kinds <= {str, int, type(None)} and _fit(
        listed
    ):  # text and whole numbers (a state sheet's columns)
        texts = _text_rests(
            pa.array([v if type(v) is str else None for v in listed], type=pa.string())
        )
        numbers = _number_rests(
            pa.array([v if type(v) is int else None for v in listed], type=pa.int64())
        )
        return pc.coalesce(texts, numbers)
    # Mixed values (a violation's cell value): rendered once per distinct (type, value).
    if kinds <= {str, int, float, bool, type(None)}:  # numbered in C (type- and sign-aware)
        array = np.empty(len(listed), dtype=object)
        array[:] = listed
        codes, firsts = distinct_codes(array, missing=False)
        rests = pa.array([_rest(v) for v in array.take(firsts).tolist()], type=pa.string())
        return rests.take(pa.array(codes))
    return pa.array(map_per_text_key(listed, _rest), type=pa.string())


def _number_rests(numbers: pa.Array) -> pa.Array:
    """Cells of whole numbers (int64, missing: no cell)."""
    return pc.binary_join_element_wise(
        pa.scalar("><v>"), pc.cast(numbers, pa.string()), pa.scalar("</v></c>"), ""
    )


def _fit(values: list) -> bool:
    """Every int of ``values`` fits Arrow's int64."""
    ints = [v for v in values if type(v) is int]
    return not ints or (-(2**63) <= min(ints) and max(ints) < 2**63)


def _text_rests(values: pa.Array) -> pa.Array:
    """Cells of a text column, each distinct value rendered once (Arrow's dictionary
    encoding finds them).  Ordinary text (the messages: 58,810 distinct twice-a-year lines)
    is escaped in Arrow; only text that needs more than ``&<>`` escaped goes through the
    same code as newsheet.render, one value at a time."""
    encoded = values.dictionary_encode()
    distinct = encoded.dictionary
    ordinary = _ordinary(distinct)
    escaped = distinct
    for char, entity in (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;")):  # saxutils.escape's order
        escaped = pc.replace_substring(escaped, char, entity)
    rests = pc.binary_join_element_wise(
        pa.scalar(' t="inlineStr"><is><t>'), escaped, pa.scalar("</t></is></c>"), ""
    )
    if not pc.all(ordinary).as_py():
        fixed = [
            None if p else _rest(v) for v, p in zip(distinct.to_pylist(), ordinary.to_pylist())
        ]
        rests = pc.if_else(ordinary, rests, pa.array(fixed, type=pa.string()))
    return rests.take(encoded.indices)


# What xmltext.cell_text and _space change beyond &<>: characters XML cannot hold, a literal
# _xHHHH_ (ST_Xstring), a line break (xml:space), white space at either end (tested below
# per distinct first/last character, with Python's own str.isspace), text that may be cut.
_ODD_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}\n]|_x[0-9A-Fa-f]{4}_"
_SHORT = CELL_TEXT_MAX // 2  # len(value) * 2 <= the limit: xmltext.clipped leaves it whole


def _ordinary(distinct: pa.Array) -> pa.Array:
    """True where a text needs nothing but ``&<>`` escaped to be its cell's text."""
    odd = pc.match_substring_regex(distinct, _ODD_CHARS)
    odd = pc.or_(odd, pc.greater(pc.utf8_length(distinct), _SHORT))
    odd = pc.or_(odd, pc.equal(distinct, ""))
    for edge in (pc.utf8_slice_codeunits(distinct, 0, 1), pc.utf8_slice_codeunits(distinct, -1)):
        chars = edge.dictionary_encode()
        spaces = pa.array([c.isspace() for c in chars.dictionary.to_pylist()], type=pa.bool_())
        odd = pc.or_(odd, spaces.take(chars.indices))
    return pc.invert(odd.fill_null(True))


def _numbers(first: int, count: int) -> pa.Array:
    return pc.cast(pa.array(np.arange(first, first + count, dtype=np.int64)), pa.string())


def _links(cells: pd.Series, sheets: pd.Series, letters: str, first: int) -> bytes | None:
    """The hyperlink elements of the rows with a cell reference (none: None), built in
    Arrow: a plain reference has nothing to escape and no quote, so attr() of its location
    is attr() of the sheet part (once per sheet) with the reference put inside the quotes."""
    refs = _strings(cells)
    names = _strings(sheets)
    numbers = _numbers(first, len(refs))
    keep = pc.and_(pc.is_valid(refs), pc.not_equal(refs, "")).fill_null(False)
    if not pc.any(keep).as_py():
        return None
    refs, names, numbers = refs.filter(keep), names.filter(keep), numbers.filter(keep)
    encoded = names.dictionary_encode()
    quoted = [attr(f"'{s.replace(chr(39), chr(39) * 2)}'!") for s in encoded.dictionary.to_pylist()]
    opening = pa.array([q[:-1] for q in quoted], pa.string()).take(encoded.indices)
    closing = pa.array([q[-1] for q in quoted], pa.string()).take(encoded.indices)
    location = pc.binary_join_element_wise(opening, refs, closing, "")
    display = pc.binary_join_element_wise(pa.scalar('"'), refs, pa.scalar('"'), "")
    plain = pc.match_substring_regex(refs, _PLAIN_REF.pattern)
    if not pc.all(plain).as_py():  # anything else: attr() of the whole text, one by one
        odd = [
            None if p else (attr(f"'{s.replace(chr(39), chr(39) * 2)}'!{r}"), attr(r))
            for s, r, p in zip(names.to_pylist(), refs.to_pylist(), plain.to_pylist())
        ]
        location = pc.if_else(plain, location, pa.array([o and o[0] for o in odd], pa.string()))
        display = pc.if_else(plain, display, pa.array([o and o[1] for o in odd], pa.string()))
    links = pc.binary_join_element_wise(
        pa.scalar(f'<hyperlink ref="{letters}'),
        numbers,
        pa.scalar('" location='),
        location,
        pa.scalar(" display="),
        display,
        pa.scalar("/>"),
        "",
    )
    return bytes(_utf8(links))


def _strings(column: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (anything not text: missing)."""
    if column.dtype == object:
        return pa.array([v if type(v) is str else None for v in column.tolist()], type=pa.string())
    return arrow_array(column).cast(pa.string())


def _utf8(array: pa.Array) -> memoryview:
    """The concatenated values of a string array, straight from its data buffer."""
    offsets = np.frombuffer(
        array.buffers()[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4
    )
    return memoryview(array.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
