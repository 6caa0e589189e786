"""The console view of a report: a short summary per file and sheet, in the run's language."""

from __future__ import annotations

from collections import Counter

from .report import Report
from .text import localize

# The console's own words; zh-Hans is derived from zh-Hant.
WORDS = {
    "zh-Hant": {
        "no_kind": "無可識別表格",
        "table": "{sheet} ({table}, 表頭第 {header_row} 行, {rows} 行資料): "
        "{errors} 錯誤, {warnings} 警告",
        "skipped": "跳過 {sheet}: {reason}",
        "not_checked": "未檢查 {n} 條規則:",
        "written": "→ 已寫入 {path}",
        "not_written": "✗ 未寫入: {error}",
        "total": "合計: {files} 個檔案, {errors} 錯誤, {warnings} 警告",
        "unreadable": ", {n} 個無法讀取",
        "sheets_not_checked": ", {n} 個工作表未檢查",
        "one_log": "讀作同一個記錄表 ({table}): {sheets}",
        "and": "、",
    },
    "en": {
        "no_kind": "no known table",
        "table": "{sheet} ({table}, header on row {header_row}, {rows} data rows): "
        "{errors} errors, {warnings} warnings",
        "skipped": "skipped {sheet}: {reason}",
        "not_checked": "{n} rules not checked:",
        "written": "→ written to {path}",
        "not_written": "✗ not written: {error}",
        "total": "Total: {files} files, {errors} errors, {warnings} warnings",
        "unreadable": ", {n} unreadable",
        "sheets_not_checked": ", {n} sheets not checked",
        "one_log": "read as one log ({table}): {sheets}",
        "and": ", ",
    },
}


def words(language: str | None) -> dict[str, str]:
    return {k: localize(v, WORDS["en"][k], language or "") for k, v in WORDS["zh-Hant"].items()}


def summary_lines(report: Report, language: str | None = None) -> list[str]:
    w = words(language)
    lines: list[str] = []
    frame = report.frame
    for result in report.files:
        if result.error:
            lines.append(f"✗ {result.error}")
            continue
        head = f"{result.file}  [{result.kind or w['no_kind']}]"
        lines.append(head)
        for info in result.tables:
            mine = frame[(frame["file"] == result.file) & (frame["sheet"] == info.sheet)]
            errors = int((mine["severity"] == "error").sum())
            warnings = int((mine["severity"] == "warning").sum())
            lines.append(
                "  "
                + w["table"].format(
                    sheet=info.sheet,
                    table=info.table,
                    header_row=info.header_row,
                    rows=info.rows,
                    errors=errors,
                    warnings=warnings,
                )
            )
            counts = mine.groupby(
                ["clause", "severity"]
            ).size()  # not a Python loop over 300k lines
            for (clause, severity), n in sorted(zip(counts.index.tolist(), counts.tolist())):
                lines.append(f"    {clause:<10} {severity:<7} {n}")
        for log in result.logs:
            lines.append(
                "  " + w["one_log"].format(table=log["table"], sheets=w["and"].join(log["sheets"]))
            )
        for skipped in result.skipped_sheets:
            lines.append("  " + w["skipped"].format(**skipped))
        not_checked = [n for n in report.not_checked if n["file"] == result.file]
        if not_checked:
            reasons = Counter(n["reason"] for n in not_checked)
            lines.append("  " + w["not_checked"].format(n=len(not_checked)))
            for reason, n in reasons.most_common():
                lines.append(f"    {n} × {reason}")
        if result.output:
            lines.append("  " + w["written"].format(path=result.output))
        for warning in result.warnings:
            lines.append(f"  ! {warning}")
        if result.write_error:
            lines.append("  " + w["not_written"].format(error=result.write_error))
    total = report.summary()
    lines.append(
        w["total"].format(**total)
        + (w["unreadable"].format(n=total["unreadable_files"]) if total["unreadable_files"] else "")
        + (
            w["sheets_not_checked"].format(n=total["sheets_not_checked"])
            if total["sheets_not_checked"]
            else ""
        )
    )
    return lines
