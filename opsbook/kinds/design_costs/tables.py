"""The tables of the design-cost ledger (平面設計費用) and its companions: the design cycle, budgets: canonical column keys, the headers teams write for them
(folded before comparing, so each is listed once in either script) and each column's type."""

from __future__ import annotations

from ...workbook.specs import C, TableSpec

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
