"""The tables of the post log (發布日誌) and its companions: inquiries, metrics, roster, accounts: canonical column keys, the headers teams write for them
(folded before comparing, so each is listed once in either script) and each column's type."""

from __future__ import annotations

from ...workbook.specs import C, TableSpec

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
