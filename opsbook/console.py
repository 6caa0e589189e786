"""The console view of a report: a short summary per file and sheet."""

from __future__ import annotations

from collections import Counter

from .report import Report


def summary_lines(report: Report) -> list[str]:
    lines: list[str] = []
    frame = report.frame
    for result in report.files:
        if result.error:
            lines.append(f"✗ {result.error}")
            continue
        head = f"{result.file}  [{result.kind or '無可識別表格'}]"
        lines.append(head)
        for info in result.tables:
            mine = frame[(frame["file"] == result.file) & (frame["sheet"] == info.sheet)]
            errors = int((mine["severity"] == "error").sum())
            warnings = int((mine["severity"] == "warning").sum())
            lines.append(f"  {info.sheet} ({info.table}, 表頭第 {info.header_row} 行, {info.rows} 行資料): "
                         f"{errors} 錯誤, {warnings} 警告")
            counts = Counter(zip(mine["clause"], mine["severity"]))
            for (clause, severity), n in sorted(counts.items()):
                lines.append(f"    {clause:<10} {severity:<7} {n}")
        for log in result.logs:
            lines.append(f"  讀作同一個記錄表 ({log['table']}): {'、'.join(log['sheets'])}")
        for skipped in result.skipped_sheets:
            lines.append(f"  跳過 {skipped['sheet']}: {skipped['reason']}")
        not_checked = [n for n in report.not_checked if n["file"] == result.file]
        if not_checked:
            reasons = Counter(n["reason"] for n in not_checked)
            lines.append(f"  未檢查 {len(not_checked)} 條規則:")
            for reason, n in reasons.most_common():
                lines.append(f"    {n} × {reason}")
        if result.output:
            lines.append(f"  → 已寫入 {result.output}")
        for warning in result.warnings:
            lines.append(f"  ! {warning}")
        if result.write_error:
            lines.append(f"  ✗ 未寫入: {result.write_error}")
    total = report.summary()
    lines.append(f"合計: {total['files']} 個檔案, {total['errors']} 錯誤, {total['warnings']} 警告"
                 + (f", {total['unreadable_files']} 個無法讀取" if total["unreadable_files"] else ""))
    return lines
