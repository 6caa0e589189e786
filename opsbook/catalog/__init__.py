"""The rule catalog: every rule of every workbook kind, each citing its clause.

Where is clause R2-2.7 checked?  ``opsbook rules | grep R2-2.7``, or docs/coverage.md.
Each kind's rules are registered with the kind (opsbook.kinds); ``kinds.all_rules()`` lists
them all.
"""

from __future__ import annotations

from .base import AggregateRule, Context, RowRule, Rule

__all__ = ["AggregateRule", "Context", "Rule", "RowRule"]
