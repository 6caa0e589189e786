"""What a sheet part holds, from one streamed pass over its XML: where its cells are, whether
a reference lies past Excel's grid, its merged ranges and its in-cell pictures.

Why the cells' places matter: the fast readers (calamine under fastexcel) build a dense grid
from the first to the last cell.  One stray value at XFD1048576 beside a 200-row table makes
that grid 16,384 × 1,048,576 cells (549 GB: the allocation aborts the process, which no
``except`` can catch), and a reference past the grid (XFD1048577) does the same whatever the
table.  So every sheet is surveyed before a reader sees it: a reference past the grid refuses
the sheet, and a sheet whose cells span far more than they fill is read only over the
table's region (see ``region``), the cells left outside reported, never allocated.

The pass is the one that already looked for merges and pictures: per chunk, one ``findall``
of the cell references (C speed), turned into row and column numbers with numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .cells import column_index, column_letter

MAX_ROW = 1_048_576  # Excel's last row
MAX_COL = 16_384  # Excel's last column, XFD
# A sheet whose cells' box is within this many cells (or 4 × the cells it holds) is read as
# it is: a dense grid of 1,048,576 cells costs the readers ~30 MB (measured: 152 MB peak
# against 121 MB for the same workbook without the far cell).  Beyond that, only the
# table's region is read.
GRID_BUDGET = 1_048_576
_SCAN_OVERLAP = 4096  # longer than any element the merge and picture patterns look for

_MERGE = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\sref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"'
)
# A cell whose value is a rich value (Excel 365 "Place in Cell" picture): the vm attribute.
_VM_CELL = re.compile(
    rb'<(?:[\w.-]+:)?c\b[^>]*?\sr="([A-Z]{1,3})(\d+)"[^>]*?\svm="\d+"|'
    rb'<(?:[\w.-]+:)?c\b[^>]*?\svm="\d+"[^>]*?\sr="([A-Z]{1,3})(\d+)"'
)
# WPS in-cell picture: <c r="P2" t="str"><f>_xlfn.DISPIMG("ID_…",1)</f><v>=DISPIMG("ID_…",1)</v></c>
_DISPIMG_CELL = re.compile(
    rb'<(?:[\w.-]+:)?c\b[^>]*?\sr="([A-Z]{1,3})(\d+)"[^>]*>\s*<(?:[\w.-]+:)?f\b[^>]*>'
    rb'[^<]*?DISPIMG\(\s*(?:&quot;|")([^"&]+)'
)


@dataclass
class Survey:
    """One sheet part, surveyed.  Coordinates are 0-based (row, column)."""

    cells: int = 0  # cell references seen
    past_grid: str | None = None  # the first reference past Excel's grid, as written
    merges: tuple[tuple[int, int, int, int], ...] = ()
    pictures: frozenset[tuple[int, int]] = frozenset()
    # Which rows and columns hold cells (a row bitmap; cells per column).
    row_used: np.ndarray = field(default_factory=lambda: np.zeros(MAX_ROW, dtype=bool))
    col_cells: np.ndarray = field(default_factory=lambda: np.zeros(MAX_COL, dtype=np.int64))
    last_row_element: int = -1  # the highest <row r=…> (cells without r are placed by it)

    def bounds(self) -> tuple[int, int, int, int] | None:
        """(first_row, first_col, last_row, last_col) of every cell, None with no cells."""
        rows = np.flatnonzero(self.row_used)
        cols = np.flatnonzero(self.col_cells)
        if not len(rows) or not len(cols):
            return None
        return int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1])

    def area(self) -> int:
        box = self.bounds()
        last = max(self.last_row_element, box[2] if box else -1)
        if box is None:
            return 0
        return (last - box[0] + 1) * (box[3] - box[1] + 1)

    def region(self) -> tuple[int, int, int, int] | None:
        """The table's region when the sheet must not be read whole (its cells span more
        than GRID_BUDGET and 4 × their number), else None.  Found by cutting the widest gap
        between used rows or columns, keeping the side with more cells, until the box fits:
        the table stays, stray cells far from it fall outside."""
        box = self.bounds()
        if box is None:
            return None
        budget = max(GRID_BUDGET, 4 * self.cells)
        if self.area() <= budget and self.last_row_element <= box[2]:
            return None
        rows = np.flatnonzero(self.row_used)
        cols = np.flatnonzero(self.col_cells)
        col_weight = self.col_cells[cols]
        row_weight = np.ones(len(rows), dtype=np.int64)
        while (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1) > budget:
            row_gap = _widest_gap(rows)
            col_gap = _widest_gap(cols)
            if row_gap[1] * (cols[-1] - cols[0] + 1) >= col_gap[1] * (rows[-1] - rows[0] + 1):
                rows, row_weight = _heavier_side(rows, row_weight, row_gap[0])
            else:
                cols, col_weight = _heavier_side(cols, col_weight, col_gap[0])
        return int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1])


def _widest_gap(used: np.ndarray) -> tuple[int, int]:
    """(index after which the widest gap between used positions lies, its width)."""
    if len(used) < 2:
        return 0, 0
    gaps = np.diff(used)
    at = int(np.argmax(gaps))
    return at, int(gaps[at])


def _heavier_side(used: np.ndarray, weight: np.ndarray, at: int):
    if weight[: at + 1].sum() >= weight[at + 1 :].sum():
        return used[: at + 1], weight[: at + 1]
    return used[at + 1 :], weight[at + 1 :]


def survey(chunks, want_vm: bool = False, cell_images: frozenset[bytes] = frozenset()) -> Survey:
    """Survey a sheet part given as chunks of bytes (UTF-8)."""
    found = Survey()
    merges: list[tuple[int, int, int, int]] = []
    pictures: set[tuple[int, int]] = set()
    carry, lo = b"", 0  # bytes kept from the last piece; those before lo were surveyed
    for piece, last in _with_last(_batched(chunks)):
        data = carry + piece
        # Cut where an element starts: no reference straddles the cut, and each merge or
        # picture pattern (shorter than the overlap) starting before it is complete here.
        # With no element start (white space, long text), cut anyway: nothing to split.
        limit = max(len(data) - _SCAN_OVERLAP, 0)
        if last:
            cut = len(data)
        elif limit <= lo:
            carry = data
            continue
        else:
            cut = data.rfind(b"<", lo, limit)
            cut = limit if cut <= lo else cut
        _cells(found, data, lo, cut)
        if b"mergeCell" in data:
            merges += _merges(data, lo, cut)
        if want_vm and b' vm="' in data:
            pictures |= _vm_pictures(data, lo, cut)
        if cell_images and b"DISPIMG" in data:
            pictures |= _wps_pictures(data, lo, cut, cell_images)
        # 8 bytes before the cut stay: a quote there still sees the "r=" before it.
        keep = min(cut, 8)
        carry, lo = data[cut - keep :], keep
    found.merges, found.pictures = tuple(merges), frozenset(pictures)
    return found


# Byte → value tables: letters (either case) 1…26, digits 0…9, the characters before r=.
_LETTER = np.zeros(256, dtype=np.int64)
_LETTER[65:91] = _LETTER[97:123] = np.arange(1, 27)
_DIGIT = np.full(256, -1, dtype=np.int64)
_DIGIT[48:58] = np.arange(10)
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[32, 9, 10, 13]] = True


def _cells(found: Survey, data: bytes, lo: int, cut: int) -> None:
    """Every r="…" attribute that starts in ``data[lo:cut]`` — a cell's reference
    (b"B7"), a row's number (b"7") — into ``found``.  Vectorised over the bytes, with no
    Python object and no matrix per cell (a chunk's arrays stay small enough to be reused
    rather than faulted in anew): the quotes (" or ') preceded by a space and r= are found
    with numpy, each value ends at the next quote, and its letters and digits are read by
    gathering one byte position at a time."""
    b = np.frombuffer(data, dtype=np.uint8)
    head = b[3:]
    quotes = np.flatnonzero((head == 34) | (head == 39)) + 3
    opening = (b[quotes - 1] == 61) & (b[quotes - 2] == 114) & _SPACE[b[quotes - 3]]
    opening &= (quotes < cut) & (quotes >= lo)
    at = np.flatnonzero(opening)
    if not len(at):
        return
    closed = at + 1 < len(quotes)
    start = quotes[at] + 1
    length = np.where(closed, quotes[np.minimum(at + 1, len(quotes) - 1)] - start, 99)
    last = len(b) - 1
    letters = [_LETTER[b[np.minimum(start + k, last)]] for k in range(4)]
    n_letters = np.zeros(len(at), dtype=np.int64)
    still = np.ones(len(at), dtype=bool)
    for k in range(4):
        still &= (letters[k] > 0) & (k < length)
        n_letters += still
    col = np.where(
        n_letters == 1,
        letters[0],
        np.where(
            n_letters == 2,
            letters[0] * 26 + letters[1],
            letters[0] * 676 + letters[1] * 26 + letters[2],
        ),
    )
    n_digits = length - n_letters
    row = np.zeros(len(at), dtype=np.int64)
    digits_ok = np.ones(len(at), dtype=bool)
    first = start + n_letters
    for k in range(8):
        d = _DIGIT[b[np.minimum(first + k, last)]]
        wanted = k < n_digits
        digits_ok &= ~wanted | (d >= 0)
        row = np.where(wanted, row * 10 + d, row)
    row_elements = (n_letters == 0) & (n_digits > 0) & digits_ok
    cell = (n_letters > 0) & (n_digits > 0) & digits_ok
    past = (n_letters > 3) | (n_digits > 7) | (col > MAX_COL) | (row > MAX_ROW)
    past = (past & (row_elements | cell)) | (cell & (row < 1))
    # A value this long or never closed is no reference opsbook can place: past the grid
    # when it starts like one (XFD10485770, AAAA1).
    past |= ((n_letters > 0) | (n_digits > 0)) & (length > 10) & digits_ok
    if past.any():
        if found.past_grid is None:
            i = int(np.argmax(past & cell)) if (past & cell).any() else int(np.argmax(past))
            text = bytes(b[start[i] : start[i] + min(int(length[i]), 16)]).decode(
                "ascii", "replace"
            )
            found.past_grid = f"row {text}" if n_letters[i] == 0 else text
        row_elements &= ~past
        cell &= ~past
    if row_elements.any():
        found.last_row_element = max(found.last_row_element, int(row[row_elements].max()) - 1)
    found.cells += int(cell.sum())
    found.row_used[row[cell] - 1] = True
    counts = np.bincount(col[cell] - 1)  # as long as the last column used: small
    found.col_cells[: len(counts)] += counts


def _merges(data: bytes, lo: int, cut: int) -> list[tuple[int, int, int, int]]:
    out = []
    for m in _MERGE.finditer(data, lo, len(data)):
        if m.start() >= cut:
            break
        r1, c1 = int(m.group(2)) - 1, column_index(m.group(1).decode())
        r2, c2 = (
            (int(m.group(4)) - 1, column_index(m.group(3).decode())) if m.group(3) else (r1, c1)
        )
        if (r1, c1) != (r2, c2):
            out.append((r1, c1, r2, c2))
    return out


def _vm_pictures(data: bytes, lo: int, cut: int) -> set[tuple[int, int]]:
    out = set()
    for m in _VM_CELL.finditer(data, lo):
        if m.start() >= cut:
            break
        letters, row = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out.add((int(row) - 1, column_index(letters.decode())))
    return out


def _wps_pictures(data: bytes, lo: int, cut: int, names: frozenset[bytes]) -> set[tuple[int, int]]:
    out = set()
    for m in _DISPIMG_CELL.finditer(data, lo):
        if m.start() >= cut:
            break
        if m.group(3) in names:
            out.add((int(m.group(2)) - 1, column_index(m.group(1).decode())))
    return out


def _batched(chunks, size: int = 1 << 16):
    """The chunks joined into pieces of about ``size`` bytes: the per-piece work (a few
    numpy calls) is then paid ~100 times for a 100 MB sheet, not 1,500 times."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _with_last(chunks):
    """(chunk, is_last) for each chunk of an iterator."""
    previous = None
    for chunk in chunks:
        if previous is not None:
            yield previous, False
        previous = chunk
    if previous is not None:
        yield previous, True


def a1(row: int, col: int) -> str:
    """0-based (row, column) → "B7"."""
    return f"{column_letter(col)}{row + 1}"


def a1_range(box: tuple[int, int, int, int]) -> str:
    return f"{a1(box[0], box[1])}:{a1(box[2], box[3])}"
