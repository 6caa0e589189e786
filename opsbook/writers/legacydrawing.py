"""The sheet's <legacyDrawing>: the VML part that cell notes hang on.  Found, and added where
CT_Worksheet's element order wants it, in the part without its rows (notes.py)."""

from __future__ import annotations

import re

from ..ooxml.tags import LEGACY_ID, ROOT

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


def root_prefix_for(xml: bytes, namespace: str) -> bytes | None:
    """The prefix the worksheet root binds to ``namespace`` (None when not declared there)."""
    root = ROOT.search(xml)
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
    m = LEGACY_ID.search(xml, max(end, 0))
    return m.group(1) if m else None


def insert_legacy_drawing(xml: bytes, rel_id: str, rel_ns: str) -> bytes:
    """Add <legacyDrawing r:id=…/> where CT_Worksheet's order wants it."""
    root = ROOT.search(xml)
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
