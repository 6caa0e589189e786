"""Text for XML we write ourselves."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def attr(value: str) -> str:
    return quoteattr(_ILLEGAL.sub("", value))
