"""The registry of workbook kinds: a fourth kind is one module and one registration.

The toy kind below is such a module, written out in the test: a table, a row rule, a
summary-free kind.  Registered, it is recognised, checked, listed, written and cleared by the
same code as the three built-in kinds, with no other file touched."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import write_xlsx
from openpyxl import load_workbook

import opsbook
from opsbook import kinds
from opsbook.catalog import RowRule
from opsbook.cli import cli
from opsbook.workbook.specs import ColumnSpec, TableSpec

# --- the toy kind: what a new kind's module would hold -------------------------------------
LOANS = TableSpec(
    "loans",
    "借用登記",
    "loans",
    main=True,
    sheet_names=("借用登記",),
    columns=(
        ColumnSpec("item", ("item", "物品"), required=True),
        ColumnSpec("lent_on", ("lent_on", "借出日期"), "date", required=True),
        ColumnSpec("signed", ("signed", "借用人簽字")),
    ),
)
SIGNATURE = RowRule(
    id="loans.signature_missing",
    clause="T-1.1",
    table="loans",
    title="every loan is signed by the borrower",
    message="借用須由借用人簽字（{item}，{lent_on}）",
    message_en="the loan of {item} on {lent_on} is not signed",
    target="signed",
    fails_if="blank(signed)",
)
KIND = kinds.Kind(
    name="loans",
    title="借用登記",
    regulation="T",
    tables=(LOANS,),
    rules=(SIGNATURE,),
    choices={"item": ("投影機", "相機")},
)
# ---------------------------------------------------------------------------------------------

ROWS = [
    ["物品", "借出日期", "借用人簽字"],
    ["投影機", "2026-10-05", "王"],
    ["相機", "2026-10-06", None],
]


@pytest.fixture
def toy():
    kinds.register(KIND)
    yield KIND
    kinds.unregister("loans")


def test_builtin_kinds_declared_once():
    assert kinds.names() == ("posts", "inspections", "design_costs")
    assert [k.main.name for k in kinds.kinds()] == ["posts", "inspections", "design_costs"]
    ids = [r.id for r in kinds.all_rules()]
    assert len(ids) == len(set(ids))
    for kind in kinds.kinds():
        assert all(r.table in {t.name for t in kind.tables} for r in kind.rules)


def test_row_rules_are_declared_in_the_vocabulary_and_the_rest_say_why():
    """At least 42 of the built-in RowRule declarations are text; a Python one says why."""
    from opsbook.catalog import RowRule

    row = [r for r in kinds.all_rules() if isinstance(r, RowRule)]
    python = [r for r in row if not r.declared]
    assert all(r.why_python for r in python), [r.id for r in python if not r.why_python]
    assert len(row) - len(python) >= 80  # of 94 row-rule ids (48 of 54 declarations)
    # A rule's numbers come from its settings: no message states a number a setting holds.
    for rule in row:
        for text in (rule.message, rule.message_en):
            assert " 3 個工作日" not in text and "12 小時" not in text, rule.id


def test_every_rule_id_can_be_found_where_it_is_declared():
    """`grep review_missing opsbook/kinds` finds the rule: an id is written out, or (a posts
    channel's rules, declared once for three channels) its prefix and its name are."""
    from pathlib import Path

    folder = Path(kinds.__file__).parent.parent
    sources = "".join(
        p.read_text(encoding="utf-8")
        for sub in ("catalog", "kinds")
        for p in (folder / sub).rglob("*.py")
    )

    def found(rule_id: str) -> bool:
        prefix, _, name = rule_id.rpartition(".")
        return f'"{rule_id}"' in sources or (f'"{prefix}"' in sources and f'.{name}"' in sources)

    assert [r.id for r in kinds.all_rules() if not found(r.id)] == []
    # The channel ids, once written out by hand, come from the declarations: 15 per channel.
    from opsbook.kinds.posts.rules import CHANNEL_RULE_IDS

    ids = [i for by_name in CHANNEL_RULE_IDS.values() for i in by_name.values()]
    assert len(ids) == len(set(ids)) == 45
    assert CHANNEL_RULE_IDS[("R1", "website")]["review_missing"] == "posts.website.review_missing"


def test_a_registered_kind_is_checked_end_to_end(toy, tmp_path):
    path = write_xlsx(tmp_path / "loans.xlsx", {"借用登記": ROWS})
    checked = opsbook.check(path, as_of="2026-11-26")
    assert checked.kind == "loans"
    frame = checked.report.frame
    assert list(zip(frame["row"], frame["cell"], frame["rule"])) == [
        (3, "C3", "loans.signature_missing")
    ]
    assert frame["message"].iloc[0] == "借用須由借用人簽字（相機，2026-10-06）"
    out = tmp_path / "out.xlsx"
    opsbook.annotate(path, out, as_of="2026-11-26")
    assert "違規清單" in load_workbook(out).sheetnames
    assert opsbook.clear(out, backup=False)


def test_the_cli_reads_the_registry(toy, tmp_path):
    path = write_xlsx(tmp_path / "loans.xlsx", {"借用登記": ROWS})
    listed = CliRunner().invoke(cli, ["rules", "--kind", "loans"])
    assert listed.exit_code == 0 and "loans.signature_missing" in listed.output
    assert "posts." not in listed.output
    result = CliRunner().invoke(
        cli, ["validate", str(path), "--kind", "loans", "--as-of", "2026-11-26"]
    )
    assert result.exit_code == 1 and "T-1.1" in result.output


def test_a_kind_brings_its_settings_section(tmp_path):
    """The section is known to opsbook.toml, `opsbook config --show` and the rules."""
    late = RowRule(
        id="loans.not_returned",
        clause="T-1.2",
        table="loans",
        title="a loan ends within loans.max_days",
        message="借出超過 {max_days} 天",
        message_en="lent for more than {max_days} days",
        target="lent_on",
        fails=lambda t, ctx: (
            t.data["lent_on"] < ctx.as_of - pd.Timedelta(days=ctx.cfg("loans", "max_days"))
        ),
        params=lambda t, ctx, rows: pd.DataFrame(
            {"max_days": str(ctx.cfg("loans", "max_days"))}, index=rows
        ),
    )
    kind = kinds.Kind(
        name="loans",
        title="借用登記",
        regulation="T",
        tables=(LOANS,),
        rules=(late,),
        settings="loans",
        defaults={"max_days": 60},
    )
    kinds.register(kind)
    try:
        path = write_xlsx(tmp_path / "loans.xlsx", {"借用登記": ROWS})
        assert len(opsbook.check(path, as_of="2026-11-26").report.frame) == 0  # 52 days ≤ 60
        (tmp_path / "opsbook.toml").write_text("[loans]\nmax_days = 30\n", encoding="utf-8")
        frame = opsbook.check(path, as_of="2026-11-26").report.frame
        assert list(frame["row"]) == [2, 3] and frame["message"].iloc[0] == "借出超過 30 天"
        shown = CliRunner().invoke(cli, ["config", "--show", str(tmp_path)]).output
        assert "[loans]" in shown and "max_days = 30" in shown
    finally:
        kinds.unregister("loans")
    from opsbook.config import DEFAULTS

    assert "loans" not in DEFAULTS


def test_unregistered_kind_is_not_a_choice(tmp_path):
    result = CliRunner().invoke(cli, ["rules", "--kind", "loans"])
    assert result.exit_code == 2 and "loans" in result.output


def test_a_clash_is_refused(toy):
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(KIND)
    twin = kinds.Kind(name="loans2", title="x", regulation="T", tables=(LOANS,), rules=())
    with pytest.raises(ValueError, match="loans2"):
        kinds.register(twin)


def test_a_registered_kind_has_a_template(toy, tmp_path):
    """`opsbook excel template` reads the registry: the toy kind's sheet, headers and its
    declared dropdown list, with the buttons' macros."""
    import zipfile

    out = tmp_path / "loans.xlsm"
    result = CliRunner().invoke(cli, ["excel", "template", "loans", "--output", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out, keep_vba=True)
    sheet = wb["借用登記"]
    assert [c.value for c in sheet[1]][:3] == ["物品", "借出日期", "借用人簽字"]
    lists = [dv.formula1 for dv in sheet.data_validations.dataValidation]
    assert '"投影機,相機"' in lists
    with zipfile.ZipFile(out) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()


def test_an_unregistered_kind_has_no_template(tmp_path):
    result = CliRunner().invoke(
        cli, ["excel", "template", "loans", "--output", str(tmp_path / "x.xlsm")]
    )
    assert result.exit_code == 2 and "loans" in result.output


@pytest.mark.parametrize(
    "text, says",
    [
        ("blank(signd)", "no column 'signd'"),
        ("later_than(lent_on, lent_on, {max_dayz}, unit=days)", "no setting {max_dayz}"),
        ("in_table(item, roster.name)", "no table column roster.name"),
    ],
)
def test_a_typo_in_a_rules_text_fails_at_registration(text, says):
    rule = RowRule(
        id="loans.typo",
        clause="T-1.1",
        table="loans",
        title="t",
        message="m",
        message_en="m",
        target="signed",
        fails_if=text,
    )
    kind = kinds.Kind(
        name="loans",
        title="借用登記",
        regulation="T",
        tables=(LOANS,),
        rules=(rule,),
        settings="loans",
        defaults={"max_days": 60},
    )
    with pytest.raises(ValueError, match=f"loans.typo: {re.escape(says)}"):
        kinds.register(kind)
    assert "loans" not in kinds.names()
