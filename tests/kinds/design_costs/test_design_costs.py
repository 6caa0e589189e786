"""運營規章制度3 §三: each design-cost rule failing and passing, the settlement deadline around
the 2026 National Day holiday, and 月度結算 totals against a hand computation."""

import datetime as dt

import pytest
from click.testing import CliRunner
from helpers import check, found, settings, write_xlsx

from opsbook.cli import cli

D = dt.date
H = [
    "申請單號",
    "需求部門",
    "設計項目",
    "物料類型",
    "申請日期",
    "部門負責人簽字",
    "填寫完整",
    "狀態",
    "設計人員",
    "開始設計日期",
    "計劃完成日期",
    "實際完成日期",
    "延期申請日期",
    "打樣製作預算",
    "預算簽字",
    "部門負責人審核",
    "總經理確認日期",
    "下單日期",
    "供應商",
    "實際費用",
    "到貨日期",
    "入庫日期",
    "結算日期",
    "結算部門負責人簽字",
    "總經理審核",
    "付款日期",
]


def item(**kw):
    base = dict(
        申請單號="A1",
        需求部門="市場部",
        設計項目="海報",
        物料類型="海報",
        申請日期=D(2026, 9, 1),
        部門負責人簽字="周",
        填寫完整="是",
        狀態="完成",
        設計人員="小美",
        開始設計日期=D(2026, 9, 2),
        計劃完成日期=D(2026, 9, 7),
        實際完成日期=D(2026, 9, 4),
        延期申請日期=None,
        打樣製作預算=1000,
        預算簽字="周",
        部門負責人審核="周",
        總經理確認日期=D(2026, 9, 7),
        下單日期=D(2026, 9, 8),
        供應商="美嘉",
        實際費用=900,
        到貨日期=D(2026, 9, 14),
        入庫日期=D(2026, 9, 14),
        結算日期=D(2026, 10, 9),
        結算部門負責人簽字="周",
        總經理審核="王總",
        付款日期=D(2026, 10, 12),
    )
    base.update(kw)
    return [base[h] for h in H]


def run(*rows, cycle=None, budgets=None, as_of="2026-11-26"):
    sheets = {"平面設計費用": [H, *rows]}
    if cycle:
        sheets["設計工作週期表"] = [["物料類型", "設計天數"], *cycle]
    if budgets:
        sheets["年度預算"] = [["部門", "年度", "預算"], *budgets]
    return check(sheets, as_of=as_of)


NOT_STARTED = dict(
    開始設計日期=None,
    計劃完成日期=None,
    實際完成日期=None,
    打樣製作預算=None,
    預算簽字=None,
    部門負責人審核=None,
    總經理確認日期=None,
    下單日期=None,
    供應商=None,
    實際費用=None,
    到貨日期=None,
    入庫日期=None,
    結算日期=None,
    結算部門負責人簽字=None,
    總經理審核=None,
    付款日期=None,
)

CASES = [
    ("design_costs.head_signature", "R3-3.1", item(部門負責人簽字=None, 開始設計日期=None), item()),
    (
        "design_costs.incomplete_not_returned",
        "R3-3.2",
        item(填寫完整="否", 狀態="進行中", 設計人員=None, **NOT_STARTED),
        item(填寫完整="否", 狀態="退回", 設計人員=None, **NOT_STARTED),
    ),
    (
        "design_costs.returned_but_worked_on",
        "R3-3.2",
        item(填寫完整="否", 狀態="退回", **NOT_STARTED),
        item(填寫完整="否", 狀態="退回", 設計人員=None, **NOT_STARTED),
    ),
    ("design_costs.designer_missing", "R3-3.2", item(設計人員=None), item()),
    ("design_costs.design_before_request", "R3-3.4", item(開始設計日期=D(2026, 8, 30)), item()),
    ("design_costs.design_without_signature", "R3-3.4", item(部門負責人簽字=None), item()),
    ("design_costs.budget_missing", "R3-3.5", item(打樣製作預算=None, 預算簽字=None), item()),
    ("design_costs.budget_unsigned", "R3-3.5", item(預算簽字=None), item()),
    ("design_costs.over_budget", "R3-3.5", item(實際費用="1,200"), item(實際費用="１０００")),
    (
        "design_costs.delivered_late",
        "R3-3.6",
        item(實際完成日期=D(2026, 9, 8), 總經理確認日期=D(2026, 9, 8)),
        item(實際完成日期=D(2026, 9, 8), 總經理確認日期=D(2026, 9, 8), 延期申請日期=D(2026, 9, 7)),
    ),
    (
        "design_costs.overdue",
        "R3-3.6",
        item(**{**NOT_STARTED, "開始設計日期": D(2026, 9, 2), "計劃完成日期": D(2026, 9, 7)}),
        item(**{**NOT_STARTED, "開始設計日期": D(2026, 9, 2), "計劃完成日期": D(2026, 12, 7)}),
    ),
    ("design_costs.gm_without_head_approval", "R3-3.7", item(部門負責人審核=None), item()),
    (
        "design_costs.gm_before_design_done",
        "R3-3.7",
        item(總經理確認日期=D(2026, 9, 3)),
        item(總經理確認日期=D(2026, 9, 4)),
    ),
    (
        "design_costs.ordered_without_gm",
        "R3-3.8",
        item(下單日期=D(2026, 9, 6)),
        item(下單日期=D(2026, 9, 7)),
    ),
    ("design_costs.received_before_order", "R3-3.9", item(到貨日期=D(2026, 9, 7)), item()),
    ("design_costs.not_warehoused", "R3-3.10", item(入庫日期=None), item()),
    (
        "design_costs.settled_late",
        "R3-3.12",
        item(結算日期=D(2026, 10, 14), 付款日期=D(2026, 10, 15)),
        item(結算日期=D(2026, 10, 13), 付款日期=D(2026, 10, 15)),
    ),
    (
        "design_costs.unsettled",
        "R3-3.12",
        item(結算日期=None, 結算部門負責人簽字=None, 總經理審核=None, 付款日期=None),
        item(
            下單日期=D(2026, 11, 2),
            到貨日期=None,
            入庫日期=None,
            結算日期=None,
            結算部門負責人簽字=None,
            總經理審核=None,
            付款日期=None,
        ),
    ),
    ("design_costs.settlement_head_unsigned", "R3-3.12", item(結算部門負責人簽字=None), item()),
    (
        "design_costs.settlement_gm_unapproved",
        "R3-3.12",
        item(總經理審核=None, 付款日期=None),
        item(),
    ),
    (
        "design_costs.paid_before_approval",
        "R3-3.12",
        item(付款日期=D(2026, 10, 8)),
        item(付款日期=D(2026, 10, 9)),
    ),
]


@pytest.mark.parametrize("rule,clause,bad,good", CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(rule, clause, bad, good):
    checked = run(good, bad)
    assert found(checked, rule) == {(3, clause)}
    assert 2 not in {row for row, _ in found(checked)}


def test_settlement_deadline_around_national_day():
    """September 2026 items: 10-01..10-07 are off and 10-10 is a make-up Saturday, so the 5th
    working day of October is 10-13; with the 3rd working day configured it is 10-10."""
    on_time, late = item(結算日期=D(2026, 10, 13)), item(結算日期=D(2026, 10, 14))
    assert found(run(on_time, late), "design_costs.settled_late") == {(3, "R3-3.12")}
    cfg = settings(design_costs__settlement_working_day=3)
    checked = check(
        {
            "平面設計費用": [
                H,
                item(結算日期=D(2026, 10, 10)),
                item(結算日期=D(2026, 10, 12), 付款日期=D(2026, 10, 13)),
            ]
        },
        cfg=cfg,
    )
    assert found(checked, "design_costs.settled_late") == {(3, "R3-3.12")}


def test_due_date_from_the_cycle_table_in_working_days():
    # 宣傳冊 takes 7 working days from 2026-09-25 (Fri): 09-28, 09-29, 09-30, 10-08, 10-09, 10-10, 10-12.
    row = item(
        物料類型="宣傳冊",
        開始設計日期=D(2026, 9, 25),
        計劃完成日期=None,
        實際完成日期=D(2026, 10, 12),
        總經理確認日期=D(2026, 10, 12),
        下單日期=D(2026, 10, 12),
        到貨日期=D(2026, 10, 14),
        入庫日期=D(2026, 10, 14),
        結算日期=D(2026, 11, 3),
        付款日期=D(2026, 11, 4),
    )
    late = item(
        **{
            **dict(zip(H, row)),
            "實際完成日期": D(2026, 10, 13),
            "總經理確認日期": D(2026, 10, 13),
            "下單日期": D(2026, 10, 13),
        }
    )
    checked = run(row, late, cycle=[["宣傳冊", 7]])
    assert found(checked, "design_costs.delivered_late") == {(3, "R3-3.6")}


def test_yearly_budget_warning_and_error_rows():
    rows = [
        item(
            申請單號=f"A{i}",
            需求部門=dept,
            實際費用=cost,
            打樣製作預算=cost,
            下單日期=D(2026, 9, 8 + i),
        )
        for i, (dept, cost) in enumerate([("行政部", 500), ("行政部", 600), ("市場部", 950)])
    ]
    checked = run(*rows, budgets=[["行政部", 2026, 1000], ["市場部", 2026, 1000]])
    lines = checked.report.frame[checked.report.frame["rule"] == "design_costs.yearly_budget"]
    by_dept = {
        m.split(" ")[0]: (s, r)
        for m, s, r in zip(lines["message"], lines["severity"], lines["row"])
    }
    assert by_dept == {"行政部": ("error", 3), "市場部": ("warning", 4)}


def test_settlement_totals_match_a_hand_computation(tmp_path):
    rows = [
        item(申請單號="A1", 需求部門="市場部", 供應商="美嘉", 打樣製作預算=1000, 實際費用=900),
        item(
            申請單號="A2", 需求部門="市場部", 供應商="新圖", 打樣製作預算="¥1,500", 實際費用="1,650"
        ),
        item(
            申請單號="A3",
            需求部門="教學部",
            供應商="美嘉",
            打樣製作預算=800,
            實際費用=800,
            結算日期=None,
            結算部門負責人簽字=None,
            總經理審核=None,
            付款日期=None,
        ),
        item(
            申請單號="A4",
            需求部門="教學部",
            狀態="退回",
            填寫完整="否",
            設計人員=None,
            **NOT_STARTED,
        ),
        item(
            申請單號="A5",
            需求部門="市場部",
            下單日期=D(2026, 10, 5),
            總經理確認日期=D(2026, 10, 5),
            實際費用=300,
            結算日期=D(2026, 11, 3),
            付款日期=D(2026, 11, 5),
        ),
        [
            "合計",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            4300,
            None,
            None,
            None,
            None,
            None,
            3650,
        ],
    ]
    path = write_xlsx(tmp_path / "ledger.xlsx", {"平面設計費用": [H, *rows]})
    result = CliRunner().invoke(
        cli,
        [
            "settle",
            str(path),
            "--month",
            "2026-09",
            "--as-of",
            "2026-11-26",
            "--output",
            str(tmp_path / "settled.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = {
        ln.split()[0]: ln.split()
        for ln in result.output.splitlines()
        if ln.strip().startswith(("市場部", "教學部", "2026-09"))
    }
    # 市場部: 2 items, budget 2,500, actual 2,550, variance 50, both settled and paid.
    assert lines["市場部"][1:8] == ["2", "2,500.00", "2,550.00", "50.00", "2", "2,550.00", "0"]
    # 教學部: 1 item (the returned one is not settled), unsettled 800, its signatures missing.
    assert lines["教學部"][1:10] == [
        "1",
        "800.00",
        "800.00",
        "0.00",
        "0",
        "0.00",
        "1",
        "800.00",
        "1",
    ]
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "settled.xlsx")["月度結算"]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "2026-09 合計")
    assert total[1:4] == (3, 3300.0, 3350.0)
    assert ws["C3"].number_format == "#,##0.00"


def test_totals_row_is_not_a_request():
    rows = [
        item(),
        ["合計", None, None, None, None, None, None, None, None, None, None, None, None, 1000],
    ]
    checked = run(*rows)
    assert found(checked) == set()
    assert checked.report.files[0].tables[0].skipped_rows["totals"] == 1
