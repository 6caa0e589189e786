"""Prove a refactoring left the sample outputs unchanged.

Runs ``opsbook validate workbooks/ --as-of 2026-11-26`` twice — with the code of a git ref
(default ``main``) and with the working tree — and compares the JSON reports (the one
line naming the output folder aside) and the annotated workbooks: byte-identical, or, if
only the zip container differs, every member identical.

    python tests/sample_identity.py            # against main
    python tests/sample_identity.py --against arch-landed~1

Exit code 0 when identical, 1 with the differences listed.  Not a pytest test: other
branches change the outputs on purpose; this is the check a behaviour-preserving change runs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"


def run_samples(code: Path, out: Path) -> dict:
    """The samples' report and annotated copies made with the package under ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    report = out / "report.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "opsbook",
            "validate",
            str(ROOT / "workbooks"),
            "--as-of",
            AS_OF,
            "--output",
            str(out / "xlsx"),
            "--report",
            str(report),
            "--jobs",
            "1",
        ],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    for f in data["files"]:  # the output folder differs between the two runs by design
        if f.get("output"):
            f["output"] = Path(f["output"]).name
    return data


def compare_books(a: Path, b: Path) -> list[str]:
    if a.read_bytes() == b.read_bytes():
        return []
    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    problems = []
    if za.namelist() != zb.namelist():
        problems.append(
            f"{a.name}: members differ: {sorted(set(za.namelist()) ^ set(zb.namelist()))}"
        )
    for name in za.namelist():
        if name in zb.namelist() and za.read(name) != zb.read(name):
            problems.append(f"{a.name}: member {name} differs")
    return problems


def export(ref: str, into: Path) -> None:
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "opsbook"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git ref whose code makes the baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        export(args.against, tmp / "base")
        base = run_samples(tmp / "base", tmp / "base-out")
        new = run_samples(ROOT, tmp / "new-out")
        problems = []
        if base != new:
            problems.append("JSON reports differ")
        books = sorted((tmp / "base-out" / "xlsx").glob("*.xlsx"))
        names = sorted(p.name for p in (tmp / "new-out" / "xlsx").glob("*.xlsx"))
        if [p.name for p in books] != names:
            problems.append(f"annotated workbooks differ: {[p.name for p in books]} vs {names}")
        for book in books:
            if (tmp / "new-out" / "xlsx" / book.name).exists():
                problems += compare_books(book, tmp / "new-out" / "xlsx" / book.name)
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} difference(s) against {args.against}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
