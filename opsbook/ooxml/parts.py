"""Small machine parts edited with lxml: relationships and [Content_Types].xml."""

from __future__ import annotations

import posixpath

from lxml import etree

from .package import CT_NS, PKG_REL_NS, Package, parse_xml, relative, rels_part, to_bytes


def add_relationship(pkg: Package, source: str, rel_type: str, target_part: str) -> str:
    """Add a relationship from ``source`` to ``target_part``; returns its new Id."""
    rels = rels_part(source)
    if pkg.has(rels):
        root = parse_xml(pkg.read(rels), rels, pkg.path)
    else:
        root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
    ns = etree.QName(root).namespace
    used = {el.get("Id") for el in root}
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    rel_id = f"rId{n}"
    el = etree.SubElement(root, f"{{{ns}}}Relationship")
    el.set("Id", rel_id)
    el.set("Type", rel_type)
    el.set("Target", relative(source, target_part))
    pkg.put(rels, to_bytes(root))
    return rel_id


def remove_relationship(pkg: Package, source: str, rel_id: str) -> None:
    rels = rels_part(source)
    root = parse_xml(pkg.read(rels), rels, pkg.path)
    for el in list(root):
        if el.get("Id") == rel_id:
            root.remove(el)
    pkg.put(rels, to_bytes(root))


def ensure_override(pkg: Package, part: str, content_type: str) -> None:
    root = pkg.content_types()
    name = "/" + part
    for el in root:
        if (
            etree.QName(el).localname == "Override"
            and el.get("PartName", "").lower() == name.lower()
        ):
            return
    el = etree.SubElement(root, f"{{{CT_NS}}}Override")
    el.set("PartName", name)
    el.set("ContentType", content_type)
    pkg.put("[Content_Types].xml", to_bytes(root))


def ensure_default(pkg: Package, extension: str, content_type: str) -> bool:
    """Add a Default content type for ``extension``; True when it was not there before."""
    root = pkg.content_types()
    for el in root:
        if etree.QName(el).localname == "Default" and el.get("Extension", "").lower() == extension:
            return False
    el = etree.Element(f"{{{CT_NS}}}Default")
    el.set("Extension", extension)
    el.set("ContentType", content_type)
    # Defaults come before Overrides in Excel's own files.
    first_override = next(
        (i for i, e in enumerate(root) if etree.QName(e).localname == "Override"), len(root)
    )
    root.insert(first_override, el)
    pkg.put("[Content_Types].xml", to_bytes(root))
    return True


def remove_default(pkg: Package, extension: str) -> None:
    root = pkg.content_types()
    for el in list(root):
        if etree.QName(el).localname == "Default" and el.get("Extension", "").lower() == extension:
            root.remove(el)
    pkg.put("[Content_Types].xml", to_bytes(root))


def remove_override(pkg: Package, part: str) -> None:
    root = pkg.content_types()
    name = "/" + part
    for el in list(root):
        if (
            etree.QName(el).localname == "Override"
            and el.get("PartName", "").lower() == name.lower()
        ):
            root.remove(el)
    pkg.put("[Content_Types].xml", to_bytes(root))


def part_folder(part: str) -> str:
    return posixpath.dirname(part)
