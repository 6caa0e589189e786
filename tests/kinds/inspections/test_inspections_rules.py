"""運營規章制度2: each inspection rule failing and passing, the twice-a-year count across the
year boundary, and the blacklist's 3-month boundary at month ends."""

import datetime as dt

import pytest
from helpers import check, found, settings

H = [
    "用戶編號",
    "檢查日期",
    "檢查員",
    "統一著裝",
    "佩戴工作牌",
    "是否入戶",
    "未入戶原因",
    "燃氣洩漏",
    "灶前壓力正常",
    "氣表正常",
    "設備損壞",
    "私改管道",
    "銹蝕",
    "膠管破損",
    "設備不符合要求",
    "私接熱水器",
    "違章占壓",
    "防盜封",
    "加裝防盜封",
    "發現盜氣",
    "停止供氣",
    "整改意見",
    "已上報",
    "檢查結果",
    "用戶簽字",
    "已填寫用戶使用證",
    "收取費用",
    "私自安裝改裝",
]


def visit(**kw):
    base = {h: None for h in H}
    base.update(
        {
            "用戶編號": "C1",
            "檢查日期": dt.date(2026, 3, 2),
            "檢查員": "劉",
            "統一著裝": "是",
            "佩戴工作牌": "是",
            "是否入戶": "是",
            "燃氣洩漏": "無",
            "灶前壓力正常": "是",
            "氣表正常": "是",
            "防盜封": "完好",
            "檢查結果": "合格",
            "用戶簽字": "王明",
            "已填寫用戶使用證": "是",
            "收取費用": 0,
        }
    )
    base.update(kw)
    return [base[h] for h in H]


def run(*rows, **cfg):
    return check({"入戶安檢記錄": [H, *rows]}, cfg=settings(**cfg))


CASES = [
    ("inspections.uniform", "R2-2.1", visit(統一著裝="否"), visit(統一著裝="Y")),
    ("inspections.badge", "R2-3.2", visit(佩戴工作牌=None), visit(佩戴工作牌="✓")),
    (
        "inspections.not_entered_reason",
        "R2-2.7",
        visit(是否入戶="否", 檢查結果=None, 用戶簽字=None),
        visit(是否入戶="否", 未入戶原因="家中無人", 檢查結果=None, 用戶簽字=None),
    ),
    ("inspections.leak_recorded", "R2-2.5", visit(燃氣洩漏=None), visit(燃氣洩漏="无")),
    ("inspections.stove_pressure_ok_recorded", "R2-2.5", visit(灶前壓力正常=" "), visit()),
    (
        "inspections.meter_ok_recorded",
        "R2-2.5",
        visit(氣表正常=None),
        visit(是否入戶="否", 未入戶原因="拒絕", 氣表正常=None, 檢查結果=None, 用戶簽字=None),
    ),
    (
        "inspections.leak_passed",
        "R2-2.5",
        visit(燃氣洩漏="有", 整改意見="維修"),
        visit(燃氣洩漏="有", 整改意見="維修", 檢查結果="不合格"),
    ),
    ("inspections.signature", "R2-2.7", visit(用戶簽字=None), visit(用戶簽字="是")),
    (
        "inspections.pipe_hazard.no_rectification",
        "R2-2.3",
        visit(銹蝕="是", 檢查結果="不合格"),
        visit(銹蝕="是", 檢查結果="不合格", 整改意見="除銹"),
    ),
    (
        "inspections.pipe_hazard.passed",
        "R2-2.3",
        visit(膠管破損="是", 整改意見="更換"),
        visit(膠管破損="是", 整改意見="更換", 檢查結果="不合格"),
    ),
    (
        "inspections.pipe_altered.no_rectification",
        "R2-1.4.2",
        visit(私改管道="是", 檢查結果="不合格"),
        visit(私改管道="是", 檢查結果="不合格", 整改意見="恢復"),
    ),
    (
        "inspections.appliance.passed",
        "R2-2.4",
        visit(設備不符合要求="是", 整改意見="更換灶具"),
        visit(設備不符合要求="是", 整改意見="更換灶具", 檢查結果="不合格"),
    ),
    (
        "inspections.private_heater.no_rectification",
        "R2-1.4.3",
        visit(私接熱水器="是", 檢查結果="不合格"),
        visit(私接熱水器="是", 檢查結果="不合格", 已上報="是"),
    ),
    (
        "inspections.occupation.no_rectification",
        "R2-1.5",
        visit(違章占壓="是", 檢查結果="不合格"),
        visit(違章占壓="是", 檢查結果="不合格", 整改意見="拆除"),
    ),
    (
        "inspections.seal_fitted",
        "R2-1.4",
        visit(防盜封="缺失"),
        visit(防盜封="缺失", 加裝防盜封="是"),
    ),
    (
        "inspections.seal_damaged_reported",
        "R2-1.4.1",
        visit(防盜封="損壞", 檢查結果="不合格", 整改意見="換封"),
        visit(防盜封="損壞", 已上報="是", 檢查結果="不合格", 整改意見="換封"),
    ),
    (
        "inspections.equipment_damage_reported",
        "R2-2.2",
        visit(設備損壞="是"),
        visit(設備損壞="是", 已上報="Y"),
    ),
    (
        "inspections.theft_supply_stopped",
        "R2-1.3",
        visit(發現盜氣="是"),
        visit(發現盜氣="是", 停止供氣="是"),
    ),
    ("inspections.certificate", "R2-2.8", visit(已填寫用戶使用證="否"), visit()),
    ("inspections.fee_charged", "R2-3.6", visit(收取費用="５０"), visit(收取費用=None)),
    ("inspections.unapproved_work", "R2-3.8", visit(私自安裝改裝="是"), visit(私自安裝改裝="否")),
]


@pytest.mark.parametrize("rule,clause,bad,good", CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(rule, clause, bad, good):
    checked = run(good, bad, inspections__min_yearly_visits=0)
    assert found(checked, rule) == {(3, clause)}
    assert 2 not in {row for row, _ in found(checked)}


def test_violation_sits_on_the_cell_to_fix():
    checked = run(visit(用戶簽字=None), inspections__min_yearly_visits=0)
    v = next(checked.report.violations())
    assert (v.cell, v.column, v.clause) == ("Y2", "用戶簽字", "R2-2.7")


def twice(rows, as_of="2026-11-26", roster=None):
    sheets = {"入戶安檢記錄": [H, *rows]}
    if roster:
        sheets["用戶清單"] = [["用戶編號", "用戶類型"], *roster]
    checked = check(sheets, as_of=as_of)
    f = checked.report.frame
    return f[f["rule"] == "inspections.twice_a_year"]


def test_twice_a_year_across_the_year_boundary():
    rows = [
        visit(檢查日期=dt.date(2025, 3, 1)),
        visit(檢查日期=dt.date(2025, 12, 31)),
        visit(檢查日期=dt.date(2026, 1, 1)),
    ]
    lines = twice(rows)
    assert list(lines["severity"]) == ["warning"]  # 2025 complete with 2; 2026 in progress with 1
    assert "2026" in lines.iloc[0]["message"] and "尚需 1 次" in lines.iloc[0]["message"]
    lines = twice(rows[1:])  # 2025 had only the 12-31 visit: an error for a completed year
    assert sorted(lines["severity"]) == ["error", "warning"]


def test_not_entered_visits_do_not_count():
    rows = [
        visit(檢查日期=dt.date(2025, 3, 1)),
        visit(
            檢查日期=dt.date(2025, 6, 1),
            是否入戶="否",
            未入戶原因="無人",
            檢查結果=None,
            用戶簽字=None,
        ),
    ]
    lines = twice(rows, as_of="2025-12-31T23:00")
    assert len(lines) == 1 and lines.iloc[0]["rows"] == (2, 3)


def test_roster_customer_with_no_visit_is_named_with_no_row():
    rows = [visit(檢查日期=dt.date(2026, 3, 1)), visit(檢查日期=dt.date(2026, 9, 1))]
    lines = twice(rows, roster=[["C1", "民用"], ["C2", "民用"], ["F1", "工業"]])
    assert len(lines) == 1 and lines.iloc[0]["row"] is None and "C2" in lines.iloc[0]["message"]


def test_non_residential_customers_are_not_counted():
    rows = [visit(用戶編號="F1", 檢查日期=dt.date(2026, 3, 1))]
    h = H + ["用戶類型"]
    checked = check({"入戶安檢記錄": [h, rows[0] + ["工業"]]})
    assert found(checked, "inspections.twice_a_year") == set()


def blacklisted(last_purchase, as_of, visits=(), **cfg):
    rows = [visit(檢查日期=d) for d in visits] or [
        visit(用戶編號="X", 檢查日期=dt.date(2026, 1, 5))
    ]
    sheets = {
        "入戶安檢記錄": [H, *rows],
        "購氣記錄": [["用戶編號", "購氣日期"], ["C1", last_purchase]],
    }
    checked = check(sheets, as_of=as_of, cfg=settings(inspections__min_yearly_visits=0, **cfg))
    f = checked.report.frame
    return f[f["rule"] == "inspections.blacklist_follow_up"]


def test_blacklist_three_months_at_month_end():
    """A last purchase on 30 November crosses 3 months on the last day of February."""
    assert blacklisted(dt.date(2025, 11, 30), "2026-02-27").empty
    lines = blacklisted(dt.date(2025, 11, 30), "2026-02-28")
    assert len(lines) == 1 and "2026-02-28" in lines.iloc[0]["message"]
    assert "2028-02-29" in blacklisted(dt.date(2027, 11, 30), "2028-03-01").iloc[0]["message"]


def test_blacklist_follow_up_visit_on_or_after_listing():
    assert blacklisted(dt.date(2026, 5, 10), "2026-11-26", visits=[dt.date(2026, 8, 10)]).empty
    assert len(blacklisted(dt.date(2026, 5, 10), "2026-11-26", visits=[dt.date(2026, 8, 9)])) == 1


def test_blacklist_follow_up_limit_in_days():
    late = blacklisted(
        dt.date(2026, 5, 10),
        "2026-11-26",
        visits=[dt.date(2026, 9, 1)],
        inspections__blacklist_followup_days=14,
    )
    assert list(late["severity"]) == ["error"] and "2026-08-24" in late.iloc[0]["message"]
    not_due = blacklisted(
        dt.date(2026, 5, 10), "2026-08-15", inspections__blacklist_followup_days=14
    )
    assert not_due.empty


def test_key_customers_off_by_default_and_configurable():
    h = H + ["用戶類型"]
    rows = [
        visit(用戶編號="F1", 檢查日期=dt.date(2026, 1, 5)) + ["工業"],
        visit(用戶編號="F1", 檢查日期=dt.date(2026, 7, 5)) + ["工業"],
    ]
    off = check({"入戶安檢記錄": [h, *rows]})
    assert found(off, "inspections.key_customer_visits") == set()
    on = check(
        {"入戶安檢記錄": [h, *rows]},
        cfg=settings(
            inspections__key_customer_min_visits=1, inspections__key_customer_period="quarter"
        ),
    )
    lines = on.report.frame[on.report.frame["rule"] == "inspections.key_customer_visits"]
    # Q1 and Q3 have a visit; Q4 is still in progress at the as-of date: only Q2 is short.
    assert list(lines["message"].str.extract(r"(2026Q\d)", expand=False)) == ["2026Q2"]


def test_text_dates_and_yes_no_variants_in_one_sheet():
    rows = [
        visit(檢查日期="2026年3月2日", 統一著裝="✓", 佩戴工作牌="Y"),
        visit(檢查日期="2026/9/1", 統一著裝="是", 佩戴工作牌="是"),
    ]
    checked = run(*rows)
    assert found(checked) == set()
