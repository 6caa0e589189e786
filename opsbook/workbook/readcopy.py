"""Copies of a workbook made only for the fast readers to read, never written back.

- A package with parts in UTF-16 gets a copy whose UTF-16 parts are UTF-8 (ooxml.encoding):
  calamine reads UTF-8 only and saw no cells in them.
- A sheet whose cells span far more than they fill (a stray value at XFD1048576 beside the
  table) gets a copy in which that sheet holds only its table's region: the readers allocate
  a dense grid from the first cell to the last, and would abort on the whole sheet.  The
  cells left out are returned, to be reported.

Every other member is copied as it is (still compressed).  The copies live in the system's
temporary folder and are removed when the reader closes.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..ooxml.encoding import XML_PARTS, is_utf16
from ..ooxml.package import PartSpool
from ..ooxml.zipcopy import RawZipWriter
from .cells import column_index

_CELL = re.compile(rb"<((?:[\w.-]+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
_HOLDS_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v>[^<]|is>)")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*/>")
_OVERLAP = 1 << 16
SHOWN = 5  # stray cells named in the note; the rest are counted


@dataclass
class Trimmed:
    path: Path
    outside: list[str] = field(default_factory=list)  # the first SHOWN cells left out
    left_out: int = 0  # cells holding a value left out


def count_values(chunks) -> int:
    """Cells holding a value in a sheet part given as chunks."""
    count, carry = 0, b""
    for piece in chunks:
        data = carry + piece
        limit = max(len(data) - 64, 0)
        cut = data.rfind(b"<", 0, limit)
        cut = limit if cut <= 0 else cut  # no element start: nothing to split (white space)
        count += len(_HOLDS_VALUE.findall(data, 0, cut))
        carry = data[cut:]
    return count + len(_HOLDS_VALUE.findall(carry))


def utf16_members(pkg) -> list[str]:
    """XML members of the package stored in UTF-16."""
    found = []
    for info in pkg.infos:
        if not info.filename.lower().endswith(XML_PARTS) or info.file_size < 2:
            continue
        from ..ooxml.zipcopy import member_chunks

        with open(pkg.path, "rb") as fh:
            first = next(member_chunks(fh, info, chunk=64), b"")
        if is_utf16(first):
            found.append(info.filename)
    return found


def transcoded_copy(pkg, members: list[str]) -> Path:
    """A copy of the package with ``members`` (UTF-16 parts) written as UTF-8."""
    return _copy(pkg, {m: pkg.chunks(m) for m in members})


def trimmed_copy(pkg, part: str, region: tuple[int, int, int, int], transcode=()) -> Trimmed:
    """A copy of the package whose sheet ``part`` keeps only the cells inside ``region``
    (0-based first row, first column, last row, last column) and no <dimension>."""
    r1, c1, r2, c2 = region
    trimmed = Trimmed(Path())

    def keep(m: re.Match) -> bytes:
        ref = _REF.search(m.group(2))
        if ref is None:
            return m.group(0)
        row, col = int(ref.group(2)) - 1, column_index(ref.group(1).decode().upper())
        if r1 <= row <= r2 and c1 <= col <= c2:
            return m.group(0)
        if m.group(3) and _HOLDS_VALUE.search(m.group(3)):
            trimmed.left_out += 1
            if len(trimmed.outside) < SHOWN:
                trimmed.outside.append(ref.group(1).decode().upper() + ref.group(2).decode())
        return b""

    def chunks():
        carry, first = b"", True
        for piece in pkg.chunks(part):
            data = carry + piece
            if first:
                data = _DIMENSION.sub(b"", data, count=1)
                first = False
            # Up to the last cell's start: every cell before it is complete here.  With no
            # cell in the piece (white space, the parts around sheetData), all but its tail.
            limit = max(len(data) - _OVERLAP, 0)
            cut = _last_cell_start(data, max(data.rfind(b"<", 0, limit), 0))
            if cut <= 0 and not re.match(rb"<(?:[\w.-]+:)?c[\s/>]", data[:64]):
                cut = data.rfind(b"<", 0, limit) if b"<" in data[:limit] else limit
                cut = limit if cut <= 0 else cut
            yield _CELL.sub(keep, data[:cut])
            carry = data[cut:]
        yield _CELL.sub(keep, carry)

    edits = {m: pkg.chunks(m) for m in transcode if m != part}
    edits[part] = chunks()
    trimmed.path = _copy(pkg, edits)
    return trimmed


def _last_cell_start(data: bytes, before: int) -> int:
    """The start of the last cell element beginning before ``before`` (0 when none)."""
    at = before
    while at > 0:
        at = data.rfind(b"<", 0, at)
        if at < 0:
            return 0
        m = re.match(rb"<(?:[\w.-]+:)?c[\s/>]", data[at : at + 64])
        if m:
            return at
    return 0


def _copy(pkg, edits: dict) -> Path:
    fd, name = tempfile.mkstemp(prefix="opsbook-read-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as out:
            writer = RawZipWriter(out)
            for info in pkg.infos:
                if info.filename in edits:
                    spool = PartSpool(info.file_size)
                    for chunk in edits[info.filename]:
                        spool.write(chunk)
                    done = spool.close()
                    writer.write_deflated(
                        info.filename,
                        done.file,
                        done.crc,
                        done.compress_size,
                        done.file_size,
                        like=info,
                    )
                    done.file.close()
                else:
                    writer.copy(pkg.zip, info)
            writer.close()
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
