"""What a script or a notebook calls: check a workbook, annotate it, clear it.

    import opsbook
    checked = opsbook.check("workbooks/發布日誌.xlsx", as_of="2026-11-26")
    checked.report.frame            # one row per violation
    opsbook.annotate("workbooks/發布日誌.xlsx", "checked.xlsx", as_of="2026-11-26")
    opsbook.clear("checked.xlsx")

Unlike the batch command, these raise: a workbook that cannot be read or written raises an
``opsbook.OpsbookError`` subclass with a one-line message.
"""

from __future__ import annotations

from pathlib import Path

from .config import load_config
from .engine import as_of_moment
from .errors import UnreadableWorkbook
from .pipeline import check_file
from .report import Checked


def _settings(path: Path, config, lang):
    settings = config if isinstance(config, dict) else load_config(config, near=path)
    if lang:
        settings["general"]["language"] = lang
    return settings


def check(
    path,
    as_of=None,
    kind: str | None = None,
    config=None,
    lang: str | None = None,
    period=(None, None),
) -> Checked:
    """Check one workbook; the result holds the report (``.report.frame``: the violations),
    the tables read and the summaries.  ``config``: a settings file or a settings dict
    (default: opsbook.toml beside the workbook, else the defaults)."""
    path = Path(path)
    return _check(path, _settings(path, config, lang), as_of, kind, period)


def _check(path: Path, settings: dict, as_of, kind, period) -> Checked:
    checked = check_file(path, settings, as_of_moment(as_of), kind, period)
    error = checked.report.files[0].error
    if error:
        raise UnreadableWorkbook(error)
    return checked


def annotate(
    path,
    output=None,
    as_of=None,
    kind: str | None = None,
    config=None,
    lang: str | None = None,
    backup: bool | None = None,
) -> Checked:
    """Check ``path`` and write its marks, notes, violations sheet and summaries into
    ``output`` (default: the workbook itself, after a backup copy unless ``backup=False``)."""
    from .writers.annotate import write_annotated

    path = Path(path)
    settings = _settings(path, config, lang)
    checked = _check(path, settings, as_of, kind, (None, None))
    target = Path(output) if output else path
    write_annotated(path, target, checked, settings, backup=backup)
    checked.report.files[0].output = str(target)
    return checked


def clear(path, backup: bool = True) -> bool:
    """Remove everything opsbook wrote into ``path``; False when there was nothing."""
    from .workbook.reader import check_workbook_file
    from .writers.annotate import clear_file

    check_workbook_file(Path(path))
    return clear_file(Path(path), backup=backup)
