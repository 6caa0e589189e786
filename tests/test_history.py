"""The run history on SQLite and on a real PostgreSQL server (started here from Debian's
package on 127.0.0.1; skipped with the reason only where it cannot start): recording,
listing, new/fixed/open by fingerprint (rows that moved still match), schema migration,
concurrent batches, the 驗證 button's closing sentence, and the `history` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import postgres_server
import pytest
import sqlalchemy as sa

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.history import History, HistoryError, workbook_changes
from opsbook.history import store as store_module
from opsbook.report import Report
from opsbook.samples.batch import make_batch

AS_OF = as_of_moment("2026-11-26")


@pytest.fixture(scope="session")
def pg_server():
    server = postgres_server.start()
    if isinstance(server, str):
        if os.environ.get("CI") == "true" and sys.platform.startswith("linux"):
            pytest.fail(f"PostgreSQL must start in CI: {server}")
        pytest.skip(server)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def target(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    server = request.getfixturevalue("pg_server")
    return server.new_database("h_" + uuid.uuid4().hex[:12])


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """One team's three workbooks, then the same the next month with one inspection log
    edited (a blank row inserted under the header, its uniform violations fixed, one new)."""
    root = tmp_path_factory.mktemp("history")
    first = make_batch(root / "2026-10", root / "cache", teams=1, copies=1)
    second = make_batch(
        root / "2026-11", root / "cache", teams=1, copies=1, month=2, edited_teams=1
    )
    return first, second


def check_one(path, settings, as_of):
    try:
        from opsbook.pipeline import check_file
    except ImportError:  # before the pipeline module
        from opsbook.validate import check_file
    return check_file(path, settings, as_of)


def _check(files, as_of=AS_OF) -> Report:
    try:
        from opsbook.pipeline import check_and_write
    except ImportError:
        from opsbook.cli import check_and_write

    report = Report(as_of=as_of)
    for path in files:
        report.add(
            check_and_write(path, as_of, None, (None, None), None, None, None, False, False, True)
        )
    return report


@pytest.fixture(scope="module")
def reports(batches):
    first, second = batches
    return _check(first.files), _check(second.files)


def _uniform(report: Report, name: str) -> int:
    f = report.frame
    return int(((f["rule"] == "inspections.uniform") & f["file"].str.endswith(name)).sum())


def test_record_list_and_diff_match_moved_rows(target, batches, reports):
    first, second = batches
    r1, r2 = reports
    name = next(iter(second.shifted))
    with History(target) as db:
        assert db.version() == store_module.SCHEMA_VERSION
        a = db.record(r1, paths=[first.folder], options={"jobs": 1})
        b = db.record(r2, paths=[second.folder])
        runs = db.runs()
        assert list(runs["id"]) == [a, b]
        assert list(runs["errors"]) == [r1.errors, r2.errors]
        assert json.loads(runs["paths"].iloc[0]) == [str(first.folder)]
        stored = db.violations([a])
        assert len(stored) == len(r1.frame)
        assert set(stored["file"]) == {Path(f).name for f in r1.frame["file"]}
        diff = db.diff(a, b)
    assert diff.files == sorted(Path(p).name for p in second.files)
    t = diff.table
    uniform = t[(t["file"] == name) & (t["clause"] == "R2-2.1") & (t["severity"] == "error")]
    # every data row of the edited log moved down one row; still the only changes are the
    # uniform cells fixed and the one broken (the other rules' violations are still open)
    assert _uniform(r1, name) == second.fixed_cells[name] >= 1
    assert int(uniform["fixed"].sum()) == second.fixed_cells[name]
    assert int(uniform["new"].sum()) == second.new_cells[name]
    others = t[~t.index.isin(uniform.index)]
    assert int(others["new"].sum()) == 0 and int(others["fixed"].sum()) == 0
    assert diff.still_open == len(r2.frame) - second.new_cells[name]
    assert diff.new + diff.still_open == len(r2.frame)
    assert diff.fixed + diff.still_open == len(r1.frame)


def test_diff_against_each_files_previous_run(target, batches, reports):
    first, second = batches
    r1, r2 = reports
    one = Report(as_of=AS_OF)
    name = next(iter(second.shifted))
    for f, path in zip(r1.files, first.files):
        if path.name == name:
            continue
        one.add(Report(as_of=AS_OF, files=[f], frame=r1.frame[r1.frame["file"] == f.file]))
    with History(target) as db:
        db.record(r1, paths=[first.folder])  # run 1: all three
        db.record(one, paths=[first.folder])  # run 2: two of them
        three = db.record(r2, paths=[second.folder])
        diff = db.diff(b=three)  # each file against its own last run: 2 for two, 1 for the log
        assert diff.files == sorted(p.name for p in second.files)
        assert diff.fixed == second.fixed_cells[name] and diff.new == second.new_cells[name]
        with pytest.raises(HistoryError, match="no run 99"):
            db.diff(99, three)


def test_unreadable_files_are_not_compared(target, tmp_path, batches, reports):
    r1, _ = reports
    broken = Report(as_of=AS_OF)
    from opsbook.report import FileResult

    for f in r1.files:
        broken.files.append(FileResult(file=f.file, kind=f.kind, error="壞檔 (damaged)"))
    with History(target) as db:
        db.record(r1)
        b = db.record(broken)
        diff = db.diff(b=b)
    assert diff.files == [] and diff.fixed == 0 and diff.new == 0


def test_schema_migrates_from_version_1(target, batches, reports):
    r1, _ = reports
    url = store_module.resolve_target(target)
    engine = store_module._engine(url)
    with engine.begin() as conn:  # a database as the first release left it
        store_module.schema_table.create(conn)
        conn.execute(store_module.schema_table.insert().values(version=1))
        store_module.MIGRATIONS[0](conn)
        conn.execute(
            store_module.runs.insert().values(
                started_at="2026-10-01T00:00:00+00:00",
                finished_at="2026-10-01T00:00:01+00:00",
                as_of="2026-09-30T23:59:59",
                paths="[]",
                host="old",
                opsbook="0.0.9",
                files=0,
                errors=0,
                warnings=0,
                options="{}",
            )
        )
        columns = {c["name"] for c in sa.inspect(conn).get_columns("violations")}
        assert "month" not in columns
    engine.dispose()
    with History(target) as db:
        assert db.version() == 2
        assert list(db.runs()["host"]) == ["old"]
        run = db.record(r1)
        stored = db.violations([run])
        assert (stored["month"] != "").any()
        assert len(stored) == len(r1.frame)


def test_newer_schema_is_refused(target):
    with History(target) as db:
        with db.engine.begin() as conn:
            conn.execute(store_module.schema_table.update().values(version=99))
    with pytest.raises(HistoryError, match="newer than this opsbook"):
        History(target)


def test_record_needs_fingerprints(target):
    from opsbook.report import FileResult

    bare = Report(
        as_of=AS_OF,
        files=[FileResult(file="a.xlsx")],
        frame=pd.DataFrame(
            {
                "file": ["a.xlsx"],
                "sheet": ["s"],
                "row": [3],
                "column": ["c"],
                "cell": ["A3"],
                "clause": ["R1-1"],
                "rule": ["r"],
                "severity": ["error"],
                "message": ["m"],
                "message_en": ["m"],
                "value": [1],
                "rows": [(3,)],
            }
        ),
    )
    with History(target) as db, pytest.raises(HistoryError, match="fingerprints"):
        db.record(bare)


WRITER = """
import pickle, sys
from opsbook.history import History
report = pickle.load(open(sys.argv[2], "rb"))
with History(sys.argv[1]) as db:
    for i in range(int(sys.argv[3])):
        db.record(report, paths=[sys.argv[4] + str(i)])
"""


@pytest.mark.slow
def test_two_batches_at_once(target, tmp_path, batches, reports):
    """Two `opsbook validate --history` batches at once on the same database, and two more
    processes recording runs in a tight loop meanwhile: every run is there, whole."""
    import pickle

    first, second = batches
    r1, _ = reports
    pickled = tmp_path / "report.pkl"
    pickled.write_bytes(pickle.dumps(r1))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    loops = 12
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, target, str(pickled), str(loops), f"w{n}-"], env=env
        )
        for n in range(2)
    ]
    procs += [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opsbook",
                "validate",
                str(folder),
                "--as-of",
                "2026-11-26",
                "--jobs",
                "1",
                f"--history={target}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for folder in (first.folder, second.folder)
    ]
    results = [p.wait(timeout=600) for p in procs]
    assert results[:2] == [0, 0]
    assert results[2:] == [1, 1], [p.stderr.read().decode() for p in procs[2:]]
    with History(target) as db:
        runs = db.runs()
        assert len(runs) == 2 * loops + 2 and runs["id"].is_unique
        looped = runs[runs["paths"].str.contains('"w')]
        assert sorted(json.loads(p)[0] for p in looped["paths"]) == sorted(
            f"w{n}-{i}" for n in range(2) for i in range(loops)
        )
        counts = db.violations(runs["id"]).groupby("run_id").size()
        assert (counts.reindex(looped["id"]) == len(r1.frame)).all()
        batch_runs = runs[~runs.index.isin(looped.index)]
        assert sorted(batch_runs["files"]) == [3, 3]
        for run in batch_runs.itertuples():
            assert counts.get(run.id, 0) == run.errors + run.warnings
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_button_message_since_last_check(tmp_path, batches):
    """The 驗證 button's closing sentence: fixed and new since the last check of that
    workbook, recorded in the history beside it."""
    first, second = batches
    name = next(iter(second.shifted))
    book = tmp_path / name
    book.write_bytes((first.folder / name).read_bytes())
    settings = load_config()
    changes = workbook_changes(check_one(book, settings, AS_OF), book)
    assert changes.previous is None and changes.message() == "這是此活頁簿第一次記錄的檢查。"
    assert (tmp_path / ".opsbook-history.sqlite").exists()
    book.write_bytes((second.folder / name).read_bytes())  # the team fixed and broke cells
    changes = workbook_changes(check_one(book, settings, AS_OF), book)
    assert (changes.fixed, changes.new) == (second.fixed_cells[name], second.new_cells[name])
    assert changes.message() == (
        f"與上次檢查（2026-11-26）相比：已修正 {changes.fixed} 條，新增 {changes.new} 條，"
        f"仍未改正 {changes.still_open} 條。"
    )
    assert "已修正" in changes.message("zh-Hans") and "fixed" in changes.message("en")


def test_history_commands(tmp_path, batches):
    from click.testing import CliRunner

    from opsbook.cli import cli

    first, second = batches
    db = tmp_path / "h.sqlite"
    runner = CliRunner()
    missing = runner.invoke(cli, ["history", "--history", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "no history at" in missing.output
    assert not (tmp_path / "none.sqlite").exists()
    for folder, as_of in ((first.folder, "2026-10-31"), (second.folder, "2026-11-30")):
        done = runner.invoke(
            cli, ["validate", str(folder), "--as-of", as_of, "--jobs", "1", "--history", str(db)]
        )
        assert done.exit_code == 1, done.output
        assert "歷史：第" in done.output
    listed = runner.invoke(cli, ["history", "--history", str(db)])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[1].split()[:2] == ["1", "2026-10-31"] and lines[2].split()[:2] == [
        "2",
        "2026-11-30",
    ]
    diff = runner.invoke(cli, ["history", "--history", str(db), "diff", "1", "2"])
    assert diff.exit_code == 0, diff.output
    assert diff.output.startswith("run 2 against run 1: 3 files compared")
    with History(db) as h:
        expected = h.diff(1, 2)
    assert f"新增 {expected.new} new, 已修正 {expected.fixed} fixed" in diff.output
    same = runner.invoke(
        cli, ["history", "diff", "--history", str(db)]
    )  # the last run, option after
    assert same.exit_code == 0 and same.output.startswith("run 2 against each file's previous run")


def test_fingerprints_only_when_an_output_reads_them(tmp_path):
    """check_and_write gives each violation its month and fingerprint by default (the
    history and overview read them); the CLI turns that off when it writes neither."""
    from opsbook.pipeline import check_files

    sample = sorted((Path(__file__).resolve().parent.parent / "workbooks").glob("*.xlsx"))[0]
    moment = as_of_moment("2026-11-26")
    with_them = check_files([sample], moment).frame
    without = check_files([sample], moment, fingerprints=False).frame
    assert len(with_them) == len(without) > 0
    assert with_them["fingerprint"].str.len().eq(20).all() and "fingerprint" not in without
