"""Where the time of one `opsbook validate` run goes, by step, from a sampling profile.

    pip install py-spy
    py-spy record -r 250 -f raw -o bench/out/p-dense.txt -- \
        python -m opsbook validate LOG --as-of 2026-11-26 --output OUT --report OUT.json
    python bench/stages.py bench/out/p-few.txt bench/out/p-dense.txt

Each sample (one per thread, 250 a second) is given to the first step its stack is in, so a
column adds up to the seconds sampled, the worker threads' included (they overlap the main
thread's marking).  A sampling profiler shows the time as it is; cProfile (bench/profiled.py)
inflates Python-heavy steps several times over."""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

RATE = 250
_FRAME = re.compile(r"(\S+) \((.*?)(?::\d+)?\)")

# (label, a name its stack holds); the first match wins, so inner steps come first.
STEPS = [
    ("worker thread: 違規清單", "_render_violations annotate.py"),
    ("worker thread: the report file's violations", "violations_ahead reportfile.py"),
    ("reading the sheet (fastexcel/calamine)", "ExcelReader.load_sheet __init__.py"),
    ("row rules (pandera, its import included)", "_run_row_rules engine.py"),
    ("twice-a-year rule", "_twice_a_year inspections.py"),
    ("violation table: row-rule violations", "_row_violations engine.py"),
    ("violation table: aggregate lines", "_aggregate_violations engine.py"),
    ("messages", "violation_frame messages.py"),
    ("rest of the check (tables, coercion, summaries)", "check_file pipeline.py"),
    ("marks table (layout.cell_marks)", "cell_marks layout.py"),
    ("notes (10,000 a sheet at most)", "_mark_sheet.<locals>.add_notes_to annotate.py"),
    ("marking cells (the splicer over the streamed sheet)", "rewrite_sheet rowstream.py"),
    (
        "marking cells (the splicer over the streamed sheet)",
        "rewrite_sheet sheetxml.py",
    ),  # before 27
    ("state sheet (_opsbook)", "spool_columns columnsheet.py"),
    ("state sheet (_opsbook)", "RunState.columns state.py"),
    ("saving (zip copy, verification)", "FileBook.save annotate.py"),
    ("rest of the write", "write_annotated annotate.py"),
    ("report file (written or copied in)", "write_report reportfile.py"),
    ("console summary", "summary_lines console.py"),
]
OTHER = "start-up, imports, the rest"


def steps(path: Path) -> collections.Counter:
    seconds: collections.Counter = collections.Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, count = line.rsplit(" ", 1)
        names = set()
        for frame in stack.split(";"):
            m = _FRAME.match(frame)
            names.add(f"{m.group(1)} {m.group(2).split('/')[-1]}" if m else frame)
        label = next((label for label, name in STEPS if name in names), OTHER)
        seconds[label] += int(count) / RATE
    return seconds


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        raise SystemExit(__doc__)
    results = [steps(p) for p in paths]
    labels = list(dict.fromkeys([label for label, _ in STEPS] + [OTHER]))
    print("| step | " + " | ".join(p.stem for p in paths) + " |")
    print("|---|" + "---|" * len(paths))
    for label in labels:
        print(f"| {label} | " + " | ".join(f"{r[label]:.2f} s" for r in results) + " |")
    print(
        "| all samples (main and worker threads) | "
        + " | ".join(f"{sum(r.values()):.2f} s" for r in results)
        + " |"
    )


if __name__ == "__main__":
    main()
