"""What `validate --history/--overview` does once the batch is checked: record the run,
write the overview.  Returns the lines to print and whether it all worked (the CLI exits 2
when it did not, after the report is written)."""

from __future__ import annotations

from pathlib import Path

from ..errors import OpsbookError


def after_run(
    report,
    paths: list[Path],
    started: str,
    options: dict,
    history: str | None = None,
    overview: Path | None = None,
    config_path: Path | None = None,
) -> tuple[list[str], bool]:
    from ..config import load_config
    from ..history import History, resolve_target
    from .model import team_of

    lines: list[str] = []
    try:
        settings = load_config(config_path, near=paths[0] if paths else Path.cwd())
    except OpsbookError as exc:
        return [f"opsbook: {exc}"], False
    db = run = None
    try:
        if history is not None:
            db = History(resolve_target(history or None, paths))
            pattern = settings["overview"]["team_pattern"]
            teams = {f.file: team_of(f.file, pattern) for f in report.files}
            run = db.record(report, paths=paths, started_at=started, options=options, teams=teams)
            diff = db.diff(b=run)
            lines.append(f"歷史：第 {run} 次檢查已記錄於 {db.display}")
            if diff.files:
                lines.append(
                    f"  與各檔案上次檢查相比：新增 {diff.new}，已修正 {diff.fixed}，仍未改正 {diff.still_open}"
                    f"（{len(diff.files)} 個檔案）"
                )
        if overview is not None:
            from . import write_overview

            xlsx, html = write_overview(report, Path(overview), settings, history=db, run=run)
            lines.append(f"→ 總覽：{xlsx}、{html}")
    except OpsbookError as exc:
        return lines + [f"opsbook: {exc}"], False
    finally:
        if db is not None:
            db.close()
    return lines, True
