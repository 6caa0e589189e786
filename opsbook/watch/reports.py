"""Carrying out one scheduled run (opsbook.schedule.Run) over the watched workbooks of its
kind: the 週報/月報 (R1-6.8/6.9) and the 月度結算 (R3-3.12) are written as a copy of the
workbook with only that report's sheet (never into the original), the half-year inspections
check (R2-2.1) counts what the clause finds.  Each result is one Message per workbook: the
report's text, its file attached.  A workbook that cannot give the report says why in its
message; nothing here raises for one bad workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import load_config
from ..notify import Message, report_message
from ..pipeline import check_file

KIND = {
    "weekly": "posts",
    "monthly": "posts",
    "settlement": "design_costs",
    "inspections": "inspections",
}


def run_report(run, path: Path, out_dir: Path, config_path, lang: str | None, team) -> Message:
    """One workbook's report for ``run``, saved under ``out_dir``."""
    settings = load_config(config_path, near=path)
    if lang:
        settings["general"]["language"] = lang
    language = settings["general"]["language"]
    moment = pd.Timestamp(run.run_at.replace(tzinfo=None))
    task = run.job.task
    try:
        if task == "inspections":
            body = _inspections(path, settings, moment, run.job.clause, language)
            return report_message(run, body, [], language, team)
        summary, checked = _summary(task, path, settings, moment, run.period)
        if summary is None:
            return report_message(run, "", [], language, team, error=_missing(task, path, language))
        target = out_dir / f"{run.job.name}_{run.period}_{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        from ..report import Checked
        from ..writers.annotate import write_summaries_only

        write_summaries_only(path, target, Checked(report=checked.report, summaries=[summary]))
        return report_message(run, _text(summary), [target], language, team)
    except Exception as exc:  # noqa: BLE001 - one workbook's report must not stop the others
        text = " ".join(str(exc).split())
        return report_message(
            run, "", [], language, team, error=f"{path}: {type(exc).__name__}: {text}"
        )


def _summary(task, path, settings, moment, period):
    kind = KIND[task]
    checked = check_file(path, settings, moment, kind=kind, summaries=False)
    if checked.report.files[0].error:
        raise ValueError(checked.report.files[0].error)
    if task == "settlement":
        from ..kinds.design_costs.summaries import settlement

        tables = checked.tables.get("design_costs")
        if not tables or not tables[0].has("ordered_on"):
            return None, checked
        return settlement(tables[0], checked.context, month=period), checked
    from ..kinds.posts.summaries import parse_period, platform_report

    unit = "week" if task == "weekly" else "month"
    if checked.context is None:
        return None, checked
    return platform_report(
        checked.tables, checked.context, unit, parse_period(period, unit)
    ), checked


def _inspections(path, settings, moment, clause, lang) -> str:
    checked = check_file(path, settings, moment, kind="inspections", summaries=False)
    result = checked.report.files[0]
    if result.error:
        raise ValueError(result.error)
    frame = checked.report.frame
    mine = frame[frame["clause"] == clause]
    errors = int((mine["severity"] == "error").sum())
    warnings = int((mine["severity"] == "warning").sum())
    from ..text import localize

    return localize(
        f"{clause}：錯誤 {errors}、警告 {warnings}（未達每年兩次入戶安檢）",
        f"{clause}: {errors} errors, {warnings} warnings (households behind schedule)",
        lang,
    )


def _text(summary) -> str:
    from ..summaries.base import block_text

    parts = []
    for block in summary.blocks:
        parts.append(block.title)
        if len(block.frame):
            parts.append(block_text(block))
        if block.note:
            parts.append(block.note)
    return "\n".join(parts)


def _missing(task, path, lang) -> str:
    what = {"settlement": "下單日期 (design-cost ledger)"}.get(task, "平台數據 (metrics)")
    from ..text import localize

    return localize(f"{path}：找不到 {what} 工作表", f"{path}: no {what} sheet found", lang)
