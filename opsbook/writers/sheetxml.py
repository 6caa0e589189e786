"""Splicing a worksheet's XML: change the style index of marked cells, create marked cells
that do not exist yet (a blank signature), and add the legacyDrawing that notes need.

Worksheet XML is user content: nothing in it is parsed into a tree and re-serialised.  The
rows are found by scanning the bytes (the row and cell start tags are regular: Excel never
nests them and escapes '<' in text), and only the start tags of marked cells are rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..workbook.cells import column_index, column_letter

_SHEETDATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_ATTR_R = re.compile(rb'\sr="([^"]*)"')
_ATTR_S = re.compile(rb'\ss="(\d*)"')
_COLS = re.compile(rb"<(?:[\w.-]+:)?col\b([^>]*?)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_ROOT = re.compile(rb"<((?:[\w.-]+:)?)worksheet\b([^>]*)>")

# CT_Worksheet elements that come after legacyDrawing; it is inserted before the first.
_AFTER_LEGACY = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                 b"webPublishItems", b"tableParts", b"extLst")


@dataclass(frozen=True)
class Restyled:
    """One marked cell: its style before (None when opsbook created the cell, -1 when the
    cell had no s attribute) and after; ``base`` is the style a created cell would have
    had (its column's or row's)."""

    ref: str
    before: int | None
    after: int
    base: int = 0


def row_pattern(prefix: bytes) -> re.Pattern:
    """<row …> start tags; group 1 the r attribute (captured by a lookahead in the same scan,
    not a search per row), group 2 the attributes, group 3 "/" for a self-closing row."""
    return re.compile(rb"<" + re.escape(prefix) + rb"row\b(?=[^>]*?\sr=\"(\d+)\")?([^>]*?)(/?)>")


def cells_in(xml: bytes, prefix: bytes, start: int, stop: int):
    """(start-tag match, 0-based column, end of the element) of each cell in xml[start:stop];
    a cell without an r attribute follows the one before it."""
    cell_re = re.compile(rb"<" + re.escape(prefix) + rb"c\b([^>]*?)(/?)>")
    close = b"</" + prefix + b"c>"
    col, pos = -1, start
    while True:
        m = cell_re.search(xml, pos, stop)
        if m is None:
            return
        r_attr = _ATTR_R.search(m.group(1))
        col = column_index(re.match(rb"[A-Za-z]+", r_attr.group(1)).group().decode()) if r_attr else col + 1
        element_end = m.end() if m.group(2) else xml.find(close, m.end()) + len(close)
        yield m, col, element_end
        pos = element_end


def _column_styles(xml: bytes, upto: int) -> dict[int, int]:
    """Column default styles from <cols> (0-based column → style), for cells we create."""
    styles: dict[int, int] = {}
    for m in _COLS.finditer(xml, 0, upto):
        attrs = dict(_ATTR.findall(m.group(1)))
        if b"style" in attrs:
            for c in range(int(attrs.get(b"min", b"1")) - 1, min(int(attrs.get(b"max", b"1")), 16384)):
                styles[c] = int(attrs[b"style"])
    return styles


def restyle_cells(xml: bytes, marks: dict[int, dict[int, str]], style_for) -> tuple[bytes, list[Restyled]]:
    """Give every marked cell (row → {0-based column → severity}) the style
    ``style_for(original_style, severity)``; create missing cells and rows."""
    found = _SHEETDATA.search(xml)
    if found is None:
        raise ValueError("worksheet has no sheetData")
    prefix = found.group(1)
    col_styles = _column_styles(xml, found.start())
    out: list[bytes] = []
    changes: list[Restyled] = []
    pending = dict(sorted(marks.items()))

    def new_row(r: int) -> bytes:
        cells = b"".join(_new_cell(prefix, r, c, sev, col_styles, None, style_for, changes)
                         for c, sev in sorted(pending.pop(r).items()))
        return b"<%srow r=\"%d\">%s</%srow>" % (prefix, r, cells, prefix)

    if found.group(2):  # <sheetData/>: no rows at all
        out.append(xml[: found.start()])
        rows = b"".join(new_row(r) for r in list(pending))
        out.append(b"<%ssheetData>%s</%ssheetData>" % (prefix, rows, prefix))
        out.append(xml[found.end():])
        return b"".join(out), changes

    end = xml.find(b"</" + prefix + b"sheetData>", found.end())
    row_re = row_pattern(prefix)
    row_close = b"</" + prefix + b"row>"
    pos = found.end()
    out.append(xml[:pos])
    row_number = 0
    for m in row_re.finditer(xml, pos, end):
        row_number = int(m.group(1)) if m.group(1) else row_number + 1
        while pending and next(iter(pending)) < row_number:  # a marked row missing from the XML
            out.append(xml[pos:m.start()])
            pos = m.start()
            out.append(new_row(next(iter(pending))))
        if row_number not in pending:
            continue
        row_marks = pending.pop(row_number)
        row_style = None
        if b'customFormat="1"' in m.group(2):
            s = _ATTR_S.search(m.group(2))
            row_style = int(s.group(1)) if s and s.group(1) else None
        if m.group(3):  # <row .../>: open it to hold the new cells
            out.append(xml[pos:m.start()])
            cells = b"".join(_new_cell(prefix, row_number, c, sev, col_styles, row_style, style_for, changes)
                             for c, sev in sorted(row_marks.items()))
            out.append(m.group(0)[:-2] + b">" + cells + row_close)
            pos = m.end()
            continue
        close = xml.find(row_close, m.end())
        out.append(xml[pos:m.end()])
        out.append(_restyle_row(xml[m.end():close], prefix, row_number, row_marks, col_styles,
                                row_style, style_for, changes))
        pos = close
    out.append(xml[pos:end])
    for r in list(pending):  # marked rows below the last row in the XML
        out.append(new_row(r))
    out.append(xml[end:])
    return b"".join(out), changes


def _new_cell(prefix, row, col, severity, col_styles, row_style, style_for, changes) -> bytes:
    base = row_style if row_style is not None else col_styles.get(col, 0)
    ref = f"{column_letter(col)}{row}"
    after = style_for(base, severity)
    changes.append(Restyled(ref, None, after, base))
    return b'<%sc r="%s" s="%d"/>' % (prefix, ref.encode(), after)


def _restyle_row(content: bytes, prefix, row, row_marks, col_styles, row_style, style_for, changes) -> bytes:
    out: list[bytes] = []
    pos = 0
    todo = dict(sorted(row_marks.items()))
    for m, col, stop in cells_in(content, prefix, 0, len(content)):
        for missing in [c for c in todo if c < col]:
            out.append(content[pos:m.start()])
            pos = m.start()
            out.append(_new_cell(prefix, row, missing, todo.pop(missing), col_styles, row_style, style_for, changes))
        if col in todo:
            severity = todo.pop(col)
            tag = m.group(0)
            s = _ATTR_S.search(tag)
            before = int(s.group(1)) if s and s.group(1) else -1
            after = style_for(max(before, 0), severity)
            if s:
                tag = tag[: s.start(1)] + str(after).encode() + tag[s.end(1):]
            else:
                cut = -2 if m.group(2) else -1
                tag = tag[:cut] + b' s="%d"' % after + tag[cut:]
            changes.append(Restyled(f"{column_letter(col)}{row}", before, after))
            out.append(content[pos:m.start()])
            out.append(tag)
            pos = m.end()
        out.append(content[pos:stop])
        pos = stop
    out.append(content[pos:])
    for missing in list(todo):
        out.append(_new_cell(prefix, row, missing, todo.pop(missing), col_styles, row_style, style_for, changes))
    return b"".join(out)


def root_prefix_for(xml: bytes, namespace: str) -> bytes | None:
    """The prefix the worksheet root binds to ``namespace`` (None when not declared there)."""
    root = _ROOT.search(xml)
    if root is None:
        return None
    m = re.search(rb'xmlns:([\w.-]+)="' + re.escape(namespace.encode()) + rb'"', root.group(2))
    return m.group(1) if m else None


def find_legacy_drawing(xml: bytes) -> bytes | None:
    """The relationship id of the sheet's <legacyDrawing>, if it has one.  It sits after
    sheetData, so the search starts there instead of scanning every cell."""
    end = xml.rfind(b"sheetData>")
    m = re.compile(rb"<(?:[\w.-]+:)?legacyDrawing\b[^>]*?\s[\w.-]+:id=\"([^\"]+)\"").search(xml, max(end, 0))
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
    tail = max(xml.rfind(b"sheetData>"), 0)  # these elements all follow sheetData
    positions = [m.start() for name in _AFTER_LEGACY
                 for m in [re.compile(rb"<" + re.escape(prefix) + name + rb"\b").search(xml, tail)] if m]
    at = min(positions) if positions else xml.rfind(b"</" + prefix + b"worksheet>")
    return xml[:at] + element + xml[at:]
