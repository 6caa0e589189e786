"""The done-when scenario of issue 18: 96 generated workbooks of the three kinds (eight teams,
two monthly folders, some violations fixed and one new in four teams' inspection logs, whose
rows all moved down a row) checked twice with --history and --overview.  Both forms of the
overview carry the numbers of the JSON reports; the trend and the new/fixed counts are
right; and the HTML page, loaded from file:// in headless Chromium, renders those numbers in
its tables and charts with no console error and no request beyond the page itself."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest
from cdp import Browser, chromium_path
from openpyxl import load_workbook

from opsbook.samples.batch import make_batch

pytestmark = pytest.mark.slow  # 96 workbooks checked twice, the page loaded in Chromium

VIEWS_WITH_CHARTS = ["files", "teams", "clauses", "severity", "months", "changes", "trend"]


def _validate(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("office")
    october = make_batch(root / "2026-10", root / "cache", teams=8, copies=4)
    november = make_batch(root / "2026-11", root / "cache", teams=8, copies=4, month=2)
    assert len(october.files) == len(november.files) == 96
    history = root / "history.sqlite"
    first = _validate(
        october.folder,
        "--as-of",
        "2026-10-31",
        "--jobs",
        "2",
        "--history",
        history,
        "--report",
        root / "r1.json",
        "--overview",
        root / "ov1",
    )
    assert first.returncode == 1, first.stderr
    second = _validate(
        november.folder,
        "--as-of",
        "2026-11-30",
        "--jobs",
        "2",
        "--history",
        history,
        "--report",
        root / "r2.json",
        "--overview",
        root / "ov2" / "總覽.html",
        "--output",
        root / "checked",
    )
    assert second.returncode == 1, second.stderr
    assert "歷史：第 2 次檢查已記錄" in second.stdout
    r1 = json.loads((root / "r1.json").read_text(encoding="utf-8"))
    r2 = json.loads((root / "r2.json").read_text(encoding="utf-8"))
    return dict(
        root=root,
        october=october,
        november=november,
        r1=r1,
        r2=r2,
        stdout=second.stdout,
        xlsx=root / "ov2" / "總覽.xlsx",
        html=root / "ov2" / "總覽.html",
    )


def _name(label: str) -> str:
    return Path(label).name


def _expected_changes(r1: dict, r2: dict, shifted: dict) -> Counter:
    """New and fixed per (file, clause) worked out without fingerprints: a violation is the
    same when its file, sheet, rule and column match and its row does, after undoing the
    known shift of the edited logs (a row-less one: by its message)."""

    def keys(report, shift):
        out = Counter()
        for v in report["violations"]:
            name = _name(v["file"])
            row = v["row"]
            if (
                row is not None
                and name in shift
                and v["sheet"] == shift[name][0]
                and row > shift[name][1]
            ):
                row -= 1
            where = row if row is not None else v["message_en"]
            out[(name, v["clause"], v["sheet"], v["rule"], v["column"], where)] += 1
        return out

    old, new = keys(r1, {}), keys(r2, shift=shifted)
    counts: Counter = Counter()
    for key in old.keys() | new.keys():
        a, b = old.get(key, 0), new.get(key, 0)
        counts[(key[0], key[1], "new")] += max(b - a, 0)
        counts[(key[0], key[1], "fixed")] += max(a - b, 0)
    return counts


def _by(report: dict, field, severity=None) -> Counter:
    return Counter(
        field(v) for v in report["violations"] if severity is None or v["severity"] == severity
    )


def _team(label: str) -> str:
    return _name(label).split("_")[0]


def _sheet_rows(path: Path, sheet: str) -> list[list]:
    book = load_workbook(path, read_only=False)
    rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    return rows


def _table(rows: list[list], width: int | None = None) -> tuple[list[str], list[list]]:
    header = (
        list(itertools.takewhile(lambda h: h is not None, rows[0]))
        if width is None
        else rows[0][:width]
    )
    return header, [
        r[: len(header)] for r in rows[1:] if any(v is not None for v in r[: len(header)])
    ]


def test_scenario_numbers_in_the_workbook(scenario):
    r1, r2 = scenario["r1"], scenario["r2"]
    xlsx = scenario["xlsx"]
    # 摘要: the totals are the report's
    header, rows = _table(_sheet_rows(xlsx, "摘要")[3:])
    totals = dict(rows)
    summary = r2["summary"]
    assert (totals["檔案"], totals["違規"], totals["錯誤"], totals["警告"]) == (
        96,
        summary["violations"],
        summary["errors"],
        summary["warnings"],
    )
    changes = _expected_changes(r1, r2, scenario["november"].shifted)
    new = sum(n for (_, _, what), n in changes.items() if what == "new")
    fixed = sum(n for (_, _, what), n in changes.items() if what == "fixed")
    assert (totals["新增"], totals["已修正"]) == (new, fixed)
    assert fixed >= 4 and new >= 4  # the edits are there, whatever --as-of changed besides

    # 各檔案: every file's errors and warnings, its team, a link to its annotated copy
    header, rows = _table(_sheet_rows(xlsx, "各檔案"))
    files = {r[0]: dict(zip(header, r)) for r in rows}
    assert len(files) == 96
    errors = _by(r2, lambda v: _name(v["file"]), "error")
    warnings = _by(r2, lambda v: _name(v["file"]), "warning")
    for name, row in files.items():
        assert (row["錯誤"], row["警告"], row["團隊"]) == (
            errors[name],
            warnings[name],
            name.split("_")[0],
        )
    assert [r[header.index("錯誤")] for r in rows] == sorted(
        (r[header.index("錯誤")] for r in rows), reverse=True
    )
    book = load_workbook(xlsx)
    sheet = book["各檔案"]
    link_col = header.index("已標注副本") + 1
    for row in range(2, 98):
        target = sheet.cell(row=row, column=link_col).hyperlink.target  # XlsxWriter writes "\\"
        assert (xlsx.parent / target.replace("\\", "/")).exists(), target
        listing = sheet.cell(row=row, column=link_col + 1).hyperlink
        assert (listing.target, listing.location) == (target, "'違規清單'!A1")

    # 各團隊, 各條款, 各嚴重程度
    header, rows = _table(_sheet_rows(xlsx, "各團隊"))
    teams = {r[0]: dict(zip(header, r)) for r in rows}
    assert {t: (v["錯誤"], v["警告"], v["檔案數"]) for t, v in teams.items()} == {
        t: (
            _by(r2, lambda v: _team(v["file"]), "error")[t],
            _by(r2, lambda v: _team(v["file"]), "warning")[t],
            12,
        )
        for t in {_team(f["file"]) for f in r2["files"]}
    }
    by_team_new = Counter()
    for (name, _, what), n in changes.items():
        if what == "new":
            by_team_new[name.split("_")[0]] += n
    assert {t: v["新增"] for t, v in teams.items()} == {t: by_team_new[t] for t in teams}
    header, rows = _table(_sheet_rows(xlsx, "各條款"))
    clauses = {r[0]: dict(zip(header, r)) for r in rows}
    assert {c: (v["錯誤"], v["警告"]) for c, v in clauses.items()} == {
        c: (n.get("error", 0), n.get("warning", 0)) for c, n in summary["by_clause"].items()
    }
    header, rows = _table(_sheet_rows(xlsx, "各嚴重程度"))
    assert dict(rows) == {"錯誤": summary["errors"], "警告": summary["warnings"]}
    header, rows = _table(_sheet_rows(xlsx, "各月份"))
    assert (
        sum(r[1] for r in rows) == summary["errors"]
        and sum(r[2] for r in rows) == summary["warnings"]
    )
    assert all(re.fullmatch(r"\d{4}-\d{2}|（無日期）", r[0]) for r in rows)

    # 與上次相比: per file and clause, as worked out by rows
    header, rows = _table(_sheet_rows(xlsx, "與上次相比"))
    shown = Counter()
    for r in rows:
        row = dict(zip(header, r))
        shown[(row["檔案"], row["條款"], "new")] += row["新增"]
        shown[(row["檔案"], row["條款"], "fixed")] += row["已修正"]
    assert +shown == +changes

    # 趨勢: errors per clause in October (run 1) and November (run 2)
    header, rows = _table(_sheet_rows(xlsx, "趨勢"))
    trend = {r[0]: dict(zip(header, r)) for r in rows}
    assert list(trend) == ["2026-10", "2026-11"]
    for month, report in (("2026-10", r1), ("2026-11", r2)):
        assert trend[month]["全部錯誤"] == report["summary"]["errors"]
        for clause in header[1:-1]:
            assert trend[month][clause] == report["summary"]["by_clause"].get(clause, {}).get(
                "error", 0
            )

    # tables with filters, frozen header rows, a chart per view
    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
        tables = [n for n in names if n.startswith("xl/tables/")]
        charts = [n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(tables) == len(VIEWS_WITH_CHARTS) + 1 and len(charts) == len(VIEWS_WITH_CHARTS)
        assert all(b"<autoFilter" in z.read(n) for n in tables)
        sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
        assert all(b'state="frozen"' in z.read(n) for n in sheets)


def test_scenario_page_in_chromium(scenario):
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium must be installed in CI (.ci/run installs Debian's chromium)")
        pytest.skip("no Chromium (Debian package chromium)")
    html = scenario["html"]
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), (
        "the page must not fetch anything"
    )
    r1, r2 = scenario["r1"], scenario["r2"]
    browser = Browser(executable)
    try:
        browser.call("Network.enable")
        url = html.as_uri()
        browser.open(url)
        requests = [
            e["params"]["request"]["url"]
            for e in browser.events
            if e.get("method") == "Network.requestWillBeSent"
        ]
        assert requests == [url]
        tables = browser.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('table[data-view]'))
            .map(t => [t.dataset.view, {head: Array.from(t.tHead.rows[0].cells).map(c => c.textContent),
              rows: Array.from(t.tBodies[0].rows).map(r => Array.from(r.cells).map(c => c.textContent)),
              links: Array.from(t.querySelectorAll('a')).map(a => a.getAttribute('href'))}]))""")
        marks = browser.evaluate("""Array.from(document.querySelectorAll('svg.chart .mark')).map(m =>
            [m.closest('svg').dataset.view, m.dataset.category, m.dataset.series, Number(m.dataset.value)])""")
        cards = browser.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('.card'))
            .map(c => [c.dataset.total, Number(c.querySelector('b').textContent)]))""")
        # sorting: a click on 錯誤 sorts ascending, a second click descending
        order = browser.evaluate("""(() => { const t = document.querySelector('table[data-view=files]');
            const col = Array.from(t.tHead.rows[0].cells).findIndex(c => c.textContent === '錯誤');
            const read = () => Array.from(t.tBodies[0].rows).map(r => Number(r.cells[col].textContent));
            t.tHead.rows[0].cells[col].click(); const up = read();
            t.tHead.rows[0].cells[col].click(); return [up, read()]; })()""")
        problems = browser.problems()
        browser.call("Runtime.evaluate", expression="window.scrollTo(0, 0)")
        browser.screenshot(str(scenario["root"] / "overview.png"))
        readme = os.environ.get("OPSBOOK_OVERVIEW_SCREENSHOT")  # docs/overview.png is made so
        if readme:
            browser.screenshot(readme, height=1500)
    finally:
        browser.close()
    assert problems == []
    assert order[0] == sorted(order[0]) and order[1] == sorted(order[0], reverse=True)
    summary = r2["summary"]
    assert (cards["檔案"], cards["違規"], cards["錯誤"], cards["警告"]) == (
        96,
        summary["violations"],
        summary["errors"],
        summary["warnings"],
    )
    changes = _expected_changes(r1, r2, scenario["november"].shifted)
    assert cards["新增"] == sum(n for k, n in changes.items() if k[2] == "new")
    assert cards["已修正"] == sum(n for k, n in changes.items() if k[2] == "fixed")
    assert set(tables) == set(VIEWS_WITH_CHARTS)

    files = tables["files"]
    col = {h: i for i, h in enumerate(files["head"])}
    errors = _by(r2, lambda v: _name(v["file"]), "error")
    warnings = _by(r2, lambda v: _name(v["file"]), "warning")
    assert {r[col["檔案"]]: (int(r[col["錯誤"]]), int(r[col["警告"]])) for r in files["rows"]} == {
        _name(f["file"]): (errors[_name(f["file"])], warnings[_name(f["file"])])
        for f in r2["files"]
    }
    for href in files["links"]:  # each link opens an annotated copy that exists
        assert (html.parent / unquote(href.split("#")[0])).exists()
    clauses = tables["clauses"]
    col = {h: i for i, h in enumerate(clauses["head"])}
    assert {
        r[col["條款"]]: (int(r[col["錯誤"]]), int(r[col["警告"]])) for r in clauses["rows"]
    } == {c: (n.get("error", 0), n.get("warning", 0)) for c, n in summary["by_clause"].items()}

    # the charts draw the tables' numbers: top files, top clauses, teams, severity, trend
    def chart(view):
        return {(c, s): v for w, c, s, v in marks if w == view}

    top_files = chart("files")
    assert len(top_files) == 2 * 20
    for (name, series), value in top_files.items():
        assert value == (errors if series == "錯誤" else warnings)[name]
    assert (
        min(top_files[(n, "錯誤")] for n, s in top_files if s == "錯誤")
        >= sorted(errors.values(), reverse=True)[19]
    )
    assert chart("severity") == {
        ("錯誤", "條數"): summary["errors"],
        ("警告", "條數"): summary["warnings"],
    }
    top_clauses = chart("clauses")
    assert len(top_clauses) == 2 * 15
    for (clause, series), value in top_clauses.items():
        assert value == summary["by_clause"][clause].get(
            "error" if series == "錯誤" else "warning", 0
        )
    teams = chart("teams")
    for (team, series), value in teams.items():
        assert (
            value
            == _by(r2, lambda v: _team(v["file"]), "error" if series == "錯誤" else "warning")[team]
        )
    trend = chart("trend")
    assert {month for month, _ in trend} == {"2026-10", "2026-11"} and len(trend) == 2 * 8
    for (month, clause), value in trend.items():
        report = r1 if month == "2026-10" else r2
        assert value == report["summary"]["by_clause"].get(clause, {}).get("error", 0)
    trend_table = tables["trend"]
    assert [r[-1] for r in trend_table["rows"]] == [
        str(r1["summary"]["errors"]),
        str(summary["errors"]),
    ]
    new_fixed = chart("changes")
    for (clause, series), value in new_fixed.items():
        what = "new" if series == "新增" else "fixed"
        assert value == sum(n for (f, c, w), n in changes.items() if c == clause and w == what)
