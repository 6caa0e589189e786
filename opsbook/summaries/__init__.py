"""Summary sheets the regulations ask for (settlement, inspection totals, meeting reports).

``SUMMARY_OUTPUTS`` maps a clause to the summary that serves it; each summary module adds
itself when it exists, so the coverage matrix only lists what is really built.
"""

from __future__ import annotations

SUMMARY_OUTPUTS: dict[str, str] = {}
