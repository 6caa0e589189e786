"""Text for XML we write ourselves."""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@lru_cache(maxsize=65536)  # a violations sheet repeats its sheet names, clauses and rules
def text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def attr(value: str) -> str:
    return quoteattr(_ILLEGAL.sub("", value))
