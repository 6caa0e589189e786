"""Post logs (發布日誌): regulation R1.

Everything a change of that regulation touches is in this folder: ``tables.py`` (its sheets'
columns), ``clauses.py`` (its part of the clause register), ``rules.py``, ``summaries.py``,
``settings.py`` (defaults and their reasons) and ``sample.py`` (its sample workbook).
"""

from .. import Kind
from . import clauses, rules, settings, summaries
from .tables import ACCOUNTS, INQUIRIES, METRICS, POSTS, ROSTER

KIND = Kind(
    name="posts",
    title="發布日誌",
    regulation="R1",
    tables=(POSTS, INQUIRIES, METRICS, ROSTER, ACCOUNTS),
    rules=tuple(rules.RULES),
    summaries=summaries.build,
    settings="posts",
    defaults=settings.DEFAULTS,
    clauses=clauses.CLAUSES,
    summary_outputs=summaries.OUTPUTS,
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
