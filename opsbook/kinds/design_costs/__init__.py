"""Graphic-design cost ledgers (平面設計費用): regulation R3.

Everything a change of that regulation touches is in this folder: ``tables.py`` (its sheets'
columns), ``clauses.py`` (its part of the clause register), ``rules.py``, ``summaries.py``,
``settings.py`` (defaults and their reasons) and ``sample.py`` (its sample workbook).
"""

from .. import Kind
from . import clauses, rules, settings, summaries
from .tables import BUDGETS, CYCLE, DESIGN_COSTS

KIND = Kind(
    name="design_costs",
    title="平面設計費用",
    regulation="R3",
    tables=(DESIGN_COSTS, CYCLE, BUDGETS),
    rules=tuple(rules.RULES),
    summaries=summaries.build,
    settings="design_costs",
    defaults=settings.DEFAULTS,
    clauses=clauses.CLAUSES,
    summary_outputs=summaries.OUTPUTS,
    choices={
        "status": ("進行中", "退回", "完成"),
        "item_type": ("海報", "易拉寶", "宣傳冊", "展板"),
    },
)
