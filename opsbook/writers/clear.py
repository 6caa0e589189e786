"""Undoing a run: every mark, note, sheet and style opsbook added, and nothing else.

A marked cell whose style is no longer the one opsbook gave it was recoloured by the user
after the run: it is left alone.  A user's note keeps its own text; only the runs opsbook
appended (they start with the 【opsbook】 marker) are removed.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from ..ooxml.package import Package, parse_xml, rels_part, to_bytes
from ..ooxml.parts import remove_default, remove_override, remove_relationship
from ..ooxml.rowstream import RowStream, rewrite_sheet
from ..ooxml.state import STATE_SHEET, RunState
from ..ooxml.tags import ATTR_S, ATTR_T, LEGACY_ID
from ..workbook.cells import split_cell
from .notes import MARK
from .sheetxml import cells_in
from .styles import Styles

_SHAPE = re.compile(rb"<v:shape\b[^>]*>.*?</v:shape>", re.S)
_LEGACY = re.compile(rb"<(?:[\w.-]+:)?legacyDrawing\b[^>]*/>")


def clear_package(pkg: Package, state: RunState, keep_embedded: bool = False) -> None:
    """Undo the run described by ``state`` in ``pkg`` (edits collected, nothing written).
    ``keep_embedded``: leave what ``opsbook embed`` put in (a validate run replaces its
    own marks; the live checks stay)."""
    marks: defaultdict[str, dict[str, tuple[int | None, int, int]]] = defaultdict(dict)
    for sheet, ref, before, after, base in state.marks:
        marks[sheet][ref] = (before, after, base)
    notes = defaultdict(set)
    for sheet, ref, _how in state.notes:
        notes[sheet].add(ref)
    rules = defaultdict(set)  # the live writer's conditional formats, by the helper sheet they read
    for sheet, _where, helper in state.rules:
        rules[sheet].add(helper)
    legacy = dict(state.legacy)
    if state.embedded and not keep_embedded:  # opsbook embed's; its sheets are in state.sheets
        from ..embed.parts import clear_embedded  # the embed layer's writer half

        clear_embedded(pkg, state)
    styles = Styles(pkg)
    ours = styles.ours() if state.marks else set()
    twins: dict[int, int] = {}

    def unmarked(index: int) -> int | None:
        """For a marked cell whose style is not the one the run gave it: when its style
        still carries opsbook's fill, another program renumbered the styles after the run
        (LibreOffice does): the same style without the fill.  None: recoloured by the user."""
        if index not in ours:
            return None
        if index not in twins:
            twins[index] = styles.unmarked(index, ours)
        return twins[index]

    for entry in list(pkg.sheets):
        if entry.name in state.sheets or entry.name == STATE_SHEET:
            continue
        if entry.name not in marks and entry.name not in notes and entry.name not in rules:
            continue
        restorer = CellRestorer(marks.get(entry.name, {}), unmarked)
        edit = None
        if entry.name in notes or entry.name in rules:

            def edit(skeleton: bytes, entry=entry) -> bytes:  # the part without its rows
                if entry.name in rules:
                    skeleton = remove_rules(skeleton, rules[entry.name])
                if entry.name in notes:
                    skeleton = _remove_notes(
                        pkg, entry.part, skeleton, state, legacy.get(entry.name)
                    )
                return skeleton

        rewrite_sheet(pkg, entry.part, restorer, edit)
    kept = set(state.embedded_sheets) if keep_embedded else set()
    for name in [
        s.name
        for s in pkg.sheets
        if (s.name in state.sheets and s.name not in kept) or s.name == STATE_SHEET
    ]:
        remove_sheet(pkg, name)
    live = {i.filename for i in pkg.infos if i.filename not in pkg.removed} | set(pkg.edits)
    if "default:vml" in state.parts and not any(n.lower().endswith(".vml") for n in live):
        remove_default(pkg, "vml")
    if state.styles and not _styles_in_use(pkg, state.styles.get("cellXfs", 0)):
        styles.truncate(state.styles)
    styles.save()  # only when truncated or a style had to be made (see unmarked)


_CF = re.compile(
    rb"<((?:[\w.-]+:)?)conditionalFormatting\b[^>]*>.*?</\1conditionalFormatting>", re.S
)
_EMPTY_X14 = re.compile(
    rb"<((?:[\w.-]+:)?)conditionalFormattings\b[^>]*>\s*</\1conditionalFormattings>"
)
_EMPTY_EXT = re.compile(rb"<((?:[\w.-]+:)?)ext\b[^>]*>\s*</\1ext>")
_EMPTY_EXTLST = re.compile(rb"<((?:[\w.-]+:)?)extLst\b[^>]*>\s*</\1extLst>")


def remove_rules(xml: bytes, helpers: set[str]) -> bytes:
    """Remove the conditional formats whose formulas read one of the live writer's helper
    sheets, in either place Excel keeps them: ``<conditionalFormatting>`` (ECMA-376 Part 1
    §18.3.1.18) or, because a rule there may not refer to another sheet, the Excel 2010
    extension ``<x14:conditionalFormatting>`` inside ``<extLst>`` ([MS-XLSX] 2.6.2, ext
    {78C0D931-6437-407d-A8EE-F0AAD7539E65}).  Any other rule, the user's, stays."""
    names = [h.encode("utf-8") for h in helpers]

    def keep(m: re.Match) -> bytes:
        return (
            b"" if any(re.search(re.escape(n) + rb"'?!", m.group(0)) for n in names) else m.group(0)
        )

    cleaned = _CF.sub(keep, xml)
    if cleaned != xml:
        for empty in (_EMPTY_X14, _EMPTY_EXT, _EMPTY_EXTLST):
            cleaned = empty.sub(b"", cleaned)
    return cleaned


class CellRestorer(RowStream[dict[int, tuple]]):
    """Gives each marked cell back its style when it still has opsbook's and drops the
    empty cells opsbook created, streaming (see RowStream).  ``cells``: A1 ref → (style
    before, style opsbook gave, base style of a created cell)."""

    def __init__(self, cells: dict[str, tuple[int | None, int, int]], unmarked=None):
        by_row: dict[int, dict[int, tuple]] = {}
        for ref, value in cells.items():
            row, col = split_cell(ref)
            by_row.setdefault(row, {})[col] = value
        super().__init__(by_row)
        self.unmarked = unmarked or (lambda index: None)

    def _splice_scan(self, xml: bytes) -> bytes:
        out, pos = [], 0
        prefix = self.prefix
        for m, row_number in self._numbered_rows(xml):
            wanted = self._pending.pop(row_number, None)
            if wanted is None or m.group(3):
                continue
            end = self._row_end.search(xml, m.end())
            stop = end.start() if end else len(xml)
            for c, col, element_end in cells_in(xml, prefix, m.end(), stop):
                target = wanted.get(col)
                if target is None:
                    continue
                before, after, base = target
                s = ATTR_S.search(c.group(0))
                value = s.group(2).strip() if s else b""
                current = int(value) if value.isdigit() else None
                if current != after:
                    twin = self.unmarked(current) if current is not None else None
                    if twin is None:
                        continue  # recoloured by the user after the run: left alone
                    before = before if before is None else twin  # styles renumbered since the run
                    base = twin
                out.append(xml[pos : c.start()])
                if not (before is None and c.group(3) and not ATTR_T.search(c.group(0))):
                    tag = c.group(0)
                    assert s is not None  # no s attribute: current is None != after, skipped
                    value = before if before is not None else base
                    # -1: the cell had no s attribute; 0 from a created cell's base: none needed
                    keep = value > 0 or (value == 0 and before == 0)
                    tag = tag[: s.start()] + (b' s="%d"' % value if keep else b"") + tag[s.end() :]
                    out.append(tag)
                    out.append(xml[c.end() : element_end])
                # else: an empty cell opsbook created is removed
                pos = element_end
        out.append(xml[pos:])
        return b"".join(out)


def _remove_notes(
    pkg: Package, sheet_part: str, xml: bytes, state: RunState, legacy_rel: str | None
) -> bytes:
    rels = pkg.relationships(sheet_part)
    comments_rel = next((r for r in rels.values() if r.type.endswith("/comments")), None)
    removed_cells: set[tuple[int, int]] = set()
    if comments_rel is not None and pkg.has(comments_rel.target):
        root = parse_xml(pkg.read(comments_rel.target), comments_rel.target)
        ns = etree.QName(root).namespace
        found = root.find(f"{{{ns}}}commentList")
        comment_list = found if found is not None else etree.Element(f"{{{ns}}}commentList")
        for comment in list(comment_list):
            text = comment.find(f"{{{ns}}}text")
            if text is None:
                continue
            _cut_ours(text, ns)
            remaining = "".join(text.itertext())
            if not remaining.strip():
                comment_list.remove(comment)
                removed_cells.add(split_cell(comment.get("ref", "")))
        authors = root.find(f"{{{ns}}}authors")
        if found is None:
            pass  # a comments part holding no comments: nothing of ours, left as it is
        elif len(comment_list) == 0 and comments_rel.target in state.parts:
            _drop_part(pkg, sheet_part, comments_rel.id, comments_rel.target)
        else:
            _drop_unused_author(root, ns, authors, comment_list)
            pkg.put(comments_rel.target, to_bytes(root))
    vml_id = LEGACY_ID.search(xml)
    vml_rel = rels.get(vml_id.group(1).decode()) if vml_id else None
    if vml_rel is not None and pkg.has(vml_rel.target) and removed_cells:
        vml = pkg.read(vml_rel.target)

        def keep(m: re.Match) -> bytes:
            shape = m.group(0)
            row = re.search(rb"<x:Row>(\d+)</x:Row>", shape)
            col = re.search(rb"<x:Column>(\d+)</x:Column>", shape)
            is_note = b'ObjectType="Note"' in shape
            if (
                is_note
                and row
                and col
                and (int(row.group(1)) + 1, int(col.group(1))) in removed_cells
            ):
                return b""
            return shape

        vml = _SHAPE.sub(keep, vml)
        if vml_rel.target in state.parts and not _SHAPE.search(vml):
            _drop_part(pkg, sheet_part, vml_rel.id, vml_rel.target)
            if legacy_rel == vml_rel.id:
                xml = _LEGACY.sub(b"", xml, count=1)
        else:
            pkg.put(vml_rel.target, vml)
    sheet_rels = rels_part(sheet_part)
    if sheet_rels in state.parts and pkg.has(sheet_rels) and not pkg.relationships(sheet_part):
        _remove_part(pkg, sheet_rels)
    return xml


def _cut_ours(text, ns) -> None:
    """Remove opsbook's text from a note: everything from the 【opsbook】 marker on (ours is
    always appended last), whether it is still a run of its own or was merged into the
    user's text by a program that saved the workbook."""
    cutting = False
    for t in list(text.iter(f"{{{ns}}}t")):
        if cutting:
            owner = t.getparent()
            (owner.getparent() if owner is not text else text).remove(
                owner if owner is not text else t
            )
            continue
        value = t.text or ""
        at = value.find(MARK)
        if at < 0:
            continue
        cutting = True
        keep = value[:at].rstrip("\n")
        owner = t.getparent()
        if not keep and owner is not text:
            text.remove(owner)
        else:
            t.text = keep


def _drop_unused_author(root, ns, authors, comment_list) -> None:
    if authors is None:
        return
    names = [a.text for a in authors]
    if "opsbook" not in names:
        return
    index = str(names.index("opsbook"))
    if index == str(len(names) - 1) and not any(c.get("authorId") == index for c in comment_list):
        authors.remove(authors[-1])


def _drop_part(pkg: Package, source: str, rel_id: str, part: str) -> None:
    remove_relationship(pkg, source, rel_id)
    _remove_part(pkg, part)


def _remove_part(pkg: Package, part: str) -> None:
    name = pkg.name(part)
    if name in pkg.edits and name not in {i.filename for i in pkg.infos}:
        del pkg.edits[name]
    else:
        pkg.edits.pop(name, None)
        pkg.removed.add(name)
    if not part.endswith(".rels"):
        remove_override(pkg, part)


def remove_sheet(pkg: Package, name: str) -> None:
    """Remove one of opsbook's sheets: its workbook entry, relationship, parts (with its
    drawing and charts), defined names scoped to it; keep the active tab valid."""
    entry = pkg.sheet(name)
    index = pkg.sheets.index(entry)
    for rel in pkg.relationships(entry.part).values():  # drawing → charts
        if rel.external:
            continue
        for inner in pkg.relationships(rel.target).values():
            if not inner.external:
                _remove_part(pkg, inner.target)
        if pkg.has(rels_part(rel.target)):
            _remove_part(pkg, rels_part(rel.target))
        _remove_part(pkg, rel.target)
    if pkg.has(rels_part(entry.part)):
        _remove_part(pkg, rels_part(entry.part))
    remove_relationship(pkg, pkg.workbook_part, entry.rel_id)
    _remove_part(pkg, entry.part)
    wb = pkg.read(pkg.workbook_part)
    element = re.compile(
        rb"<(?:[\w.-]+:)?sheet\b[^>]*?\sname=\"" + re.escape(_xml_attr(name)) + rb"\"[^>]*/>"
    )
    wb = element.sub(b"", wb, count=1)
    wb = _shift_local_names(wb, index)
    remaining = len(pkg.sheets) - 1

    def tab(m: re.Match) -> bytes:
        value = int(m.group(2))
        value = value - 1 if value > index else (0 if value == index else value)
        return m.group(1) + str(min(value, max(remaining - 1, 0))).encode() + b'"'

    wb = re.sub(rb'(\sactiveTab=")(\d+)"', tab, wb)
    wb = re.sub(rb'(\sfirstSheet=")(\d+)"', tab, wb)
    pkg.put(pkg.workbook_part, wb)
    pkg.sheets.remove(entry)


def _shift_local_names(wb: bytes, index: int) -> bytes:
    names = re.compile(rb"<((?:[\w.-]+:)?)definedName\b([^>]*)>(.*?)</\1definedName>", re.S)

    def fix(m: re.Match) -> bytes:
        local = re.search(rb'localSheetId="(\d+)"', m.group(2))
        if not local:
            return m.group(0)
        n = int(local.group(1))
        if n == index:
            return b""
        if n > index:
            return m.group(0).replace(local.group(0), b'localSheetId="%d"' % (n - 1), 1)
        return m.group(0)

    wb = names.sub(fix, wb)
    return re.sub(rb"<((?:[\w.-]+:)?)definedNames>\s*</\1definedNames>", b"", wb)


def _xml_attr(name: str) -> bytes:
    return (
        name.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .encode("utf-8")
    )


def _styles_in_use(pkg: Package, first_added: int) -> bool:
    """True when some cell still uses a cell style opsbook appended (index ≥ first_added)."""
    pattern = re.compile(rb"""\ss\s*=\s*["']\s*(\d+)""")
    for entry in pkg.sheets:
        if not pkg.has(entry.part):
            continue
        carry = b""  # the end of the chunk before: an attribute may straddle two chunks
        for chunk in pkg.chunks(entry.part):
            data = carry + chunk
            if any(int(m.group(1)) >= first_added for m in pattern.finditer(data)):
                return True
            carry = data[-32:]
    return False
