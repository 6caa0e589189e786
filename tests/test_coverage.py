"""The coverage matrix is generated from the catalog and must not be stale; every rule cites
a real clause; every checkable clause of 運營規章制度1 has a rule."""

from conftest import ROOT

from opsbook.coverage import render_coverage
from opsbook.kinds import all_rules
from opsbook.regulations import CLAUSES, REGULATIONS


def test_coverage_doc_is_current():
    assert (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8") == render_coverage(), (
        "docs/coverage.md is stale: run `opsbook coverage`"
    )


def test_every_rule_cites_a_known_clause_and_ids_are_unique():
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
    for rule in all_rules():
        assert rule.clause in CLAUSES, (rule.id, rule.clause)
        assert rule.severity in ("error", "warning")
        assert rule.message and rule.message_en and rule.title


def test_every_checkable_row_or_agg_clause_has_a_rule():
    cited = {r.clause for r in all_rules()}
    missing = [
        c.id
        for cs in REGULATIONS.values()
        for c in cs
        if c.check in ("row", "agg") and c.id not in cited
    ]
    assert missing == []
