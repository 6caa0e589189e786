"""Summary sheets the regulations ask for (settlement, inspection totals, meeting reports).

``SUMMARY_OUTPUTS`` maps a clause to the summary that serves it, for the coverage matrix;
Each kind names its summaries builder in the kinds registry (opsbook.kinds), which builds them.
"""

from __future__ import annotations

SUMMARY_OUTPUTS: dict[str, str] = {
    "R2-2.1": "`月度彙總` sheet: monthly totals per inspector, residential customers short of two visits",
    "R2-1.2": "`黑名單` sheet: the blacklist with each customer's follow-up visit",
    "R1-6.8": "`週報` sheet / `opsbook report weekly`: each platform's week against the week before",
    "R1-6.9": "`月報` sheet / `opsbook report monthly`: each platform's month against the month before",
    "R3-3.12": "`月度結算` sheet / `opsbook settle`: per month by department and vendor, with a chart",
    "R3-2.3.1": "`月度結算` block 年度預算執行: spend against each department's yearly budget",
}
