"""The overview as 總覽.xlsx, written with XlsxWriter (a new file, not a user's workbook):
a 摘要 sheet with the totals, then one sheet per view — an Excel table (filters on every
column), the header row frozen, and a native Excel chart of the view beside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .model import Overview, View

SHEET_NAMES = {
    "files": "各檔案",
    "teams": "各團隊",
    "clauses": "各條款",
    "severity": "各嚴重程度",
    "months": "各月份",
    "changes": "與上次相比",
    "trend": "趨勢",
}
COLORS = {
    "錯誤": "#D9534F",
    "警告": "#F0AD4E",
    "新增": "#D9534F",
    "已修正": "#5CB85C",
    "條數": "#3A7BD5",
    "全部錯誤": "#2C3E50",
}


def _value(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_xlsx(overview: Overview, path: Path) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_urls": False})
    bold = book.add_format({"bold": True, "font_size": 14})
    link = book.add_format({"font_color": "blue", "underline": 1})
    summary = book.add_worksheet("摘要")
    summary.write(0, 0, overview.title, bold)
    summary.write(1, 0, f"檢查時點（--as-of）{overview.as_of}；產生於 {overview.generated}")
    summary.add_table(
        3,
        0,
        3 + len(overview.totals),
        1,
        {
            "name": "摘要",
            "style": "Table Style Medium 2",
            "columns": [{"header": "項目"}, {"header": "數量"}],
            "data": [[k, v] for k, v in overview.totals.items()],
        },
    )
    summary.set_column(0, 0, 14)
    summary.set_column(1, 1, 10)
    summary.freeze_panes(4, 0)
    row = 6 + len(overview.totals)
    summary.write(row, 0, "工作表")
    for i, view in enumerate(overview.views, start=1):
        summary.write_url(row + i, 0, f"internal:'{SHEET_NAMES[view.key]}'!A1", string=view.title)
        summary.write(row + i, 1, view.note)
    for view in overview.views:
        _view_sheet(book, view, link)
    book.close()
    return path


def _view_sheet(book, view: View, link) -> None:
    name = SHEET_NAMES[view.key]
    sheet = book.add_worksheet(name)
    frame = view.frame
    columns = [str(c) for c in frame.columns]
    data = [[_value(v) for v in record] for record in frame.itertuples(index=False)]
    last_row = max(len(data), 1)
    sheet.add_table(
        0,
        0,
        last_row,
        len(columns) - 1,
        {
            "name": f"t_{view.key}",
            "style": "Table Style Medium 2",
            "columns": [{"header": c} for c in columns],
            "data": data or [[None] * len(columns)],
        },
    )
    for col, targets in view.links.items():
        j = columns.index(col)
        for i, target in enumerate(targets, start=1):
            if target:
                sheet.write_url(i, j, "external:" + target, link, string=str(data[i - 1][j]))
    sheet.freeze_panes(1, 0)
    for j, col in enumerate(columns):
        values = [str(r[j]) for r in data[:200] if r[j] is not None]
        width = max([_width(col)] + [_width(v) for v in values])
        sheet.set_column(j, j, min(max(width + 2, 8), 50))
    if view.chart is None:
        return
    chart_data = view.chart_data
    first_col, source_rows = 0, len(chart_data)
    source_columns = columns
    if view.chart_frame is not None:  # the chart's own data, right of the table
        first_col = len(columns) + 1
        source_columns = [str(c) for c in view.chart_frame.columns]
        sheet.write_row(0, first_col, source_columns)
        for i, record in enumerate(view.chart_frame.itertuples(index=False), start=1):
            sheet.write_row(i, first_col, [_value(v) for v in record])
    if source_rows == 0:
        return
    kind = view.chart.kind
    chart = book.add_chart({"type": kind, **({"subtype": "stacked"} if kind == "bar" else {})})
    cat = first_col + source_columns.index(view.chart.category)
    for series in view.chart.series:
        j = first_col + source_columns.index(series)
        options: dict[str, object] = {
            "name": [name, 0, j],
            "categories": [name, 1, cat, source_rows, cat],
            "values": [name, 1, j, source_rows, j],
        }
        if series in COLORS:
            key = "line" if kind == "line" else "fill"
            options[key] = {"color": COLORS[series]}
        if kind == "line":
            options["marker"] = {"type": "circle", "size": 5}
        chart.add_series(options)
    chart.set_title({"name": view.chart.title})
    chart.set_legend({"position": "bottom"})
    if kind == "bar":
        chart.set_y_axis({"reverse": True})  # the first (largest) row on top, as in the table
        chart.set_x_axis({"min": 0})
    else:
        chart.set_y_axis({"min": 0})
    height = max(320, 22 * source_rows + 120) if kind == "bar" else 360
    chart.set_size({"width": 640, "height": height})
    anchor = (
        first_col + len(source_columns) + 1 if view.chart_frame is not None else len(columns) + 1
    )
    sheet.insert_chart(1, anchor, chart)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))
