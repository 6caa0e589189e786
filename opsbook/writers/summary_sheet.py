"""A SummarySheet as one of opsbook's own worksheets: blocks stacked with a blank row
between, bold titles, headers and totals, number formats, and charts to the right."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..ooxml.package import Package
from ..summaries.base import SummarySheet, totals
from ..workbook.cells import column_letter, quote_sheet
from .charts import add_charts, chart_xml
from .newsheet import SheetContent, add_sheet, render
from .styles import Styles


def write_summary(pkg: Package, styles: Styles, summary: SummarySheet, name: str) -> None:
    rows: list[list] = []
    cell_styles: dict[tuple[int, int], int] = {}
    row_styles: dict[int, int] = {}
    positions = []  # (header row, first data row, last data row) per block, 0-based
    width = 1
    alerts = set(summary.alerts)
    for b, block in enumerate(summary.blocks):
        if rows:
            rows.append([])
        if block.title:
            row_styles[len(rows)] = styles.bold()
            rows.append([block.title])
        columns = list(block.frame.columns)
        width = max(width, len(columns))
        header = len(rows)
        row_styles[header] = styles.bold()
        rows.append(columns)
        formats = [block.formats.get(c) for c in columns]
        for i, record in enumerate(block.frame.itertuples(index=False)):
            r = len(rows)
            rows.append([_cell(v) for v in record])
            for c, fmt in enumerate(formats):
                style = styles.number_format(fmt) if fmt else 0
                if (b, i) in alerts:  # a line the summary flags (a platform's reads fell …)
                    style = styles.marked(style, "warning")
                if style:
                    cell_styles[(r, c)] = style
        positions.append((header, header + 1, len(rows) - 1))
        if block.total and len(block.frame):
            r = len(rows)
            rows.append([_cell(v) for v in totals(block).values()])
            row_styles[r] = styles.bold()
            for c, fmt in enumerate(formats):
                if fmt:
                    cell_styles[(r, c)] = styles.number_format(fmt)
        if block.note:
            rows.append([block.note])
    content = SheetContent(
        rows=rows,
        styles=cell_styles,
        row_styles=row_styles,
        widths={c: 14 for c in range(width)},
        autofilter=False,
    )
    part = add_sheet(pkg, name, b"")
    charts = []
    top = 0
    for chart in summary.charts:
        header, first, last = positions[chart.block]
        if last < first:
            continue  # nothing to plot
        columns = list(summary.blocks[chart.block].frame.columns)
        q = quote_sheet(name)
        cat = columns.index(chart.categories)
        refs = [
            (
                f"{q}!${column_letter(columns.index(s))}${header + 1}",
                f"{q}!${column_letter(columns.index(s))}${first + 1}:${column_letter(columns.index(s))}${last + 1}",
            )
            for s in chart.series
        ]
        xml = chart_xml(
            chart.kind,
            chart.title,
            f"{q}!${column_letter(cat)}${first + 1}:${column_letter(cat)}${last + 1}",
            refs,
            pkg.rel_ns,
        )
        charts.append((xml, (width + 1, top, width + 10, top + 18)))
        top += 20
    if charts:
        content.drawing_rel = add_charts(pkg, part, charts)
    pkg.put(part, render(content, pkg.rel_ns))


def _cell(value):
    if value is None or value is pd.NA or value is pd.NaT or pd.isna(value):
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        # Excel serial day number: shown with the block's date format.
        return float((pd.Timestamp(value) - pd.Timestamp("1899-12-30")).days)
    if hasattr(value, "item"):
        return value.item()
    return value
