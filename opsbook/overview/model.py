"""The numbers of the overview, computed once and rendered twice (總覽.xlsx and the HTML
page), so both forms show the same tables.

Input: a ``Report`` (its violation frame, with the ``month`` column of
``opsbook.history.records.enrich`` when the run computed it), the settings (the team
pattern) and, when the run is recorded, the history (trend and new/fixed since each file's
previous run).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..history.records import NO_MONTH, file_name

NO_TEAM = "未分組"
NO_DATE = "（無日期）"
ERROR, WARNING = "error", "warning"
SEVERITY_TEXT = {ERROR: "錯誤", WARNING: "警告"}
TOP_FILES = 20
TOP_CLAUSES = 15
TREND_CLAUSES = 8


@dataclass
class Chart:
    kind: str  # bar (horizontal, stacked when several series) | column | line
    title: str
    category: str  # the column of categories (line: the x axis)
    series: list[str]  # value columns
    rows: int | None = None  # only the first rows (the table is sorted)


@dataclass
class View:
    key: str
    title: str
    note: str
    frame: pd.DataFrame
    chart: Chart | None = None
    links: dict[str, list[str | None]] = field(default_factory=dict)  # column → href per row
    chart_frame: pd.DataFrame | None = None  # the chart's data when it is not the table itself

    @property
    def chart_data(self) -> pd.DataFrame:
        data = self.frame if self.chart_frame is None else self.chart_frame
        return data if self.chart is None or self.chart.rows is None else data.head(self.chart.rows)


@dataclass
class Overview:
    title: str
    as_of: str
    generated: str
    totals: dict[str, int | str]
    views: list[View]

    def view(self, key: str) -> View:
        return next(v for v in self.views if v.key == key)


def team_of(label: str, pattern: str) -> str:
    """The team in a workbook's file name (``team_pattern``); failing that, the folder it
    sits in (an office keeps each team's workbooks in a folder of its own: 收件/東區/…)."""
    path = label.replace("\\", "/")
    match = re.search(pattern, path)
    if not match or not match.groups() or not match.group(1):
        folder = path.rpartition("/")[0].rpartition("/")[2]
        return folder if folder not in ("", ".", "..") else NO_TEAM
    return match.group(1)


def build(report, settings: dict, target: Path, history=None, run: int | None = None) -> Overview:
    """The overview of ``report``; ``target`` is where it will be written (links to the
    annotated copies are relative to its folder); ``history``/``run``: the history the run
    was recorded in and its id."""
    pattern = settings.get("overview", {}).get("team_pattern") or r"([^/_\-－ ]+)[_\-－ ][^/]*$"
    frame = report.frame
    files = pd.DataFrame(
        {
            "file": [f.file for f in report.files],
            "kind": [f.kind or "" for f in report.files],
            "error": [f.error or f.write_error or "" for f in report.files],
            "output": [f.output for f in report.files],
        }
    )
    files["name"] = files["file"].map(file_name)
    files["team"] = files["file"].map(lambda x: team_of(x, pattern))
    team_by_file = dict(zip(files["file"], files["team"]))
    v = frame.assign(team=frame["file"].map(team_by_file).fillna(NO_TEAM))
    if "month" not in v:
        v["month"] = NO_MONTH
    v["month"] = v["month"].fillna(NO_MONTH).replace({NO_MONTH: NO_DATE})

    changes = _changes(history, run, report) if history is not None and run is not None else None
    per_file = _count(v, "file").reindex(files["file"], fill_value=0)
    views: list[View] = []

    # --- per file -----------------------------------------------------------------------
    table = pd.DataFrame(
        {
            "檔案": files["name"].values,
            "團隊": files["team"].values,
            "類型": files["kind"].map(KIND_TEXT).fillna(files["kind"]).values,
            "錯誤": per_file[ERROR].values,
            "警告": per_file[WARNING].values,
        }
    )
    if changes is not None:
        by_file = changes.groupby("path")[["new", "fixed", "open"]].sum()
        compared = files["file"].isin(changes.attrs["compared"])
        for col, key in (("新增", "new"), ("已修正", "fixed")):
            values = by_file[key].reindex(files["file"]).fillna(0).astype(int)
            table[col] = [int(n) if c else None for n, c in zip(values.values, compared)]
    base = target.parent
    # a file with no copy has None, or NaN once pandas aligned the column: only text is a path
    outputs = [_rel(o, base) if isinstance(o, str) and o else None for o in files["output"]]
    table["已標注副本"] = [("開啟" if o else "（未寫出）") for o in outputs]
    table["違規清單"] = [("違規清單" if o else "") for o in outputs]
    table["說明"] = files["error"].values
    order = table.sort_values(
        ["錯誤", "警告", "檔案"], ascending=[False, False, True], kind="stable"
    ).index
    table = table.loc[order].reset_index(drop=True)
    outputs = [outputs[i] for i in order]
    views.append(
        View(
            "files",
            "各檔案",
            "每個檔案的錯誤與警告；連結開啟已標注的副本與其違規清單。",
            table,
            Chart(
                "bar",
                f"錯誤最多的檔案（前 {TOP_FILES} 名）",
                "檔案",
                ["錯誤", "警告"],
                rows=TOP_FILES,
            ),
            links={
                "已標注副本": outputs,
                "違規清單": [f"{o}#'違規清單'!A1" if o else None for o in outputs],
            },
        )
    )

    # --- per team -----------------------------------------------------------------------
    teams = files.groupby("team").size().rename("檔案數")
    per_team = _count(v, "team").reindex(teams.index, fill_value=0)
    table = pd.DataFrame(
        {
            "團隊": teams.index,
            "檔案數": teams.values,
            "錯誤": per_team[ERROR].values,
            "警告": per_team[WARNING].values,
        }
    )
    if changes is not None:
        by_team = (
            changes.assign(team=changes["path"].map(team_by_file))
            .groupby("team")[["new", "fixed"]]
            .sum()
        )
        table["新增"] = by_team["new"].reindex(teams.index).fillna(0).astype(int).values
        table["已修正"] = by_team["fixed"].reindex(teams.index).fillna(0).astype(int).values
    table = table.sort_values(
        ["錯誤", "團隊"], ascending=[False, True], kind="stable", ignore_index=True
    )
    views.append(
        View(
            "teams",
            "各團隊",
            "團隊取自檔案路徑（設定 overview.team_pattern）。",
            table,
            Chart("bar", "各團隊的錯誤與警告", "團隊", ["錯誤", "警告"]),
        )
    )

    # --- per clause ---------------------------------------------------------------------
    per_clause = _count(v, "clause")
    touched = v.groupby("clause")["file"].nunique() if len(v) else pd.Series(dtype=int)
    table = pd.DataFrame(
        {
            "條款": per_clause.index,
            "內容": [_gloss(c) for c in per_clause.index],
            "錯誤": per_clause[ERROR].values,
            "警告": per_clause[WARNING].values,
            "合計": (per_clause[ERROR] + per_clause[WARNING]).values,
            "涉及檔案": touched.reindex(per_clause.index).fillna(0).astype(int).values,
        }
    )
    table = table.sort_values(
        ["合計", "條款"], ascending=[False, True], kind="stable", ignore_index=True
    )
    views.append(
        View(
            "clauses",
            "各條款",
            "依違反次數排序：最常違反的條款在前。",
            table,
            Chart(
                "bar",
                f"最常違反的條款（前 {TOP_CLAUSES} 名）",
                "條款",
                ["錯誤", "警告"],
                rows=TOP_CLAUSES,
            ),
        )
    )

    # --- per severity -------------------------------------------------------------------
    counts = v["severity"].value_counts()
    table = pd.DataFrame(
        {
            "嚴重程度": [SEVERITY_TEXT[s] for s in (ERROR, WARNING)],
            "條數": [int(counts.get(s, 0)) for s in (ERROR, WARNING)],
        }
    )
    views.append(
        View(
            "severity",
            "各嚴重程度",
            "錯誤須改正；警告提示未完成或將到期的事項。",
            table,
            Chart("column", "錯誤與警告", "嚴重程度", ["條數"]),
        )
    )

    # --- per month of the records -------------------------------------------------------
    per_month = _count(v, "month")
    months = sorted(m for m in per_month.index if m != NO_DATE) + (
        [NO_DATE] if NO_DATE in per_month.index else []
    )
    per_month = per_month.reindex(months)
    table = pd.DataFrame(
        {"月份": months, "錯誤": per_month[ERROR].values, "警告": per_month[WARNING].values}
    )
    views.append(
        View(
            "months",
            "各月份（紀錄日期）",
            "違規所在紀錄的月份（發布、檢查、申請或下單日期）；"
            "與某一列無關的違規（如某週未發布）列為「無日期」。",
            table,
            Chart("column", "各月份紀錄的違規", "月份", ["錯誤", "警告"]),
        )
    )

    # --- history: changes since the previous run, and the trend ---------------------------
    if changes is not None:
        by = changes.groupby(["file", "clause"])[["new", "fixed", "open"]].sum().reset_index()
        by = by[(by["new"] > 0) | (by["fixed"] > 0) | (by["open"] > 0)]
        table = pd.DataFrame(
            {
                "檔案": by["file"].values,
                "條款": by["clause"].values,
                "新增": by["new"].values,
                "已修正": by["fixed"].values,
                "仍未改正": by["open"].values,
            }
        )
        table = table.sort_values(
            ["新增", "已修正", "檔案", "條款"],
            ascending=[False, False, True, True],
            kind="stable",
            ignore_index=True,
        )
        per_clause = table.groupby("條款")[["新增", "已修正"]].sum().reset_index()
        per_clause = per_clause[(per_clause["新增"] > 0) | (per_clause["已修正"] > 0)]
        chart_rows = per_clause.sort_values(
            ["新增", "已修正", "條款"], ascending=[False, False, True]
        )
        views.append(
            View(
                "changes",
                "與上次相比",
                "每個檔案與它上一次記錄的檢查相比：新增、已修正、仍未改正的違規。",
                table,
                Chart("bar", "各條款新增與已修正", "條款", ["新增", "已修正"]),
                chart_frame=chart_rows.reset_index(drop=True),
            )
        )
        trend = history.trend()
        wide = trend.pivot_table(
            index="month", columns="clause", values="count", aggfunc="sum", fill_value=0
        )
        top = list(wide.sum().sort_values(ascending=False, kind="stable").index[:TREND_CLAUSES])
        top = sorted(top)
        table = pd.DataFrame({"月份": wide.index})
        for clause in top:
            table[clause] = wide[clause].astype(int).values
        table["全部錯誤"] = wide.sum(axis=1).astype(int).values
        views.append(
            View(
                "trend",
                "趨勢（歷次檢查）",
                f"每月（檢查日期 --as-of）各條款的錯誤數：每個檔案取該月最後一次檢查；"
                f"列出錯誤最多的 {len(top)} 個條款與全部錯誤。",
                table,
                Chart("line", "各月錯誤數（按條款）", "月份", top),
            )
        )

    totals: dict[str, int | str] = {
        "檔案": len(files),
        "無法讀取": int(sum(1 for f in report.files if f.error)),
        "違規": len(v),
        "錯誤": int((v["severity"] == ERROR).sum()),
        "警告": int((v["severity"] == WARNING).sum()),
    }
    if changes is not None:
        totals["新增"] = int(changes["new"].sum())
        totals["已修正"] = int(changes["fixed"].sum())
    return Overview(
        title="opsbook 違規總覽",
        as_of=report.as_of.strftime("%Y-%m-%d %H:%M"),
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        totals=totals,
        views=views,
    )


KIND_TEXT = {
    "posts": "發布日誌",
    "inspections": "入戶安檢",
    "design_costs": "設計費用",
    "": "（未識別）",
}


def _count(v: pd.DataFrame, by: str) -> pd.DataFrame:
    if not len(v):
        return pd.DataFrame(columns=[ERROR, WARNING], dtype=int)
    table = v.groupby([by, "severity"]).size().unstack(fill_value=0)
    for col in (ERROR, WARNING):
        if col not in table:
            table[col] = 0
    return table[[ERROR, WARNING]].astype(int)


def _gloss(clause: str) -> str:
    from ..regulations import CLAUSES

    found = CLAUSES.get(clause)
    return found.gloss if found else ""


def _rel(path: str, base: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).absolute(), base.absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).absolute().as_uri()


def _changes(history, run: int, report) -> pd.DataFrame:
    """New/fixed/open of this run against each file's previous run, with the run's file
    labels (``path``) beside the identities."""
    from ..history.store import file_identities

    diff = history.diff(b=run)
    identity = file_identities([f.file for f in report.files])
    label = {ident: lab for lab, ident in identity.items()}
    table = diff.table.copy()
    table["path"] = table["file"].map(label)
    table.attrs["compared"] = {label[f] for f in diff.files if f in label}
    return table
