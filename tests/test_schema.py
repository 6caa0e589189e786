"""Each kind's tables as pandera schemas: built from the declarations, run by the engine,
written by `opsbook schema` with pandera's serialisers and read back by pandera."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import check, settings
from pandera.errors import SchemaErrors
from pandera.io.pandas_io import from_json, from_yaml

import opsbook.catalog.schema as schema_module
from opsbook import kinds
from opsbook.catalog.schema import failing_rows, table_schema
from opsbook.cli import cli


def _cli(*args) -> str:
    result = CliRunner().invoke(cli, ["schema", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _failed(schema, frame) -> dict[str, list]:
    """rule id → the rows pandera reports failing (nothing when the frame passes)."""
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        return {c: sorted(set(g["index"])) for c, g in cases.groupby("check")}
    return {}


DESIGN = pd.DataFrame(
    {
        "request_id": ["A1", "A2", "A3"],
        "head_signed": ["王", None, "李"],
        "status": ["完成", "進行中", "退回"],
        "designer": ["陳", "陳", "陳"],
        "actual_cost": [100.0, 300.0, None],
        "budget": [200.0, 200.0, None],
    }
)


def test_yaml_round_trips_through_pandera_and_still_finds_the_violations():
    text = _cli("design_costs", "--table", "design_costs")
    loaded = from_yaml(text)
    assert loaded.name == "design_costs"
    names = [c.name for c in loaded.checks]
    assert "design_costs.head_signature" in names
    assert "design_costs.settled_late" not in names  # Python: named in the description
    assert "design_costs.settled_late" in loaded.description
    head = next(c for c in loaded.checks if c.name == "design_costs.head_signature")
    assert head.error.startswith("R3-3.1 ")
    failed = _failed(loaded, DESIGN)
    # pandera's report names the check by its error (clause and message).
    by_rule = {c.name: failed.get(c.error) for c in loaded.checks}
    assert by_rule["design_costs.head_signature"] == [1]
    assert by_rule["design_costs.over_budget"] == [1]
    assert by_rule["design_costs.returned_but_worked_on"] == [2]
    assert by_rule["design_costs.designer_missing"] is None
    # Fixed, the frame passes.
    fixed = DESIGN.assign(
        head_signed="王", actual_cost=[100.0, 150.0, None], designer=["陳", "陳", None]
    )
    assert _failed(loaded, fixed) == {}
    # And the loaded schema writes the same YAML again.
    assert loaded.to_yaml() == text


def test_several_tables_are_yaml_documents_and_json_an_object_by_table():
    docs = _cli("posts").split("---\n")
    assert [from_yaml(d).name for d in docs] == [t.name for t in kinds.get("posts").tables]
    data = json.loads(_cli("posts", "--format", "json"))
    inquiries = from_json(json.dumps(data["inquiries"]))
    late = pd.DataFrame(
        {
            "received_at": pd.to_datetime(["2026-03-01 09:00", "2026-03-01 09:00"]),
            "replied_at": pd.to_datetime(["2026-03-01 20:00", "2026-03-01 22:00"]),
        }
    )
    failed = _failed(inquiries, late)
    reply_late = next(c for c in inquiries.checks if c.name == "inquiries.reply_late")
    assert failed[reply_late.error] == [1]  # 13 hours: over the 12 the setting allows


def test_a_setting_is_a_statistic_of_the_check(tmp_path):
    config = tmp_path / "opsbook.toml"
    config.write_text("[posts]\ninquiry_reply_hours = 14\n", encoding="utf-8")
    text = _cli("posts", "--table", "inquiries", "--config", str(config))
    loaded = from_yaml(text)
    reply_late = next(c for c in loaded.checks if c.name == "inquiries.reply_late")
    assert reply_late.statistics["settings"] == {"posts": {"inquiry_reply_hours": 14}}


def test_the_python_format_is_a_script_that_builds_the_schema():
    script = _cli("inspections", "--table", "inspections", "--format", "python")
    scope: dict = {}
    exec(script, scope)  # noqa: S102 - our own generated script
    names = [c.name for c in scope["schema"].checks]
    assert "inspections.badge" in names


def test_an_unknown_table_is_one_clear_line():
    result = CliRunner().invoke(cli, ["schema", "posts", "--table", "nope"])
    assert result.exit_code != 0
    assert "kind posts has no table 'nope'" in result.output


def test_the_engine_takes_each_rules_rows_from_pandera(monkeypatch):
    h = ["用戶編號", "檢查日期", "檢查員", "統一著裝", "佩戴工作牌", "是否入戶", "檢查結果"]
    rows = [
        [h, ["C1", "2026-03-01", "甲", "是", "否", "是", "合格"]],
    ]
    checked = check(
        {"入戶安檢記錄": rows[0] + [["C2", "2026-03-02", "乙", "否", "是", "是", "合格"]]}
    )
    table = checked.tables["inspections"][0]
    rules = [
        r
        for r in kinds.get("inspections").rules
        if r.id in ("inspections.badge", "inspections.uniform")
    ]
    seen = []
    real = schema_module.table_schema

    def spy(*args, **kwargs):
        built = real(*args, **kwargs)
        seen.append(built)
        return built

    monkeypatch.setattr(schema_module, "table_schema", spy)
    found = failing_rows(table, rules, checked.context)
    assert [c.name for c in seen[0].checks] == ["inspections.uniform", "inspections.badge"]
    first = table.data.index[0]
    assert list(found["inspections.badge"]) == [first]
    assert list(found["inspections.uniform"]) == [first + 1]


def test_a_rule_that_crashes_is_not_silently_dropped():
    from opsbook.catalog import RowRule

    checked = check(
        {"入戶安檢記錄": [["用戶編號", "檢查日期", "檢查員"], ["C1", "2026-03-01", "甲"]]}
    )
    table = checked.tables["inspections"][0]

    def broken(t, ctx):
        raise KeyError("no such column")

    rule = RowRule(
        id="toy.broken",
        clause="R2-2.1",
        title="t",
        message="m",
        message_en="m",
        table="inspections",
        target="customer_id",
        fails=broken,
        why_python="a test",
    )
    with pytest.raises(RuntimeError, match="toy.broken"):
        failing_rows(table, [rule], checked.context)


def test_the_exported_schema_types_and_coerces_every_column():
    spec = kinds.table("inspections")
    built = table_schema(spec, list(kinds.get("inspections").rules), settings(), "inspections")
    assert set(built.columns) == {c.key for c in spec.columns}
    assert all(c.coerce for c in built.columns.values())
    assert str(built.columns["inspected_on"].dtype).startswith("datetime64")
