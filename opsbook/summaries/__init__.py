"""Summary sheets the regulations ask for (settlement, inspection totals, meeting reports).

The summary base (``base``: sheets, blocks, charts) is the core's; each kind builds its own in
``opsbook/kinds/<kind>/summaries.py`` and names the clauses they serve there (``OUTPUTS``).
``SUMMARY_OUTPUTS`` maps a clause to the summary that serves it, for the coverage matrix,
filled when a kind registers (opsbook.kinds).
"""

from __future__ import annotations

SUMMARY_OUTPUTS: dict[str, str] = {}
