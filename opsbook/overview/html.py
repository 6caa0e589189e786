"""The overview as one self-contained HTML page: inline CSS, inline SVG charts, a few lines
of inline script that sort the tables.  Nothing is fetched when the page is viewed, so it
works offline and mailed; Chinese text uses the viewer's own CJK fonts (Microsoft JhengHei,
PingFang, Noto Sans CJK …)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .model import Overview, View
from .svg import chart_svg

STYLE = """
body{font-family:"Microsoft JhengHei","PingFang TC","Noto Sans CJK TC","Noto Sans TC","Source Han Sans TC",
"Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 4px;border-bottom:2px solid #3a7bd5}
.meta{color:#666;font-size:13px}.note{color:#555;font-size:13px;margin:4px 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 16px;min-width:90px}
.card b{display:block;font-size:24px}.card span{color:#666;font-size:13px}
nav a{margin-right:12px;font-size:14px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#eef3fb;cursor:pointer;user-select:none;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
svg.chart{background:#fff;border:1px solid #ddd;border-radius:6px;display:block;margin:8px 0}
svg .title{font-size:14px;font-weight:bold}svg .label,svg .legend{font-size:12px}
svg .value{font-size:11px;fill:#444}svg .axis{stroke:#999}
svg text{font-family:inherit}
.scroll{max-height:560px;overflow:auto;display:inline-block}
"""

SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var key = function (row) {
        var cell = row.cells[col], v = cell.getAttribute('data-sort');
        return v === null ? cell.textContent.trim() : v;
      };
      var numeric = rows.every(function (r) { var v = key(r); return v === '' || !isNaN(Number(v)); });
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (numeric) { x = x === '' ? -Infinity : Number(x); y = y === '' ? -Infinity : Number(y); }
        return x < y ? -dir : x > y ? dir : 0;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _cell(value, href: str | None) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return '<td class="n" data-sort=""></td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else f"{value:.2f}"
        return f'<td class="n">{text}</td>'
    text = escape(str(value))
    if href:
        return f'<td><a href="{escape(_href(href))}">{text}</a></td>'
    return f"<td>{text}</td>"


def _href(target: str) -> str:
    if "://" in target or target.startswith("file:"):
        return target
    path, _, fragment = target.partition("#")
    return quote(path) + (f"#{quote(fragment)}" if fragment else "")


def _table(view: View) -> str:
    frame = view.frame
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for i, record in enumerate(frame.itertuples(index=False)):
        cells = "".join(
            _cell(value, view.links.get(col, [None] * len(frame))[i])
            for col, value in zip(frame.columns, record)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="scroll"><table class="sortable" data-view="{view.key}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def render(overview: Overview) -> str:
    cards = "".join(
        f'<div class="card" data-total="{escape(k)}"><b>{v}</b><span>{escape(k)}</span></div>'
        for k, v in overview.totals.items()
    )
    nav = "".join(f'<a href="#{v.key}">{escape(v.title)}</a>' for v in overview.views)
    sections = []
    for view in overview.views:
        chart = ""
        if view.chart is not None:
            chart = chart_svg(
                view.chart.kind,
                view.chart.title,
                view.chart_data,
                view.chart.category,
                view.chart.series,
                view.key,
            )
        sections.append(
            f'<section id="{view.key}"><h2>{escape(view.title)}</h2>'
            f'<p class="note">{escape(view.note)}</p>{chart}{_table(view)}</section>'
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hant"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(overview.title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(overview.title)}</h1>"
        f'<p class="meta">檢查時點（--as-of）{escape(overview.as_of)} · 產生於 {escape(overview.generated)}</p>'
        f'<div class="cards">{cards}</div><nav>{nav}</nav>{"".join(sections)}'
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def write_html(overview: Overview, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(overview), encoding="utf-8")
    return path
