"""Splicing a worksheet's XML: change the style index of marked cells, create marked cells
that do not exist yet (a blank signature), and add the legacyDrawing that notes need.

Worksheet XML is user content: nothing in it is parsed into a tree and re-serialised.  The
rows are found by scanning the bytes (the row and cell start tags are regular: Excel never
nests them and escapes '<' in text), and only the start tags of marked cells are rewritten.
The patterns take everything XML allows in a tag (either quote, white space around '=' and
before '>', in end tags too); a start tag to edit that is still not what they expect (a '>'
inside an attribute value, say) or a style index that is not a number refuses the sheet
(RefusedToPatch) rather than write it broken.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import Generic, TypeVar

import numpy as np

from ..errors import RefusedToPatch, UnreadableWorkbook
from ..ooxml.package import Package, PartSpool
from ..workbook.cells import column_index, column_letter

_SHEETDATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
# Attribute values in either quote (group 1 the quote, group 2 the value).
_ATTR_S = re.compile(rb"""\ss\s*=\s*(["'])(.*?)\1""", re.S)
_ATTR_T = re.compile(rb"""\st\s*=\s*["']""")
_CUSTOM_FORMAT = re.compile(rb"""\scustomFormat\s*=\s*["']\s*(?:1|true)\s*["']""")
_COLS = re.compile(rb"<(?:[\w.-]+:)?col\b([^>]*?)/?>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(["'])(.*?)\2""", re.S)
# A well-formed start tag: the only kind opsbook edits.
_START_TAG = re.compile(rb"""<[\w.:-]+(?:\s+[\w.:-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*/?>""")
_LEGACY_ID = re.compile(
    rb"""<(?:[\w.-]+:)?legacyDrawing\b[^>]*?\s[\w.-]+:id\s*=\s*["']([^"']+)["']"""
)
# What a sheet part may hold in memory at once while it streams: its start (up to the
# rows), one row, and its end (after the rows).  Far above any real sheet (a row of 16,384
# cells is about 1 MB); a part with more in one place is refused, not buffered.
MAX_HELD = 64 << 20
_ROOT = re.compile(rb"<((?:[\w.-]+:)?)worksheet\b([^>]*)>")

# CT_Worksheet elements that come after legacyDrawing; it is inserted before the first.
_AFTER_LEGACY = (
    b"legacyDrawingHF",
    b"drawingHF",
    b"picture",
    b"oleObjects",
    b"controls",
    b"webPublishItems",
    b"tableParts",
    b"extLst",
)


# One marked cell, as a plain tuple (a violation costs microseconds, issue 15):
# (ref, style before, style after, base).  The style before is None when opsbook created
# the cell and -1 when the cell had no s attribute; ``base`` is the style a created cell
# would have had (its column's or row's), 0 for a restyled cell.
Restyled = tuple[str, "int | None", int, int]


def row_pattern(prefix: bytes) -> re.Pattern:
    """<row …> start tags; group 1 the r attribute (captured by a lookahead in the same scan,
    not a search per row), group 2 the attributes, group 3 "/" for a self-closing row."""
    return re.compile(
        rb"<" + re.escape(prefix) + rb"row\b(?=[^>]*?\sr\s*=\s*[\"']\s*(\d+)\s*[\"'])?([^>]*?)(/?)>"
    )


def cells_in(xml: bytes, prefix: bytes, start: int, stop: int):
    """(start-tag match, 0-based column, end of the element) of each cell in xml[start:stop];
    a cell without an r attribute follows the one before it."""
    cell_re = _cell_pattern(prefix)
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


@functools.lru_cache(maxsize=64)
def end_tag(prefix: bytes, name: bytes) -> re.Pattern:
    """``</name>`` with the white space XML allows before '>'."""
    return re.compile(rb"</" + re.escape(prefix + name) + rb"\s*>")


@functools.lru_cache(maxsize=16)
def _cell_pattern(prefix: bytes) -> re.Pattern:
    """<c …> start tags; group 1 the column letters of r (by lookahead), group 2 the
    attributes, group 3 "/" for an empty cell."""
    return re.compile(
        rb"<"
        + re.escape(prefix)
        + rb"c\b(?=[^>]*?\sr\s*=\s*[\"']\s*([A-Za-z]+)\d+\s*[\"'])?([^>]*?)(/?)>"
    )


@functools.lru_cache(maxsize=16)
def _cell_refs(prefix: bytes) -> re.Pattern:
    """The column letters of each cell whose start tag begins with its reference."""
    return re.compile(rb"<" + re.escape(prefix) + rb'c r="([A-Z]+)\d+"')


@functools.lru_cache(maxsize=16384)
def _column_of(letters: bytes) -> int:
    return column_index(letters.decode())


def _column_styles(xml: bytes, upto: int) -> dict[int, int]:
    """Column default styles from <cols> (0-based column → style), for cells we create."""
    styles: dict[int, int] = {}
    for m in _COLS.finditer(xml, 0, upto):
        attrs = {name: value.strip() for name, _, value in _ATTR.findall(m.group(1))}
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


def rewrite_sheet(pkg: Package, part: str, stream: RowStream, edit_skeleton=None) -> None:
    """Stream a sheet part through ``stream`` into a deflating spool that replaces the part.
    ``edit_skeleton(head + tail)`` (the part without its rows) may change what follows the
    rows, such as the legacyDrawing that notes hang on."""
    spool = PartSpool(pkg.size(part))
    try:
        try:
            for chunk in pkg.chunks(part):
                spool.write(stream.feed(chunk))
            spool.write(stream.finish())
        except RefusedToPatch as exc:
            raise RefusedToPatch(f"{pkg.path}: {part}: {exc}; not patched") from exc
        except (UnreadableWorkbook, ValueError) as exc:
            raise UnreadableWorkbook(f"{pkg.path}: {part} cannot be edited ({exc})") from exc
        assert stream.head is not None  # finish() refused a part without sheetData
        skeleton = stream.head + stream.tail
        if edit_skeleton is not None:
            skeleton = edit_skeleton(skeleton)
        if not skeleton.startswith(stream.head):  # everything editable lies after sheetData
            raise RuntimeError(f"{part}: an edit changed the sheet before its rows")
        spool.write(skeleton[len(stream.head) :])
    except BaseException:
        spool.file.close()
        raise
    pkg.put(part, spool.close())


Edit = TypeVar("Edit")  # what a subclass does to one row (its pending values)


class RowStream(Generic[Edit]):
    """Row-wise editing of a worksheet part as a stream: ``feed`` decompressed chunks of the
    part, in order, and write out what each returns; after ``finish``, ``tail`` holds the
    rest of the part (from ``</sheetData>`` on) for the caller to edit and write.

    A big sheet is never whole in memory: the buffer holds one chunk plus the row it
    ended in.  Rows are cut at the last ``<row`` start tag in the buffer, or after the last
    row when it is complete (rows never nest and Excel escapes '<' in text), so every row is
    edited whole and white space between rows, however much, passes straight through.  The
    start, one row and the end may each hold at most MAX_HELD bytes (else RefusedToPatch).  ``head`` (up to and
    including the ``<sheetData>`` start tag) is kept: ``head + tail`` is the part without
    its rows, enough to find, add or remove the legacyDrawing.

    Subclasses say what to do with the rows in ``pending`` (row number → what to do there)
    in ``_splice_scan``; rows are found directly when every row tag carries its number."""

    def __init__(self, pending: dict[int, Edit]):
        self.head: bytes | None = None
        self.tail = b""
        self._pending = dict(pending)  # rows still to edit (any order in the XML)
        self._order = sorted(pending)  # the same rows ascending
        self._next = 0
        self._buf = bytearray()  # grows in place: a long row costs its length once
        self._scanned = 0  # bytes of _buf already searched
        self._open_row = -1  # where the incomplete row in _buf starts
        self._done = False  # </sheetData> seen
        self._row_number = 0
        self._numbered_re: re.Pattern | None = None  # a row start tag's number (_check_order)
        self._tagged_re: re.Pattern | None = None  # the same, r first

    def feed(self, chunk: bytes) -> bytes:
        if self._done:
            self.tail += chunk
            if len(self.tail) > MAX_HELD:
                raise RefusedToPatch(f"over {MAX_HELD >> 20} MB after the rows")
            return b""
        self._buf += chunk
        if self.head is None:
            out = self._start()
            if self.head is None and len(self._buf) > MAX_HELD:
                raise RefusedToPatch(f"no rows within its first {MAX_HELD >> 20} MB")
            return out
        return self._rows()

    def finish(self) -> bytes:
        """Everything up to ``</sheetData>``; raises ValueError for a part without sheetData."""
        if self.head is None:
            raise ValueError("worksheet has no sheetData")
        if not self._done:
            raise ValueError("worksheet ends inside sheetData")
        return b""

    # the part's start: everything before the rows ------------------------------------------
    def _start(self) -> bytes:
        # Searched from the last '<' of what was searched before (a tag may straddle chunks).
        found = _SHEETDATA.search(self._buf, max(self._buf.rfind(b"<", 0, self._scanned), 0))
        if found is None:
            self._scanned = len(self._buf)
            return b""
        self._scanned = 0
        self.prefix = prefix = found.group(1)
        self._row_re = row_pattern(prefix)
        self._row_start = b"<" + prefix + b"row"
        self._row_close = b"</" + prefix + b"row>"
        self._row_end = end_tag(prefix, b"row")
        self._data_close = b"</" + prefix + b"sheetData>"
        self._data_end = end_tag(prefix, b"sheetData")
        buf, self._buf = bytes(self._buf), bytearray()
        self._begin(buf, found.start())
        if found.group(2):  # <sheetData/>: no rows at all
            self._done = True
            return self._no_rows(buf, found)
        self.head = buf[: found.end()]
        self._buf = bytearray(buf[found.end() :])
        return self.head + self._rows()

    def _begin(self, head: bytes, sheet_data_at: int) -> None:
        """Look at the part before sheetData (column styles, say) once it is complete."""

    def _no_rows(self, buf: bytes, found: re.Match) -> bytes:
        """A ``<sheetData/>``: by default nothing to edit, the part passes unchanged."""
        self.head, self.tail = buf[: found.end()], buf[found.end() :]
        return self.head

    # the rows ---------------------------------------------------------------------------------
    def _rows(self) -> bytes:
        # Only what came since the last search (less the end tag's length) is searched.
        found = self._data_end.search(self._buf, max(self._scanned - len(self._data_close) - 64, 0))
        if found is not None:
            end = found.start()
            body, self.tail, self._buf = bytes(self._buf[:end]), bytes(self._buf[end:]), bytearray()
            self._done = True
            return self._splice(body) + self._remaining_rows()
        cut = self._cut()
        if cut <= 0:
            if len(self._buf) > MAX_HELD:
                raise RefusedToPatch(f"a row of over {MAX_HELD >> 20} MB")
            self._scanned = len(self._buf)
            return b""  # one row longer than the buffer so far: wait for more
        body = bytes(self._buf[:cut])
        del self._buf[:cut]
        self._open_row = 0 if self._open_row == cut else -1
        self._scanned = len(self._buf)
        return self._splice(body)

    def _cut(self) -> int:
        """Where the buffer can be cut: before the last row start tag, or after the last row
        when it is complete (then also past the white space after it, up to a '<' that may
        begin a tag still arriving)."""
        buf = self._buf
        since = max(self._scanned - 64, 0)  # only what came since the last call is searched
        start = self._last_row_start(since)
        if start < 0:
            start = self._open_row  # the row still open from before, if any
        self._open_row = -1
        end = 0
        if start >= 0:
            tag = self._row_re.match(buf, start)
            if tag is None:
                self._open_row = start
                return start  # its start tag is not complete yet
            if tag.group(3):
                end = tag.end()
            else:
                close = self._row_end.search(buf, max(tag.end(), since))
                if close is None:
                    self._open_row = start
                    return start  # the row goes on in the next chunk
                end = close.end()
        after = buf.find(b"<", max(end, since))
        return after if after >= 0 else len(buf)

    def _last_row_start(self, since: int = 0) -> int:
        at = len(self._buf)
        while True:
            at = self._buf.rfind(self._row_start, since, at)
            if at < 0:
                return -1
            following = bytes(self._buf[at + len(self._row_start) : at + len(self._row_start) + 1])
            # Nothing after the name yet: the tag may go on in the next chunk, so cut earlier.
            if following in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
                return at

    def _remaining_rows(self) -> bytes:
        """What goes after the last row in the XML (rows to create, for the splicer)."""
        return b""

    def _splice(self, xml: bytes) -> bytes:
        """Complete rows (and whitespace between them) in; edited rows out."""
        self._check_order(xml)
        direct = self._splice_direct(xml)
        return direct if direct is not None else self._splice_scan(xml)

    def _splice_direct(self, xml: bytes) -> bytes | None:
        """The common case without a Python loop over rows: every row tag starts with its r
        attribute (as Excel, openpyxl and XlsxWriter write them), so the last row number is
        read off the last tag and each pending row is found with one bytes search.  None
        when that does not hold or a pending row is not where ascending order puts it (a
        missing or out-of-order row): the row-by-row scan decides those."""
        tagged = self._row_start + b' r="'
        count = xml.count(self._row_start)
        if count == 0 or xml.count(tagged) != count:
            return None
        at = xml.rfind(tagged)
        last = int(xml[at + len(tagged) : xml.index(b'"', at + len(tagged))])
        order, end = self._order, self._next
        while end < len(order) and order[end] <= last:
            end += 1
        places: list[tuple[int, int]] = []  # (where it starts, its number) of each pending row here
        pos = 0
        for row in order[self._next : end]:
            if row not in self._pending:
                continue
            found = xml.find(tagged + b'%d"' % row, pos)
            if found < 0:
                return None
            places.append((found, row))
            pos = found + 1
        if not places:
            self._next, self._row_number = end, last
            return xml
        out = self._splice_places(xml, places, at)
        self._next, self._row_number = end, last
        return b"".join(out)

    def _splice_places(
        self, xml: bytes, places: list[tuple[int, int]], last_at: int
    ) -> list[bytes]:
        """The chunk's pieces with each pending row (where it starts, its number) edited by
        ``_splice_scan``; ``last_at`` is where the chunk's last row starts."""
        out: list[bytes] = []
        pos = 0
        for found, _row in places:
            out.append(xml[pos:found])
            pos = xml.index(self._row_start, found + 1) if found != last_at else len(xml)
            out.append(self._splice_scan(xml[found:pos]))
        out.append(xml[pos:])
        return out

    def _check_order(self, xml: bytes) -> None:
        """Refuse rows out of ascending order (ECMA-376 wants them in order; Excel writes
        them so): a marked row looked for where the order puts it would be made a second
        time, and a workbook with two rows of one number is damaged.  One C-level search
        per chunk for the numbered rows (a literal one when every row tag starts with r, as
        Excel writes them); rows without r are numbered in order by the scan."""
        if self._numbered_re is None or self._tagged_re is None:
            self._tagged_re = re.compile(re.escape(self._row_start + b' r="') + rb'(\d+)"')
            self._numbered_re = re.compile(
                rb"<" + re.escape(self.prefix) + rb"row\b[^>]*?\sr\s*=\s*[\"'](\d+)[\"']"
            )
        tagged = xml.count(self._row_start) == xml.count(self._row_start + b' r="')
        found = (self._tagged_re if tagged else self._numbered_re).findall(xml)
        if not found:
            return
        numbers = np.array(found).astype(np.int64)
        previous = np.concatenate(([self._row_number], numbers[:-1]))
        wrong = numbers <= previous
        if not wrong.any():
            return
        at = int(wrong.argmax())
        raise RefusedToPatch(
            f"its rows are not in ascending order (row {numbers[at]} after row {previous[at]}), "
            "which opsbook does not patch"
        )

    def _splice_scan(self, xml: bytes) -> bytes:
        raise NotImplementedError

    def _numbered_rows(self, xml: bytes):
        """(start-tag match, row number) of each row in ``xml``, numbering rows without r."""
        for m in self._row_re.finditer(xml):
            self._row_number = int(m.group(1)) if m.group(1) else self._row_number + 1
            yield m, self._row_number


_UNSEEN = object()
# Start tags restyled, remembered by what follows their reference: bounded, in case every
# cell of a sheet carries attributes of its own.
_MAX_REMEMBERED = 4096
_MANY_ROWS = 64  # marked rows in a chunk (of about a thousand) that make counting it whole pay


class SheetSplicer(RowStream[dict[int, str]]):
    """restyle_cells over a stream (see RowStream): marks are row → {0-based column →
    severity}; a marked cell or row missing from the XML is created.

    ``batch``: the rows found directly are edited by ``_batch_row`` (when their cell tags
    start with their reference, as Excel writes them), a few bytes searches per mark
    instead of a regex scan per row and cell (issue 15), and a chunk missing a marked row
    is cut around it rather than scanned whole.  It writes what the scan writes, and
    hands the scan any row or chunk it cannot vouch for.  False (for the tests that
    compare the two): the path before it, every marked row through ``_splice_scan``."""

    batch = True

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
        self._row_rest_at = len(self._row_start) + 4  # <row r="
        self._row_end_open = self._row_close[:-1]  # </row

    # the batch path -------------------------------------------------------------------------
    def _splice_direct(self, xml: bytes) -> bytes | None:
        direct = super()._splice_direct(xml)
        if direct is not None or not self.batch:
            return direct
        return self._splice_around_new_rows(xml)

    def _splice_around_new_rows(self, xml: bytes) -> bytes | None:
        """A chunk where a marked row is missing, its rows all numbered and ascending: the
        missing rows are made where the scan puts them (before the first row with a higher
        number) and the pieces between go the direct way, rather than the scan of every
        row.  None for any other chunk (the scan decides)."""
        tagged = self._row_start + b' r="'
        count = xml.count(self._row_start)
        if count == 0 or xml.count(tagged) != count:
            return None
        starts, numbers = [], []
        for m in _numbered_row_tags(tagged).finditer(xml):
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
        if not self.batch:
            return super()._splice_places(xml, places, last_at)
        # Many marked rows: one count over the chunk vouches for the cells of all its rows
        # (cheaper than three counts a row); few: each row is counted.
        numbered = len(places) >= _MANY_ROWS and _cells_numbered(xml, self.prefix)
        out: list[bytes] = []
        pos = 0
        row_start, batch_row = self._row_start, self._batch_row
        for found, row in places:
            if found != pos:
                out.append(xml[pos:found])
            pos = xml.index(row_start, found + 1) if found != last_at else len(xml)
            if not batch_row(xml, found, pos, row, numbered, out):
                out.append(self._splice_scan(xml[found:pos]))
        out.append(xml[pos:])
        return out

    def _batch_row(
        self, xml: bytes, start: int, stop: int, row: int, numbered: bool, out: list[bytes]
    ) -> bool:
        """Row ``row`` (xml[start:stop], its start tag beginning with its r attribute) edited
        as ``_splice_scan`` edits it, onto ``out`` (``numbered``: every cell tag in xml is
        known to start with its reference); False, with nothing popped, recorded or
        written, for a row the scan should decide (self-closing, an unusual end, a cell tag
        that does not start with its reference, a cell to create with no place to go).
        Lean on purpose: this runs once per marked row, its loop once per mark."""
        number = b'%d"' % row
        rest_at = start + self._row_rest_at + len(number)  # after <row r="N"
        if xml.startswith(b">", rest_at):  # <row r="N">: most rows Excel writes
            tag_end, row_style = rest_at + 1, None
        else:
            tag_end = xml.find(b">", rest_at, stop) + 1
            if tag_end == 0:
                return False
            row_style = self._row_rests.get(xml[rest_at:tag_end], _UNSEEN)
            if row_style is _UNSEEN:
                row_style = self._row_style_of(xml, start, stop, rest_at, tag_end, row)
                if row_style is _UNSEEN:
                    return False
        end = xml.find(self._row_end_open, tag_end, stop)  # </row, with '>' right after it
        if end < 0 or not xml.startswith(self._row_close, end):
            return False
        if not numbered and not _cells_numbered(xml, self.prefix, tag_end, end):
            return False
        marks = self._pending[row]
        pieces = [xml[start:tag_end]]
        changes: list[Restyled] = []
        pos, row_text = tag_end, str(row)
        known, letters_of = self._cell_rests, self._letters
        for col, severity in sorted(marks.items()) if len(marks) > 1 else marks.items():
            letters = letters_of.get(col) or self._letters_for(col)
            opening = letters[1] + number
            at = xml.find(opening, pos, end)
            if at < 0:
                insert = _insert_at(xml, pos, end, self.prefix, row, col)
                if insert < 0:
                    return False
                pieces += (
                    xml[pos:insert],
                    _new_cell(
                        self.prefix,
                        row,
                        col,
                        severity,
                        self._col_styles,
                        row_style,
                        self.style_for,
                        changes,
                    ),
                )
                pos = insert
                continue
            close = xml.find(b">", at, end) + 1
            if close == 0:
                return False
            edit = known.get((xml[at + len(opening) : close], severity)) or self._restyle_tag(
                xml, at, close, len(opening), severity
            )
            pieces += (xml[pos:at], opening, edit[0])
            changes.append((letters[0] + row_text, edit[1], edit[2], 0))
            pos = close
        pieces.append(xml[pos:stop])
        del self._pending[row]
        self.changes += changes
        out += pieces
        return True

    def _row_style_of(
        self, xml: bytes, start: int, stop: int, rest_at: int, tag_end: int, row: int
    ):
        """_row_style of a row start tag not seen before, remembered by what follows its
        r attribute (nothing else in the tag counts); _UNSEEN for a tag the scan should see."""
        m = self._row_re.match(xml, start, stop)
        if m is None or m.end() != tag_end or m.group(3):
            return _UNSEEN
        style = self._row_rests[xml[rest_at:tag_end]] = _row_style(m, row)
        return style

    def _letters_for(self, col: int) -> tuple[str, bytes]:
        """The column's letters and the start of its cells' tags up to the row number."""
        name = column_letter(col)
        letters = self._letters[col] = (name, self._cell_open + name.encode())
        return letters

    def _restyle_tag(
        self, xml: bytes, at: int, stop: int, opening: int, severity: str
    ) -> tuple[bytes, int, int]:
        """(what follows the reference, style before, style after) of _restyled for the start
        tag xml[at:stop] whose reference is ``opening`` bytes long, remembered: the edit
        depends on nothing else (the reference has no s in it), and style_for is
        deterministic per (base, severity)."""
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

    def _no_rows(self, buf: bytes, found: re.Match) -> bytes:
        # Opened, to hold the rows the marks need.
        self.head = buf[: found.start()] + b"<%ssheetData>" % self.prefix
        self.tail = self._data_close + buf[found.end() :]
        return self.head + self._remaining_rows()

    def _remaining_rows(self) -> bytes:
        """Marked rows below the last row in the XML."""
        return b"".join(self._new_row(r) for r in self._order[self._next :] if r in self._pending)

    def _new_row(self, r: int) -> bytes:
        prefix = self.prefix
        cells = b"".join(
            _new_cell(prefix, r, c, sev, self._col_styles, None, self.style_for, self.changes)
            for c, sev in sorted(self._pending.pop(r).items())
        )
        return b'<%srow r="%d">%s</%srow>' % (prefix, r, cells, prefix)

    def _splice_scan(self, xml: bytes) -> bytes:
        """The row-by-row scan: any row order, rows with or without r, rows to create."""
        out: list[bytes] = []
        pos = 0
        order, prefix = self._order, self.prefix
        for m, row_number in self._numbered_rows(xml):
            while (
                self._next < len(order) and order[self._next] < row_number
            ):  # a marked row missing from the XML
                missing = order[self._next]
                self._next += 1
                if missing in self._pending:
                    out.append(xml[pos : m.start()])
                    pos = m.start()
                    out.append(self._new_row(missing))
            if row_number not in self._pending:
                continue
            row_marks = self._pending.pop(row_number)
            row_style = _row_style(m, row_number)
            if m.group(3):  # <row .../>: open it to hold the new cells
                out.append(xml[pos : m.start()])
                cells = b"".join(
                    _new_cell(
                        prefix,
                        row_number,
                        c,
                        sev,
                        self._col_styles,
                        row_style,
                        self.style_for,
                        self.changes,
                    )
                    for c, sev in sorted(row_marks.items())
                )
                out.append(
                    m.group(0)[: m.start(3) - m.start()].rstrip() + b">" + cells + self._row_close
                )
                pos = m.end()
                continue
            end = self._row_end.search(xml, m.end())
            if end is None:
                raise UnreadableWorkbook(f"row {row_number} has no end tag")
            close = end.start()
            out.append(xml[pos : m.end()])
            out.append(
                _restyle_row(
                    xml[m.end() : close],
                    prefix,
                    row_number,
                    row_marks,
                    self._col_styles,
                    row_style,
                    self.style_for,
                    self.changes,
                )
            )
            pos = close
        out.append(xml[pos:])
        return b"".join(out)


def _row_style(m: re.Match, row_number: int) -> int | None:
    """The style a cell created in the row gets (None: its column's), from the row's start
    tag (a ``row_pattern`` match); RefusedToPatch for a tag opsbook cannot edit."""
    if not _START_TAG.fullmatch(m.group(0)):
        raise RefusedToPatch(
            f"row {row_number}'s start tag is not one opsbook can edit ({m.group(0)[:60]!r})"
        )
    if _CUSTOM_FORMAT.search(m.group(2)):
        s = _ATTR_S.search(m.group(2))
        return _style_index(s.group(2), f"row {row_number}") if s else None
    return None


def _new_cell(prefix, row, col, severity, col_styles, row_style, style_for, changes) -> bytes:
    base = row_style if row_style is not None else col_styles.get(col, 0)
    ref = f"{column_letter(col)}{row}"
    after = style_for(base, severity)
    changes.append((ref, None, after, base))
    return b'<%sc r="%s" s="%d"/>' % (prefix, ref.encode(), after)


def _restyle_row(
    content: bytes, prefix, row, row_marks, col_styles, row_style, style_for, changes
) -> bytes:
    """One row's marked cells restyled and its missing marked cells created.  When every
    cell tag starts with its reference (as Excel writes them), each marked cell is found by
    ``<c r="D12"`` and only a cell to create looks at the cells after it; otherwise every
    cell of the row is scanned."""
    if not _cells_numbered(content, prefix):
        return _restyle_row_scan(
            content, prefix, row, row_marks, col_styles, row_style, style_for, changes
        )
    out: list[bytes] = []
    pos = 0
    for col, severity in sorted(row_marks.items()):
        ref = f"{column_letter(col)}{row}"
        at = content.find(b'<%sc r="%s"' % (prefix, ref.encode()), pos)
        if at >= 0:
            end = content.index(b">", at) + 1
            tag, before, after = _restyled(content[at:end], severity, style_for)
            changes.append((ref, before, after, 0))
            out += [content[pos:at], tag]
            pos = end
            continue
        insert = len(content)  # a cell to create: before the first cell to its right
        for letters in _cell_refs(prefix).findall(content, pos):
            if _column_of(letters) > col:
                insert = content.find(b'<%sc r="%s%d"' % (prefix, letters, row), pos)
                break
        out += [
            content[pos:insert],
            _new_cell(prefix, row, col, severity, col_styles, row_style, style_for, changes),
        ]
        pos = insert
    out.append(content[pos:])
    return b"".join(out)


@functools.lru_cache(maxsize=16)
def _numbered_row_tags(tagged: bytes) -> re.Pattern:
    """Row start tags beginning with r="N" (N as a number is written); group 1 the number."""
    return re.compile(re.escape(tagged) + rb'([1-9][0-9]*)"')


def _insert_at(xml: bytes, pos: int, end: int, prefix: bytes, row: int, col: int) -> int:
    """Where _restyle_row creates cell ``col`` of ``row`` whose content is xml[:end] and
    whose cells before ``pos`` are done: before the first cell to its right (-1 when that
    cell's reference names another row), else at the end."""
    for letters in _cell_refs(prefix).findall(xml, pos, end):
        if _column_of(letters) > col:
            return xml.find(b'<%sc r="%s%d"' % (prefix, letters, row), pos, end)
    return end


def _cells_numbered(content: bytes, prefix: bytes, start: int = 0, end: int | None = None) -> bool:
    """Every cell start tag of the row (content[start:end]) begins with its r attribute."""
    tag = b"<" + prefix + b"c"
    return content.count(tag + b" ", start, end) + content.count(
        tag + b">", start, end
    ) == content.count(tag + b' r="', start, end)


def _restyle_row_scan(
    content: bytes, prefix, row, row_marks, col_styles, row_style, style_for, changes
) -> bytes:
    """The scan of every cell: cells without r (numbered from the one before), any attribute order."""
    out: list[bytes] = []
    pos = 0
    todo = dict(sorted(row_marks.items()))
    for m, col, stop in cells_in(content, prefix, 0, len(content)):
        if not todo:
            break  # the rest of the row stays as it is
        for missing in [c for c in todo if c < col]:
            out.append(content[pos : m.start()])
            pos = m.start()
            out.append(
                _new_cell(
                    prefix,
                    row,
                    missing,
                    todo.pop(missing),
                    col_styles,
                    row_style,
                    style_for,
                    changes,
                )
            )
        if col in todo:
            tag, before, after = _restyled(m.group(0), todo.pop(col), style_for)
            changes.append((f"{column_letter(col)}{row}", before, after, 0))
            out.append(content[pos : m.start()])
            out.append(tag)
            pos = m.end()
        out.append(content[pos:stop])
        pos = stop
    out.append(content[pos:])
    for missing in list(todo):
        out.append(
            _new_cell(
                prefix, row, missing, todo.pop(missing), col_styles, row_style, style_for, changes
            )
        )
    return b"".join(out)


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
    if not _START_TAG.fullmatch(tag):
        raise RefusedToPatch(f"a cell's start tag is not one opsbook can edit ({tag[:60]!r})")
    s = _ATTR_S.search(tag)
    index = _style_index(s.group(2), f"cell {tag[:40].decode('utf-8', 'replace')}") if s else None
    before = index if index is not None else -1
    after = style_for(max(before, 0), severity)
    if s:
        return tag[: s.start(2)] + str(after).encode() + tag[s.end(2) :], before, after
    body = tag[:-2] if tag.endswith(b"/>") else tag[:-1]
    stripped = body.rstrip()
    return stripped + b' s="%d"' % after + body[len(stripped) :] + tag[len(body) :], before, after


def root_prefix_for(xml: bytes, namespace: str) -> bytes | None:
    """The prefix the worksheet root binds to ``namespace`` (None when not declared there)."""
    root = _ROOT.search(xml)
    if root is None:
        return None
    m = re.search(
        rb"""xmlns:([\w.-]+)\s*=\s*["']""" + re.escape(namespace.encode()) + rb"""["']""",
        root.group(2),
    )
    return m.group(1) if m else None


def find_legacy_drawing(xml: bytes) -> bytes | None:
    """The relationship id of the sheet's <legacyDrawing>, if it has one.  It sits after
    sheetData, so the search starts there instead of scanning every cell."""
    end = xml.rfind(b"sheetData")
    m = _LEGACY_ID.search(xml, max(end, 0))
    return m.group(1) if m else None


def insert_legacy_drawing(xml: bytes, rel_id: str, rel_ns: str) -> bytes:
    """Add <legacyDrawing r:id=…/> where CT_Worksheet's order wants it."""
    root = _ROOT.search(xml)
    prefix = root.group(1) if root else b""
    r = root_prefix_for(xml, rel_ns)
    if r is None:
        attr = b'xmlns:opsr="%s" opsr:id="%s"' % (rel_ns.encode(), rel_id.encode())
    else:
        attr = b'%s:id="%s"' % (r, rel_id.encode())
    element = b"<%slegacyDrawing %s/>" % (prefix, attr)
    tail = max(xml.rfind(b"sheetData"), 0)  # these elements all follow sheetData
    positions = [
        m.start()
        for name in _AFTER_LEGACY
        for m in [re.compile(rb"<" + re.escape(prefix) + name + rb"\b").search(xml, tail)]
        if m
    ]
    at = min(positions) if positions else xml.rfind(b"</" + prefix + b"worksheet>")
    return xml[:at] + element + xml[at:]
