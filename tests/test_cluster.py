"""--cluster: a real local Dask cluster of two worker processes on 127.0.0.1.  The report
equals the --jobs run's byte for byte (after sorting); a worker killed mid-run has its files
retried, none lost, none twice; nothing of Dask is imported without --cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from opsbook.cluster import ClusterError, client, parse, run_tasks
from opsbook.engine import as_of_moment
from opsbook.samples.batch import make_batch

pytest.importorskip("distributed", reason="pip install 'opsbook[cluster]'")
pytestmark = pytest.mark.slow  # starts Dask clusters

AS_OF = "2026-11-26"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    return make_batch(root / "books", root / "cache", teams=1, copies=3).folder  # 9 workbooks


def _validate(*args):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _sorted(report: dict) -> str:
    report = dict(report)
    report["files"] = sorted(report["files"], key=lambda f: f["file"])
    report["violations"] = sorted(
        report["violations"], key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)
    )
    return json.dumps(report, ensure_ascii=False, sort_keys=True, indent=1)


def test_parse():
    assert parse("local:2").local_workers == 2 and parse("local").local_workers == 2
    assert parse("tcp://10.1.2.3:8786").address == "tcp://10.1.2.3:8786"
    for bad in ("local:0", "8786", "http://x:1", "tcp://host"):
        with pytest.raises(ClusterError):
            parse(bad)


def test_local_cluster_report_equals_jobs_run(folder, tmp_path):
    jobs = _validate(folder, "--as-of", AS_OF, "--jobs", "2", "--report", tmp_path / "jobs.json")
    cluster = _validate(
        folder,
        "--as-of",
        AS_OF,
        "--cluster",
        "local:2",
        "--report",
        tmp_path / "cluster.json",
        "--history",
        tmp_path / "h.sqlite",
        "--overview",
        tmp_path / "ov",
    )
    assert jobs.returncode == cluster.returncode == 1, cluster.stderr
    a = json.loads((tmp_path / "jobs.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "cluster.json").read_text(encoding="utf-8"))
    assert len(a["files"]) == 9 and a["summary"]["violations"] > 0
    assert _sorted(a) == _sorted(b)
    # the history and the overview of the cluster run are those of its report
    from opsbook.history import History

    with History(tmp_path / "h.sqlite") as db:
        runs = db.runs()
        assert list(runs["files"]) == [9] and list(runs["errors"]) == [b["summary"]["errors"]]
        assert json.loads(runs["options"].iloc[0])["cluster"] == "local:2"
    assert (tmp_path / "ov" / "總覽.xlsx").exists() and (tmp_path / "ov" / "總覽.html").exists()


def _task_args(files):
    moment = as_of_moment(AS_OF)
    return [(path, dict(moment=moment, several=True)) for path in files]


def test_killed_worker_files_are_retried(folder):
    """SIGKILL the worker that holds the most tasks once the first result is in: the
    scheduler gives its tasks to the other worker (and the nanny's new one); every file
    comes back exactly once, equal to its local check."""
    from opsbook.pipeline import _safe

    files = sorted(folder.glob("*.xlsx"))
    local = {
        str(p): r.to_json() for p, r in zip(files, (_safe(p, kw) for p, kw in _task_args(files)))
    }
    killed = []
    with client("local:2") as conn:
        pids = conn.run(os.getpid)
        results = run_tasks(_safe, _task_args(files), "local:2", conn=conn)
        got = [next(results)]
        processing = conn.processing()
        victim = max(processing, key=lambda w: len(processing[w]))
        assert processing[victim], "the worker to kill holds tasks"
        os.kill(pids[victim], signal.SIGKILL)
        killed.append(victim)
        got += list(results)
        assert victim not in conn.scheduler_info()["workers"]
    labels = [r.files[0].file for r in got]
    assert labels == [str(p) for p in files]  # none lost, none twice, in order
    assert all(r.files[0].error is None for r in got)
    assert {r.files[0].file: r.to_json() for r in got} == local


def test_unreachable_scheduler_is_one_line():
    with pytest.raises(ClusterError, match="cannot reach the scheduler"):
        with client("tcp://127.0.0.1:9", timeout=2):
            pass


def test_no_dask_without_cluster(folder, tmp_path):
    few = tmp_path / "few"
    few.mkdir()
    for path in sorted(folder.glob("*.xlsx"))[:3]:
        (few / path.name).write_bytes(path.read_bytes())
    folder = few
    code = f"""
import sys
from opsbook.cli import main
sys.argv = ["opsbook", "validate", {str(folder)!r}, "--as-of", "{AS_OF}", "--jobs", "1", "--history",
            {str(tmp_path / "h.sqlite")!r}, "--overview", {str(tmp_path / "ov")!r}]
try:
    main()
except SystemExit as exc:
    print("exit", exc.code)
print("loaded", sorted({{m.split(".")[0] for m in sys.modules}} & {{"dask", "distributed"}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert "exit 1" in done.stdout, done.stderr
    assert "loaded []" in done.stdout


def test_files_reach_a_remote_cluster_by_absolute_path(folder, tmp_path, monkeypatch):
    """A tcp:// scheduler: the workers get absolute paths (their working folder is not
    ours), so a run from another folder still finds the files."""
    import distributed

    from opsbook.pipeline import _safe

    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        monkeypatch.chdir(folder.parent)
        relative = [Path(folder.name) / p.name for p in sorted(folder.glob("*.xlsx"))[:2]]
        got = list(run_tasks(_safe, _task_args(relative), cluster.scheduler_address))
    assert [r.files[0].file for r in got] == [str(folder / p.name) for p in relative]
    assert all(r.files[0].error is None and len(r.frame) for r in got)
