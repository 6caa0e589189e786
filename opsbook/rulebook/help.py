"""The rulebook's instruction sheet 說明, generated from the predicate registry: each
predicate's parameters, its meaning in Chinese (the English doc for a predicate a plugin
kind registered without one), and an example — a built-in rule that uses it where there is
one, so the example is a rule that really runs."""

from __future__ import annotations

from ..catalog.vocabulary import PREDICATES, Call, parse, walk

ZH = {
    "blank": "儲存格原樣為空（無法讀取的值不算空）",
    "filled": "儲存格有填寫內容",
    "known": "儲存格的值讀得出（日期、數字 …）",
    "unknown": "儲存格的值讀不出（空白或無法讀取）",
    "yes": "是/否欄填「是」",
    "no": "是/否欄填「否」（空白兩者皆非）",
    "one_of": "文字是所列詞語之一（繁簡、全半形、大小寫不分）",
    "matches": "文字符合正規表示式",
    "between": "數字在 [下限, 上限] 之內",
    "nonzero": "數字不為 0（空白當 0）",
    "exceeds": "第一欄的數字大於第二欄",
    "later_than": "a 晚於 b（再加 n 個單位）；unit=days 日曆天、working_days 工作日、hours 小時",
    "before": "a 早於 b",
    "in_table": "值出現在另一張表的某欄（可用 where= 與 among= 只看該表某些列）",
}

COLUMNS_HELP = [
    (
        "類型",
        "規則：以下列詞彙寫成，可改；Python規則、彙總規則：程式判斷，只可改嚴重度、訊息、日期、啟用；設定：規則讀取的參數",
    ),
    ("編號", "規則的固定編號；同一編號多列 = 同一規則的不同版本（以生效日區分，日期不可重疊）"),
    ("條文", "所依據的制度條文編號，須在條文登記表中（如 R1-4.2.3）"),
    ("表", "規則所檢查的表（下拉選單）"),
    ("條件", "規則管轄哪些列（空白 = 全部列）"),
    ("違規條件", "在管轄的列中，什麼情況算違規"),
    ("標註欄", "違規時標註的欄（多個以逗號分隔，標註第一個存在的欄）"),
    ("嚴重度", "錯誤 或 警告"),
    (
        "訊息 / message_en",
        "寫入工作簿的說明；{欄位} 代入該列的值，{value} 為標註格的值，{設定名} 為設定值",
    ),
    ("值", '設定列的值：數字直接填；清單、文字以 JSON 寫，如 ["官網", "網站"]'),
    (
        "生效日 / 失效日",
        "此版本自生效日起、至失效日（含）止有效；空白 = 不限。每筆記錄依其日期採用當日有效的版本；"
        "按週/月彙總的規則採用該週/月最後一日有效的版本；沒有日期的記錄採用檢查日（--as-of）有效的版本",
    ),
    ("啟用", "是 / 否：否 = 此版本期間不檢查"),
]

GRAMMAR = [
    ("and / or / not / ( )", "組合條件：blank(reviewer) and yes(company_project)"),
    ("欄位鍵", "本表的欄（如 reviewer、published_at），見下拉選單「標註欄」"),
    ("target", "本規則的標註欄"),
    ("as_of", "檢查日（--as-of）"),
    ("表.欄", "另一張表的欄，如 roster.name"),
    ("{設定名}", "本類工作簿的設定，如 {news_working_days}；其他區段：{posts.gm_roles}"),
    ("-{設定名}", "負的設定值，如 -{promo_days_ahead}"),
    ('"文字"、數字、[清單]', "常數"),
]


def predicate_examples() -> dict[str, str]:
    """predicate name → an example expression using it (a built-in rule's, when one does)."""
    from .. import kinds
    from ..catalog.base import RowRule

    found: dict[str, str] = {}
    for rule in kinds.all_rules():
        if not (isinstance(rule, RowRule) and rule.declared):
            continue
        for text in (rule.when, rule.fails_if):
            if not text:
                continue
            for node in walk(parse(text)):
                if isinstance(node, Call) and node.name not in found:
                    found[node.name] = text
    out = {}
    for name, pred in PREDICATES.items():
        if name in found:
            out[name] = found[name]
        else:
            args = [p.name for p in pred.params if p.required]
            out[name] = f"{name}({', '.join(args)})"
    return out


def help_rows() -> list[tuple]:
    rows: list[tuple] = [
        ("opsbook 規則簿", "每張工作表是一類工作簿的規則；一列一個規則版本或設定版本", "")
    ]
    rows.append(("", "", ""))
    rows.append(("欄", "說明", ""))
    rows += [(a, b, "") for a, b in COLUMNS_HELP]
    rows.append(("", "", ""))
    rows.append(("寫法", "說明", ""))
    rows += [(a, b, "") for a, b in GRAMMAR]
    rows.append(("", "", ""))
    rows.append(("判斷詞", "意義", "例子"))
    examples = predicate_examples()
    for name, pred in PREDICATES.items():
        params = ", ".join(p.name if p.required else f"{p.name}=" for p in pred.params)
        rows.append((f"{name}({params})", ZH.get(name, pred.doc), examples[name]))
    rows.append(("", "", ""))
    rows.append(
        (
            "檢查",
            "opsbook rules check 規則.xlsx：欄名、表名、寫法、條文、日期重疊，每個問題一行並指出儲存格",
            "",
        )
    )
    rows.append(
        (
            "使用",
            'opsbook validate 工作簿.xlsx --rules 規則.xlsx，或在 opsbook.toml 的 [general] 寫 rules = "規則.xlsx"',
            "",
        )
    )
    return rows
