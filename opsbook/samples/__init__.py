"""Realistic sample workbooks with seeded violations.

Used three ways: the bundled files in workbooks/, the tests (every seeded violation must be
found on its row with its clause, and nothing else), and the benchmark (the same layout at
100k rows).  Each builder returns the seeds it planted.  Each kind's builder is its
``opsbook.kinds.<kind>.sample``; this package bundles them and makes batches.
"""

from __future__ import annotations

from ..kinds.samplekit import Seed

__all__ = ["Seed"]
