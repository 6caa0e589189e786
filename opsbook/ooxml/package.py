"""The workbook as the zip of parts it is: find parts through relationships, read them, and
collect edits to write out with every other member copied unchanged.

Parts are found through the relationships, case-insensitively; relationship types and the
main namespace are taken from the document, so strict-OOXML files work too.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from ..errors import RefusedToPatch, UnreadableWorkbook, WorkbookChanged
from .deflate import compressor, crc32, inflate_chunks
from .encoding import XML_PARTS, utf8_chunks
from .zipcopy import central_directory, member_chunks

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TYPES_TRANSITIONAL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPES_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
# The most one part may inflate to (general.max_part_mb).  Measured: the largest part of
# the 993 Excel-made corpus workbooks is 1.4 MB (a VML drawing), of the bundled samples
# 0.24 MB; the benchmark's 100k-row, 18-column sheet is 94.6 MB, so a sheet filled to
# Excel's 1,048,576 rows at that width stays under it.  A "zip bomb" sheet (2.2 MB that
# inflates to 2.2 GB of white space) does not.
MAX_PART_MB = 1024
_PROLOG_MAX = 1 << 20  # bytes before the root element that are looked at for a DTD
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def file_identity(fh) -> tuple:
    """What says a workbook file is still the one read: device, inode, size, modification
    time (ns) and a digest of its zip central directory (which holds every member's CRC)."""
    st = os.fstat(fh.fileno())
    central, comment = central_directory(fh)
    return (
        st.st_dev,
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
        hashlib.sha256(central + comment).hexdigest(),
    )


def file_crc(fh) -> int:
    """CRC-32 of the whole file (ISA-L: a 300 MB workbook in a fraction of a second): catches
    a save that rewrote the file in place keeping its size and time."""
    fh.seek(0)
    value = 0
    while chunk := fh.read(1 << 20):
        value = crc32(chunk, value)
    return value


def path_identity(path: Path) -> tuple | None:
    """file_identity of the file at ``path`` now (None when there is none)."""
    try:
        with open(path, "rb") as fh:
            return file_identity(fh)
    except FileNotFoundError:
        return None


def prolog_declares_dtd(chunks) -> bool:
    """True when an XML document (given in chunks) declares a DTD or entities before its
    root element; only the prolog is read (at most 1 MB: a longer prolog counts as one)."""
    head = b""
    for chunk in chunks:
        head += chunk
        root = _ROOT_START.search(head)
        prolog = head[: root.start()] if root else head
        if _DTD.search(prolog):
            return True
        if root:
            return False
        if len(head) > _PROLOG_MAX:
            return True
    return False


def parse_xml(data: bytes, part: str, path: object = None) -> etree._Element:
    """A part parsed (``path``, the workbook, named in a refusal when given)."""
    where = f"{path}: {part}" if path else part
    if _DTD.search(data[:4096]):
        raise RefusedToPatch(
            f"{where} declares a DTD or entities; opsbook does not patch such files"
        )
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableWorkbook(
            f"{where} is not well-formed XML ({exc}); open the workbook in Excel and save "
            "it to repair it"
        ) from exc


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


@dataclass
class SpooledPart:
    """An edited part already deflated into a temporary file, with what its zip entry
    needs: a big sheet is spliced chunk by chunk into one of these and copied into the
    saved package from there, never held whole in memory."""

    file: BinaryIO
    crc: int
    compress_size: int
    file_size: int

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        return inflate_chunks(self.file, self.compress_size)

    def read(self) -> bytes:
        return b"".join(self.chunks())


class PartSpool:
    """A file-like sink that deflates what is written to it into a SpooledPart."""

    def __init__(self, size_hint: int):
        self.file = tempfile.TemporaryFile(prefix="opsbook-part-")
        self._packer = compressor(size_hint)
        self._crc = 0
        self._size = 0

    def write(self, data: bytes | memoryview) -> None:
        if data:
            self._crc = crc32(data, self._crc)
            self._size += len(data)
            self.file.write(self._packer.compress(data))

    def close(self) -> SpooledPart:
        self.file.write(self._packer.flush())
        return SpooledPart(self.file, self._crc & 0xFFFFFFFF, self.file.tell(), self._size)


@dataclass
class Relationship:
    id: str
    type: str
    target: str  # resolved part name (or external target)
    external: bool


@dataclass
class SheetEntry:
    name: str
    sheet_id: int
    rel_id: str
    part: str
    state: str  # visible | hidden | veryHidden


class Package:
    """Read side of a workbook package plus the set of edited/added parts."""

    def __init__(self, path: Path, max_part_mb: float = MAX_PART_MB, reading: bool = False):
        """``reading``: the package only read, never written (the value reader's own view):
        what refuses a write — a signature, a DTD in some part — does not stop it."""
        self.path = Path(path)
        self.max_part = int(max_part_mb * 1024 * 1024)
        self.reading = reading
        try:
            self._fh = open(self.path, "rb")
        except OSError as exc:
            raise UnreadableWorkbook(f"{path}: cannot open: {exc.strerror or exc}") from exc
        try:
            self._open()
        except BaseException:
            self._fh.close()
            raise

    def _open(self) -> None:
        path = self.path
        try:
            self.zip = zipfile.ZipFile(self._fh)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableWorkbook(
                f"{path}: the workbook is damaged (corrupt zip: {exc})"
            ) from exc
        # What was read: save_package replaces the file only while it is still this one.
        self.identity = file_identity(self._fh)
        self.fingerprint = file_crc(self._fh)
        self.infos = self.zip.infolist()
        self._by_lower = {i.filename.lower(): i.filename for i in self.infos}
        if len(self._by_lower) != len(self.infos):
            lowered = [i.filename.lower() for i in self.infos]
            twice = next(i.filename for k, i in enumerate(self.infos) if lowered[k] in lowered[:k])
            raise UnreadableWorkbook(
                f"{path}: the workbook is damaged (the zip holds {twice} twice)"
            )
        too_big = next((i for i in self.infos if i.file_size > self.max_part), None)
        if too_big is not None:
            raise RefusedToPatch(
                f"{path}: part {too_big.filename} inflates to {too_big.file_size / 1048576:,.0f} MB, over the "
                f"{self.max_part / 1048576:,.0f} MB limit for one part (general.max_part_mb); not patched"
            )
        self.edits: dict[str, bytes | SpooledPart] = {}  # part name → new content (edited or added)
        self.removed: set[str] = set()
        names = set(self._by_lower)
        if not self.reading and any(n.startswith("_xmlsignatures/") for n in names):
            raise RefusedToPatch(
                f"{path}: the workbook carries a digital signature that any change would break; "
                "use --report or a separate output workbook instead"
            )
        for info in [] if self.reading else self.infos:
            if info.filename.lower().endswith(XML_PARTS) and prolog_declares_dtd(
                self.chunks(info.filename)
            ):
                raise RefusedToPatch(
                    f"{path}: {info.filename} declares a DTD or entities; "
                    "opsbook does not patch such files"
                )
        root_rels = self.relationships("")
        office = next((r for r in root_rels.values() if r.type.endswith("/officeDocument")), None)
        if office is None or not self.has(office.target):
            raise UnreadableWorkbook(f"{path}: no workbook part (not an Excel workbook)")
        self.workbook_part = self.name(office.target)
        self.rel_ns = office.type.rsplit("/", 1)[0]
        self.workbook = parse_xml(self.read(self.workbook_part), self.workbook_part, self.path)
        self.main_ns = etree.QName(self.workbook).namespace
        self.workbook_rels = self.relationships(self.workbook_part)
        self.sheets = self._sheets()
        if not self.sheets:
            raise UnreadableWorkbook(
                f"{path}: the workbook lists no sheets ({self.workbook_part} has no <sheet>); "
                "not a workbook opsbook can check or write"
            )
        self.shared_with_revisions = any(
            r.type.endswith("/revisionHeaders") for r in self.workbook_rels.values()
        )

    # reading -----------------------------------------------------------------------------
    def has(self, part: str) -> bool:
        if part in self.edits:
            return True
        stored = self._by_lower.get(part.lower())
        return stored is not None and stored not in self.removed

    def name(self, part: str) -> str:
        """The member name as stored (parts are matched case-insensitively)."""
        if part in self.edits:
            return part
        return self._by_lower.get(part.lower(), part)

    def read(self, part: str) -> bytes:
        if part in self.edits:
            edit = self.edits[part]
            return edit.read() if isinstance(edit, SpooledPart) else edit
        try:
            info = self.zip.getinfo(self.name(part))
        except KeyError as exc:
            raise UnreadableWorkbook(f"{self.path}: part {part} is missing") from exc
        return b"".join(self.chunks(info.filename))

    def chunks(self, part: str) -> Iterator[bytes]:
        """The part's current content in chunks (a stored member is inflated as it is read)."""
        name = self.name(part)
        edit = self.edits.get(name)
        if isinstance(edit, SpooledPart):  # streamed from its deflated temporary file
            yield from edit.chunks()
            return
        if edit is not None:
            yield edit
            return
        try:
            info = self.zip.getinfo(name)
        except KeyError as exc:
            raise UnreadableWorkbook(f"{self.path}: part {part} is missing") from exc
        try:
            fh = open(self.path, "rb")
        except OSError as exc:
            raise WorkbookChanged(
                f"{self.path}: the file went away while opsbook was reading it; nothing was written"
            ) from exc
        with fh:
            if file_identity(fh) != self.identity:
                raise WorkbookChanged(
                    f"{self.path}: the file was saved by someone else while opsbook "
                    "was working on it; nothing was written, run again"
                )
            try:
                # A part in UTF-16 is read as UTF-8 (ooxml.encoding): every reader and
                # writer of opsbook sees UTF-8; a part not written keeps its bytes.
                yield from utf8_chunks(member_chunks(fh, info))
            except zipfile.BadZipFile as exc:
                raise UnreadableWorkbook(f"{self.path}: the workbook is damaged ({exc})") from exc

    def original_chunks(self, part: str) -> Iterator[bytes]:
        """The part as it is in the file read (as UTF-8), whatever was edited since."""
        stored = self._by_lower.get(part.lower())
        if stored is None:
            return
        with open(self.path, "rb") as fh:
            yield from utf8_chunks(member_chunks(fh, self.zip.getinfo(stored)))

    def size(self, part: str) -> int:
        """The part's uncompressed size in bytes."""
        name = self.name(part)
        edit = self.edits.get(name)
        if isinstance(edit, SpooledPart):
            return edit.file_size
        if edit is not None:
            return len(edit)
        return self.zip.getinfo(name).file_size

    def relationships(self, part: str) -> dict[str, Relationship]:
        rels = rels_part(part) if part else "_rels/.rels"
        if not self.has(rels):
            return {}
        root = parse_xml(self.read(rels), rels, self.path)
        out = {}
        for el in root:
            if etree.QName(el).localname != "Relationship":
                continue
            external = el.get("TargetMode", "").lower() == "external"
            target = el.get("Target", "")
            if not external:
                inside = posixpath.normpath(resolve(part, target) if part else target.lstrip("/"))
                if inside == ".." or inside.startswith("../") or inside.startswith("/"):
                    raise UnreadableWorkbook(
                        f"{self.path}: {rels} points outside the workbook package "
                        f"({target[:80]}); not a valid workbook"
                    )
                target = self.name(inside)
            rid = el.get("Id", "")
            out[rid] = Relationship(rid, el.get("Type", ""), target, external)
        return out

    def _sheets(self) -> list[SheetEntry]:
        sheets = []
        r_id = f"{{{self.rel_ns}}}id"
        for el in self.workbook.iter(f"{{{self.main_ns}}}sheet"):
            rel = self.workbook_rels.get(el.get(r_id, ""))
            if rel is None or rel.external:
                continue
            sheet_id = el.get("sheetId", "0").strip()
            sheets.append(
                SheetEntry(
                    el.get("name") or "",
                    int(sheet_id) if sheet_id.isdigit() else 0,
                    rel.id,
                    rel.target,
                    el.get("state", "visible"),
                )
            )
        return sheets

    def sheet(self, name: str) -> SheetEntry:
        for entry in self.sheets:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def content_types(self) -> etree._Element:
        return parse_xml(self.read("[Content_Types].xml"), "[Content_Types].xml", self.path)

    def rel_type(self, short: str) -> str:
        return f"{self.rel_ns}/{short}"

    def styles_part(self) -> str | None:
        rel = next((r for r in self.workbook_rels.values() if r.type.endswith("/styles")), None)
        return rel.target if rel else None

    def free_part(self, pattern: str) -> str:
        """A new part name like xl/comments{n}.xml that no member uses (any case)."""
        n = 1
        while self.has(pattern.format(n=n)):
            n += 1
        return pattern.format(n=n)

    # writing -----------------------------------------------------------------------------
    def put(self, part: str, data: bytes | SpooledPart) -> None:
        name = self.name(part)
        self.removed.discard(name)
        replaced = self.edits.get(name)
        if isinstance(replaced, SpooledPart):
            replaced.file.close()
        self.edits[name] = data

    def put_spooled(self, part: str, spooled: SpooledPart) -> None:
        self.put(part, spooled)

    def backup_to(self, out) -> None:
        """Copy the file as it was read (from the handle held open since then, whatever
        happened to the path) into ``out``."""
        self._fh.seek(0)
        while chunk := self._fh.read(1 << 20):
            out.write(chunk)

    def close(self) -> None:
        for edit in getattr(self, "edits", {}).values():
            if isinstance(edit, SpooledPart):
                edit.file.close()
        if hasattr(self, "zip"):
            self.zip.close()
        self._fh.close()
