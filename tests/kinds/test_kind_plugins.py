"""A fourth kind from another distribution: the toy package below is built and pip-installed
(no network: --no-build-isolation --no-deps, into a --target folder) and registers itself
through the entry-point group ``opsbook.kinds``; a workbook of it is checked and written back
by a separate Python process that only has the folder on its path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "opsbook-loans"
version = "0.1"

[project.entry-points."opsbook.kinds"]
loans = "opsbook_loans:KIND"

[tool.setuptools]
packages = ["opsbook_loans"]
"""

PACKAGE = '''\
"""Equipment loans: a kind opsbook does not ship."""

from opsbook.kinds import C, Clause, Kind, RowRule, TableSpec

LOANS = TableSpec(
    "loans",
    "借用登記",
    "loans",
    main=True,
    sheet_names=("借用登記",),
    columns=(
        C("item", "物品", required=True),
        C("lent_on", "借出日期", type="date", required=True),
        C("returned_on", "歸還日期", type="date"),
        C("signed", "借用人簽字"),
    ),
)
RULES = (
    RowRule(
        id="loans.signature_missing",
        clause="L-1",
        table="loans",
        title="every loan is signed by the borrower",
        message="借用須由借用人簽字（{item}）",
        message_en="the loan of {item} is not signed",
        target="signed",
        fails_if="blank(signed)",
    ),
    RowRule(
        id="loans.returned_late",
        clause="L-2",
        table="loans",
        title="returned within loans.max_days",
        message="借出 {lent_on}，{returned_on} 才歸還：須在 {max_days} 天內歸還",
        message_en="lent {lent_on}, returned {returned_on}: over {max_days} days",
        needs=("lent_on",),
        target="returned_on",
        fails_if="later_than(returned_on, lent_on, {max_days}, unit=days)",
    ),
)
KIND = Kind(
    name="loans",
    title="借用登記",
    regulation="L",
    tables=(LOANS,),
    rules=RULES,
    settings="loans",
    defaults={"max_days": 30},
    clauses={
        "借用辦法 — equipment loans (loans)": [
            Clause("L-1", "the borrower signs every loan", "row"),
            Clause("L-2", "items returned within the allowed days", "row"),
        ]
    },
)
'''

SCRIPT = """\
import json, sys
from openpyxl import Workbook
import opsbook
from opsbook import kinds

book, out = sys.argv[1], sys.argv[2]
wb = Workbook()
ws = wb.active
ws.title = "借用登記"
for row in [
    ["物品", "借出日期", "歸還日期", "借用人簽字"],
    ["投影機", "2026-10-05", "2026-10-20", "王"],
    ["相機", "2026-10-06", "2026-11-20", "李"],
    ["話筒", "2026-10-07", "2026-10-08", None],
]:
    ws.append(row)
wb.save(book)
checked = opsbook.check(book, as_of="2026-11-26")
opsbook.annotate(book, out, as_of="2026-11-26")
frame = checked.report.frame
print(json.dumps({
    "names": list(kinds.names()),
    "errors": list(kinds.plugin_errors()),
    "kind": checked.kind,
    "found": [[r, c, rule, m] for r, c, rule, m in
              zip(frame["row"], frame["cell"], frame["rule"], frame["message"])],
}, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("opsbook-loans")
    (src / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (src / "opsbook_loans").mkdir()
    (src / "opsbook_loans" / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-build-isolation",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    assert list(target.glob("opsbook_loans-0.1.dist-info/entry_points.txt"))
    return target


def _run(installed: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(ROOT)])}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, cwd=installed
    )


def test_an_installed_kind_is_found_checked_and_written_back(installed, tmp_path):
    book, out = tmp_path / "借用.xlsx", tmp_path / "借用-checked.xlsx"
    done = _run(installed, "-c", SCRIPT, str(book), str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["errors"] == []
    assert result["names"] == ["posts", "inspections", "design_costs", "loans"]
    assert result["kind"] == "loans"
    assert sorted(result["found"]) == [
        [3, "C3", "loans.returned_late", "借出 2026-10-06，2026-11-20 才歸還：須在 30 天內歸還"],
        [4, "D4", "loans.signature_missing", "借用須由借用人簽字（話筒）"],
    ]
    marked = load_workbook(out)
    assert "違規清單" in marked.sheetnames
    listed = [row for row in marked["違規清單"].iter_rows(values_only=True)]
    assert any("loans.returned_late" in map(str, row) for row in listed)
    assert marked["借用登記"]["C3"].comment is not None  # the cell the rule asked to mark
    assert marked["借用登記"]["C2"].comment is None  # and no other


def test_the_cli_lists_its_rules_clauses_and_schema(installed):
    listed = _run(installed, "-m", "opsbook", "rules", "--kind", "loans")
    assert listed.returncode == 0, listed.stderr
    assert "loans.returned_late" in listed.stdout and "posts." not in listed.stdout
    schema = _run(installed, "-m", "opsbook", "schema", "loans")
    assert schema.returncode == 0, schema.stderr
    assert "later_than(returned_on, lent_on, {max_days}, unit=days)" in schema.stdout


def test_a_broken_plugin_is_reported_and_the_others_still_load(installed, tmp_path):
    broken = tmp_path / "broken"
    (broken / "opsbook_broken-0.1.dist-info").mkdir(parents=True)
    (broken / "opsbook_broken-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: opsbook-broken\nVersion: 0.1\n", encoding="utf-8"
    )
    (broken / "opsbook_broken-0.1.dist-info" / "entry_points.txt").write_text(
        "[opsbook.kinds]\nbroken = opsbook_broken_missing:KIND\n", encoding="utf-8"
    )
    code = textwrap.dedent(
        """
        from opsbook import kinds
        print(sorted(kinds.names())); print(kinds.plugin_errors())
        """
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(broken), str(installed), str(ROOT)]),
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names, errors = done.stdout.splitlines()
    assert "'loans'" in names and "'posts'" in names
    assert "opsbook.kinds plugin 'broken'" in errors and "opsbook_broken_missing" in errors
