"""The sample workbooks bundled in workbooks/ and the builders that make them."""

from ..kinds.design_costs.sample import build_design_costs
from ..kinds.inspections.sample import build_inspections
from ..kinds.posts.sample import build_post_log

BUILDERS = {
    "發布日誌.xlsx": build_post_log,
    "入戶安檢記錄.xlsx": build_inspections,
    "平面設計費用.xlsx": build_design_costs,
}
