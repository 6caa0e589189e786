"""Issue 27: a command imports only what it uses.  `opsbook --help` loads no pandas (start-up
is most of its time), and `validate` without --history/--overview/--cluster loads neither
SQLAlchemy, XlsxWriter, Dask nor xlwings.  Checked in a fresh interpreter: the modules it
holds when the command has run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"sqlalchemy", "xlsxwriter", "dask", "distributed", "xlwings"}

# Runs the command and prints the top-level names of the modules loaded, when it exits.
PROBE = """
import atexit, json, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules}))))
from opsbook.cli import main
main(sys.argv[1:])
"""


def loaded(*args: str, cwd: Path) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, env=env
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("MODULES ")), None)
    assert line is not None, proc.stderr[-2000:]
    return set(json.loads(line[len("MODULES ") :]))


def test_help_loads_no_pandas(tmp_path):
    modules = loaded("--help", cwd=tmp_path)
    assert "click" in modules
    assert not {"pandas", "numpy", "pyarrow", "pandera"} & modules


def test_validate_loads_only_what_the_run_uses(tmp_path):
    book = tmp_path / "發布日誌.xlsx"
    shutil.copy(ROOT / "workbooks" / "發布日誌.xlsx", book)
    modules = loaded(
        "validate",
        str(book),
        "--as-of",
        "2026-11-26",
        "--output",
        str(tmp_path / "out.xlsx"),
        "--report",
        str(tmp_path / "out.json"),
        "--jobs",
        "1",
        cwd=tmp_path,
    )
    assert (tmp_path / "out.xlsx").exists() and (tmp_path / "out.json").exists()
    assert {"pandas", "fastexcel"} <= modules  # the probe saw a real run
    assert not HEAVY & modules, HEAVY & modules
