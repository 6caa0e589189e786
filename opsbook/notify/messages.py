"""What a notification says, in the run's language: per workbook, its counts, the clauses it
breaks most, what is new and fixed since its last run and where the annotated copy is; per
scheduled report, the report itself.  One ``Message`` is rendered by each transport (robot
markdown, e-mail text, webhook JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

TOP_CLAUSES = 3


@dataclass
class Message:
    event: str  # workbook | report
    key: str  # what it is about, unique per event (deduplication, the delivery log)
    title: str
    lines: list[str]
    team: str | None = None
    attachments: list[Path] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # the generic webhook's structured payload

    def markdown(self) -> str:
        return "\n".join([f"### {self.title}", *self.lines])

    def text(self) -> str:
        return "\n".join([self.title, "", *(line.lstrip("> ") for line in self.lines)])


def _say(lang: str, zh: str, en: str) -> str:
    from ..text import localize

    return localize(zh, en, lang)


def workbook_message(
    result, frame: pd.DataFrame, changes: dict | None, lang: str, team: str | None
) -> Message:
    """``result``: the workbook's FileResult; ``frame``: its violations; ``changes``: new,
    fixed (and first) from the history, or None when no history is kept."""
    name = Path(result.file).name
    if result.error:
        title = _say(lang, f"opsbook：{name} 無法檢查", f"opsbook: {name} could not be checked")
        return Message(
            "workbook",
            result.file,
            title,
            [result.error],
            team,
            data={"file": result.file, "error": result.error},
        )
    errors = int((frame["severity"] == "error").sum())
    warnings = int((frame["severity"] == "warning").sum())
    top = frame["clause"].value_counts().head(TOP_CLAUSES)
    title = _say(
        lang,
        f"opsbook：{name} 已檢查，錯誤 {errors}、警告 {warnings}",
        f"opsbook: {name} checked, {errors} errors, {warnings} warnings",
    )
    lines = []
    if len(top):
        listed = ", ".join(f"{clause} ×{n}" for clause, n in top.items())
        lines.append(_say(lang, f"違反最多的條款：{listed}", f"Clauses broken most: {listed}"))
    if changes is not None:
        if changes.get("first"):
            lines.append(_say(lang, "首次記錄的檢查。", "First recorded check."))
        else:
            lines.append(
                _say(
                    lang,
                    f"與上次相比：新增 {changes['new']}，已修正 {changes['fixed']}",
                    f"Since the last run: {changes['new']} new, {changes['fixed']} fixed",
                )
            )
    if result.output:
        lines.append(_say(lang, f"標註副本：{result.output}", f"Annotated copy: {result.output}"))
    if result.write_error:
        lines.append(result.write_error)
    data = {
        "file": result.file,
        "kind": result.kind,
        "team": team,
        "errors": errors,
        "warnings": warnings,
        "top_clauses": {str(k): int(v) for k, v in top.items()},
        "changes": changes,
        "output": result.output,
    }
    attachments = [Path(result.output)] if result.output else []
    return Message("workbook", result.file, title, lines, team, attachments, data)


def report_message(
    run, body: str, files: list[Path], lang: str, team: str | None = None, error: str = ""
) -> Message:
    """A scheduled report (``run``: opsbook.schedule.Run): its text, its workbook attached."""
    job = run.job
    title = _say(
        lang,
        f"opsbook：{job.name}（{job.clause}）{run.period}",
        f"opsbook: {job.name} ({job.clause}) {run.period}",
    )
    meeting = run.meeting.strftime("%Y-%m-%d %H:%M")
    lines = [_say(lang, f"會議：{meeting}", f"Meeting: {meeting}")] if job.lead_minutes else []
    if error:
        lines.append(error)
    if body:
        lines += ["```", body, "```"]
    data = {
        "job": job.name,
        "task": job.task,
        "clause": job.clause,
        "period": run.period,
        "meeting": run.meeting.isoformat(),
        "report": body,
        "files": [str(f) for f in files],
        "error": error or None,
    }
    return Message("report", run.key, title, lines, team, list(files), data)
