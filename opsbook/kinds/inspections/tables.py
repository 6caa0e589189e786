"""The tables of the inspection log (入戶安檢記錄) and its companions: purchases, customers: canonical column keys, the headers teams write for them
(folded before comparing, so each is listed once in either script) and each column's type."""

from __future__ import annotations

from ...workbook.specs import C, TableSpec

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
        C("uniform", "統一著裝", "著裝", type="bool"),
        C("badge", "佩戴工作牌", "工作卡", "工作牌", "佩戴工作卡", type="bool"),
        C("entered", "是否入戶", "入戶", type="bool"),
        C("not_entered_reason", "未入戶原因"),
        C("leak", "燃氣洩漏", "燃氣泄漏", "漏氣", type="bool"),
        C("stove_pressure_ok", "灶前壓力正常", "灶前壓力", type="bool"),
        C("meter_ok", "氣表正常", "氣表運行正常", type="bool"),
        C("equipment_damaged", "設備損壞", type="bool"),
        C("pipe_altered", "私改管道", type="bool"),
        C("pipe_as_earth", "管道作接地線", type="bool"),
        C("corrosion", "銹蝕", "鏽蝕", type="bool"),
        C("load_hung", "重物搭掛", type="bool"),
        C("hose_overlength", "膠管超長", type="bool"),
        C("hose_damaged", "膠管破損", "膠管不完好", type="bool"),
        C("appliance_noncompliant", "設備不符合要求", "用氣設備不符合要求", type="bool"),
        C("private_heater", "私接熱水器", "私接採暖爐", "私接熱水器/採暖爐", type="bool"),
        C("occupation", "違章占壓", "違章佔壓", "占壓", type="bool"),
        C("seal", "防盜封", "表封", keeps=("無", "无")),
        C("seal_fitted", "加裝防盜封", type="bool"),
        C("theft_found", "發現盜氣", "盜氣", type="bool"),
        C("supply_stopped", "停止供氣", "停氣", type="bool"),
        # R2-1.3 要求其賠償經濟損失; R2-1.4.1 安排入戶檢查確定是否盜氣 (issue 23).
        C("compensation_claimed", "要求賠償", "已要求賠償", "追繳損失", type="bool"),
        C("theft_check_arranged", "安排入戶檢查", "已安排盜氣核查", "盜氣核查", type="bool"),
        C("rectification", "整改意見", "整改通知"),
        C("reported", "已上報", "上報", type="bool"),
        C("result", "檢查結果", "結果"),
        C("signature", "用戶簽字", "用戶簽名", "簽字"),
        C("certificate_filled", "已填寫用戶使用證", "使用證", "用戶使用證", type="bool"),
        C("fee_charged", "收取費用", "收費", type="number"),
        C("unapproved_work", "私自安裝改裝", "私自安裝", type="bool"),
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
