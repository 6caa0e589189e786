"""The sample workbooks bundled in workbooks/ and the builders that make them."""

from .inspections import build_inspections
from .posts import build_post_log

BUILDERS = {
    "發布日誌.xlsx": build_post_log,
    "入戶安檢記錄.xlsx": build_inspections,
}
