"""Streaming a worksheet part row by row: the part is fed in decompressed chunks and comes
out edited, never whole in memory.  The marks splicer (writers/sheetxml.py) and the run
clearer (writers/clear.py) are its two editors; each says what to do with the rows it
waits for.  The tag patterns are in ooxml/tags.py.
"""

from __future__ import annotations

import re
from typing import Generic, TypeVar

import numpy as np

from ..errors import RefusedToPatch, UnreadableWorkbook
from .package import Package, PartSpool
from .tags import SHEETDATA, end_tag, row_pattern

# What a sheet part may hold in memory at once while it streams: its start (up to the
# rows), one row, and its end (after the rows).  Far above any real sheet (a row of 16,384
# cells is about 1 MB); a part with more in one place is refused, not buffered.
MAX_HELD = 64 << 20


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
        head = stream.head
        assert head is not None  # finish() raised for a part without sheetData
        skeleton = head + stream.tail
        if edit_skeleton is not None:
            skeleton = edit_skeleton(skeleton)
        if not skeleton.startswith(head):  # everything editable lies after sheetData
            raise RuntimeError(f"{part}: an edit changed the sheet before its rows")
        spool.write(skeleton[len(head) :])
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
        self._counted: tuple[bytes | None, int] = (None, -1)  # the last chunk's _tagged_rows

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
        found = SHEETDATA.search(self._buf, max(self._buf.rfind(b"<", 0, self._scanned), 0))
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
        data_end = self._data_end.search(
            self._buf, max(self._scanned - len(self._data_close) - 64, 0)
        )
        if data_end is not None:
            end = data_end.start()
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
        if self._tagged_rows(xml) <= 0:
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

    def _tagged_rows(self, xml: bytes) -> int:
        """How many row tags ``xml`` has when every one starts with its r attribute, else
        -1; counted once per chunk (the order check and the direct path both ask)."""
        if self._counted[0] is not xml:
            count = xml.count(self._row_start)
            self._counted = (xml, count if xml.count(self._row_start + b' r="') == count else -1)
        return self._counted[1]

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
        tagged = self._tagged_rows(xml) >= 0
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
