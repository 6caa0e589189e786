"""Household gas-inspection records (入戶安檢記錄): regulation R2."""

from ..catalog import inspections as rules
from ..summaries import inspections as summaries
from ..workbook.specs import CUSTOMERS, INSPECTIONS, PURCHASES
from . import Kind

KIND = Kind(
    name="inspections",
    title="入戶安檢記錄",
    regulation="R2",
    tables=(INSPECTIONS, PURCHASES, CUSTOMERS),
    rules=tuple(rules.RULES),
    summaries=summaries.build,
    settings="inspections",
    choices={
        "customer_type": ("民用", "公服", "工業"),
        "seal": ("完好", "缺失", "損壞"),
        "result": ("合格", "不合格"),
    },
)
