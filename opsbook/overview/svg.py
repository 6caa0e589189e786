"""Charts as inline SVG: horizontal bars (stacked when several series), columns (grouped)
and lines.  Every mark carries its category, series and value as data- attributes and a
<title> tooltip, so the page needs no script to show them and a test can read them back."""

from __future__ import annotations

from html import escape

import pandas as pd

PALETTE = [
    "#d9534f",
    "#f0ad4e",
    "#3a7bd5",
    "#5cb85c",
    "#8e44ad",
    "#16a085",
    "#e67e22",
    "#7f8c8d",
    "#2c3e50",
    "#c0392b",
]
SERIES_COLOR = {
    "錯誤": "#d9534f",
    "警告": "#f0ad4e",
    "新增": "#d9534f",
    "已修正": "#5cb85c",
    "條數": "#3a7bd5",
    "全部錯誤": "#2c3e50",
}


def _color(name: str, i: int) -> str:
    return SERIES_COLOR.get(name, PALETTE[i % len(PALETTE)])


def _text_width(text: str) -> float:
    return sum(13 if ord(ch) > 0x2E80 else 7.2 for ch in text)


def _num(value) -> float:
    try:
        return 0.0 if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return 0.0


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _legend(series: list[str], x: float, y: float, start: int = 0) -> list[str]:
    out = []
    for i, name in enumerate(series, start=start):
        out.append(
            f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12" fill="{_color(name, i)}"/>'
            f'<text x="{x + 16:.0f}" y="{y:.0f}" class="legend">{escape(name)}</text>'
        )
        x += 30 + _text_width(name)
    return out


def chart_svg(
    kind: str, title: str, data: pd.DataFrame, category: str, series: list[str], view: str
) -> str:
    if kind == "line":
        return _line(title, data, category, series, view)
    if kind == "column":
        return _columns(title, data, category, series, view)
    return _bars(title, data, category, series, view)


def _head(view: str, kind: str, width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-view="{view}" data-kind="{kind}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="0" y="18" class="title">{escape(title)}</text>',
    ]


def _bars(title: str, data: pd.DataFrame, category: str, series: list[str], view: str) -> str:
    labels = [str(c) for c in data[category]]
    label_w = min(max([_text_width(t) for t in labels] + [40]) + 12, 320)
    plot_w, bar_h, gap, top = 460, 18, 6, 52
    totals = [sum(_num(data[s].iloc[i]) for s in series) for i in range(len(data))]
    peak = max(totals + [1])
    height = top + len(data) * (bar_h + gap) + 16
    width = label_w + plot_w + 60
    out = _head(view, "bar", width, height, title) + _legend(series, 0, 40)
    for i, label in enumerate(labels):
        y = top + i * (bar_h + gap)
        shown = (
            label if _text_width(label) <= label_w - 12 else label[: int((label_w - 24) / 13)] + "…"
        )
        out.append(
            f'<text x="{label_w - 8:.0f}" y="{y + 13}" text-anchor="end" class="label">'
            f"<title>{escape(label)}</title>{escape(shown)}</text>"
        )
        x = label_w
        for j, name in enumerate(series):
            value = _num(data[name].iloc[i])
            w = plot_w * value / peak
            out.append(
                f'<rect class="mark" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{_color(name, j)}" data-category="{escape(label)}" data-series="{escape(name)}" '
                f'data-value="{_fmt(value)}"><title>{escape(label)} · {escape(name)}: {_fmt(value)}</title></rect>'
            )
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}" class="value">{_fmt(totals[i])}</text>')
    out.append("</svg>")
    return "".join(out)


def _columns(title: str, data: pd.DataFrame, category: str, series: list[str], view: str) -> str:
    labels = [str(c) for c in data[category]]
    n, k = max(len(labels), 1), len(series)
    group_w = max(36, min(90, 640 / n))
    bar_w = (group_w - 10) / k
    plot_h, top, left = 200, 52, 40
    peak = max([_num(data[s].iloc[i]) for s in series for i in range(len(data))] + [1])
    width = left + n * group_w + 20
    height = top + plot_h + 40
    out = _head(view, "column", max(width, 320), height, title) + _legend(series, 0, 40)
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - 10:.0f}" y2="{base}" class="axis"/>')
    for i, label in enumerate(labels):
        x0 = left + i * group_w + 5
        for j, name in enumerate(series):
            value = _num(data[name].iloc[i])
            h = plot_h * value / peak
            x = x0 + j * bar_w
            out.append(
                f'<rect class="mark" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{_color(name, j)}" data-category="{escape(label)}" data-series="{escape(name)}" '
                f'data-value="{_fmt(value)}"><title>{escape(label)} · {escape(name)}: {_fmt(value)}</title></rect>'
            )
            out.append(
                f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" '
                f'class="value">{_fmt(value)}</text>'
            )
        out.append(
            f'<text x="{x0 + (group_w - 10) / 2:.1f}" y="{base + 16}" text-anchor="middle" '
            f'class="label">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _line(title: str, data: pd.DataFrame, category: str, series: list[str], view: str) -> str:
    labels = [str(c) for c in data[category]]
    n = max(len(labels), 1)
    left, top, plot_h = 48, 52 + 18 * ((len(series) - 1) // 5), 220
    step = max(60, min(120, 640 / n))
    width = left + step * max(n - 1, 1) + 60
    height = top + plot_h + 40
    peak = max([_num(data[s].iloc[i]) for s in series for i in range(len(data))] + [1])
    out = _head(view, "line", max(width, 360), height, title)
    x, y = 0.0, 40.0
    for i, name in enumerate(series):  # legend in rows of five
        if i and i % 5 == 0:
            x, y = 0.0, y + 18
        out += _legend([name], x, y, start=i)
        x += 30 + _text_width(name)
    base = top + plot_h
    out.append(
        f'<line x1="{left}" y1="{base}" x2="{left + step * max(n - 1, 1) + 20:.0f}" y2="{base}" class="axis"/>'
    )
    out.append(
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="value">{_fmt(peak)}</text>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" class="value">0</text>'
    )
    xs = [left + 10 + step * i for i in range(n)]
    for i, label in enumerate(labels):
        out.append(
            f'<text x="{xs[i]:.1f}" y="{base + 16}" text-anchor="middle" class="label">{escape(label)}</text>'
        )
    for j, name in enumerate(series):
        color = _color(name, j)
        points = [
            (xs[i], base - plot_h * _num(data[name].iloc[i]) / peak) for i in range(len(labels))
        ]
        out.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" data-series="{escape(name)}" '
            f'points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}"/>'
        )
        for i, (px, py) in enumerate(points):
            value = _num(data[name].iloc[i])
            out.append(
                f'<circle class="mark" cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{color}" '
                f'data-category="{escape(labels[i])}" data-series="{escape(name)}" data-value="{_fmt(value)}">'
                f"<title>{escape(labels[i])} · {escape(name)}: {_fmt(value)}</title></circle>"
            )
    out.append("</svg>")
    return "".join(out)
