"""Hostile but legal (or deliberately broken) variants of a workbook, built by the tests:
one XML part edited, every other member copied as it is."""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")


def rezip(src: Path, dst: Path, edit) -> Path:
    """A copy of ``src`` with each member passed through edit(name, data) → data."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info.filename)))
    return Path(dst)


def with_stray(
    src: Path,
    dst: Path,
    ref: str = "XFD1048576",
    dimension: str = "missing",
    part: str = SHEET,
    value: str = "x",
) -> Path:
    """``src`` with one value left at ``ref`` on ``part`` (after the table, in its own row),
    its <dimension> "missing", "stale" (as it was) or "accurate" (A1 to the stray cell)."""
    row = int(re.sub(r"^[A-Z]+", "", ref))
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c></row>'.encode()

    def edit(name, data):
        if name != part:
            return data
        data = data.replace(b"</sheetData>", cell + b"</sheetData>", 1)
        if dimension == "missing":
            data = _DIMENSION.sub(b"", data, count=1)
        elif dimension == "accurate":
            data = _DIMENSION.sub(f'<dimension ref="A1:{ref}"/>'.encode(), data, count=1)
        return data

    return rezip(src, dst, edit)


def in_utf16(src: Path, dst: Path, endian: str = "le") -> Path:
    """``src`` with every XML part stored in UTF-16 (byte-order mark, matching declaration)."""
    bom, codec = (
        (codecs.BOM_UTF16_LE, "utf-16-le") if endian == "le" else (codecs.BOM_UTF16_BE, "utf-16-be")
    )

    def edit(name, data):
        if not name.endswith((".xml", ".rels")):
            return data
        text = data.decode("utf-8")
        if text.startswith("<?xml"):
            text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-16"', text, count=1)
        else:
            text = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\n' + text
        return bom + text.encode(codec)

    return rezip(src, dst, edit)
