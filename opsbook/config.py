"""Settings: every threshold the rules use, with documented defaults.

An optional ``opsbook.toml`` next to the workbook (or ``--config PATH``) overrides any of
them; ``opsbook config --show`` prints the effective settings.  Unknown keys are an error so
a typo is never silently ignored.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import tomli_w

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "opsbook.toml"

# Each default carries the reason it is what it is, as a comment here (`opsbook config --show`
# prints the values in effect; the reasons live in this file).  Each workbook kind's section
# (posts, inspections, design_costs …) is declared with its reasons in the kind's
# ``settings.py`` and added here, after general, when the kind registers (opsbook.kinds).
DEFAULTS: dict[str, dict[str, Any]] = {
    "general": {
        # zh-Hant (default), zh-Hans or en: language of messages written into workbooks.
        "language": "zh-Hant",
        # Working-day calendar: the mainland-China calendar with make-up workdays.
        "calendar": "CN",
        # How many rows from the top are searched for the header row.
        "header_scan_rows": 30,
        # `validate --write` and `clear` keep the previous file as NAME.opsbook-backup.xlsx.
        "backup": True,
        # Workbooks larger than this are read but not patched (say so, suggest --report).
        "max_patch_mb": 300,
        # The most one part of a workbook (a sheet's XML, say) may inflate to: far above any
        # real workbook (the 993-file corpus' largest part is 1.4 MB, a 100k-row sheet 95 MB),
        # below a "zip bomb" (2 MB that inflates to gigabytes). Such a file is not patched.
        "max_part_mb": 1024,
    },
    "reports": {
        # A platform metric that fell by more than this % against the previous period is marked.
        "drop_alert_pct": 20,
    },
    "overview": {
        # `validate --overview`: a workbook's team is the first group of this regular
        # expression, searched in its path as given ("/" separators).  The default takes the
        # file name's part before the first "_", "-" or space (A組_發布日誌.xlsx → A組); the
        # folder it is in: "([^/]+)/[^/]+$".  No match: 未分組.
        "team_pattern": r"([^/_\-－ ]+)[_\-－ ][^/]*$",
    },
}


def load_config(path: Path | None = None, near: Path | None = None) -> dict[str, dict[str, Any]]:
    """Defaults overlaid with ``path`` (or an ``opsbook.toml`` found beside ``near``)."""
    settings = copy.deepcopy(DEFAULTS)
    if path is None and near is not None:
        folder = near if near.is_dir() else near.parent
        candidate = folder / CONFIG_NAME
        path = candidate if candidate.exists() else None
    if path is None:
        return settings
    try:
        overrides = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from exc
    for section, values in overrides.items():
        if section not in settings or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown section [{section}]")
        for key, value in values.items():
            if key not in settings[section]:
                raise ConfigError(f"{path}: unknown setting {section}.{key}")
            expected = type(DEFAULTS[section][key])
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected):
                raise ConfigError(
                    f"{path}: {section}.{key} must be {expected.__name__}, got {value!r}"
                )
            settings[section][key] = value
    if settings["general"]["language"] not in {"zh-Hant", "zh-Hans", "en"}:
        raise ConfigError(f"{path}: general.language must be zh-Hant, zh-Hans or en")
    return settings


def dump_config(settings: dict[str, dict[str, Any]]) -> str:
    return tomli_w.dumps(settings)
