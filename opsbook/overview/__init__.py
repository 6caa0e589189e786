"""The overview of a batch run (``validate --overview PATH``): per file, team, clause,
severity and month of the records, the clauses broken most, the files with most errors, and,
with ``--history``, the trend over the recorded runs and what is new or fixed since each
file's previous run.  Two forms with the same numbers: 總覽.xlsx and 總覽.html.

``model`` computes the tables once; ``xlsx`` and ``html`` render them.
"""

from __future__ import annotations

from pathlib import Path

from .model import Overview, build

__all__ = ["Overview", "build", "overview_paths", "write_overview"]

NAME = "總覽"


def overview_paths(path: Path) -> tuple[Path, Path]:
    """PATH ending in .xlsx or .html names one form, the other goes beside it; any other
    PATH is a folder that gets 總覽.xlsx and 總覽.html."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".html", ".htm"):
        return path.with_suffix(".xlsx"), path.with_suffix(".html")
    return path / f"{NAME}.xlsx", path / f"{NAME}.html"


def write_overview(
    report, path: Path, settings: dict, history=None, run: int | None = None
) -> tuple[Path, Path]:
    """Write both forms; returns (xlsx, html)."""
    from .html import write_html
    from .xlsx import write_xlsx

    xlsx, html = overview_paths(Path(path))
    overview = build(report, settings, xlsx, history=history, run=run)
    write_xlsx(overview, xlsx)
    write_html(overview, html)
    return xlsx, html
