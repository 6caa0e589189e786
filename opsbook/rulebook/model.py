"""The rulebook: the rules and their settings as data, each row with the dates it is in force.

A rulebook is a list of ``Entry`` rows, one per *version* of a rule or of a setting:

- a rule row (``type`` ``rule``, ``python`` or ``aggregate``): its id, clause, table, 條件
  (``when``), 違規條件 (``fails_if``), 標註欄 (``target``), 嚴重度, messages, 生效日
  (``since``), 失效日 (``until``, inclusive) and 啟用.  Only a ``rule`` row (declared in the
  vocabulary) may change its expressions; a Python or aggregate rule keeps its code and may
  change its severity, messages, dates and 啟用, and the settings it reads;
- a setting row (``type`` ``setting``): ``id`` is ``section.name``, ``value`` its value.

``from_kinds`` makes the rulebook of the built-in catalog (what ``opsbook rules export``
writes); ``to_data``/``from_data`` are the TOML form; opsbook.rulebook.xlsx the workbook form.
Both forms give the same ``Rulebook`` (tests/test_rulebook.py).  ``digest`` hashes the rules'
canonical form, not the file's bytes: a rulebook re-saved by Excel, re-ordered or re-styled
names the same version and gives a byte-identical report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field, fields

RULE, PYTHON, AGGREGATE, SETTING = "rule", "python", "aggregate", "setting"
TYPES = (RULE, PYTHON, AGGREGATE, SETTING)
TYPE_ZH = {RULE: "規則", PYTHON: "Python規則", AGGREGATE: "彙總規則", SETTING: "設定"}
ZH_TYPE = {v: k for k, v in TYPE_ZH.items()}
SEVERITY_ZH = {"error": "錯誤", "warning": "警告"}
ZH_SEVERITY = {v: k for k, v in SEVERITY_ZH.items()}


@dataclass(frozen=True)
class Entry:
    kind: str
    type: str
    id: str
    clause: str = ""
    table: str = ""
    when: str = ""
    fails_if: str = ""
    target: str = ""  # column keys, ", " between several (the first present is marked)
    severity: str = ""
    message: str = ""
    message_en: str = ""
    value: object = None  # a setting's value
    since: dt.date | None = None  # 生效日: in force from this day (None: always)
    until: dt.date | None = None  # 失效日: in force through this day (None: no end)
    enabled: bool = True
    title: str = ""  # what the rule checks / why it stays Python (read-only)

    def in_force(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.target.split(",") if t.strip())


@dataclass
class Rulebook:
    entries: list[Entry] = field(default_factory=list)
    source: str = ""  # the file it was read from
    # Where each entry's fields were read (field → "sheet!E5"), parallel to ``entries``:
    # `rules check` names the cell.  Not part of the rules (nor of the digest).
    cells: list[dict[str, str]] = field(default_factory=list)
    waivers: list = field(default_factory=list)  # its 例外 (opsbook.rulebook.waivers.Waiver)

    def cell(self, i: int, name: str) -> str:
        if i < len(self.cells) and name in self.cells[i]:
            return self.cells[i][name]
        e = self.entries[i]
        return f"[{e.kind}] {e.id} {name}"

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    def kinds(self) -> list[str]:
        return list(dict.fromkeys(e.kind for e in self.entries))

    def digest(self) -> str:
        """sha256 of the canonical rules (sorted, typed): the rulebook's version."""
        canon = sorted(
            json.dumps(_plain(e), ensure_ascii=False, sort_keys=True) for e in self.entries
        ) + sorted(json.dumps(_waiver(w), ensure_ascii=False, sort_keys=True) for w in self.waivers)
        return hashlib.sha256("\n".join(canon).encode("utf-8")).hexdigest()

    def to_data(self) -> dict:
        """The TOML form: ``{kind: {"rules": [...], "settings": [...]}}``, empty fields left out."""
        out: dict = {}
        for e in self.entries:
            row = {k: v for k, v in asdict(e).items() if k != "kind" and v not in ("", None)}
            if row.get("enabled") is True:
                del row["enabled"]
            group = "settings" if e.type == SETTING else "rules"
            out.setdefault(e.kind, {}).setdefault(group, []).append(row)
        if self.waivers:
            out["waivers"] = [
                {k: v for k, v in _waiver(w).items() if v not in ("", None)}
                | {
                    k: getattr(w, k)
                    for k in ("approved_on", "valid_until", "new_due")
                    if getattr(w, k)
                }
                for w in self.waivers
            ]
        return out

    @classmethod
    def from_data(cls, data: dict, source: str = "") -> Rulebook:
        from .waivers import Waiver

        names = {f.name for f in fields(Entry)}
        entries = []
        data = dict(data)
        waivers = [
            Waiver(**w, where=f"[[waivers]] #{i}", sheet_of="", row_of=None)
            for i, w in enumerate(data.pop("waivers", []), start=1)
        ]
        for kind, groups in data.items():
            for group in ("rules", "settings"):
                for row in groups.get(group, []):
                    unknown = set(row) - names
                    if unknown:
                        raise ValueError(
                            f"{source}: [{kind}.{group}] {row.get('id')}: unknown "
                            f"field {', '.join(sorted(unknown))}"
                        )
                    entries.append(Entry(kind=kind, **row))
        return cls(entries, source, waivers=waivers)


def _waiver(w) -> dict:
    d = asdict(w)
    for k in ("approved_on", "valid_until", "new_due"):
        d[k] = d[k].isoformat() if d[k] else None
    for k in ("where", "sheet_of", "row_of", "approver_cell"):  # where it is written
        d.pop(k)
    return d


def _plain(e: Entry) -> dict:
    d = asdict(e)
    for k in ("since", "until"):
        d[k] = d[k].isoformat() if d[k] else None
    d.pop("title")  # read-only text: editing it changes no judgement
    return d


def from_kinds(settings: dict, kind: str | None = None) -> Rulebook:
    """The rulebook of the built-in catalog, with the settings in effect (``settings``)."""
    from .. import kinds
    from ..catalog.base import RowRule

    entries = []
    for k in kinds.kinds():
        if kind and k.name != kind:
            continue
        for r in k.rules:
            declared = r if isinstance(r, RowRule) and r.declared else None
            type_ = RULE if declared else (PYTHON if r.kind == "row" else AGGREGATE)
            target = getattr(r, "target", "")
            why = getattr(r, "why_python", "")
            entries.append(
                Entry(
                    kind=k.name,
                    type=type_,
                    id=r.id,
                    clause=r.clause,
                    table=r.table,
                    when=(declared.when or "") if declared else "",
                    fails_if=(declared.fails_if or "") if declared else "",
                    target=target if isinstance(target, str) else ", ".join(target),
                    severity=r.severity,
                    message=r.message,
                    message_en=r.message_en,
                    title=r.title + (f" — Python: {why}" if why else ""),
                )
            )
        if k.settings:
            for name, value in settings.get(k.settings, {}).items():
                entries.append(
                    Entry(kind=k.name, type=SETTING, id=f"{k.settings}.{name}", value=value)
                )
    return Rulebook(entries)


def load(path) -> Rulebook:
    """A rulebook from an .xlsx/.xlsm workbook or a .toml file (errors: RulebookError)."""
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .xlsx import read_xlsx

        return read_xlsx(path)
    if path.suffix.lower() == ".toml":
        import sys

        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib

        try:
            return Rulebook.from_data(tomllib.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError, TypeError) as exc:
            raise RulebookError([f"{path}: {exc}"]) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # PyYAML: the `schema` extra (opsbook schema writes YAML with it too)

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return Rulebook.from_data(data, str(path))
        except (OSError, ValueError, TypeError, yaml.YAMLError) as exc:
            raise RulebookError([f"{path}: {exc}"]) from None
    raise RulebookError([f"{path}: a rulebook is an .xlsx, .toml or .yaml file"])


def dump_yaml(book: Rulebook) -> str:
    import yaml

    return yaml.safe_dump(book.to_data(), allow_unicode=True, sort_keys=False)


def dump_toml(book: Rulebook) -> str:
    import tomli_w

    return tomli_w.dumps(book.to_data())


class RulebookError(ValueError):
    """The rulebook is wrong: one line per problem, each naming its sheet and cell."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines
