"""The design_costs kind's settings (the ``[design_costs]`` section of opsbook.toml): each
default with the reason it is what it is."""

from __future__ import annotations

DEFAULTS = {
    # R3-3.12 "每個月月初": items of month M are settled by this working day of month M+1
    # (mainland calendar; the 5th working day keeps "early in the month" after a holiday).
    "settlement_working_day": 5,
    # R3-3.6: the design-cycle table's days are working days (designers' working time).
    "cycle_in_working_days": True,
    # R3-2.3.1: spend against the department's yearly budget warns from this share.
    "budget_warn_ratio": 0.9,
}
