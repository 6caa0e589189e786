"""Text for `opsbook history` and `opsbook history diff`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .store import DEFAULT_NAME, Diff, History, HistoryError, resolve_target


def open_history(target: str | None) -> History:
    """The database named, or .opsbook-history.sqlite here; a SQLite file that does not
    exist is an error (listing must not create one)."""
    url = resolve_target(target or Path(DEFAULT_NAME))
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        raise HistoryError(
            f"no history at {url[len('sqlite:///') :]} (validate --history records one)"
        )
    return History(url)


def run_lines(db: History) -> list[str]:
    runs = db.runs()
    if not len(runs):
        return [f"{db.display}: 尚無紀錄 (no runs recorded)"]
    lines = [
        f"{'run':>4}  {'as-of':<16}  {'started (UTC)':<19}  {'files':>5}  {'errors':>6}  {'warnings':>8}  checked"
    ]
    r: Any  # a row of the runs table (pandas-stubs type its fields as any scalar)
    for r in runs.itertuples():
        paths = ", ".join(json.loads(r.paths)) or "-"
        lines.append(
            f"{r.id:>4}  {r.as_of[:16].replace('T', ' '):<16}  {r.started_at[:19].replace('T', ' '):<19}  "
            f"{r.files:>5}  {r.errors:>6}  {r.warnings:>8}  {paths}"
        )
    return lines


def diff_lines(diff: Diff) -> list[str]:
    against = f"run {diff.a}" if diff.a is not None else "each file's previous run"
    lines = [
        f"run {diff.b} against {against}: {len(diff.files)} files compared; "
        f"新增 {diff.new} new, 已修正 {diff.fixed} fixed, 仍未改正 {diff.still_open} still open"
    ]
    if not diff.files:
        return lines
    table = diff.table
    changed = table[(table["new"] > 0) | (table["fixed"] > 0) | (table["open"] > 0)]
    lines.append(f"{'file':<32} {'clause':<10} {'severity':<8} {'new':>5} {'fixed':>5} {'open':>5}")
    for r in changed.itertuples():
        lines.append(
            f"{r.file:<32} {r.clause:<10} {r.severity:<8} {r.new:>5} {r.fixed:>5} {r.open:>5}"
        )
    return lines
