"""Realistic sample workbooks with seeded violations.

Used three ways: the bundled files in workbooks/, the tests (every seeded violation must be
found on its row with its clause, and nothing else), and the benchmark (the same layout at
100k rows).  Each builder returns the seeds it planted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seed:
    sheet: str
    row: int | None  # worksheet row, None for a violation with no row (a missing day)
    clause: str
    rule: str
    note: str = ""
