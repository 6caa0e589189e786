"""The rule catalog: every rule of every workbook kind, each citing its clause.

Where is clause R2-2.7 checked?  ``opsbook rules | grep R2-2.7``, or docs/coverage.md.
"""

from __future__ import annotations

from .base import AggregateRule, Context, RowRule, Rule


def all_rules() -> tuple[Rule, ...]:
    from . import design_costs, inspections, posts

    return tuple(posts.RULES) + tuple(inspections.RULES) + tuple(design_costs.RULES)


def rules_for(tables: set[str], settings) -> list[Rule]:
    """Rules whose table is among ``tables`` and whose profile matches the settings."""
    profile = settings["posts"]["profile"]
    return [
        r for r in all_rules()
        if r.table in tables and (r.profile is None or r.profile == profile)
    ]


__all__ = ["AggregateRule", "Context", "Rule", "RowRule", "all_rules", "rules_for"]
