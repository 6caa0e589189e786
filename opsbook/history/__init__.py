"""The run history (``--history``): each run's violations, so the next run can say what is
new, what was fixed and what is still open.  ``store`` holds the database, ``records`` the
fingerprint and record month of each violation.

For one workbook (the Excel 驗證 button): ``workbook_changes(checked, path)`` records the
check and says how many violations were fixed and how many are new since the last recorded
check of that workbook; ``WorkbookChanges.message()`` is the sentence for the closing box.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .records import enrich

# The store (SQLAlchemy, 130 ms to import) is loaded when a name of it is first used: every
# check enriches its report through .records, few runs open a history.
_STORE_NAMES = ("DEFAULT_NAME", "Diff", "History", "HistoryError", "resolve_target")


def __getattr__(name: str):
    if name in _STORE_NAMES:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_NAME",
    "Diff",
    "History",
    "HistoryError",
    "WorkbookChanges",
    "enrich",
    "resolve_target",
    "workbook_changes",
]


@dataclass(frozen=True)
class WorkbookChanges:
    run: int  # the run just recorded
    previous: int | None  # the last earlier run that read this workbook (None: first check)
    previous_as_of: str | None
    new: int
    fixed: int
    still_open: int

    def message(self, lang: str = "zh-Hant") -> str:
        from ..text import localize

        if self.previous is None:
            return localize(
                "這是此活頁簿第一次記錄的檢查。", "First recorded check of this workbook.", lang
            )
        return localize(
            f"與上次檢查（{(self.previous_as_of or '')[:10]}）相比：已修正 {self.fixed} 條，"
            f"新增 {self.new} 條，仍未改正 {self.still_open} 條。",
            f"Since the last check ({(self.previous_as_of or '')[:10]}): {self.fixed} fixed, "
            f"{self.new} new, {self.still_open} still open.",
            lang,
        )


def workbook_changes(
    checked, path: str | Path, history: str | Path | None = None
) -> WorkbookChanges:
    """Record ``checked`` (one workbook's ``opsbook.engine.Checked``) in ``history`` (default:
    the history file beside the workbook) and compare it with the last earlier check of that
    workbook.  Raises ``HistoryError`` (one line) when the database cannot be used."""
    from .store import DEFAULT_NAME, History

    path = Path(path)
    enrich(checked)
    with History(history if history is not None else path.parent / DEFAULT_NAME) as db:
        run = db.record(checked.report, paths=[path], options={"source": "excel"})
        diff = db.diff(b=run)
        previous = None
        as_of = None
        if diff.files:
            files = db.files()
            earlier = files[
                (files["run_id"] < run) & files["file"].isin(diff.files) & files["error"].isna()
            ]
            previous = int(earlier["run_id"].max())
            as_of = str(earlier.loc[earlier["run_id"] == previous, "as_of"].iloc[0])
    return WorkbookChanges(
        run=run,
        previous=previous,
        previous_as_of=as_of,
        new=diff.new,
        fixed=diff.fixed,
        still_open=diff.still_open,
    )
