"""The naive pipeline the benchmark compares against, one process per run:

    python bench/naive.py SOURCE TARGET KIND HEADER_ROW

``pandas.read_excel`` (openpyxl) of the main sheet, a pandera schema of about ten checks of
that kind (the header row is given, not searched for), then openpyxl: load the workbook,
fill and comment each failing cell, save.  What a team would write first."""

import sys
import warnings

warnings.simplefilter("ignore")

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pandera.pandas as pa  # noqa: E402
from openpyxl.comments import Comment  # noqa: E402
from openpyxl.styles import PatternFill  # noqa: E402

src, dst, kind, header_row = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
df = pd.read_excel(src, sheet_name=0, header=header_row - 1, engine="openpyxl")


def yes(s):
    return s.astype(str).isin(["是", "Y", "✓"])


CHECKS = {
    "inspections": lambda: {
        "统一着装": [pa.Check(lambda s: yes(s), name="uniform")],
        "佩戴工作牌": [pa.Check(lambda s: yes(s), name="badge")],
        "用户签字": [pa.Check(lambda s: ~(df["检查结果"].eq("合格") & s.isna()), name="signature")],
        "收取费用": [
            pa.Check(lambda s: pd.to_numeric(s, errors="coerce").fillna(0).eq(0), name="fee")
        ],
        "私自安装改装": [pa.Check(lambda s: ~s.astype(str).eq("是"), name="unapproved")],
        "已填写用户使用证": [
            pa.Check(lambda s: ~(df["是否入户"].eq("是") & ~yes(s)), name="certificate")
        ],
        "未入户原因": [pa.Check(lambda s: ~(df["是否入户"].eq("否") & s.isna()), name="reason")],
        "气表正常": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & s.isna()), name="meter")],
        "灶前压力正常": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & s.isna()), name="stove")],
        "燃气泄漏": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & s.isna()), name="leak")],
        "加装防盗封": [pa.Check(lambda s: ~(df["防盗封"].eq("缺失") & ~yes(s)), name="seal")],
        "停止供气": [pa.Check(lambda s: ~(df["发现盗气"].eq("是") & ~yes(s)), name="theft")],
        "整改意见": [pa.Check(lambda s: ~(df["锈蚀"].eq("是") & s.isna()), name="rect")],
        "检查结果": [
            pa.Check(lambda s: ~(df["胶管破损"].isin(["是", "✓"]) & s.eq("合格")), name="hose")
        ],
        "已上报": [pa.Check(lambda s: ~(df["设备损坏"].eq("是") & ~yes(s)), name="reported")],
    },
    "posts": lambda: {
        "审核人": [pa.Check(lambda s: ~(df["发布平台"].eq("官網") & s.isna()), name="reviewer")],
        "審核日期": [
            pa.Check(
                lambda s: (
                    ~(
                        pd.to_datetime(s, errors="coerce")
                        > pd.to_datetime(df["發布時間"], errors="coerce")
                    )
                ),
                name="review_after",
            )
        ],
        "总经理确认": [pa.Check(lambda s: ~(df["涉及公司項目"].eq("是") & s.isna()), name="gm")],
        "撰稿人": [pa.Check(lambda s: s.notna(), name="author")],
        "负责人": [pa.Check(lambda s: s.notna(), name="owner")],
        "含個人觀點": [pa.Check(lambda s: ~s.astype(str).eq("是"), name="opinion")],
        "含未公開信息": [pa.Check(lambda s: ~s.astype(str).eq("是"), name="undisclosed")],
        "未经核实": [pa.Check(lambda s: ~s.astype(str).eq("是"), name="unverified")],
        "文章標題": [pa.Check(lambda s: s.notna(), name="title")],
    },
    "design_costs": lambda: {
        "部門負責人簽字": [pa.Check(lambda s: s.notna(), name="head_signed")],
        "填寫完整": [pa.Check(lambda s: yes(s), name="complete")],
        "實際完成日期": [
            pa.Check(
                lambda s: (
                    ~(
                        (
                            pd.to_datetime(s, errors="coerce")
                            > pd.to_datetime(df["計劃完成日期"], errors="coerce")
                        )
                        & df["延期申請日期"].isna()
                    )
                ),
                name="late",
            )
        ],
        "預算簽字": [
            pa.Check(lambda s: ~(df["打樣製作預算"].notna() & s.isna()), name="budget_signed")
        ],
        "總經理確認日期": [pa.Check(lambda s: ~(df["下單日期"].notna() & s.isna()), name="gm")],
        "結算日期": [pa.Check(lambda s: ~(df["入庫日期"].notna() & s.isna()), name="settled")],
        "付款日期": [
            pa.Check(
                lambda s: (
                    ~(
                        pd.to_datetime(s, errors="coerce")
                        < pd.to_datetime(df["結算日期"], errors="coerce")
                    )
                ),
                name="paid_early",
            )
        ],
        "實際費用": [
            pa.Check(
                lambda s: (
                    ~(
                        pd.to_numeric(s, errors="coerce")
                        > pd.to_numeric(df["打樣製作預算"], errors="coerce")
                    )
                ),
                name="over_budget",
            )
        ],
        "結算部門負責人簽字": [
            pa.Check(lambda s: ~(df["結算日期"].notna() & s.isna()), name="settle_signed")
        ],
    },
}

schema = pa.DataFrameSchema(
    {c: pa.Column(checks=v, nullable=True, required=False) for c, v in CHECKS[kind]().items()}
)
try:
    schema.validate(df, lazy=True)
    cases = pd.DataFrame(columns=["column", "index", "check"])
except pa.errors.SchemaErrors as e:
    cases = e.failure_cases
wb = openpyxl.load_workbook(src)
ws = wb.worksheets[0]
fill = PatternFill("solid", fgColor="FFFFC7CE")
cols = {c: i + 1 for i, c in enumerate(df.columns)}
for column, index, check in zip(cases["column"], cases["index"], cases["check"]):
    if index is None or index != index or column not in cols:
        continue
    cell = ws.cell(row=int(index) + header_row + 1, column=cols[column])
    cell.fill = fill
    cell.comment = Comment(str(check), "naive")
wb.save(dst)
