"""Data validation, conditional formats, defined names and dxf styles, spliced into a
workbook package the way the file writer splices marks (../shared/WRITEBACK.md): the rows
of a sheet stream through untouched, only the part after ``</sheetData>`` is edited, and
what opsbook adds is appended where CT_Worksheet's order wants it.

How opsbook's own pieces are told apart from the team's, whoever saved the file since:

- a conditional format of opsbook's names ``_opsbook_on`` in its formula (every one is
  ``AND(_opsbook_on, …)``): a whole ``<conditionalFormatting>`` element of ours holds only
  our rules;
- a data validation of opsbook's has an ``errorTitle`` starting with "opsbook";
- defined names start with ``_opsbook_`` and are listed in the state sheet;
- the dxf styles are the last ones of ``<dxfs>``; removed only while they still are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..ooxml.package import Package
from ..ooxml.rowstream import rewrite_sheet
from ..ooxml.state import RunState
from ..workbook.cells import split_cell
from ..writers.clear import CellRestorer
from ..writers.styles import Styles
from ..writers.xmltext import attr
from .formulas import NAME_ON

MARK = "opsbook"
DXF_COLOURS = {  # lighter than the run's marks (layout.FILL_COLOURS), with coloured text
    "error": ("FFFFE5E9", "FF9C0006"),
    "warning": ("FFFFF7D6", "FF7F6000"),
}

# CT_Worksheet's elements after sheetData, in order (ECMA-376 Part 1, §18.3.1.99).
_ORDER = (
    b"sheetCalcPr sheetProtection protectedRanges scenarios autoFilter sortState "
    b"dataConsolidate customSheetViews mergeCells phoneticPr conditionalFormatting "
    b"dataValidations hyperlinks printOptions pageMargins pageSetup headerFooter rowBreaks "
    b"colBreaks customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing "
    b"legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst"
).split()
_CF = re.compile(
    rb"<((?:[\w.-]+:)?)conditionalFormatting\b[^>]*>.*?</\1conditionalFormatting>", re.S
)
_DVS = re.compile(rb"<((?:[\w.-]+:)?)dataValidations\b([^>]*?)(/?)>")
_DV = re.compile(rb"<((?:[\w.-]+:)?)dataValidation\b([^>]*?)(?:/>|>.*?</\1dataValidation>)", re.S)
_SQREF = re.compile(rb"""\ssqref\s*=\s*["']([^"']*)["']""")
_X14_SQREF = re.compile(rb"<(?:[\w.-]+:)?sqref>([^<]*)</(?:[\w.-]+:)?sqref>")
_PRIORITY = re.compile(rb"""\spriority\s*=\s*["'](\d+)["']""")
_OURS_DV = re.compile(rb"""\serrorTitle\s*=\s*["']opsbook""")
_NAME_ON = re.compile(re.escape(NAME_ON.encode()) + rb"\b")


@dataclass
class Validation:
    sqref: str
    type: str  # list | date | decimal | custom
    formula: str
    operator: str | None
    title: str  # errorTitle after "opsbook · "
    prompt: str
    error: str
    style: str = "warning"  # stop | warning | information


@dataclass
class Format:
    sqref: str
    formula: str  # for the top-left cell of sqref
    severity: str


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _prefix(skeleton: bytes) -> bytes:
    m = re.search(rb"<((?:[\w.-]+:)?)sheetData\b", skeleton)
    return m.group(1) if m else b""


def _insert_before_following(tail: bytes, prefix: bytes, name: bytes, element: bytes) -> bytes:
    """Put ``element`` (a ``name`` element) after the last element of that name, else before
    the first element that follows it in CT_Worksheet's order, else before the end tag."""
    at = _before_first(tail, prefix, _ORDER[_ORDER.index(name) + 1 :], b"worksheet")
    return tail[:at] + element + tail[at:]


def _before_first(xml: bytes, prefix: bytes, names, root: bytes) -> int:
    """Where the first element of ``names`` starts, else the root's end tag."""
    positions = [
        m.start()
        for n in names
        for m in [re.compile(rb"<" + re.escape(prefix) + n + rb"[\s/>]").search(xml)]
        if m
    ]
    return min(positions) if positions else xml.rfind(b"</" + prefix + root + b">")


def existing_validations(skeleton: bytes) -> list[tuple[int, int, int, int]]:
    """The team's data-validation ranges (main and Excel 2010 x14), as (r1, c1, r2, c2)."""
    found = []
    for m in _DV.finditer(skeleton):
        if _OURS_DV.search(m.group(0)):
            continue
        sq = _SQREF.search(m.group(0))
        refs = sq.group(1) if sq else b""
        if not sq:
            x = _X14_SQREF.search(m.group(0))
            refs = x.group(1) if x else b""
        for ref in refs.decode("utf-8", "replace").split():
            found.append(box(ref))
    return found


def box(ref: str) -> tuple[int, int, int, int]:
    ref = ref.replace("$", "").split("!")[-1]
    a, _, b = ref.partition(":")
    b = b or a

    def corner(cell: str, first: bool) -> tuple[int, int]:
        if cell.isalpha():  # a whole column
            return (1 if first else 1_048_576), split_cell(cell + "1")[1]
        if cell.isdigit():  # a whole row
            return int(cell), (0 if first else 16_383)
        return split_cell(cell)

    r1, c1 = corner(a, True)
    r2, c2 = corner(b, False)
    return r1, c1, r2, c2


def overlaps(a, b) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def add_checks(
    skeleton: bytes, validations: list[Validation], formats: list[Format], dxf: dict
) -> bytes:
    """The sheet part without its rows, with opsbook's formats and validations added."""
    prefix = _prefix(skeleton)
    end = max(skeleton.rfind(b"sheetData"), 0)
    head, tail = skeleton[:end], skeleton[end:]
    if formats:
        priority = max([int(p) for p in _PRIORITY.findall(tail)] + [0])
        p = prefix.decode()
        blocks = []
        for i, fmt in enumerate(formats, start=priority + 1):
            blocks.append(
                f'<{p}conditionalFormatting sqref="{fmt.sqref}"><{p}cfRule type="expression" '
                f'dxfId="{dxf[fmt.severity]}" priority="{i}"><{p}formula>{_xml(fmt.formula)}'
                f"</{p}formula></{p}cfRule></{p}conditionalFormatting>"
            )
        tail = _insert_before_following(
            tail, prefix, b"conditionalFormatting", "".join(blocks).encode("utf-8")
        )
    if validations:
        p = prefix.decode()
        items = "".join(_validation(v, p) for v in validations).encode("utf-8")
        m = _DVS.search(tail)
        if m is None:
            element = b'<%sdataValidations count="%d">%s</%sdataValidations>' % (
                prefix,
                len(validations),
                items,
                prefix,
            )
            tail = _insert_before_following(tail, prefix, b"dataValidations", element)
        else:
            if m.group(3):  # <dataValidations/>: opened up
                tail = (
                    tail[: m.start()]
                    + b"<%sdataValidations%s>" % (prefix, m.group(2))
                    + b"</%sdataValidations>" % prefix
                    + tail[m.end() :]
                )
            close = tail.find(b"</" + prefix + b"dataValidations>")
            tail = tail[:close] + items + tail[close:]
            tail = _recount(tail, prefix)
    return head + tail


def _validation(v: Validation, p: str) -> str:
    op = f' operator="{v.operator}"' if v.operator else ""
    return (
        f'<{p}dataValidation type="{v.type}" errorStyle="{v.style}" allowBlank="1"'
        f' showInputMessage="1" showErrorMessage="1"{op}'
        f" errorTitle={attr((MARK + ' · ' + v.title)[:32])} error={attr(v.error[:225])}"
        f" promptTitle={attr(v.title[:32])} prompt={attr(v.prompt[:255])}"
        f' sqref="{v.sqref}"><{p}formula1>{_xml(v.formula)}</{p}formula1></{p}dataValidation>'
    )


def _recount(tail: bytes, prefix: bytes) -> bytes:
    m = _DVS.search(tail)
    if m is None:
        return tail
    close = tail.find(b"</" + prefix + b"dataValidations>", m.end())
    n = len(_DV.findall(tail[m.end() : close]))
    if n == 0:
        return tail[: m.start()] + tail[close + len(b"</" + prefix + b"dataValidations>") :]
    attrs = re.sub(rb"""\scount\s*=\s*["']\d*["']""", b"", m.group(2))
    start = b'<%sdataValidations count="%d"%s>' % (prefix, n, attrs)
    return tail[: m.start()] + start + tail[m.end() :]


def remove_checks(skeleton: bytes) -> bytes:
    """The sheet part without its rows, less opsbook's formats and validations."""
    prefix = _prefix(skeleton)
    end = max(skeleton.rfind(b"sheetData"), 0)
    head, tail = skeleton[:end], skeleton[end:]
    cleaned = _CF.sub(lambda m: b"" if _NAME_ON.search(m.group(0)) else m.group(0), tail)
    dvs = _DVS.search(cleaned)
    if dvs is not None and not dvs.group(3):
        stripped = _DV.sub(lambda m: b"" if _OURS_DV.search(m.group(0)) else m.group(0), cleaned)
        if stripped != cleaned:
            cleaned = _recount(stripped, prefix)
    return head + cleaned


def edit_sheet(pkg: Package, part: str, edit) -> None:
    """Stream a sheet part with its rows untouched, ``edit`` applied to the rest."""
    rewrite_sheet(pkg, part, CellRestorer({}), edit)


# dxf styles -------------------------------------------------------------------------------


def add_dxfs(styles: Styles) -> tuple[dict[str, int], int]:
    """Two differential formats (error, warning); returns their ids and the count of dxfs
    before (-1: the styles part had no <dxfs>)."""
    q = styles._q
    dxfs = styles.root.find(q("dxfs"))
    before = -1 if dxfs is None else len([c for c in dxfs if isinstance(c.tag, str)])
    dxfs = styles._collection("dxfs")
    ids = {}
    for severity, (fill, font) in DXF_COLOURS.items():
        dxf = etree.Element(q("dxf"))
        etree.SubElement(etree.SubElement(dxf, q("font")), q("color"), rgb=font)
        pattern = etree.SubElement(etree.SubElement(dxf, q("fill")), q("patternFill"))
        # In a dxf a solid fill's colour is its bgColor (ECMA-376 Part 1, §18.8.17).
        etree.SubElement(pattern, q("bgColor"), rgb=fill)
        ids[severity] = styles._append(dxfs, dxf)
    return ids, before


def remove_dxfs(styles: Styles, before: int, added: int = len(DXF_COLOURS)) -> None:
    q = styles._q
    dxfs = styles.root.find(q("dxfs"))
    if dxfs is None:
        return
    entries = [c for c in dxfs if isinstance(c.tag, str)]
    if len(entries) != max(before, 0) + added:
        return  # someone added or removed styles since: ours are no longer the last ones
    for entry in entries[max(before, 0) :]:
        dxfs.remove(entry)
    if before < 0:
        styles.root.remove(dxfs)
    else:
        dxfs.set("count", str(before))
    styles.changed = True


# defined names ---------------------------------------------------------------------------

_HIDDEN = ' hidden="1"'
_DEFINED = re.compile(rb"<((?:[\w.-]+:)?)definedNames\b[^>]*?(/?)>")
_WB_AFTER_NAMES = (
    b"calcPr oleSize customWorkbookViews pivotCaches smartTagPr smartTagTypes webPublishing "
    b"fileRecoveryPr webPublishObjects extLst"
).split()


def add_names(pkg: Package, names: dict[str, tuple[str, bool]]) -> str:
    """Workbook-level defined names: name → (formula, hidden).  Returns how the
    ``<definedNames>`` element was found ("" present, "opened" it was ``<definedNames/>``,
    "created"), for remove_names to leave it as it was."""
    if not names:
        return ""
    wb = pkg.read(pkg.workbook_part)
    root = re.search(rb"<((?:[\w.-]+:)?)workbook\b", wb)
    prefix = root.group(1) if root else b""
    p = prefix.decode()
    items = "".join(
        f"<{p}definedName name={attr(name)}{_HIDDEN if hidden else ''}>{_xml(formula)}"
        f"</{p}definedName>"
        for name, (formula, hidden) in names.items()
    ).encode("utf-8")
    m = _DEFINED.search(wb)
    how = ""
    if m is not None and m.group(2):  # <definedNames/>
        how = "opened"
        wb = (
            wb[: m.start()]
            + b"<%sdefinedNames>%s</%sdefinedNames>" % (prefix, items, prefix)
            + wb[m.end() :]
        )
    elif m is not None:
        close = wb.find(b"</" + prefix + b"definedNames>", m.end())
        wb = wb[:close] + items + wb[close:]
    else:
        how = "created"
        element = b"<%sdefinedNames>%s</%sdefinedNames>" % (prefix, items, prefix)
        at = _before_first(wb, prefix, _WB_AFTER_NAMES, b"workbook")
        wb = wb[:at] + element + wb[at:]
    pkg.put(pkg.workbook_part, wb)
    return how


def remove_names(pkg: Package, names: set[str], how: str = "created") -> None:
    if not names:
        return
    wb = pkg.read(pkg.workbook_part)
    pattern = re.compile(rb"<((?:[\w.-]+:)?)definedName\b([^>]*)>(.*?)</\1definedName>", re.S)

    def keep(m: re.Match) -> bytes:
        name = re.search(rb"""\sname\s*=\s*["']([^"']*)["']""", m.group(2))
        local = re.search(rb"localSheetId", m.group(2))
        if name and not local and name.group(1).decode("utf-8") in names:
            return b""
        return m.group(0)

    cleaned = pattern.sub(keep, wb)
    if how in ("opened", "created"):  # empty now: back to what it was
        cleaned = re.sub(
            rb"<((?:[\w.-]+:)?)definedNames>\s*</\1definedNames>",
            (lambda m: b"<%sdefinedNames/>" % m.group(1)) if how == "opened" else b"",
            cleaned,
        )
    if cleaned != wb:
        pkg.put(pkg.workbook_part, cleaned)


def clear_embedded(pkg: Package, state: RunState) -> None:
    """Remove what an embed listed in ``state``: its formats and validations, defined names,
    dxf styles (its sheets go with the state's other sheets, see writers.clear)."""
    sheets = {where for where, _r, what, _b, _c in state.embedded if what in ("dv", "cf")}
    for entry in list(pkg.sheets):
        if entry.name in sheets and pkg.has(entry.part):
            edit_sheet(pkg, entry.part, remove_checks)
    names = [(where, b) for where, _r, what, b, _c in state.embedded if what == "name"]
    remove_names(pkg, {n for n, _ in names}, next((b for _, b in names if b), ""))
    for _where, _r, what, before, _c in state.embedded:
        if what == "dxfs":
            styles = Styles(pkg)
            remove_dxfs(styles, int(before))
            styles.save()
