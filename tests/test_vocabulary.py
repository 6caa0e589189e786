"""The rule vocabulary: text ⇄ tree, the registry's checks, and the pandas back end."""

from __future__ import annotations

import pandas as pd
import pytest

from opsbook import kinds
from opsbook.catalog.predicates import Env, FrameTable
from opsbook.catalog.vocabulary import (
    PREDICATES,
    And,
    Call,
    Column,
    Literal,
    Negative,
    Not,
    Setting,
    TableColumn,
    VocabularyError,
    evaluate,
    parse,
    settings_used,
    to_text,
)


def test_text_parses_to_a_tree_of_plain_dataclasses():
    tree = parse("filled(reviewed_at) and not later_than(reviewed_at, published_at)")
    assert tree == And(
        (
            Call("filled", (Column("reviewed_at"),)),
            Not(Call("later_than", (Column("reviewed_at"), Column("published_at")))),
        )
    )
    promo = parse("later_than(published_at, promo_start, -{promo_days_ahead}, unit=days)")
    assert promo.args[2] == Negative(Setting("promo_days_ahead"))
    assert promo.kwargs == (("unit", Literal("days")),)
    roster = parse("in_table(reviewer, roster.name, where=roster.role, among={posts.gm_roles})")
    assert roster.args[1] == TableColumn("roster", "name")
    assert settings_used(roster) == (Setting("gm_roles", "posts"),)


def test_every_declared_rule_writes_back_to_the_same_tree():
    declared = [r for r in kinds.all_rules() if getattr(r, "declared", False)]
    assert len(declared) >= 80
    for rule in declared:
        assert parse(to_text(rule.expression)) == rule.expression, rule.id


@pytest.mark.parametrize(
    "text, says",
    [
        ("blank(", "not an expression"),
        ("blnk(reviewer)", "unknown predicate 'blnk'"),
        ("later_than(a)", "missing arg2"),
        ("later_than(a, b, 3, unit=weeks)", "a unit"),
        ("one_of(platform, 3)", "a list"),
        ("in_table(reviewer, name)", "table.column"),
        ("reviewer", "expected a predicate call"),
    ],
)
def test_a_wrong_text_is_refused_with_the_reason(text, says):
    with pytest.raises(VocabularyError, match=says.replace("(", r"\(")):
        parse(text)


def test_predicates_over_a_bare_frame_and_an_absent_column_says_nothing():
    frame = pd.DataFrame(
        {
            "a": pd.to_datetime(["2026-03-05", "2026-03-09 10:00", None], format="ISO8601"),
            "b": pd.to_datetime(["2026-03-05 10:00", "2026-03-05", "2026-03-01"], format="ISO8601"),
            "n": [1.0, None, 0.0],
        }
    )
    env = Env(FrameTable(frame), {"s": {"days": 2}}, "s")
    run = lambda text: evaluate(parse(text), env).tolist()  # noqa: E731
    assert run("later_than(a, b)") == [False, True, False]  # 3/5 is not after 3/5 10:00
    assert run("later_than(a, b, {days}, unit=days)") == [False, True, False]
    assert run("later_than(a, b, 3, unit=days)") == [False, True, False]
    assert run("later_than(a, b, 4, unit=days)") == [False, False, False]
    assert run("nonzero(n)") == [True, False, False]
    assert run("yes(missing_column)") == [False, False, False]
    assert run("not yes(missing_column) and known(a)") == [True, True, False]


def test_the_registry_names_each_predicate_once_with_typed_parameters():
    assert {"blank", "filled", "yes", "no", "one_of", "matches", "between"} <= set(PREDICATES)
    assert {"later_than", "before", "in_table"} <= set(PREDICATES)
    assert [p.type for p in PREDICATES["later_than"].params] == [
        "column",
        "column",
        "number",
        "unit",
    ]


def test_the_docs_list_every_predicate():
    from pathlib import Path

    docs = (Path(__file__).parent.parent / "docs" / "kinds.md").read_text(encoding="utf-8")
    assert [name for name in PREDICATES if f"| `{name}(" not in docs] == []
