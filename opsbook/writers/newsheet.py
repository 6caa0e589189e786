"""opsbook's own sheets (違規清單, summaries): written as new worksheet parts with inline
strings, so the shared-strings table is never touched, and appended at the end of the
workbook so no sheet index (defined names, print areas) shifts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..errors import UnreadableWorkbook
from ..ooxml.package import CT_WORKSHEET, Package, SpooledPart
from ..ooxml.parts import add_relationship, ensure_override
from ..workbook.cells import column_letter
from .xmltext import attr, cell_text

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass
class SheetContent:
    """A grid of values (str, int, float, bool or None) and how to present it."""

    rows: list[list]
    widths: dict[int, float] = field(default_factory=dict)
    styles: dict[tuple[int, int], int] = field(default_factory=dict)  # (row0, col0) → style
    row_styles: dict[int, int] = field(default_factory=dict)  # row0 → style for every cell
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) → location
    freeze_header: bool = True
    autofilter: bool = True
    drawing_rel: str | None = None  # set when a chart drawing is attached


def render(content: SheetContent, rel_ns: str) -> bytes:
    rows = content.rows
    width = max((len(r) for r in rows), default=1)
    parts = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{rel_ns}">'
    ]
    last = f"{column_letter(width - 1)}{max(len(rows), 1)}"
    parts.append(f'<dimension ref="A1:{last}"/>')
    if content.freeze_header and rows:
        parts.append(
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        )
    if content.widths:
        parts.append(
            "<cols>"
            + "".join(
                f'<col min="{c + 1}" max="{c + 1}" width="{w}" customWidth="1"/>'
                for c, w in sorted(content.widths.items())
            )
            + "</cols>"
        )
    parts.append("<sheetData>")
    letters = [column_letter(c) for c in range(width)]
    styles, row_styles = content.styles, content.row_styles
    for r, row in enumerate(rows):
        cells: list[str] = []
        add = cells.append
        row_style = row_styles.get(r)
        number = str(r + 1)
        for c, value in enumerate(row):
            style = styles.get((r, c), row_style) if styles else row_style
            s = f' s="{style}"' if style else ""
            ref = letters[c] + number
            if type(value) is str:  # most cells: no isinstance chain
                if not value:
                    if s:
                        add(f'<c r="{ref}"{s}/>')
                    continue
                space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
                add(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{cell_text(value)}</t></is></c>')
            elif (
                value is None
                or (isinstance(value, float) and not math.isfinite(value))
                or value == ""
            ):
                if s:
                    add(f'<c r="{ref}"{s}/>')
            elif isinstance(value, bool):
                add(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                add(
                    f'<c r="{ref}"{s}><v>{repr(float(value)) if isinstance(value, float) else value}</v></c>'
                )
            else:
                value = str(value)
                space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
                add(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{cell_text(value)}</t></is></c>')
        parts.append(f'<row r="{number}">' + "".join(cells) + "</row>")
    parts.append("</sheetData>")
    if content.autofilter and len(rows) > 1:
        parts.append(f'<autoFilter ref="A1:{last}"/>')
    if content.links:
        parts.append(
            "<hyperlinks>"
            + "".join(
                f'<hyperlink ref="{column_letter(c)}{r + 1}" location={attr(loc)} display={attr(str(rows[r][c]))}/>'
                for (r, c), loc in sorted(content.links.items())
            )
            + "</hyperlinks>"
        )
    parts.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    if content.drawing_rel:
        parts.append(f'<drawing r:id="{content.drawing_rel}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode("utf-8")


def _workbook_prefixes(xml: bytes, rel_ns: str) -> tuple[bytes, bytes | None]:
    root = re.search(rb"<((?:[\w.-]+:)?)workbook\b([^>]*)>", xml)
    prefix = root.group(1) if root else b""
    m = (
        re.search(rb'xmlns:([\w.-]+)="' + re.escape(rel_ns.encode()) + rb'"', root.group(2))
        if root
        else None
    )
    return prefix, (m.group(1) if m else None)


def add_sheet(pkg: Package, name: str, xml: bytes | SpooledPart, state: str = "visible") -> str:
    """Append a new sheet ``name`` holding ``xml``; returns its part name."""
    part = pkg.free_part("xl/worksheets/sheet{n}.xml")
    pkg.put(part, xml)
    ensure_override(pkg, part, CT_WORKSHEET)
    rel_id = add_relationship(pkg, pkg.workbook_part, pkg.rel_type("worksheet"), part)
    wb = pkg.read(pkg.workbook_part)
    prefix, r = _workbook_prefixes(wb, pkg.rel_ns)
    sheet_id = max([s.sheet_id for s in pkg.sheets] + [0]) + 1
    rid = (
        (b'%s:id="%s"' % (r, rel_id.encode()))
        if r
        else (b'xmlns:opsr="%s" opsr:id="%s"' % (pkg.rel_ns.encode(), rel_id.encode()))
    )
    hidden = b"" if state == "visible" else b' state="%s"' % state.encode()
    element = b'<%ssheet name=%s sheetId="%d"%s %s/>' % (
        prefix,
        attr(name).encode("utf-8"),
        sheet_id,
        hidden,
        rid,
    )
    close = wb.find(b"</" + prefix + b"sheets>")
    if close < 0:
        raise UnreadableWorkbook(f"{pkg.path}: its workbook.xml has no </sheets>; not patched")
    pkg.put(pkg.workbook_part, wb[:close] + element + wb[close:])
    from ..ooxml.package import SheetEntry

    pkg.sheets.append(SheetEntry(name, sheet_id, rel_id, part, state))
    return part
