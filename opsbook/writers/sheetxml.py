"""The marks splicer: change the style index of marked cells in a streamed worksheet part,
and create the marked cells and rows that do not exist yet (a blank signature).

The part streams through ``RowStream`` (ooxml/rowstream.py); the tag patterns are in
ooxml/tags.py.  Every marked row is edited by one function, ``SheetSplicer._edit_row``;
what differs between sheets is only how the row is found: by one literal search for
``<row r="N"`` when every row tag starts with its number (as Excel, openpyxl and XlsxWriter
write them), else by the scan of every row tag.  Within the row a marked cell is found by
``<c r="D12"`` when every cell tag starts with its reference, else by the scan of the
row's cells.  A start tag to edit that is not what the patterns expect, or a style index
that is not a number, refuses the sheet (RefusedToPatch) rather than write it broken.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import cast

from ..errors import RefusedToPatch, UnreadableWorkbook
from ..ooxml.rowstream import RowStream
from ..ooxml.tags import (
    ATTR,
    ATTR_S,
    COLS,
    CUSTOM_FORMAT,
    START_TAG,
    cell_pattern,
    cell_refs,
    cells_numbered,
    end_tag,
    numbered_row_tags,
)
from ..workbook.cells import column_index, column_letter

# One marked cell, as a plain tuple (a violation costs microseconds, issue 15):
# (ref, style before, style after, base).  The style before is None when opsbook created
# the cell and -1 when the cell had no s attribute; ``base`` is the style a created cell
# would have had (its column's or row's), 0 for a restyled cell.
Restyled = tuple[str, "int | None", int, int]

# Start tags restyled, remembered by what follows their reference: bounded, in case every
# cell of a sheet carries attributes of its own.
_MAX_REMEMBERED = 4096
_MANY_ROWS = 64  # marked rows in a chunk (of about a thousand) that make counting it whole pay


def cells_in(xml: bytes, prefix: bytes, start: int, stop: int):
    """(start-tag match, 0-based column, end of the element) of each cell in xml[start:stop];
    a cell without an r attribute follows the one before it."""
    cell_re = cell_pattern(prefix)
    close = end_tag(prefix, b"c")
    col, pos = -1, start
    while True:
        m = cell_re.search(xml, pos, stop)
        if m is None:
            return
        col = _column_of(m.group(1).upper()) if m.group(1) else col + 1
        if m.group(3):
            element_end = m.end()
        else:
            end = close.search(xml, m.end(), stop)
            if end is None:
                raise UnreadableWorkbook(f"a cell ({m.group(0)[:40]!r}) has no end tag in its row")
            element_end = end.end()
        yield m, col, element_end
        pos = element_end


@functools.lru_cache(maxsize=16384)
def _column_of(letters: bytes) -> int:
    return column_index(letters.decode())


def _column_styles(xml: bytes, upto: int) -> dict[int, int]:
    """Column default styles from <cols> (0-based column → style), for cells we create."""
    styles: dict[int, int] = {}
    for m in COLS.finditer(xml, 0, upto):
        attrs = {name: value.strip() for name, _, value in ATTR.findall(m.group(1))}
        try:
            style = int(attrs[b"style"]) if b"style" in attrs else None
            low, high = int(attrs.get(b"min", b"1")), int(attrs.get(b"max", b"1"))
        except ValueError:
            continue  # an unreadable <col>: cells created there get style 0
        if style is not None and style >= 0:
            for c in range(max(low, 1) - 1, min(high, 16384)):
                styles[c] = style
    return styles


def restyle_cells(
    xml: bytes, marks: dict[int, dict[int, str]], style_for
) -> tuple[bytes, list[Restyled]]:
    """Give every marked cell (row → {0-based column → severity}) the style
    ``style_for(original_style, severity)``; create missing cells and rows.  The whole
    part at once: SheetSplicer fed one chunk."""
    splicer = SheetSplicer(marks, style_for)
    body = splicer.feed(xml) + splicer.finish()
    return body + splicer.tail, splicer.changes


class SheetSplicer(RowStream):
    """restyle_cells over a stream (see RowStream): marks are row → {0-based column →
    severity}; a marked cell or row missing from the XML is created.  A chunk whose rows
    are all numbered has its marked rows found by a literal search each (a chunk missing
    a marked row is cut around it); any other chunk is scanned row by row.  Either way
    the row is edited by ``_edit_row``."""

    def __init__(self, marks: dict[int, dict[int, str]], style_for):
        super().__init__(marks)
        self.style_for = style_for
        self.changes: list[Restyled] = []
        self._row_rests: dict[bytes, int | None] = {}  # row tag after r="N" → row style
        self._cell_rests: dict[tuple[bytes, str], tuple[bytes, int, int]] = {}
        self._letters: dict[int, tuple[str, bytes]] = {}  # column → its letters, <c r="letters

    def _begin(self, head: bytes, sheet_data_at: int) -> None:
        self._col_styles = _column_styles(head, sheet_data_at)
        self._cell_open = b"<" + self.prefix + b'c r="'
        self._row_tagged = self._row_start + b' r="'
        self._row_end_open = self._row_close[:-1]  # </row

    # finding the rows ----------------------------------------------------------------------
    def _splice_direct(self, xml: bytes) -> bytes | None:
        direct = super()._splice_direct(xml)
        return direct if direct is not None else self._splice_around_new_rows(xml)

    def _splice_around_new_rows(self, xml: bytes) -> bytes | None:
        """A chunk where a marked row is missing, its rows all numbered and ascending: the
        missing rows are made where the scan puts them (before the first row with a higher
        number) and the pieces between go the direct way, rather than the scan of every
        row.  None for any other chunk (the scan decides)."""
        tagged = self._row_tagged
        count = self._tagged_rows(xml)
        if count <= 0:
            return None
        starts, numbers = [], []
        for m in numbered_row_tags(tagged).finditer(xml):
            starts.append(m.start())
            numbers.append(int(m.group(1)))
        if len(numbers) != count:  # (ascending: _check_order refused the chunk otherwise)
            return None
        out: list[bytes] = []
        pos = 0
        for row in itertools.islice(self._order, self._next, None):
            if row >= numbers[-1]:
                break
            i = bisect.bisect_left(numbers, row)
            if row not in self._pending or numbers[i] == row:
                continue
            if starts[i] > pos:
                out.append(self._splice_piece(xml[pos : starts[i]]))
                pos = starts[i]
            out.append(self._new_row(row))
        out.append(self._splice_piece(xml[pos:]))
        return b"".join(out)

    def _splice_piece(self, xml: bytes) -> bytes:
        """Part of a chunk cut before a row: as ``_splice`` edits a chunk."""
        if self._row_start not in xml:
            return xml  # the white space before the chunk's first row
        direct = super()._splice_direct(xml)
        return direct if direct is not None else self._splice_scan(xml)

    def _splice_places(
        self, xml: bytes, places: list[tuple[int, int]], last_at: int
    ) -> list[bytes]:
        """The chunk's pieces, each marked row (where it starts, its number) edited."""
        # Many marked rows: one count over the chunk vouches for the cells of all its rows
        # (cheaper than three counts a row); few: each row is counted.
        numbered = len(places) >= _MANY_ROWS and cells_numbered(xml, self.prefix)
        out: list[bytes] = []
        pos = 0
        for found, row in places:
            if found != pos:
                out.append(xml[pos:found])
            tag_end = xml.find(b">", found) + 1
            if tag_end == 0:
                raise UnreadableWorkbook(f"row {row}'s start tag has no end")
            pos = self._edit_row(xml, found, tag_end, row, numbered, out)
        out.append(xml[pos:])
        return out

    def _splice_scan(self, xml: bytes) -> bytes:
        """The slow path finds the rows: any row order, rows with or without r, rows to
        create before the first row with a higher number."""
        out: list[bytes] = []
        pos = 0
        order = self._order
        for m, row_number in self._numbered_rows(xml):
            while self._next < len(order) and order[self._next] < row_number:
                missing = order[self._next]  # a marked row missing from the XML
                self._next += 1
                if missing in self._pending:
                    out.append(xml[pos : m.start()])
                    pos = m.start()
                    out.append(self._new_row(missing))
            if row_number not in self._pending:
                continue
            out.append(xml[pos : m.start()])
            pos = self._edit_row(xml, m.start(), m.end(), row_number, False, out)
        out.append(xml[pos:])
        return b"".join(out)

    # editing a row -------------------------------------------------------------------------
    def _edit_row(
        self, xml: bytes, start: int, tag_end: int, row: int, numbered: bool, out: list[bytes]
    ) -> int:
        """Row ``row``, its start tag xml[start:tag_end], onto ``out`` with its marked cells
        restyled and its missing marked cells created (before the first cell to their
        right); returns where the row ends.  ``numbered``: every cell tag of the chunk is
        known to start with its reference.  Lean on purpose: this runs once per marked row,
        its loop once per mark."""
        marks = self._pending.pop(row)
        row_style = self._row_style_at(xml, start, tag_end, row)
        prefix = self.prefix
        if xml[tag_end - 2] == 47:  # "/>": a self-closing row, opened to hold the new cells
            new_cells = b"".join(
                self._new_cell(row, c, sev, row_style) for c, sev in sorted(marks.items())
            )
            out += (xml[start : tag_end - 2].rstrip() + b">", new_cells, self._row_close)
            return tag_end
        end = xml.find(self._row_end_open, tag_end)  # </row, with '>' right after it
        if end >= 0 and xml.startswith(self._row_close, end):
            row_end = end + len(self._row_close)
        else:
            end_tag = self._row_end.search(xml, tag_end)
            if end_tag is None:
                raise UnreadableWorkbook(f"row {row} has no end tag")
            end, row_end = end_tag.start(), end_tag.end()
        out.append(xml[start:tag_end])
        pos, row_text, changes = tag_end, str(row), self.changes
        ordered = sorted(marks.items()) if len(marks) > 1 else marks.items()
        if numbered or cells_numbered(xml, prefix, tag_end, end):
            number, known, letters_of = b'%d"' % row, self._cell_rests, self._letters
            for col, severity in ordered:
                letters = letters_of.get(col) or self._letters_for(col)
                opening = letters[1] + number
                at = xml.find(opening, pos, end)
                if at < 0:
                    insert = _insert_at(xml, pos, end, prefix, col)
                    out += (xml[pos:insert], self._new_cell(row, col, severity, row_style))
                    pos = insert
                    continue
                close = xml.find(b">", at, end) + 1
                if close == 0:
                    raise UnreadableWorkbook(f"a cell of row {row} has no end to its start tag")
                edit = known.get((xml[at + len(opening) : close], severity)) or self._restyle_tag(
                    xml, at, close, len(opening), severity
                )
                out += (xml[pos:at], opening, edit[0])
                changes.append((letters[0] + row_text, edit[1], edit[2], 0))
                pos = close
        else:  # cells without r, or with r elsewhere in the tag: the row's cells scanned
            cells = [(m.start(), m.end(), col) for m, col, _ in cells_in(xml, prefix, tag_end, end)]
            for col, severity in ordered:
                span = next(((a, b) for a, b, c in cells if c == col and a >= pos), None)
                if span is None:
                    insert = next((a for a, _, c in cells if c > col and a >= pos), end)
                    out += (xml[pos:insert], self._new_cell(row, col, severity, row_style))
                    pos = insert
                    continue
                at, close = span
                edit = self._cell_rests.get((xml[at:close], severity)) or self._restyle_tag(
                    xml, at, close, 0, severity
                )
                out += (xml[pos:at], edit[0])
                changes.append((column_letter(col) + row_text, edit[1], edit[2], 0))
                pos = close
        out.append(xml[pos:row_end])
        return row_end

    def _row_style_at(self, xml: bytes, start: int, tag_end: int, row: int) -> int | None:
        """The style a cell created in the row gets (None: its column's), remembered by
        what follows the row tag's r attribute when it comes first (nothing else in the
        tag counts); RefusedToPatch for a tag opsbook cannot edit."""
        tagged = self._row_tagged
        if not xml.startswith(tagged, start):
            return _row_style(self._row_re.match(xml, start), row)
        rest_at = xml.find(b'"', start + len(tagged)) + 1
        if xml.startswith(b">", rest_at) and rest_at + 1 == tag_end:
            return None  # <row r="N">: most rows Excel writes
        rest = xml[rest_at:tag_end]
        style = self._row_rests.get(rest, _UNSEEN)
        if style is _UNSEEN:
            style = self._row_rests[rest] = _row_style(self._row_re.match(xml, start), row)
        return cast("int | None", style)  # _UNSEEN replaced just above

    def _letters_for(self, col: int) -> tuple[str, bytes]:
        """The column's letters and the start of its cells' tags up to the row number."""
        name = column_letter(col)
        letters = self._letters[col] = (name, self._cell_open + name.encode())
        return letters

    def _restyle_tag(
        self, xml: bytes, at: int, stop: int, opening: int, severity: str
    ) -> tuple[bytes, int, int]:
        """(what follows the first ``opening`` bytes, style before, style after) of
        _restyled for the start tag xml[at:stop], remembered: the edit depends on nothing
        else (the reference has no s in it), and style_for is deterministic per (base,
        severity)."""
        tag, before, after = _restyled(xml[at:stop], severity, self.style_for)
        if tag[:opening] != xml[at : at + opening]:
            raise AssertionError(f"a restyled cell's reference changed ({tag[:40]!r})")
        if len(self._cell_rests) >= _MAX_REMEMBERED:
            self._cell_rests.clear()
        edit = self._cell_rests[(xml[at + opening : stop], severity)] = (
            tag[opening:],
            before,
            after,
        )
        return edit

    def _new_cell(self, row: int, col: int, severity: str, row_style: int | None) -> bytes:
        base = row_style if row_style is not None else self._col_styles.get(col, 0)
        ref = f"{column_letter(col)}{row}"
        after = self.style_for(base, severity)
        self.changes.append((ref, None, after, base))
        return b'<%sc r="%s" s="%d"/>' % (self.prefix, ref.encode(), after)

    # rows to create -----------------------------------------------------------------------
    def _no_rows(self, buf: bytes, found: re.Match) -> bytes:
        # Opened, to hold the rows the marks need.
        self.head = buf[: found.start()] + b"<%ssheetData>" % self.prefix
        self.tail = self._data_close + buf[found.end() :]
        return self.head + self._remaining_rows()

    def _remaining_rows(self) -> bytes:
        """Marked rows below the last row in the XML."""
        return b"".join(self._new_row(r) for r in self._order[self._next :] if r in self._pending)

    def _new_row(self, r: int) -> bytes:
        cells = b"".join(
            self._new_cell(r, c, sev, None) for c, sev in sorted(self._pending.pop(r).items())
        )
        return b'<%srow r="%d">%s</%srow>' % (self.prefix, r, cells, self.prefix)


_UNSEEN = object()


def _row_style(m: re.Match[bytes] | None, row_number: int) -> int | None:
    """The style a cell created in the row gets (None: its column's), from the row's start
    tag (a ``row_pattern`` match); RefusedToPatch for a tag opsbook cannot edit."""
    assert m is not None, "the scan found a row start tag here"
    if not START_TAG.fullmatch(m.group(0)):
        raise RefusedToPatch(
            f"row {row_number}'s start tag is not one opsbook can edit ({m.group(0)[:60]!r})"
        )
    if CUSTOM_FORMAT.search(m.group(2)):
        s = ATTR_S.search(m.group(2))
        return _style_index(s.group(2), f"row {row_number}") if s else None
    return None


def _insert_at(xml: bytes, pos: int, end: int, prefix: bytes, col: int) -> int:
    """Where a cell of column ``col`` is created in a row whose content is xml[:end] and
    whose cells before ``pos`` are done: before the first cell to its right, else at the
    end.  Column letters order as (length, letters): no conversion per cell passed."""
    letters = column_letter(col).encode()
    width = len(letters)
    for m in cell_refs(prefix).finditer(xml, pos, end):
        found = m.group(1)
        if len(found) > width or (len(found) == width and found > letters):
            return m.start()
    return end


def _style_index(value: bytes, where: str) -> int | None:
    """A style index attribute's value (white space around it allowed); None for an empty
    one; RefusedToPatch for anything else than a number opsbook can give back on clear."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise RefusedToPatch(
            f"{where} has style index {value.decode('utf-8', 'replace')[:20]!r}, "
            "which opsbook cannot mark and restore"
        )
    return int(value)


def _restyled(tag: bytes, severity: str, style_for) -> tuple[bytes, int, int]:
    """A cell's start tag with opsbook's style for ``severity``; its style before (-1 when
    it had no s attribute) and after."""
    if not START_TAG.fullmatch(tag):
        raise RefusedToPatch(f"a cell's start tag is not one opsbook can edit ({tag[:60]!r})")
    s = ATTR_S.search(tag)
    index = _style_index(s.group(2), f"cell {tag[:40].decode('utf-8', 'replace')}") if s else None
    before = index if index is not None else -1
    after = style_for(max(before, 0), severity)
    if s:
        return tag[: s.start(2)] + str(after).encode() + tag[s.end(2) :], before, after
    body = tag[:-2] if tag.endswith(b"/>") else tag[:-1]
    stripped = body.rstrip()
    return stripped + b' s="%d"' % after + body[len(stripped) :] + tag[len(body) :], before, after
