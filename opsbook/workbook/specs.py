"""The workbook contract: every table opsbook recognises, its canonical column keys,
the headers teams write for them, and each column's value type.

This is the single alias list (WORKBOOKS.md names it "the full alias list"); the registry
of workbook kinds (opsbook/kinds/) says which tables make up each kind.  Aliases are folded (Traditional/Simplified, full-width, spaces, case)
before comparing, so each is listed once in either script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    aliases: tuple[str, ...]
    type: str = "text"  # text | date | datetime | bool | number
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str  # posts, inspections, … or a companion: roster, accounts, …
    title: str  # the usual sheet name, used for messages
    kind: str  # the workbook kind this table belongs to
    columns: tuple[ColumnSpec, ...]
    sheet_names: tuple[str, ...] = field(default=())
    main: bool = False  # the kind's main table (the others are companions)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def column(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


def C(key: str, *aliases: str, type: str = "text", required: bool = False) -> ColumnSpec:  # noqa: N802, A002 - reads as a column in the tables below
    return ColumnSpec(key, (key, *aliases), type, required)


POSTS = TableSpec(
    "posts",
    "發布日誌",
    "posts",
    main=True,
    sheet_names=("發布日誌", "發布記錄", "posts"),
    columns=(
        C("platform", "平台", "平臺", "發布平台", "渠道", "platform", required=True),
        C("account", "賬號", "帳號", "賬號名稱", "account"),
        C("section", "欄目", "欄目名稱", "section"),
        C("fixed_section", "固定欄目", "是否固定欄目", type="bool"),
        C("title", "標題", "文章標題", "稿件標題", "title", required=True),
        C("category", "類別", "內容類型", "稿件類型", "category"),
        C("author", "撰稿人", "編輯", "作者", "author"),
        C("owner", "負責人", "欄目負責人", "owner"),
        C(
            "published_at",
            "發布日期",
            "發布時間",
            "發佈日期",
            "發佈時間",
            "published",
            type="datetime",
            required=True,
        ),
        C("reviewer", "審核人", "審核", "reviewer"),
        C("reviewed_at", "審核日期", "審核時間", "reviewed", type="datetime"),
        C("company_project", "涉及公司項目", "公司項目", type="bool"),
        C("gm_confirmed_by", "總經理確認", "總經理簽字", "總經理確認人"),
        C("gm_confirmed_at", "總經理確認日期", "總經理確認時間", type="datetime"),
        C("event_end", "活動結束日期", "活動結束時間", type="date"),
        C("has_images", "配圖", "是否配圖", "圖片", type="bool"),
        C("promo_start", "促銷開始日期", "促銷開始時間", "活動開始日期", type="date"),
        C("personal_opinion", "含個人觀點", "個人觀點", type="bool"),
        C("undisclosed_info", "含未公開信息", "未公開信息", "內幕信息", type="bool"),
        C("unverified", "未經核實", "未經核實信息", type="bool"),
    ),
)

INQUIRIES = TableSpec(
    "inquiries",
    "留言諮詢記錄",
    "posts",
    sheet_names=("留言諮詢記錄", "留言記錄", "諮詢記錄", "inquiries"),
    columns=(
        C("platform", "平台", "平臺", "渠道"),
        C("user", "留言用戶", "用戶", "user"),
        C(
            "received_at",
            "留言時間",
            "留言日期",
            "諮詢時間",
            "received",
            type="datetime",
            required=True,
        ),
        C("replied_at", "回覆時間", "回復時間", "回覆日期", "replied", type="datetime"),
        C("replier", "回覆人", "回復人"),
        C("topic", "諮詢類別", "諮詢內容", "topic"),
    ),
)

METRICS = TableSpec(
    "metrics",
    "平台數據",
    "posts",
    sheet_names=("平台數據", "平臺數據", "metrics"),
    columns=(
        C(
            "date",
            "日期",
            "週",
            "周",
            "月",
            "月份",
            "統計日期",
            "date",
            "week",
            "month",
            required=True,
        ),
        C("platform", "平台", "平臺", "渠道", required=True),
        C("followers", "粉絲數", "粉絲總數", type="number"),
        C("new_followers", "新增粉絲", "新增粉絲數", type="number"),
        C("reads", "閱讀量", "閱讀數", type="number"),
        C("interactions", "互動量", "互動數", type="number"),
        C("inquiries", "諮詢量", "諮詢數", type="number"),
    ),
)

ROSTER = TableSpec(
    "roster",
    "人員表",
    "posts",
    sheet_names=("人員表", "人員名單", "roster"),
    columns=(
        C("name", "姓名", "name", required=True),
        C("role", "職位", "崗位", "職務", "role", required=True),
        C("department", "部門", "department"),
    ),
)

ACCOUNTS = TableSpec(
    "accounts",
    "賬號清單",
    "posts",
    sheet_names=("賬號清單", "帳號清單", "accounts"),
    columns=(
        C("platform", "平台", "平臺", "渠道", required=True),
        C("account", "賬號", "帳號", "賬號名稱", required=True),
        C("owner", "負責人", "管理人"),
    ),
)


class _ColumnOptions(TypedDict, total=False):
    type: str
    required: bool


_YN: _ColumnOptions = {"type": "bool"}

INSPECTIONS = TableSpec(
    "inspections",
    "入戶安檢記錄",
    "inspections",
    main=True,
    sheet_names=("入戶安檢記錄", "安檢記錄", "inspections"),
    columns=(
        C("customer_id", "用戶編號", "戶號", "客戶編號", required=True),
        C("customer_name", "戶名", "用戶名稱", "用戶姓名"),
        C("address", "地址", "用戶地址"),
        C("customer_type", "用戶類型", "用戶類別"),
        C("inspected_on", "檢查日期", "安檢日期", "入戶日期", type="date", required=True),
        C("inspector", "檢查員", "安檢員", "檢查人", required=True),
        C("uniform", "統一著裝", "著裝", **_YN),
        C("badge", "佩戴工作牌", "工作卡", "工作牌", "佩戴工作卡", **_YN),
        C("entered", "是否入戶", "入戶", **_YN),
        C("not_entered_reason", "未入戶原因"),
        C("leak", "燃氣洩漏", "燃氣泄漏", "漏氣", **_YN),
        C("stove_pressure_ok", "灶前壓力正常", "灶前壓力", **_YN),
        C("meter_ok", "氣表正常", "氣表運行正常", **_YN),
        C("equipment_damaged", "設備損壞", **_YN),
        C("pipe_altered", "私改管道", **_YN),
        C("pipe_as_earth", "管道作接地線", **_YN),
        C("corrosion", "銹蝕", "鏽蝕", **_YN),
        C("load_hung", "重物搭掛", **_YN),
        C("hose_overlength", "膠管超長", **_YN),
        C("hose_damaged", "膠管破損", "膠管不完好", **_YN),
        C("appliance_noncompliant", "設備不符合要求", "用氣設備不符合要求", **_YN),
        C("private_heater", "私接熱水器", "私接採暖爐", "私接熱水器/採暖爐", **_YN),
        C("occupation", "違章占壓", "違章佔壓", "占壓", **_YN),
        C("seal", "防盜封", "表封"),
        C("seal_fitted", "加裝防盜封", **_YN),
        C("theft_found", "發現盜氣", "盜氣", **_YN),
        C("supply_stopped", "停止供氣", "停氣", **_YN),
        C("rectification", "整改意見", "整改通知"),
        C("reported", "已上報", "上報", **_YN),
        C("result", "檢查結果", "結果"),
        C("signature", "用戶簽字", "用戶簽名", "簽字"),
        C("certificate_filled", "已填寫用戶使用證", "使用證", "用戶使用證", **_YN),
        C("fee_charged", "收取費用", "收費", type="number"),
        C("unapproved_work", "私自安裝改裝", "私自安裝", **_YN),
    ),
)

PURCHASES = TableSpec(
    "purchases",
    "購氣記錄",
    "inspections",
    sheet_names=("購氣記錄", "purchases"),
    columns=(
        C("customer_id", "用戶編號", "戶號", "客戶編號", required=True),
        C("purchased_on", "購氣日期", "購買日期", type="date", required=True),
        C("amount", "金額", "購氣金額", type="number"),
        C("volume", "氣量", "購氣量", type="number"),
    ),
)

CUSTOMERS = TableSpec(
    "customers",
    "用戶清單",
    "inspections",
    sheet_names=("用戶清單", "用戶名單", "customers"),
    columns=(
        C("customer_id", "用戶編號", "戶號", "客戶編號", required=True),
        C("customer_name", "戶名", "用戶名稱"),
        C("customer_type", "用戶類型", "用戶類別"),
        C("address", "地址", "用戶地址"),
    ),
)

DESIGN_COSTS = TableSpec(
    "design_costs",
    "平面設計費用",
    "design_costs",
    main=True,
    sheet_names=("平面設計費用", "設計費用", "design_costs"),
    columns=(
        C("request_id", "申請單號", "單號", required=True),
        C("department", "需求部門", "申請部門", required=True),
        C("item", "設計項目", "物料名稱", required=True),
        C("item_type", "物料類型"),
        C("requested_on", "申請日期", type="date"),
        C("head_signed", "部門負責人簽字", "負責人簽字"),
        C("form_complete", "填寫完整", "申請單完整", type="bool"),
        C("status", "狀態"),
        C("designer", "設計人員", "設計師"),
        C("design_started_on", "開始設計日期", type="date"),
        C("due_on", "計劃完成日期", type="date"),
        C("delivered_on", "實際完成日期", type="date"),
        C("extension_requested_on", "延期申請日期", type="date"),
        C("budget", "預算費用", "打樣制作預算", "打樣製作預算", type="number"),
        C("budget_signed", "預算簽字"),
        C("design_approved_by", "部門負責人審核", "設計審核"),
        C("gm_confirmed_on", "總經理確認日期", type="date"),
        C("ordered_on", "下單日期", "打樣制作申請日期", "打樣製作申請日期", type="date"),
        C("vendor", "供應商", "制作商", "製作商"),
        C("actual_cost", "實際費用", "金額", type="number"),
        C("received_on", "到貨日期", type="date"),
        C("warehoused_on", "入庫日期", type="date"),
        C("settled_on", "結算日期", type="date"),
        C("settlement_head_signed", "結算部門負責人簽字", "結算負責人簽字"),
        C("settlement_gm_approved", "總經理審核", "結算總經理審核"),
        C("paid_on", "付款日期", type="date"),
    ),
)

CYCLE = TableSpec(
    "cycle",
    "設計工作週期表",
    "design_costs",
    sheet_names=("設計工作週期表", "設計週期", "cycle"),
    columns=(
        C("item_type", "物料類型", required=True),
        C("days", "設計天數", "週期天數", "天數", type="number", required=True),
    ),
)

BUDGETS = TableSpec(
    "budgets",
    "年度預算",
    "design_costs",
    sheet_names=("年度預算", "budgets"),
    columns=(
        C("department", "部門", "需求部門", required=True),
        C("year", "年度", "年份", type="number", required=True),
        C("budget", "預算", "年度預算", "預算金額", type="number", required=True),
    ),
)

TABLES: tuple[TableSpec, ...] = (
    POSTS,
    INQUIRIES,
    METRICS,
    ROSTER,
    ACCOUNTS,
    INSPECTIONS,
    PURCHASES,
    CUSTOMERS,
    DESIGN_COSTS,
    CYCLE,
    BUDGETS,
)
BY_NAME = {t.name: t for t in TABLES}
