"""The byte patterns of worksheet XML that opsbook's streaming editors search for: one
public module, so the splicer, the clearer and the legacy-drawing helpers agree on what a
tag looks like.

Worksheet XML is user content: nothing in it is parsed into a tree and re-serialised.  The
patterns take everything XML allows in a tag (either quote, white space around '=' and
before '>', in end tags too); a start tag to edit that is still not what they expect (a
'>' inside an attribute value, say) is refused by the editor rather than written broken.
"""

from __future__ import annotations

import functools
import re

SHEETDATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
# Attribute values in either quote (group 1 the quote, group 2 the value).
ATTR_S = re.compile(rb"""\ss\s*=\s*(["'])(.*?)\1""", re.S)
ATTR_T = re.compile(rb"""\st\s*=\s*["']""")
CUSTOM_FORMAT = re.compile(rb"""\scustomFormat\s*=\s*["']\s*(?:1|true)\s*["']""")
COLS = re.compile(rb"<(?:[\w.-]+:)?col\b([^>]*?)/?>")
ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(["'])(.*?)\2""", re.S)
# A well-formed start tag: the only kind opsbook edits.
START_TAG = re.compile(rb"""<[\w.:-]+(?:\s+[\w.:-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*/?>""")
LEGACY_ID = re.compile(
    rb"""<(?:[\w.-]+:)?legacyDrawing\b[^>]*?\s[\w.-]+:id\s*=\s*["']([^"']+)["']"""
)
ROOT = re.compile(rb"<((?:[\w.-]+:)?)worksheet\b([^>]*)>")


def row_pattern(prefix: bytes) -> re.Pattern:
    """<row …> start tags; group 1 the r attribute (captured by a lookahead in the same scan,
    not a search per row), group 2 the attributes, group 3 "/" for a self-closing row."""
    return re.compile(
        rb"<" + re.escape(prefix) + rb"row\b(?=[^>]*?\sr\s*=\s*[\"']\s*(\d+)\s*[\"'])?([^>]*?)(/?)>"
    )


@functools.lru_cache(maxsize=64)
def end_tag(prefix: bytes, name: bytes) -> re.Pattern:
    """``</name>`` with the white space XML allows before '>'."""
    return re.compile(rb"</" + re.escape(prefix + name) + rb"\s*>")


@functools.lru_cache(maxsize=16)
def cell_pattern(prefix: bytes) -> re.Pattern:
    """<c …> start tags; group 1 the column letters of r (by lookahead), group 2 the
    attributes, group 3 "/" for an empty cell."""
    return re.compile(
        rb"<"
        + re.escape(prefix)
        + rb"c\b(?=[^>]*?\sr\s*=\s*[\"']\s*([A-Za-z]+)\d+\s*[\"'])?([^>]*?)(/?)>"
    )


@functools.lru_cache(maxsize=16)
def cell_refs(prefix: bytes) -> re.Pattern:
    """The column letters of each cell whose start tag begins with its reference."""
    return re.compile(rb"<" + re.escape(prefix) + rb'c r="([A-Z]+)\d+"')


@functools.lru_cache(maxsize=16)
def numbered_row_tags(tagged: bytes) -> re.Pattern:
    """Row start tags beginning with r="N" (N as a number is written); group 1 the number."""
    return re.compile(re.escape(tagged) + rb'([1-9][0-9]*)"')


def cells_numbered(content: bytes, prefix: bytes, start: int = 0, end: int | None = None) -> bool:
    """Every cell start tag in content[start:end] begins with its r attribute (as Excel,
    openpyxl and XlsxWriter write them), so a cell can be found by ``<c r="D12"``."""
    tag = b"<" + prefix + b"c"
    return content.count(tag + b" ", start, end) + content.count(
        tag + b">", start, end
    ) == content.count(tag + b' r="', start, end)
