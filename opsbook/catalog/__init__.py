"""What a rule is, and the vocabulary row rules are written in: the core's rule API.

``base`` declares the rule types and the context they run in; ``vocabulary`` parses a rule's
text into a tree any back end walks; ``predicates`` is its pandas back end; ``schema`` builds a
table's pandera schema from the declarations and runs it.  The rules themselves live with
their kind (``opsbook/kinds/<kind>/rules.py``); ``kinds.all_rules()`` lists them all.

Where is clause R2-2.7 checked?  ``opsbook rules | grep R2-2.7``, or docs/coverage.md.
"""

from __future__ import annotations

from .base import AggregateRule, Context, RowRule, Rule

__all__ = ["AggregateRule", "Context", "Rule", "RowRule"]
