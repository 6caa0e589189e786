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
WATCH_SECTIONS = ("schedule", "notify")  # `opsbook watch` settings, not the rules

# Each default carries the reason it is what it is, as a comment here (`opsbook config --show`
# prints the values in effect; the reasons live in this file).
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
    "posts": {
        # R1 = 運營規章制度1; R3 = 運營規章制度3 §四 (every web post GM-confirmed, ≥1 post a week).
        "profile": "R1",
        # Platforms that are "the website" (R1 ch.4); every other platform is new media (ch.5).
        "website_platforms": ["官網", "官方網站", "網站", "公司網站", "website"],
        # New-media platforms that must post every day (R1-5.5.1); empty = every new-media
        # platform that appears in the post log.
        "daily_platforms": [],
        # Count weekends in the daily cadence (the regulation says 每天, so yes by default).
        "daily_includes_weekends": True,
        # Website posts per ISO week (R1-4.5.1: 3; the R3 profile uses R3-4.6.1's 1).
        "website_posts_per_week": 3,
        "news_categories": ["公司新聞", "重大活動", "重大新聞"],
        "news_working_days": 3,
        "promo_categories": ["促銷活動", "重大促銷"],
        "promo_days_ahead": 3,
        "inquiry_reply_hours": 12,
        # Roles (roster 職位) that count as operations manager / general manager.
        "manager_roles": ["運營經理", "運營部經理", "運營部負責人", "運營總監"],
        "gm_roles": ["總經理"],
    },
    "inspections": {
        "min_yearly_visits": 2,
        "residential_types": ["民用", "居民", "residential"],
        "blacklist_months": 3,
        # Days allowed between blacklisting and the follow-up visit; 0 = any time after listing.
        "blacklist_followup_days": 0,
        # R2-1.6: minimum visits per period for public-service/industrial customers; 0 = off.
        "key_customer_min_visits": 0,
        "key_customer_period": "quarter",  # month | quarter | year
        "key_customer_types": ["公服", "工業"],
    },
    "design_costs": {
        # R3-3.12 "每個月月初": items of month M are settled by this working day of month M+1
        # (mainland calendar; the 5th working day keeps "early in the month" after a holiday).
        "settlement_working_day": 5,
        # R3-3.6: the design-cycle table's days are working days (designers' working time).
        "cycle_in_working_days": True,
        # R3-2.3.1: spend against the department's yearly budget warns from this share.
        "budget_warn_ratio": 0.9,
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
        if section in WATCH_SECTIONS and isinstance(values, dict):
            continue  # [schedule], [notify.NAME]: read and checked by opsbook.schedule/.notify
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
