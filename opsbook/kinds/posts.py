"""Post logs (發布日誌): regulation R1."""

from ..catalog import posts as rules
from ..summaries import platforms
from ..workbook.specs import ACCOUNTS, INQUIRIES, METRICS, POSTS, ROSTER
from . import Kind

KIND = Kind(
    name="posts",
    title="發布日誌",
    regulation="R1",
    tables=(POSTS, INQUIRIES, METRICS, ROSTER, ACCOUNTS),
    rules=tuple(rules.RULES),
    summaries=platforms.build,
    settings="posts",
    choices={
        "platform": ("官網", "公眾號", "小程序", "搜狐", "百家號", "知乎", "百度知道"),
        "category": (
            "行業資訊",
            "行業乾貨",
            "招聘資訊",
            "公司新聞",
            "重大活動",
            "促銷活動",
            "其他",
        ),
    },
)
