"""Post logs (發布日誌): regulation R1."""

from ..catalog import posts as rules
from ..summaries import platforms
from ..workbook.specs import ACCOUNTS, INQUIRIES, METRICS, POSTS, ROSTER
from . import Kind

KIND = Kind(
    name="posts", title="發布日誌", regulation="R1",
    tables=(POSTS, INQUIRIES, METRICS, ROSTER, ACCOUNTS),
    rules=tuple(rules.RULES), summaries=platforms.build, settings="posts",
)
