"""What a watch remembers between runs, and the record of its deliveries, beside the copies:
``.opsbook-watch.json`` (each workbook checked, as its size and modification time; the kind
it was recognised as; the scheduled runs made) and ``opsbook-notify.jsonl`` (one line per
delivery, failed or not)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

STATE_NAME = ".opsbook-watch.json"
LOG_NAME = "opsbook-notify.jsonl"


class StateFile:
    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / STATE_NAME
        self._saved = ""

    def load(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or unreadable: start afresh
            return {}

    def save(self, state: dict) -> None:
        text = json.dumps(state, ensure_ascii=False, indent=1)
        if text == self._saved:  # the tick changed nothing: the share is not written twice a second
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)  # a stop mid-write never leaves half a state
        self._saved = text

    def log(self, delivery, now: dt.datetime) -> None:
        entry = {"at": now.isoformat(timespec="seconds"), **delivery.__dict__}
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / LOG_NAME, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
