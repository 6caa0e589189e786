"""Notes on marked cells: the legacy comments part plus its VML drawing (every Excel and
LibreOffice shows these).  A cell that already has a user's note keeps it; our text is
appended after a marker line so ``clear`` can remove exactly what we added."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from ..errors import RefusedToPatch
from ..layout import NOTE_MARK
from ..ooxml.package import CT_COMMENTS, CT_VML, Package, parse_xml, to_bytes
from ..ooxml.parts import add_relationship, ensure_default, ensure_override
from ..workbook.cells import split_cell
from .legacydrawing import find_legacy_drawing, insert_legacy_drawing
from .xmltext import CELL_TEXT_MAX, clipped, ooxml_escaped

MARK = NOTE_MARK  # opsbook.layout: one marker for both writers
AUTHOR = "opsbook"
SHEET_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_IDMAP = re.compile(rb'(<o:idmap\b[^>]*?\sdata=")([^"]*)(")')
_SHAPE_ID = re.compile(rb'id="_x0000_s(\d+)"')
_SHAPETYPE_202 = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def _blocks_in_use(pkg: Package) -> set[int]:
    """o:idmap blocks used by any live VML part (edited, added or untouched; not removed)."""
    used: set[int] = set()
    live = {i.filename for i in pkg.infos if i.filename not in pkg.removed} | set(pkg.edits)
    for name in live:
        if name.lower().endswith(".vml"):
            for m in _IDMAP.finditer(pkg.read(name)):
                used |= {int(b) for b in re.findall(rb"\d+", m.group(2))}
    return used


def _shape(shape_id: int, row: int, col: int) -> bytes:
    r, c = row - 1, col
    anchor = f"{c + 1}, 15, {max(r - 1, 0)}, 10, {c + 3}, 15, {r + 3}, 4"
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
        f"margin-left:80pt;margin-top:2pt;width:180pt;height:70pt;z-index:{shape_id % 1024 + 1};"
        f'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        f'<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>"
    ).encode()


def _new_vml(blocks: list[int]) -> bytes:
    data = ",".join(map(str, blocks)).encode()
    return (
        b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
        b' xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        b'<o:idmap v:ext="edit" data="' + data + b'"/></o:shapelayout>' + _SHAPETYPE_202 + b"</xml>"
    )


def add_notes(
    pkg: Package,
    sheet_part: str,
    sheet_xml: bytes,
    notes: dict[str, str],
    created: list[str] | None = None,
) -> bytes:
    """Add ``notes`` (A1 ref → text) to a sheet; returns the sheet XML (with a new
    legacyDrawing when the sheet had none).  Parts it creates are appended to ``created``."""
    created = created if created is not None else []
    if not notes:
        return sheet_xml
    rels = pkg.relationships(sheet_part)
    comments_rel = next((r for r in rels.values() if r.type.endswith("/comments")), None)
    if comments_rel is not None:
        comments_part = comments_rel.target
        root = parse_xml(pkg.read(comments_part), comments_part)
    else:
        comments_part = pkg.free_part("xl/comments{n}.xml")
        root = etree.Element(f"{{{SHEET_MAIN}}}comments", nsmap={None: SHEET_MAIN})
        _note_rels_file(pkg, sheet_part, created)
        add_relationship(pkg, sheet_part, pkg.rel_type("comments"), comments_part)
        created.append(comments_part)
        ensure_override(pkg, comments_part, CT_COMMENTS)
    ns = etree.QName(root).namespace

    def q(name: str) -> str:
        return f"{{{ns}}}{name}"

    authors = root.find(q("authors"))
    if authors is None:
        authors = etree.Element(q("authors"))
        root.insert(0, authors)
    names = [a.text for a in authors]
    if AUTHOR not in names:
        etree.SubElement(authors, q("author")).text = AUTHOR
        names.append(AUTHOR)
    author_id = str(names.index(AUTHOR))
    comment_list = root.find(q("commentList"))
    if comment_list is None:
        comment_list = etree.SubElement(root, q("commentList"))
    existing = {c.get("ref"): c for c in comment_list}

    new_cells: list[tuple[int, int]] = []
    fresh: list[str] = []  # opsbook's own new comments, as XML text parsed in one go
    for ref, note in notes.items():
        body = f"{MARK}\n{note}"
        comment = existing.get(ref)
        if comment is not None:  # the user's note stays; ours follows it
            text_el = comment.find(q("text"))
            if text_el is None:
                text_el = etree.SubElement(comment, q("text"))
            room = max(CELL_TEXT_MAX - len("".join(text_el.itertext())) - 1, 1000)
            run = _run(q, "\n" + clipped(body, room))
            anchor = next(
                (
                    i
                    for i, c in enumerate(text_el)
                    if etree.QName(c).localname in ("rPh", "phoneticPr")
                ),
                None,
            )
            if anchor is None:
                text_el.append(run)
            else:
                text_el.insert(anchor, run)
            continue
        fresh.append(_comment_xml(ref, author_id, clipped(body)))
        new_cells.append(split_cell(ref))
    if fresh:
        # The elements _run would build, from text: 10,000 notes cost 0.2 s one element at a time.
        holder = etree.fromstring(f'<holder xmlns="{ns}">{"".join(fresh)}</holder>'.encode())
        comment_list.extend(list(holder))
    pkg.put(comments_part, to_bytes(root))
    if not new_cells:
        return sheet_xml

    legacy_id = find_legacy_drawing(sheet_xml)
    vml_part = rels[legacy_id.decode()].target if legacy_id and legacy_id.decode() in rels else None
    if vml_part is None:
        vml_part = pkg.free_part("xl/drawings/vmlDrawing{n}.vml")
        blocks_needed = len(new_cells) // 1024 + 1
        used = _blocks_in_use(pkg)
        blocks = [b for b in range(1, 10_000) if b not in used][:blocks_needed]
        pkg.put(vml_part, _new_vml(blocks))
        created.append(vml_part)
        _note_rels_file(pkg, sheet_part, created)
        rel_id = add_relationship(pkg, sheet_part, pkg.rel_type("vmlDrawing"), vml_part)
        if ensure_default(pkg, "vml", CT_VML):
            created.append("default:vml")
        sheet_xml = insert_legacy_drawing(sheet_xml, rel_id, pkg.rel_ns)
    pkg.put(vml_part, _append_shapes(pkg, pkg.read(vml_part), new_cells))
    return sheet_xml


def _note_rels_file(pkg: Package, part: str, created: list[str]) -> None:
    from ..ooxml.package import rels_part

    rels = rels_part(part)
    if not pkg.has(rels) and rels not in created:
        created.append(rels)


def _run(q, body: str) -> etree._Element:
    run = etree.Element(q("r"))
    props = etree.SubElement(run, q("rPr"))
    etree.SubElement(props, q("sz"), val="9")
    etree.SubElement(props, q("rFont"), val="Tahoma")
    t = etree.SubElement(run, q("t"))
    t.text = ooxml_escaped(body)  # control characters as _xHHHH_: lxml refuses them raw
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _comment_xml(ref: str, author_id: str, body: str) -> str:
    """A new comment as text: what ``comment(ref, authorId) > text > _run(body)`` serialises to
    (a carriage return as a reference: a parser reads a raw one as a line feed)."""
    text = escape(ooxml_escaped(body), {"\r": "&#13;"})
    return (
        f'<comment ref={quoteattr(ref)} authorId="{author_id}"><text><r><rPr><sz val="9"/>'
        f'<rFont val="Tahoma"/></rPr><t xml:space="preserve">{text}</t></r></text></comment>'
    )


def _append_shapes(pkg: Package, vml: bytes, cells: list[tuple[int, int]]) -> bytes:
    """Append note shapes to a VML drawing, keeping shape ids inside its o:idmap blocks
    (adding blocks unused anywhere in the workbook when it runs out)."""
    idmap = _IDMAP.search(vml)
    blocks = [int(b) for b in re.findall(rb"\d+", idmap.group(2))] if idmap else []
    taken = {int(i) for i in _SHAPE_ID.findall(vml)}
    free = (i for b in blocks for i in range(b * 1024 + 1, b * 1024 + 1024) if i not in taken)
    ids = [next(free, 0) for _ in cells]  # 0: none left in these blocks (ids start at 1)
    if 0 in ids or not blocks:
        used = _blocks_in_use(pkg) | set(blocks)
        extra = [b for b in range(1, 10_000) if b not in used][: len(cells) // 1024 + 1]
        blocks += extra
        free = (i for b in blocks for i in range(b * 1024 + 1, b * 1024 + 1024) if i not in taken)
        ids = [next(free) for _ in cells]
        data = ",".join(map(str, blocks)).encode()
        if idmap:
            vml = vml[: idmap.start(2)] + data + vml[idmap.end(2) :]
        else:
            layout = (
                b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="'
                + data
                + b'"/></o:shapelayout>'
            )
            head = re.search(rb"<xml\b[^>]*>", vml)
            if head is None:
                raise RefusedToPatch("its notes' drawing (VML) has no <xml> element; not patched")
            vml = vml[: head.end()] + layout + vml[head.end() :]
    shapes = b"".join(_shape(i, r, c) for i, (r, c) in zip(ids, cells))
    if b"_x0000_t202" not in vml:
        shapes = _SHAPETYPE_202 + shapes
    end = vml.rfind(b"</xml>")
    return vml[:end] + shapes + vml[end:]
