"""`opsbook validate --explain`: how each sheet was read (issue 26).

Per table: which rows are the header, which column each key came from (the header as
written), the date system, where the year of dates typed without one came from, and which
rows were skipped and why.  The same facts are the ``reading`` of each table in the JSON
report; where opsbook guessed wrong, `[tables."Sheet name"]` in opsbook.toml pins it
(docs/workbooks-contract.md).
"""

from __future__ import annotations

from typing import Any

WORDS: dict[str, dict[str, Any]] = {
    "zh-Hant": {
        "header": "表頭第 {rows} 行",
        "dates": "日期系統 {system}",
        "year": "無年份的日期「{column}」：年份取自 {source}",
        "skipped": "略過的行",
        "none": "（無表格）",
        "reasons": {
            "blank": "空白",
            "totals": "合計",
            "sections": "分段標題",
            "header_repeats": "重複表頭",
            "translations": "翻譯行",
            "notes": "備註/頁尾",
        },
    },
    "en": {
        "header": "header row {rows}",
        "dates": "date system {system}",
        "year": "dates without a year in '{column}': year from {source}",
        "skipped": "rows skipped",
        "none": "(no table)",
        "reasons": {
            "blank": "blank",
            "totals": "totals",
            "sections": "section headings",
            "header_repeats": "header repeated",
            "translations": "translation row",
            "notes": "note or footer",
        },
    },
}


def explain_lines(report, lang: str | None = None) -> list[str]:
    """The --explain text of a run's report, one file after another."""
    w = WORDS["en" if lang == "en" else "zh-Hant"]
    lines: list[str] = []
    for f in report.files:
        lines.append(f.file)
        if not f.tables:
            lines.append("  " + w["none"])
        for t in f.tables:
            reading = t.reading or {}
            rows = "、".join(map(str, reading.get("header_rows", [t.header_row])))
            system = reading.get("date_system", 1900)
            lines.append(
                f"  {t.sheet} ({t.table}): "
                + w["header"].format(rows=rows)
                + "; "
                + w["dates"].format(system=system)
            )
            for key, col in reading.get("columns", {}).items():
                lines.append(f"    {key:<18} ← {col['column']:<3} 「{col['header']}」")
            for key, source in reading.get("years", {}).items():
                lines.append(
                    "    " + w["year"].format(column=t.columns.get(key, key), source=source)
                )
            skipped = reading.get("skipped", {})
            if skipped:
                parts = [
                    f"{w['reasons'].get(reason, reason)} {_rows(rows)}"
                    for reason, rows in skipped.items()
                ]
                lines.append(f"    {w['skipped']}: " + "; ".join(parts))
    if lang == "zh-Hans":
        from .text import to_simplified

        lines = [to_simplified(line) for line in lines]
    return lines


def _rows(rows: list[int]) -> str:
    """12, 15-18, 30 (runs of rows joined)."""
    out, start = [], None
    for i, r in enumerate(rows):
        if start is None:
            start = r
        if i + 1 == len(rows) or rows[i + 1] != r + 1:
            out.append(str(start) if start == r else f"{start}-{r}")
            start = None
    return ", ".join(out)
