"""Household gas-inspection records (入戶安檢記錄): regulation R2.

Everything a change of that regulation touches is in this folder: ``tables.py`` (its sheets'
columns), ``clauses.py`` (its part of the clause register), ``rules.py``, ``summaries.py``,
``settings.py`` (defaults and their reasons) and ``sample.py`` (its sample workbook).
"""

from .. import Kind
from . import clauses, rules, settings, summaries
from .tables import CUSTOMERS, INSPECTIONS, PURCHASES

KIND = Kind(
    name="inspections",
    title="入戶安檢記錄",
    regulation="R2",
    tables=(INSPECTIONS, PURCHASES, CUSTOMERS),
    rules=tuple(rules.RULES),
    summaries=summaries.build,
    settings="inspections",
    defaults=settings.DEFAULTS,
    clauses=clauses.CLAUSES,
    summary_outputs=summaries.OUTPUTS,
    choices={
        "customer_type": ("民用", "公服", "工業"),
        "seal": ("完好", "缺失", "損壞"),
        "result": ("合格", "不合格"),
    },
)
