"""Differential proof: every embedded rule formula, evaluated for every data row by
LibreOffice (headless) and by the ``formulas`` package, gives the engine's verdict.

The engine's verdict is the engine's own: opsbook.engine._run_row_rules on the tables it
recognised (the same pandera schema ``opsbook validate`` runs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from embed_eval import computed, formulas_values, helper_copy, soffice_convert

from opsbook import kinds
from opsbook.config import load_config
from opsbook.embed.write import embed_file
from opsbook.engine import _run_row_rules, as_of_moment
from opsbook.pipeline import check_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["發布日誌.xlsx", "入戶安檢記錄.xlsx", "平面設計費用.xlsx"]
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice not installed"
)


def engine_verdicts(path: Path, settings: dict) -> dict:
    """{(sheet, rule): {row: 0|1}} for every data row of every recognised table."""
    checked = check_file(path, settings, as_of_moment(None), None, summaries=False)
    ctx = checked.context
    out = {}
    for tables in checked.tables.values():
        table = tables[0]
        rules = [r for r in kinds.rules_for({table.name}, settings) if r.kind == "row"]
        for rule in rules:
            failing = _run_row_rules(table, [rule], ctx).get(rule.id)
            failing = set() if failing is None else set(int(r) for r in failing)
            out[(table.sheet, rule.id)] = {int(r): int(r in failing) for r in table.data.index}
    return out


def text_in_typed_columns(path: Path, settings: dict) -> dict:
    """{(sheet, rule): rows} where a date or number column the rule's formula reads holds
    text (a date typed as text, "1,200"): the engine parses those, a formula sees text —
    the comparison leaves those rows out (docs/embed.md; the data validation flags them)."""
    import python_calamine

    checked = check_file(path, settings, as_of_moment(None), None, summaries=False)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    out = {}
    for tables in checked.tables.values():
        table = tables[0]
        grid = book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False)
        typed = {
            col.letter: (key, col.index)
            for key, col in table.columns.items()
            if table.spec.column(key).type in ("date", "datetime", "number")
        }
        for letter, (key, index) in typed.items():
            parsed = table.data[key].notna()
            rows = {
                r + 1
                for r, row in enumerate(grid)
                if r + 1 in parsed.index
                and parsed[r + 1]  # text the engine read as a date or number
                and index < len(row)
                and isinstance(row[index], str)
            }
            out[(table.sheet, letter)] = rows
    book.close()
    return out


LOOKUPS = {  # rules that look a cell up on a companion sheet, and the cells they look up
    "account_unregistered": ("platform", "account"),
    "reviewer_not_manager": ("reviewer",),
    "gm_not_gm": ("gm_confirmed_by",),
}


def cross_script_lookups(path: Path, settings: dict) -> dict:
    """{(sheet, rule suffix): rows} where a looked-up cell is written in a form the formula
    cannot fold (Simplified vs Traditional, full width): the engine folds both sides, a
    formula compares them as written, less spaces and case (docs/embed.md)."""
    from opsbook.text import fold

    checked = check_file(path, settings, as_of_moment(None), None, summaries=False)
    out = {}
    for tables in checked.tables.values():
        table = tables[0]
        for suffix, keys in LOOKUPS.items():
            rows = set()
            for key in keys:
                if not table.has(key):
                    continue
                for row, value in table.raw[key].items():
                    text = "" if value is None else str(value)
                    if text and fold(text) != text.replace(" ", "").lower():
                        rows.add(int(row))
            out[(table.sheet, suffix)] = rows
    return out


def readable_rows(plan, text_cells: dict) -> dict:
    """{(sheet, rule): rows to leave out}."""
    import re

    skip = {}
    for sheet, sp in plan.sheets.items():
        for rule, (template, _f, _l) in sp.templates.items():
            letters = set(re.findall(r"\$([A-Z]+)§", template))
            rows = set()
            for letter in letters:
                rows |= text_cells.get((sheet, letter), set())
            skip[(sheet, rule)] = rows
    return skip


def prepare(paths: list[Path], work: Path, settings: dict):
    """Embed each workbook, write its helper copy; returns [(helper, cells, engine)]."""
    jobs = []
    for path in paths:
        embedded = work / f"embedded-{path.name}"
        result = embed_file(path, embedded, settings=settings, backup=False)
        engine = engine_verdicts(path, settings)
        rows = {}
        for (sheet, _rule), verdicts in engine.items():
            rows.setdefault(sheet, set()).update(verdicts)
        rows = {s: sorted(r) for s, r in rows.items()}
        helper = work / f"helper-{path.name}"
        cells = helper_copy(embedded, helper, result.plan, rows)
        skip = readable_rows(result.plan, text_in_typed_columns(path, settings))
        scripts = cross_script_lookups(path, settings)
        for key, where in cells.items():
            suffix = key[1].rsplit(".", 1)[-1]
            for r in skip.get(key, set()) | scripts.get((key[0], suffix), set()):
                where.pop(r, None)
        jobs.append((helper, cells, engine, result.plan))
    return jobs


def mismatches(engine: dict, evaluated: dict) -> list[str]:
    bad = []
    for key, got in evaluated.items():
        want = engine[key]
        wrong = [r for r in got if got[r] != want.get(r)]
        if wrong:
            bad.append(
                f"{key}: rows {wrong[:8]} engine {[want.get(r) for r in wrong[:8]]} got {[got[r] for r in wrong[:8]]}"
            )
    return bad


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    work = tmp_path_factory.mktemp("embed-samples")
    settings = load_config(None)
    paths = []
    for name in SAMPLES:
        shutil.copy(ROOT / "workbooks" / name, work / name)
        paths.append(work / name)
    jobs = prepare(paths, work, settings)
    if shutil.which("soffice") is None:  # the formulas-engine tests still run
        return jobs, []
    converted = soffice_convert([j[0] for j in jobs], work / "lo")
    return jobs, converted


@needs_soffice
def test_samples_in_libreoffice(samples):
    jobs, converted = samples
    bad = []
    for (helper, cells, engine, _plan), lo in zip(jobs, converted):
        assert cells, f"{helper.name}: no embedded rule"
        bad += mismatches(engine, computed(lo, cells))
    assert not bad, "\n".join(bad)


def test_samples_in_formulas_engine(samples):
    jobs, _ = samples
    bad = []
    for helper, cells, engine, plan in jobs:
        embedded = helper.with_name(helper.name.replace("helper-", "embedded-"))
        bad += mismatches(engine, formulas_values(embedded, plan, cells))
    assert not bad, "\n".join(bad)


def test_every_formula_parses_in_formulas_engine(samples):
    """The second evaluator's parser (Excel's grammar) accepts and compiles every embedded
    conditional-format formula, each within Excel's limits (8,192 characters, 64 levels)."""
    import formulas

    jobs, _ = samples
    count = 0
    for _helper, _cells, _engine, plan in jobs:
        for sp in plan.sheets.values():
            for fmt in sp.formats:
                assert len(fmt.formula) < 8192
                depth = max_depth(fmt.formula)
                assert depth <= 64, (fmt.formula, depth)
                formulas.Parser().ast("=" + fmt.formula)[1].compile()
                count += 1
    assert count >= 70


def max_depth(formula: str) -> int:
    depth = deepest = 0
    quoted = False
    for ch in formula:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and ch == ")":
            depth -= 1
    return deepest
