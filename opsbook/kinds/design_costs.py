"""Graphic-design cost ledgers (平面設計費用): regulation R3."""

from ..catalog import design_costs as rules
from ..summaries import design_costs as summaries
from ..workbook.specs import BUDGETS, CYCLE, DESIGN_COSTS
from . import Kind

KIND = Kind(
    name="design_costs",
    title="平面設計費用",
    regulation="R3",
    tables=(DESIGN_COSTS, CYCLE, BUDGETS),
    rules=tuple(rules.RULES),
    summaries=summaries.build,
    settings="design_costs",
    choices={
        "status": ("進行中", "退回", "完成"),
        "item_type": ("海報", "易拉寶", "宣傳冊", "展板"),
    },
)
