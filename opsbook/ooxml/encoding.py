"""XML parts stored in UTF-16, read as UTF-8.

The package conventions (ECMA-376 Part 2, §8.1.4) let a part be UTF-8 or UTF-16, the latter
with a byte-order mark and a matching declaration.  The fast readers and opsbook's byte
scanners know UTF-8 only: a sheet in UTF-16 read as having no cells, and its violations went
unreported.  So a UTF-16 part is transcoded as it is streamed (its declaration rewritten to
say UTF-8); a part opsbook writes is then written as UTF-8, which every reader accepts, and a
part it does not write keeps its bytes.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DECLARED = re.compile(rb"""^(\s*<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")


def is_utf16(head: bytes) -> bool:
    """True when a part starting with ``head`` is UTF-16 (it starts with a byte-order mark)."""
    return head[:2] in BOMS


def utf8_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks of a part as UTF-8: unchanged unless the part starts with a UTF-16
    byte-order mark, then transcoded (the mark dropped, the declaration made to say UTF-8).
    A part whose UTF-16 is broken is decoded with U+FFFD for the broken units, which the XML
    parsers then refuse as they would any damaged part."""
    chunks = iter(chunks)
    first = b""
    for first in chunks:
        if first:
            break
    if not is_utf16(first):
        if first:
            yield first
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder("utf-16")("replace")
    head = decoder.decode(first).encode("utf-8")
    head = _DECLARED.sub(rb"\1\2UTF-8\2", head, count=1)
    yield head
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield text.encode("utf-8")
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8")


XML_PARTS = (".xml", ".rels", ".vml")  # the members that are XML text (parts and relationships)


@contextlib.contextmanager
def calamine_readable(path: Path):
    """A path calamine can read for the workbook at ``path``: itself, or (when it has
    UTF-16 parts) a temporary copy with those parts in UTF-8, removed afterwards."""
    with zipfile.ZipFile(path) as zin:
        wide = [
            i.filename
            for i in zin.infolist()
            if i.filename.lower().endswith(XML_PARTS) and is_utf16(zin.open(i).read(2))
        ]
        if not wide:
            yield Path(path)
            return
        fd, name = tempfile.mkstemp(prefix="opsbook-read-", suffix=".xlsx")
        os.close(fd)
        try:
            with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    data = zin.read(info.filename)
                    if info.filename in wide:
                        data = b"".join(utf8_chunks([data]))
                    zout.writestr(info.filename, data)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)
