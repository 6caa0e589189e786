"""Marks in styles.xml: one fill per severity, and for each cell style that a marked cell
uses, one clone that differs only in its fill, so number format, font, borders, alignment
and protection stay the cell's own."""

from __future__ import annotations

import copy

from lxml import etree

from ..errors import RefusedToPatch
from ..layout import FILL_COLOURS
from ..ooxml.package import CT_STYLES, Package, parse_xml, to_bytes
from ..ooxml.parts import add_relationship, ensure_override

MINIMAL_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)

# The entries of each collection opsbook reads or appends to (CT_NumFmts holds numFmt …).
# The schema allows nothing else in them: an element of the main namespace with another
# name refuses the file (Excel would not read the style index we computed past it the
# same way); an element of another namespace (markup compatibility, an extension) is
# kept where it is and not counted.
_ENTRY = {
    "numFmts": "numFmt",
    "fonts": "font",
    "fills": "fill",
    "borders": "border",
    "cellStyleXfs": "xf",
    "cellXfs": "xf",
    "cellStyles": "cellStyle",
    "dxfs": "dxf",
}

# CT_Stylesheet's child order, to put a created collection where Excel expects it.
_ORDER = [
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
]


class Styles:
    def __init__(self, pkg: Package):
        self.pkg = pkg
        part = pkg.styles_part()
        if part is None or not pkg.has(part):
            # The only non-additive case: a package with no styles part gets a minimal one.
            part = (
                pkg.free_part("xl/styles{n}.xml").replace("styles1", "styles")
                if not pkg.has("xl/styles.xml")
                else pkg.free_part("xl/styles{n}.xml")
            )
            pkg.put(part, MINIMAL_STYLES)
            add_relationship(pkg, pkg.workbook_part, pkg.rel_type("styles"), part)
            ensure_override(pkg, part, CT_STYLES)
        self.part = part
        self.root = parse_xml(pkg.read(part), part, pkg.path)
        self.ns = etree.QName(self.root).namespace
        self.cell_xfs = self._collection("cellXfs")
        # Counts before opsbook added anything: clear removes what lies beyond them.
        self.original_counts = {
            name: self._count(name) for name in ("cellXfs", "fills", "fonts", "numFmts")
        }
        self._fills: dict[str, int] = {}
        self._clones: dict[tuple[int, str], int] = {}
        self._plain: dict[str, int] = {}
        self.changed = False

    def _count(self, name: str) -> int:
        found = self.root.find(self._q(name))
        return 0 if found is None else len(self._entries(found))

    def _entries(self, collection: etree._Element) -> list[etree._Element]:
        """The entries of a collection (its numFmt, font, fill, xf … children), in order."""
        name = etree.QName(collection).localname
        want = _ENTRY[name]
        entries = []
        for child in collection:
            if not isinstance(child.tag, str):
                continue  # a comment or processing instruction
            tag = etree.QName(child)
            if tag.namespace != self.ns:
                continue  # an extension of another namespace: kept, not an entry
            if tag.localname != want:
                raise RefusedToPatch(
                    f"{self.pkg.path}: {self.part} has a <{tag.localname}> inside <{name}>, "
                    f"where Excel's format allows only <{want}>; opsbook does not write "
                    "styles it cannot index. Open the workbook in Excel, save it, and run again"
                )
            entries.append(child)
        return entries

    def truncate(self, counts: dict[str, int]) -> None:
        """Remove entries beyond ``counts`` (opsbook's own additions), newest first."""
        for name, count in counts.items():
            found = self.root.find(self._q(name))
            if found is None:
                continue
            entries = self._entries(found)
            if len(entries) <= count:
                continue
            for entry in entries[count:]:
                found.remove(entry)
            if count == 0 and name == "numFmts":
                self.root.remove(found)
            else:
                found.set("count", str(count))
            self.changed = True

    def _q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def _collection(self, name: str) -> etree._Element:
        found = self.root.find(self._q(name))
        if found is None:
            found = etree.Element(self._q(name))
            after = _ORDER.index(name)
            index = 0
            for i, child in enumerate(self.root):
                local = etree.QName(child).localname
                if local in _ORDER and _ORDER.index(local) < after:
                    index = i + 1
            self.root.insert(index, found)
        return found

    def _append(self, collection: etree._Element, element: etree._Element) -> int:
        collection.append(element)
        count = len(self._entries(collection))
        collection.set("count", str(count))
        self.changed = True
        return count - 1

    def fill(self, severity: str) -> int:
        if severity not in self._fills:
            fills = self._collection("fills")
            fill = etree.Element(self._q("fill"))
            pattern = etree.SubElement(fill, self._q("patternFill"), patternType="solid")
            etree.SubElement(pattern, self._q("fgColor"), rgb=FILL_COLOURS[severity])
            etree.SubElement(pattern, self._q("bgColor"), indexed="64")
            self._fills[severity] = self._append(fills, fill)
        return self._fills[severity]

    def marked(self, style_index: int, severity: str) -> int:
        """Index of a cell style equal to ``style_index`` but filled for ``severity``."""
        key = (style_index, severity)
        if key not in self._clones:
            xfs = self._entries(self.cell_xfs)
            base = xfs[style_index] if style_index < len(xfs) else (xfs[0] if xfs else None)
            xf = (
                copy.deepcopy(base)
                if base is not None
                else etree.Element(
                    self._q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0"
                )
            )
            xf.set("fillId", str(self.fill(severity)))
            xf.set("applyFill", "1")
            self._clones[key] = self._append(self.cell_xfs, xf)
        return self._clones[key]

    def ours(self) -> set[int]:
        """Cell styles that carry one of opsbook's fills (a solid pattern of FILL_COLOURS),
        whatever their index: another program that saved the workbook renumbers styles."""
        colours = set(FILL_COLOURS.values())
        fills = self.root.find(self._q("fills"))
        marked_fills = set()
        for i, fill in enumerate(self._entries(fills) if fills is not None else []):
            pattern = fill.find(self._q("patternFill"))
            fg = pattern.find(self._q("fgColor")) if pattern is not None else None
            if (
                pattern is not None
                and pattern.get("patternType") == "solid"
                and fg is not None
                and (fg.get("rgb") or "").upper() in colours
            ):
                marked_fills.add(str(i))
        xfs = self._entries(self.cell_xfs)
        return {i for i, xf in enumerate(xfs) if xf.get("fillId", "0") in marked_fills}

    def unmarked(self, index: int, ours: set[int]) -> int:
        """The cell style ``index`` (one of ``ours``) without opsbook's fill: an existing
        style equal to it but for the fill (one without a fill first), else a new one."""
        xfs = self._entries(self.cell_xfs)

        def key(xf) -> bytes:
            bare = copy.deepcopy(xf)
            for name in ("fillId", "applyFill"):
                bare.attrib.pop(name, None)
            return etree.tostring(bare, method="c14n")

        wanted = key(xfs[index])
        twins = [i for i, xf in enumerate(xfs) if i not in ours and key(xf) == wanted]
        if twins:
            return next((i for i in twins if xfs[i].get("fillId", "0") == "0"), twins[0])
        bare = copy.deepcopy(xfs[index])
        bare.set("fillId", "0")
        bare.attrib.pop("applyFill", None)
        return self._append(self.cell_xfs, bare)

    def bold(self) -> int:
        """A plain bold cell style for the header row of opsbook's own sheets."""
        return self._named("bold", lambda: self._font(bold=True))

    def number_format(self, code: str) -> int:
        """A plain cell style with a number format (for opsbook's summary sheets)."""

        def make():
            numfmts = self._collection("numFmts")
            # A numFmtId that is no number (damaged, NaN) takes no id: ours goes past the rest.
            ids = [
                int(value)
                for n in self._entries(numfmts)
                if (value := (n.get("numFmtId") or "").strip()).isdigit()
            ]
            fmt_id = max([163, *ids]) + 1
            self._append(
                numfmts, etree.Element(self._q("numFmt"), numFmtId=str(fmt_id), formatCode=code)
            )
            return dict(numFmtId=str(fmt_id), applyNumberFormat="1")

        return self._named("fmt:" + code, make)

    def _font(self, bold: bool) -> dict:
        fonts = self._collection("fonts")
        first = next(iter(self._entries(fonts)), None)
        font = copy.deepcopy(first) if first is not None else etree.Element(self._q("font"))
        if bold and font.find(self._q("b")) is None:
            font.insert(0, etree.Element(self._q("b")))
        return dict(fontId=str(self._append(fonts, font)), applyFont="1")

    def _named(self, name: str, make) -> int:
        if name not in self._plain:
            attrs = dict(numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            attrs.update(make())
            self._plain[name] = self._append(self.cell_xfs, etree.Element(self._q("xf"), attrs))
        return self._plain[name]

    def save(self) -> None:
        if self.changed:
            self.pkg.put(self.part, to_bytes(self.root))
