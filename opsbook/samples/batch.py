"""A folder of many teams' workbooks made from the three sample builders, for the overview's
done-when test and the cluster benchmark: ``TEAM_N組_KIND.xlsx`` for each team, copy and
kind.  ``month=2`` gives the next month's folder: in some teams' inspection logs a blank row
is inserted under the header (every record moves down a row), the seeded 統一著裝=否 cells
are fixed and one clean visit gets 統一著裝=否 — so the two runs have violations fixed, new
and still open, on rows that moved."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .bundled import BUILDERS

TEAMS = ["北區", "南區", "東區", "西區", "中區", "港區", "新區", "舊區"]
KINDS = {
    "posts": "發布日誌.xlsx",
    "inspections": "入戶安檢記錄.xlsx",
    "design_costs": "平面設計費用.xlsx",
}
UNIFORM = ("統一著裝", "统一着装")


@dataclass
class Batch:
    folder: Path
    files: list[Path]
    # file name → (sheet, worksheet row a blank row was inserted at) for the edited logs
    shifted: dict[str, tuple[str, int]] = field(default_factory=dict)
    fixed_cells: dict[str, int] = field(default_factory=dict)  # file name → uniform cells fixed
    new_cells: dict[str, int] = field(default_factory=dict)  # file name → uniform cells broken


def base_samples(cache: Path) -> dict[str, Path]:
    """The three sample workbooks, built once into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for kind, name in KINDS.items():
        path = cache / name
        if not path.exists():
            BUILDERS[name](path)
        out[kind] = path
    return out


def make_batch(
    folder: Path,
    cache: Path,
    teams: int = 8,
    copies: int = 4,
    month: int = 1,
    edited_teams: int = 4,
) -> Batch:
    samples = base_samples(cache)
    folder.mkdir(parents=True, exist_ok=True)
    batch = Batch(folder, [])
    for team in TEAMS[:teams]:
        for copy in range(1, copies + 1):
            for kind, name in KINDS.items():
                path = folder / f"{team}_{copy}組_{name}"
                shutil.copyfile(samples[kind], path)
                batch.files.append(path)
                if (
                    month >= 2
                    and kind == "inspections"
                    and copy == 1
                    and TEAMS.index(team) < edited_teams
                ):
                    _edit_inspections(path, batch)
    return batch


def _edit_inspections(path: Path, batch: Batch) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.worksheets[0]
    header_row, column = next(
        (cell.row, cell.column)
        for row in sheet.iter_rows(max_row=30)
        for cell in row
        if isinstance(cell.value, str) and cell.value.strip() in UNIFORM
    )
    fixed, clean = 0, []
    for row in range(header_row + 1, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=column)
        if cell.value == "否":
            cell.value = "是"
            fixed += 1
        elif cell.value is not None:
            clean.append(row)
    # one clean visit breaks R2-2.1's uniform rule: a visit in the middle of the log
    sheet.cell(row=clean[len(clean) // 2], column=column).value = "否"
    sheet.insert_rows(header_row + 1)
    book.save(path)
    batch.shifted[path.name] = (sheet.title, header_row + 1)
    batch.fixed_cells[path.name] = fixed
    batch.new_cells[path.name] = 1
