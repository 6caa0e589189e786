"""The benchmark: opsbook's `validate --output` against the naive pipeline on the same
workbooks, alternating runs in one session, each a whole process; medians, ratio, peak memory.

    python bench/run.py              # every workbook kind and every target of issue 8 (~1.5 h)
    python bench/run.py --reference 100000 --full --posts --design-costs --files 0 --repeat 1
    python bench/run.py --full --posts --design-costs --violations --files 0 \
        --baseline ../opsbook-before --no-naive    # the clean sheets: now against an earlier checkout

By default: inspection sheets of the reference shape at 10k, 100k and 500k rows and of the
full shape at 10k and 100k rows (its naive run at 500k takes over 20 minutes a time), post
logs and design-cost ledgers at 10k and 100k rows (--posts 500000 adds that size), and 200
small post logs with `--jobs 2` against `--jobs 1`; each comparison three times.  Then the
violation-heavy inspection logs of issues 15 and 27 (`--violations realistic dense few clean`,
100k rows): `validate --output --report`, the JSON report included, with the log's own year
judged; with the clean log, the floor (bench/floor.py) alternates too.  The naive
pipeline is bench/naive.py; the workbooks are made by bench/workbooks.py.

Two shapes of inspection workbook: "reference" is the issue's sheet (18 columns, one sheet);
"full" has all 35 columns of the contract plus the 购气记录 purchase log (4.5 rows per
inspection row) and the 用户清单 roster that the twice-a-year and blacklist rules read.

Workbooks are generated once into bench/out/ (seeded violations, text dates, Chinese headers).
Not part of the test suite; results go in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out"
PY = sys.executable
sys.path.insert(0, str(HERE))

from workbooks import KIND, LOG_PERIOD, MIXES, violation_log, workbook  # noqa: E402


def timed(cmd: list[str], out: list | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GB) of one whole process (its stdout appended
    to ``out`` when given)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed: {proc.stderr[-500:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    if out is not None:
        out.append(proc.stdout)
    return wall, peak_kb / 1024 / 1024


def compare(
    rows: int, repeat: int, shape: str, baseline: Path | None = None, naive_too: bool = True
) -> dict:
    """opsbook against the naive pipeline (``naive_too``) and against an earlier opsbook
    checkout (``baseline``, run with PYTHONPATH pointing at it), all alternating."""
    src, header_row = workbook(rows, shape)
    ours, naive, before = [], [], []
    validate = ["-m", "opsbook", "validate", str(src), "--as-of", "2026-11-26"]
    for _ in range(repeat):  # alternate, so both see the same machine state
        ours.append(timed([PY, *validate, "--output", str(OUT / f"ours-{src.name}")]))
        if baseline is not None:
            # -P: `-m` would put the working directory (this checkout) before PYTHONPATH.
            before.append(
                timed(
                    [
                        "env",
                        f"PYTHONPATH={baseline}",
                        PY,
                        "-P",
                        *validate,
                        "--output",
                        str(OUT / f"baseline-{src.name}"),
                    ]
                )
            )
        if naive_too:
            naive.append(
                timed(
                    [
                        PY,
                        str(HERE / "naive.py"),
                        str(src),
                        str(OUT / f"naive-{src.name}"),
                        KIND[shape],
                        str(header_row),
                    ]
                )
            )
    med = lambda runs, i: statistics.median(r[i] for r in runs)
    result = {"rows": rows, "shape": shape, "ours_s": med(ours, 0), "ours_gb": med(ours, 1)}
    line = (
        f"{shape:>12} {rows:>7,} rows  opsbook {result['ours_s']:6.1f} s {result['ours_gb']:.2f} GB"
    )
    if before:
        result.update(baseline_s=med(before, 0), baseline_gb=med(before, 1))
        line += (
            f"   baseline {result['baseline_s']:6.1f} s {result['baseline_gb']:.2f} GB "
            f"({result['baseline_s'] / result['ours_s']:.2f}× now)"
        )
    if naive:
        result.update(naive_s=med(naive, 0), naive_gb=med(naive, 1))
        result["ratio"] = result["naive_s"] / result["ours_s"]
        line += (
            f"   naive {result['naive_s']:6.1f} s {result['naive_gb']:.2f} GB   {result['ratio']:.1f}×   "
            f"{_verdict(result)}"
        )
    print(line, flush=True)
    return result


def _verdict(r: dict) -> str:
    """The issue's targets (for inspection sheets): 100k ≥ 15× and ≤ 0.3 GB; 500k ≥ 20×."""
    if KIND[r["shape"]] != "inspections":
        return ""
    if r["rows"] == 100_000:
        return (
            f"target ≥15×: {'met' if r['ratio'] >= 15 else 'NOT met'}; "
            f"≤0.3 GB: {'met' if r['ours_gb'] <= 0.3 else 'NOT met'}"
        )
    if r["rows"] == 500_000:
        return f"target ≥20×: {'met' if r['ratio'] >= 20 else 'NOT met'}"
    return ""


def load() -> str:
    """The machine's load averages (1, 5, 15 min), printed next to every number."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def violation_heavy(mixes: list[str], rows: int, repeat: int, naive_for: list[str]) -> list[dict]:
    """Issues 15 and 27: the inspection log full of violations, `validate --output --report`
    (the JSON report too) against the naive pipeline, alternating; the violation count of
    each log printed from opsbook's own summary (the log's year only: --from/--to).  With
    the clean log, the floor alternates too (bench/floor.py: Python, fastexcel reading
    every cell, a raw copy of the package)."""
    results = []
    logs = {mix: violation_log(rows, mix) for mix in mixes}
    runs = {mix: ([], [], []) for mix in mixes}  # opsbook, naive, opsbook's printed summary
    floors: list[tuple[float, float]] = []
    print(f"load average at the start: {load()}", flush=True)
    for _ in range(repeat):  # every mix once per round: the mixes alternate too
        if "clean" in mixes:
            src = logs["clean"][0]
            floors.append(
                timed([PY, str(HERE / "floor.py"), str(src), str(OUT / "floor-copy.xlsx")])
            )
        for mix in mixes:
            (src, header_row), (ours, naive, printed) = logs[mix], runs[mix]
            ours.append(
                timed(
                    [
                        PY,
                        "-m",
                        "opsbook",
                        "validate",
                        str(src),
                        "--as-of",
                        "2026-11-26",
                        *LOG_PERIOD,
                        "--output",
                        str(OUT / f"ours-{src.name}"),
                        "--report",
                        str(OUT / f"ours-{src.stem}.json"),
                    ],
                    printed,
                )
            )
            if mix in naive_for:
                naive.append(
                    timed(
                        [
                            PY,
                            str(HERE / "naive.py"),
                            str(src),
                            str(OUT / f"naive-{src.name}"),
                            "inspections",
                            str(header_row),
                        ]
                    )
                )
    print(f"load average at the end: {load()}", flush=True)
    med = lambda runs, i: statistics.median(r[i] for r in runs)
    for mix in mixes:
        ours, naive, printed = runs[mix]
        total = re.search(r"(\d+) 錯誤, (\d+) 警告", printed[-1])
        count = int(total.group(1)) + int(total.group(2))
        r = {
            "mix": mix,
            "rows": rows,
            "violations": count,
            "ours_s": med(ours, 0),
            "ours_gb": med(ours, 1),
            "runs": [round(t, 1) for t, _ in ours],
        }
        verdict = ""
        if not naive:
            print(
                f"{mix:>10} {rows:>7,} rows {count:>8,} violations  opsbook --report {r['ours_s']:6.1f} s "
                f"{r['ours_gb']:.2f} GB   (runs {r['runs']}; naive not run)",
                flush=True,
            )
            results.append(r)
            continue
        r.update(naive_s=med(naive, 0), naive_gb=med(naive, 1))
        r["ratio"] = r["naive_s"] / r["ours_s"]
        if mix == "realistic":
            verdict = (
                f"target ≥15×: {'met' if r['ratio'] >= 15 else 'NOT met'}; "
                f"≤0.5 GB: {'met' if r['ours_gb'] <= 0.5 else 'NOT met'}"
            )
        print(
            f"{mix:>10} {rows:>7,} rows {count:>8,} violations  opsbook --report {r['ours_s']:6.1f} s "
            f"{r['ours_gb']:.2f} GB   naive {r['naive_s']:6.1f} s {r['naive_gb']:.2f} GB   {r['ratio']:.1f}×   "
            f"{verdict}",
            flush=True,
        )
        results.append(r)
    by_mix = {r["mix"]: r for r in results}
    dense = by_mix.get("dense")
    for base in ("few", "clean"):
        if dense and base in by_mix:
            times = dense["ours_s"] / by_mix[base]["ours_s"]
            target = (
                "; target ≤2×: " + ("met" if times <= 2 else "NOT met") if base == "clean" else ""
            )
            print(
                f"dense ({dense['violations']:,} violations) takes {times:.2f}× the time of {base} "
                f"({by_mix[base]['violations']:,}){target}",
                flush=True,
            )
    if floors and "clean" in by_mix:
        floor = med(floors, 0)
        times = by_mix["clean"]["ours_s"] / floor
        print(
            f"floor (Python + fastexcel reading every cell + a raw copy) {floor:.1f} s "
            f"{med(floors, 1):.2f} GB (runs {[round(t, 1) for t, _ in floors]}); the clean log takes "
            f"{times:.2f}× the floor; target ≤1.5×: {'met' if times <= 1.5 else 'NOT met'}",
            flush=True,
        )
    return results


def many_files(n: int, repeat: int) -> None:
    folder = OUT / f"posts-{n}"
    if not folder.exists():
        from opsbook.kinds.posts.sample import build_post_log

        folder.mkdir(parents=True)
        build_post_log(folder / "p0000.xlsx")
        for i in range(1, n):
            shutil.copy(folder / "p0000.xlsx", folder / f"p{i:04d}.xlsx")
    times = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            out = OUT / f"posts-out-{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            times[jobs].append(
                timed(
                    [
                        PY,
                        "-m",
                        "opsbook",
                        "validate",
                        str(folder),
                        "--as-of",
                        "2026-11-26",
                        "--output",
                        str(out),
                        "--jobs",
                        str(jobs),
                    ]
                )
            )
    one, two = (statistics.median(t[0] for t in times[j]) for j in (1, 2))
    print(
        f"{n} files  --jobs 1 {one:.1f} s   --jobs 2 {two:.1f} s   {one / two:.2f}×   "
        f"target ≥1.7×: {'met' if one / two >= 1.7 else 'NOT met'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sizes = {
        "reference": [10_000, 100_000, 500_000],
        "full": [10_000, 100_000],
        "posts": [10_000, 100_000],
        "design_costs": [10_000, 100_000],
    }
    for shape, default in sizes.items():
        parser.add_argument(
            f"--{shape.replace('_', '-')}",
            type=int,
            nargs="*",
            default=default,
            help=f"rows of the {shape} workbooks (default: {' '.join(map(str, default))})",
        )
    parser.add_argument(
        "--violations",
        nargs="*",
        default=list(MIXES),
        choices=list(MIXES),
        help="violation-heavy inspection logs of issues 15 and 27 (default: all four mixes, the "
        "clean one with the floor; none: skip)",
    )
    parser.add_argument("--violation-rows", type=int, default=100_000)
    parser.add_argument(
        "--naive-for",
        nargs="*",
        default=["realistic"],
        choices=list(MIXES),
        help="mixes the naive pipeline also runs on (default: realistic, the ≥15× target; "
        "the dense target compares opsbook with itself)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier opsbook: its `validate` alternates with this one's on the "
        "clean workbooks (PYTHONPATH=BASELINE), to show a change costs them nothing",
    )
    parser.add_argument(
        "--no-naive",
        action="store_true",
        help="skip the naive pipeline on the clean workbooks (with --baseline: opsbook against itself)",
    )
    parser.add_argument(
        "--files", type=int, default=200, help="time N small files, --jobs 2 vs 1 (0: skip)"
    )
    args = parser.parse_args()
    results = [
        compare(rows, args.repeat, shape, args.baseline, not args.no_naive)
        for shape in sizes
        for rows in getattr(args, shape)
    ]
    for shape in sizes:
        base = next((r for r in results if r["rows"] == 100_000 and r["shape"] == shape), None)
        for r in results:
            if base and r["shape"] == shape and r["rows"] > base["rows"]:
                ok = "met" if r["ours_s"] / base["ours_s"] <= 5.5 else "NOT met"
                print(
                    f"{shape}: {r['rows']:,} rows take {r['ours_s'] / base['ours_s']:.2f}× the 100k time "
                    f"({r['rows'] / base['rows']:.0f}× the rows; target ≤5.5×: {ok})"
                )
    violation_heavy(args.violations, args.violation_rows, args.repeat, args.naive_for)
    if args.files:
        many_files(args.files, args.repeat)


if __name__ == "__main__":
    main()
