"""What a summary is: named blocks of real numbers (with number formats and an optional
total row) and the charts drawn from them.  One SummarySheet feeds the JSON report, the
console and the sheet written into the workbook."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..values import plain


@dataclass
class Block:
    title: str | None
    frame: pd.DataFrame  # column names are the headers shown
    formats: dict[str, str] = field(default_factory=dict)  # column → Excel number format
    total: str | None = None  # label of a total row (sums of the numeric columns), or None
    note: str | None = None  # a line under the block ("無資料" …)


@dataclass
class Chart:
    kind: str  # bar | line
    title: str
    block: int  # index of the block plotted
    categories: str  # column of the x axis
    series: list[str]  # columns plotted


@dataclass
class SummarySheet:
    name: str  # the sheet name (月度彙總 …)
    clause: str
    blocks: list[Block]
    charts: list[Chart] = field(default_factory=list)
    alerts: list[tuple[int, int]] = field(
        default_factory=list
    )  # (block, row) lines marked as a warning

    def to_json(self) -> dict:
        return {
            "sheet": self.name,
            "clause": self.clause,
            "blocks": [
                {
                    "title": b.title,
                    "note": b.note,
                    "rows": [
                        {k: plain(v) for k, v in r.items()} for r in b.frame.to_dict("records")
                    ],
                    "total": {k: plain(v) for k, v in totals(b).items()} if b.total else None,
                    "alerts": [r for blk, r in self.alerts if blk == i],
                }
                for i, b in enumerate(self.blocks)
            ],
        }


def totals(block: Block) -> dict:
    """The total row of a block: sums of numeric columns, the label in the first column."""
    frame = block.frame
    out: dict = {c: None for c in frame.columns}
    if len(frame.columns):
        out[frame.columns[0]] = block.total
    for col in frame.columns[1:]:
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            out[col] = frame[col].sum()
    return out


def block_text(block: Block) -> str:
    """A block as console text: formatted numbers, the total row included."""
    frame = block.frame.copy()
    if block.total and len(frame):
        frame = pd.concat([frame, pd.DataFrame([totals(block)])], ignore_index=True)
    for col, fmt in block.formats.items():
        if col not in frame:
            continue
        if fmt.endswith("%"):
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
        elif fmt == "yyyy-mm-dd":
            frame[col] = frame[col].map(
                lambda v: "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
            )
        elif "0.00" in fmt:
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
        else:
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    return frame.fillna("").to_string(index=False)
