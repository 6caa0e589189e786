"""The benchmark: opsbook's `validate --output` against the naive pipeline on the same
workbooks, alternating runs in one session, each a whole process; medians, ratio, peak memory.

    python bench/run.py                 # every target of issue 8 (about 80 minutes)
    python bench/run.py --reference 100000 --full --files 0 --repeat 1   # a quick look

By default: the reference shape at 10k, 100k and 500k rows, the full shape at 10k and 100k
rows (its naive run at 500k takes over 20 minutes a time), and 200 small post logs with
`--jobs 2` against `--jobs 1`; each comparison three times.

Two shapes of inspection workbook: "reference" is the issue's sheet (18 columns, one sheet);
"full" has all 35 columns of the contract plus the 购气记录 purchase log (4.5 rows per
inspection row) and the 用户清单 roster that the twice-a-year and blacklist rules read.

Workbooks are generated once into bench/out/ (seeded violations, text dates, Chinese headers:
opsbook.samples).  Not part of the test suite; results go in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
PY = sys.executable

NAIVE = r'''
import sys, warnings
warnings.simplefilter("ignore")
import pandas as pd, pandera.pandas as pa, openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
src, dst = sys.argv[1], sys.argv[2]
df = pd.read_excel(src, sheet_name=0, header=2, engine="openpyxl")   # the header row is known here
yes = lambda s: s.astype(str).isin(["是", "Y", "✓"])
checks = {
    "统一着装": [pa.Check(lambda s: yes(s), name="uniform")],
    "佩戴工作牌": [pa.Check(lambda s: yes(s), name="badge")],
    "用户签字": [pa.Check(lambda s: ~(df["检查结果"].eq("合格") & s.isna()), name="signature")],
    "收取费用": [pa.Check(lambda s: pd.to_numeric(s, errors="coerce").fillna(0).eq(0), name="fee")],
    "私自安装改装": [pa.Check(lambda s: ~s.astype(str).eq("是"), name="unapproved")],
    "已填写用户使用证": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & ~yes(s)), name="certificate")],
    "未入户原因": [pa.Check(lambda s: ~(df["是否入户"].eq("否") & s.isna()), name="reason")],
    "气表正常": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & s.isna()), name="meter")],
    "灶前压力正常": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & s.isna()), name="stove")],
    "燃气泄漏": [pa.Check(lambda s: ~(df["是否入户"].eq("是") & s.isna()), name="leak")],
    "加装防盗封": [pa.Check(lambda s: ~(df["防盗封"].eq("缺失") & ~yes(s)), name="seal")],
    "停止供气": [pa.Check(lambda s: ~(df["发现盗气"].eq("是") & ~yes(s)), name="theft")],
    "整改意见": [pa.Check(lambda s: ~(df["锈蚀"].eq("是") & s.isna()), name="rect")],
    "检查结果": [pa.Check(lambda s: ~(df["胶管破损"].isin(["是", "✓"]) & s.eq("合格")), name="hose")],
    "已上报": [pa.Check(lambda s: ~(df["设备损坏"].eq("是") & ~yes(s)), name="reported")],
}
schema = pa.DataFrameSchema({c: pa.Column(checks=v, nullable=True, required=False) for c, v in checks.items()})
try:
    schema.validate(df, lazy=True)
    cases = pd.DataFrame(columns=["column", "index", "check"])
except pa.errors.SchemaErrors as e:
    cases = e.failure_cases
wb = openpyxl.load_workbook(src)
ws = wb.worksheets[0]
fill = PatternFill("solid", fgColor="FFFFC7CE")
cols = {c: i + 1 for i, c in enumerate(df.columns)}
for column, index, check in zip(cases["column"], cases["index"], cases["check"]):
    if index is None or index != index:
        continue
    cell = ws.cell(row=int(index) + 4, column=cols[column])
    cell.fill = fill
    cell.comment = Comment(str(check), "naive")
wb.save(dst)
'''


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed: {proc.stderr[-500:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024 / 1024


def workbook(rows: int, shape: str) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / (f"inspections-{rows}.xlsx" if shape == "full" else f"inspections-{shape}-{rows}.xlsx")
    if not path.exists():
        from opsbook.samples.inspections import REFERENCE_HEADERS, build_inspections

        print(f"generating {path} …", flush=True)
        build_inspections(path, customers=max(rows // 4, 2001),
                          headers=REFERENCE_HEADERS if shape == "reference" else None)
    return path


def compare(rows: int, repeat: int, shape: str) -> dict:
    src = workbook(rows, shape)
    ours, naive = [], []
    for _ in range(repeat):  # alternate, so both see the same machine state
        ours.append(timed([PY, "-m", "opsbook", "validate", str(src), "--as-of", "2026-11-26",
                           "--output", str(OUT / f"ours-{src.name}")]))
        naive.append(timed([PY, "-c", NAIVE, str(src), str(OUT / f"naive-{src.name}")]))
    med = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    result = {"rows": rows, "shape": shape, "ours_s": med(ours, 0), "ours_gb": med(ours, 1),
              "naive_s": med(naive, 0), "naive_gb": med(naive, 1)}
    result["ratio"] = result["naive_s"] / result["ours_s"]
    print(f"{shape:>9} {rows:>7,} rows  opsbook {result['ours_s']:6.1f} s {result['ours_gb']:.2f} GB   "
          f"naive {result['naive_s']:6.1f} s {result['naive_gb']:.2f} GB   {result['ratio']:.1f}×   "
          f"{_verdict(result)}", flush=True)
    return result


def _verdict(r: dict) -> str:
    """The issue's targets: 100k ≥ 15× and ≤ 0.3 GB; 500k ≥ 20×."""
    if r["rows"] == 100_000:
        return (f"target ≥15×: {'met' if r['ratio'] >= 15 else 'NOT met'}; "
                f"≤0.3 GB: {'met' if r['ours_gb'] <= 0.3 else 'NOT met'}")
    if r["rows"] == 500_000:
        return f"target ≥20×: {'met' if r['ratio'] >= 20 else 'NOT met'}"
    return ""


def many_files(n: int, repeat: int) -> None:
    folder = OUT / f"posts-{n}"
    if not folder.exists():
        from opsbook.samples.posts import build_post_log

        folder.mkdir(parents=True)
        build_post_log(folder / "p0000.xlsx")
        for i in range(1, n):
            shutil.copy(folder / "p0000.xlsx", folder / f"p{i:04d}.xlsx")
    times = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            out = OUT / f"posts-out-{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            times[jobs].append(timed([PY, "-m", "opsbook", "validate", str(folder), "--as-of", "2026-11-26",
                                      "--output", str(out), "--jobs", str(jobs)]))
    one, two = (statistics.median(t[0] for t in times[j]) for j in (1, 2))
    print(f"{n} files  --jobs 1 {one:.1f} s   --jobs 2 {two:.1f} s   {one / two:.2f}×   "
          f"target ≥1.7×: {'met' if one / two >= 1.7 else 'NOT met'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=int, nargs="*", default=[10_000, 100_000, 500_000],
                        help="rows of the reference-shape workbooks")
    parser.add_argument("--full", type=int, nargs="*", default=[10_000, 100_000],
                        help="rows of the full-shape workbooks")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=200, help="time N small files, --jobs 2 vs 1 (0: skip)")
    args = parser.parse_args()
    results = [compare(rows, args.repeat, "reference") for rows in args.reference]
    results += [compare(rows, args.repeat, "full") for rows in args.full]
    for shape in ("reference", "full"):
        base = next((r for r in results if r["rows"] == 100_000 and r["shape"] == shape), None)
        for r in results:
            if base and r["shape"] == shape and r["rows"] > base["rows"]:
                ok = "met" if r["ours_s"] / base["ours_s"] <= 5.5 else "NOT met"
                print(f"{shape}: {r['rows']:,} rows take {r['ours_s'] / base['ours_s']:.2f}× the 100k time "
                      f"({r['rows'] / base['rows']:.0f}× the rows; target ≤5.5×: {ok})")
    if args.files:
        many_files(args.files, args.repeat)


if __name__ == "__main__":
    main()
