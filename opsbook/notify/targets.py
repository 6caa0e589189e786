"""Notification targets from ``[notify.NAME]`` tables, and their secrets.

A secret (a robot's key, DingTalk's signing secret, an SMTP password, a webhook token) is
never written in opsbook.toml, which sits in a shared folder: ``key_env = "VAR"`` names an
environment variable, ``key_file = "PATH"`` a file only its owner can read (mode 600 on
POSIX; refused otherwise).  A value written inline is refused with the way to fix it.
Secrets are kept out of ``repr`` and every message opsbook prints.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

TYPES = ("wecom", "dingtalk", "email", "webhook")
EVENTS = ("workbook", "report")
ENDPOINTS = {
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "dingtalk": "https://oapi.dingtalk.com/robot/send",
}
SECRETS = {  # per type: secret name → required
    "wecom": {"key": True},
    "dingtalk": {"access_token": True, "secret": False},
    "email": {"password": False},
    "webhook": {"token": False},
}
PLAIN: dict[str, dict[str, object]] = {  # per type: the other settings and their defaults
    "wecom": {"url": ENDPOINTS["wecom"]},
    "dingtalk": {"url": ENDPOINTS["dingtalk"]},
    "email": {
        "host": "",
        "port": 587,
        "starttls": True,
        "username": "",
        "sender": "",
        "to": [],
        "cafile": "",  # a private CA for the SMTP server's certificate
        "attach_max_mb": 5.0,
    },
    "webhook": {"url": ""},
}
COMMON: dict[str, object] = {
    "teams": [],
    "events": list(EVENTS),
    "retries": 3,
    "backoff_s": 2.0,
    "timeout_s": 20.0,
}


@dataclass
class Target:
    name: str
    type: str
    settings: dict
    secrets: dict = field(default_factory=dict, repr=False)

    @property
    def events(self) -> list[str]:
        return self.settings["events"]

    def takes(self, event: str, team: str | None) -> bool:
        """Whether this target is told about ``event`` for a workbook of ``team`` (a target
        with no ``teams`` hears about every team)."""
        teams = self.settings["teams"]
        return event in self.events and (not teams or team is None or team in teams)


def load_targets(raw: dict | None, where: str = "opsbook.toml") -> dict[str, Target]:
    """Every ``[notify.NAME]`` table as a Target, secrets resolved."""
    targets = {}
    for name, table in (raw or {}).items():
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [notify.{name}] must be a table")
        targets[name] = _target(name, dict(table), where)
    return targets


def _target(name: str, table: dict, where: str) -> Target:
    label = f"{where}: [notify.{name}]"
    kind = table.pop("type", None)
    if kind not in TYPES:
        raise ConfigError(f"{label}: type must be one of {', '.join(TYPES)}")
    settings: dict[str, Any] = {**COMMON, **PLAIN[kind]}
    secrets = {}
    for secret, required in SECRETS[kind].items():
        if secret in table:
            raise ConfigError(
                f'{label}: {secret} is a secret; give {secret}_env = "VARIABLE" or '
                f'{secret}_file = "PATH" (a file only you can read) instead'
            )
        value = _secret(
            label, secret, table.pop(f"{secret}_env", None), table.pop(f"{secret}_file", None)
        )
        if value is None and required:
            raise ConfigError(f"{label}: {secret}_env or {secret}_file is required")
        if value is not None:
            secrets[secret] = value
    for key, given in table.items():
        if key not in settings:
            raise ConfigError(f"{label}: unknown setting {key}")
        expected = type(settings[key])
        if expected is float and isinstance(given, int):
            given = float(given)
        if not isinstance(given, expected):
            raise ConfigError(f"{label}: {key} must be {expected.__name__}, got {given!r}")
        settings[key] = given
    if set(settings["events"]) - set(EVENTS):
        raise ConfigError(f"{label}: events are {', '.join(EVENTS)}")
    if kind == "webhook" and not settings["url"]:
        raise ConfigError(f"{label}: url is required")
    if kind == "email" and not (settings["host"] and settings["sender"] and settings["to"]):
        raise ConfigError(f"{label}: host, sender and to are required")
    return Target(name, kind, settings, secrets)


def _secret(label: str, name: str, env: str | None, file: str | None) -> str | None:
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise ConfigError(f"{label}: the environment variable {env} ({name}) is not set")
        return value
    if file is not None:
        path = Path(file).expanduser()
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise ConfigError(f"{label}: {name}_file {path}: {exc.strerror}") from None
        # Windows has no mode bits to speak of: its ACLs are the user's profile folder's.
        if sys.platform != "win32" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"{label}: {name}_file {path} is readable by others; run chmod 600 {path}"
            )
        return path.read_text(encoding="utf-8").strip()
    return None
