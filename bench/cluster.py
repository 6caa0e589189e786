"""Benchmark: a folder of a few hundred small workbooks (the three samples, copied per team
and group: opsbook.samples.batch) checked by `opsbook validate` with --jobs 1, --jobs 2 and
--cluster local:2 (a local Dask cluster of two worker processes, started and stopped by the
run, so its start-up is in the time).  Wall time of the whole command, alternating the modes
over the rounds; the reports of every mode must be equal.

    python bench/cluster.py [--teams 8] [--copies 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out" / "cluster"
MODES = {
    "--jobs 1": ["--jobs", "1"],
    "--jobs 2": ["--jobs", "2"],
    "--cluster local:2": ["--cluster", "local:2"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=8)
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from opsbook.samples.batch import make_batch

    books = OUT / f"books-{args.teams}x{args.copies}"
    if not books.exists():
        make_batch(books, OUT / "cache", teams=args.teams, copies=args.copies)
    files = len(list(books.glob("*.xlsx")))
    print(
        f"{files} workbooks in {books}; {os.cpu_count()} cores; {platform.python_version()}",
        flush=True,
    )
    times: dict[str, list[float]] = {m: [] for m in MODES}
    reports: dict[str, str] = {}
    for round_ in range(args.rounds):
        order = list(MODES) if round_ % 2 == 0 else list(reversed(MODES))
        for mode in order:
            report = OUT / f"report-{mode.replace(' ', '').replace(':', '')}.json"
            load = os.getloadavg()[0]
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "opsbook",
                    "validate",
                    str(books),
                    "--as-of",
                    "2026-11-26",
                    "--report",
                    str(report),
                    *MODES[mode],
                ],
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - start
            if done.returncode not in (0, 1):
                raise SystemExit(f"{mode}: exit {done.returncode}\n{done.stderr}")
            times[mode].append(seconds)
            data = json.loads(report.read_text(encoding="utf-8"))
            reports[mode] = json.dumps(data["summary"], sort_keys=True)
            print(
                f"round {round_ + 1} {mode:<18} {seconds:7.1f} s  ({files / seconds:5.2f} files/s; "
                f"load before {load:.1f})",
                flush=True,
            )
    assert len(set(reports.values())) == 1, "the modes' reports differ"
    print("\n| mode | median wall time | workbooks / s | vs --jobs 1 |")
    print("|---|---|---|---|")
    base = statistics.median(times["--jobs 1"])
    for mode, values in times.items():
        median = statistics.median(values)
        print(f"| `{mode}` | {median:.1f} s | {files / median:.2f} | {base / median:.2f}× |")


if __name__ == "__main__":
    main()
