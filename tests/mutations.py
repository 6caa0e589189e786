"""A seeded mutation run: workbooks corrupted as a damaged file would be, one XML part at a
time, then checked, written and cleared by opsbook, each case judged for crashes, hangs,
data loss, malformed parts written and refusals that do not name their file.

``cases(seed, n, samples)`` makes the mutated workbooks; ``run(cases, workdir)`` runs them
in a worker process (``python tests/mutations.py WORKDIR``) that writes one JSON line per
case; a worker killed by a signal (a Rust abort) or stuck past the timeout marks its case
and a new worker goes on with the next one.  So an abort is seen, never the end of the run.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

AS_OF = "2026-11-26"
TIMEOUT = float(os.environ.get("OPSBOOK_MUTATION_TIMEOUT", "240"))  # seconds a case may take
# Exception names that mean opsbook failed, not that it refused the file.
INTERNAL = re.compile(
    r"\b(TypeError|AttributeError|KeyError|IndexError|NameError|UnboundLocalError|"
    r"AssertionError|ZeroDivisionError|RecursionError|Traceback)\b|opsbook failed on this file"
)
_START_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)\b[^<>]*?(/?)>")
_ATTR = re.compile(rb'\s([A-Za-z_][\w:.-]*)="([^"]*)"')
_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)<")
_NUMBER_V = re.compile(rb"<v>(-?[0-9.Ee+]+)</v>")
_SHARED_V = re.compile(rb'(<c\b[^>]*\st="s"[^>]*>\s*<v>)(\d+)(</v>)')
_TARGET = re.compile(rb'Target="(?!http)[^"]*"')
_SHEET_NAME = re.compile(rb'(<sheet\b[^>]*\sname=")([^"]*)(")')


@dataclass
class Case:
    id: str
    sample: str  # the workbook mutated
    part: str
    mutation: str
    file: str = ""  # the mutated workbook


@dataclass
class Outcome:
    id: str
    mutation: str
    part: str
    crashes: list[str] = field(default_factory=list)
    hang: bool = False
    data_loss: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    bad_refusals: list[str] = field(default_factory=list)
    refused: bool = False


# --- mutations ------------------------------------------------------------------------------


def _element_span(data: bytes, m: re.Match) -> tuple[int, int]:
    if m.group(2):
        return m.start(), m.end()
    close = data.find(b"</" + m.group(1) + b">", m.end())
    return (m.start(), close + len(m.group(1)) + 3) if close >= 0 else (m.start(), m.end())


def _tags(data: bytes) -> list[re.Match]:
    return [m for m in _START_TAG.finditer(data) if not m.group(0).startswith(b"<?")]


def delete_element(data, rng):
    tags = _tags(data)[1:]  # never the root
    if not tags:
        return data
    a, b = _element_span(data, rng.choice(tags))
    return data[:a] + data[b:]


def duplicate_element(data, rng):
    tags = _tags(data)[1:]
    if not tags:
        return data
    a, b = _element_span(data, rng.choice(tags))
    return data[:b] + data[a:b] + data[b:]


def reorder_elements(data, rng):
    """Swap an element with the next one of the same name (rows backwards, cells swapped)."""
    tags = _tags(data)[1:]
    rng.shuffle(tags)
    for m in tags[:50]:
        a, b = _element_span(data, m)
        nxt = next((t for t in _START_TAG.finditer(data, b) if t.group(1) == m.group(1)), None)
        if nxt is None:
            continue
        c, d = _element_span(data, nxt)
        return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]
    return data


def corrupt_attribute(data, rng):
    attrs = list(_ATTR.finditer(data))
    if not attrs:
        return data
    m = rng.choice(attrs)
    value = rng.choice(
        [b"XFD1048577", b"XFE1", b"A0", b"999999", b"bogus", b"-1", b"NaN", b"1e308", b""]
    )
    return data[: m.start(2)] + value + data[m.end(2) :]


def reference_past_grid(data, rng):
    refs = list(re.finditer(rb'\sr="([A-Z]+\d+)"', data))
    if not refs:
        return data
    m = rng.choice(refs)
    return data[: m.start(1)] + rng.choice([b"XFD1048577", b"XFE7", b"A1048577"]) + data[m.end(1) :]


def odd_style_or_type(data, rng):
    cells = list(re.finditer(rb"<c\b", data))
    if not cells:
        return data
    at = rng.choice(cells).end()
    return data[:at] + rng.choice([b' s="999999"', b' t="bogus"', b' s="-3"']) + data[at:]


def huge_number(data, rng):
    numbers = list(_NUMBER_V.finditer(data))
    if not numbers:
        return corrupt_attribute(data, rng)
    m = rng.choice(numbers)
    value = rng.choice([b"1e308", b"-1e308", b"NaN", b"-1", b"99999999999999999999", b"inf"])
    return data[: m.start(1)] + value + data[m.end(1) :]


def control_character(data, rng):
    texts = list(_TEXT.finditer(data))
    if not texts:
        return data
    m = rng.choice(texts)
    return (
        data[: m.start(1)] + rng.choice([b"&#x8;", b"\x01", b"&#0;", b"\x1b"]) + data[m.start(1) :]
    )


def truncate(data, rng):
    return data[: rng.randrange(len(data) // 4, max(len(data) - 1, len(data) // 4 + 1))]


def unknown_element(data, rng):
    tags = [m for m in _tags(data) if not m.group(2)]
    if not tags:
        return data
    at = rng.choice(tags).end()
    return data[:at] + rng.choice([b"<bogus/>", b'<bogus a="1">x</bogus>']) + data[at:]


def shared_string_out_of_range(data, rng):
    cells = list(_SHARED_V.finditer(data))
    if not cells:
        return reference_past_grid(data, rng)
    m = rng.choice(cells)
    return data[: m.start(2)] + b"999999" + data[m.end(2) :]


def missing_relationship(data, rng):
    targets = list(_TARGET.finditer(data))
    if not targets:
        return data
    m = rng.choice(targets)
    return data[: m.start()] + b'Target="missing/none.xml"' + data[m.end() :]


def duplicate_sheet_name(data, rng):
    names = list(_SHEET_NAME.finditer(data))
    if len(names) < 2:
        return delete_element(data, rng)
    first, other = names[0], rng.choice(names[1:])
    return data[: other.start(2)] + first.group(2) + data[other.end(2) :]


def stray_far_cell(data, rng):
    ref = rng.choice([b"XFD1048576", b"XFD200000", b"Z900000"])
    row = re.sub(rb"^[A-Z]+", b"", ref)
    cell = b'<row r="' + row + b'"><c r="' + ref + b'" t="inlineStr"><is><t>x</t></is></c></row>'
    data = re.sub(rb"<dimension\b[^>]*/>", b"", data, count=1) if rng.random() < 0.5 else data
    return data.replace(b"</sheetData>", cell + b"</sheetData>", 1)


def utf16_part(data, rng):
    import codecs

    text = data.decode("utf-8", "replace")
    if text.startswith("<?xml"):
        text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-16"', text, count=1)
    else:
        text = '<?xml version="1.0" encoding="UTF-16"?>\n' + text
    if rng.random() < 0.5:
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return codecs.BOM_UTF16_BE + text.encode("utf-16-be")


# mutation → the parts it is tried on ("sheet" is any worksheet)
MUTATIONS = {
    "delete_element": ("sheet", "styles", "workbook", "rels", "types"),
    "duplicate_element": ("sheet", "styles", "workbook", "types"),
    "reorder_elements": ("sheet", "styles"),
    "corrupt_attribute": ("sheet", "styles", "workbook", "rels"),
    "reference_past_grid": ("sheet",),
    "odd_style_or_type": ("sheet",),
    "huge_number": ("sheet", "styles"),
    "control_character": ("sheet",),
    "truncate": ("sheet", "styles", "workbook", "rels", "types"),
    "unknown_element": ("sheet", "styles", "workbook", "types"),
    "shared_string_out_of_range": ("sheet",),
    "missing_relationship": ("rels",),
    "duplicate_sheet_name": ("workbook",),
    "stray_far_cell": ("sheet",),
    "utf16_part": ("sheet", "styles", "workbook", "rels", "types"),
}
_FUNCS = {name: globals()[name] for name in MUTATIONS}


def _parts(path: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    return {
        "sheet": [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")],
        "styles": [n for n in names if n == "xl/styles.xml"],
        "workbook": [n for n in names if n == "xl/workbook.xml"],
        "rels": [n for n in names if n.endswith(".rels")],
        "types": [n for n in names if n == "[Content_Types].xml"],
    }


def make_cases(seed: int, n: int, samples: list[Path], folder: Path) -> list[Case]:
    """``n`` mutated workbooks, spread evenly over ``samples`` and the mutations."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Case] = []
    kinds = list(MUTATIONS)
    for i in range(n):
        sample = samples[i % len(samples)]
        mutation = kinds[(i // len(samples)) % len(kinds)]
        parts = [p for kind in MUTATIONS[mutation] for p in _parts(sample)[kind]]
        part = rng.choice(parts)
        case = Case(f"{i:04d}-{mutation}", sample.name, part, mutation)
        dst = folder / f"{case.id}.xlsx"
        mutate = _FUNCS[mutation]
        with (
            zipfile.ZipFile(sample) as zin,
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout,
        ):
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename == part:
                    data = mutate(data, rng)
                zout.writestr(info.filename, data)
        case.file = str(dst)
        made.append(case)
    return made


# --- the worker: one process, many cases --------------------------------------------------


def _values(path: Path) -> dict[str, tuple] | None:
    """Every sheet's values as opsbook reads them (a sheet it refuses: None), None when the
    file cannot be read at all.  opsbook's reader, not calamine's whole-sheet read: that
    one aborts on the stray-cell cases."""
    from opsbook.errors import OpsbookError
    from opsbook.workbook.reader import FileReader

    try:
        reader = FileReader(path)
    except OpsbookError:
        return None
    try:
        out: dict[str, tuple] = {}
        for name in reader.sheet_names():
            try:
                sheet = reader.read(name)
            except OpsbookError:
                out[name] = None
                continue
            grid = sheet.grid().astype(object)
            out[name] = (
                sheet.origin_row,
                sheet.origin_col,
                grid.where(grid.notna(), None).values.tolist(),
            )
        return out
    finally:
        reader.close()


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def _lines(result) -> list[str]:
    return [line for line in (result.output or "").splitlines() if line.strip()]


def _judge_lines(outcome: Outcome, result, path: Path, command: str) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        outcome.crashes.append(f"{command}: {type(result.exception).__name__}: {result.exception}")
    for line in _lines(result):
        if INTERNAL.search(line):
            outcome.crashes.append(f"{command}: {line}")
        if line.lstrip().startswith("✗"):
            outcome.refused = True
            if path.name not in line:
                outcome.bad_refusals.append(f"{command}: {line}")


def _malformed(before: dict[str, bytes], after_path: Path) -> list[str]:
    from opsbook.ooxml.encoding import utf8_chunks
    from opsbook.ooxml.wellformed import xml_error

    bad = []
    for name, data in _members(after_path).items():
        if not name.lower().endswith((".xml", ".rels")) or before.get(name) == data:
            continue  # not written by opsbook: the user's bytes, broken or not
        error = xml_error(utf8_chunks([data]))
        if error:
            bad.append(f"{name}: {error}")
    return bad


def _lost(original: dict | None, after: dict | None, where: str) -> list[str]:
    """Sheets of the original whose values opsbook changed (its marks change styles only)."""
    if original is None:
        return []
    if after is None:
        return [f"{where}: the written workbook cannot be read"]
    lost = []
    for sheet, values in original.items():
        if sheet not in after:
            lost.append(f"{where}: sheet {sheet!r} gone")
        elif values is not None and after[sheet] != values:
            lost.append(f"{where}: values of {sheet!r} changed")
    return lost


def run_case(case: Case, workdir: Path) -> Outcome:
    from click.testing import CliRunner

    from opsbook.cli import cli

    if case.mutation == "_abort":  # the harness's own test: a worker killed by a signal
        os.abort()
    if case.mutation == "_hang":  # … and one that never ends
        time.sleep(10**6)
    runner = CliRunner()
    outcome = Outcome(case.id, case.mutation, case.part)
    src = Path(case.file)
    original_bytes = src.read_bytes()
    before = _members(src)
    original = _values(src)
    target = workdir / src.name
    shutil.copy(src, target)
    # validate --write: the file itself, with its backup
    result = runner.invoke(cli, ["validate", str(target), "--as-of", AS_OF, "--write"])
    _judge_lines(outcome, result, target, "write")
    written = target.read_bytes() != original_bytes
    backup = target.with_name(f"{target.stem}.opsbook-backup{target.suffix}")
    if written:
        if backup.exists() and backup.read_bytes() != original_bytes:
            outcome.data_loss.append("write: the backup is not the file as it was")
        outcome.malformed += _malformed(before, target)
        outcome.data_loss += _lost(original, _values(target), "write")
    # clear: back to the user's cells
    result = runner.invoke(cli, ["clear", str(target), "--no-backup"])
    _judge_lines(outcome, result, target, "clear")
    if target.read_bytes() != original_bytes:
        outcome.malformed += [f"clear: {m}" for m in _malformed(before, target)]
        outcome.data_loss += _lost(original, _values(target), "clear")
    # validate --output: a new workbook beside, the file untouched
    out = workdir / "out"
    out.mkdir(exist_ok=True)
    result = runner.invoke(cli, ["validate", str(src), "--as-of", AS_OF, "--output", str(out)])
    _judge_lines(outcome, result, src, "output")
    if src.read_bytes() != original_bytes:
        outcome.data_loss.append("output: the source file changed")
    for made in out.glob(f"{src.stem}*"):
        outcome.malformed += [f"output: {m}" for m in _malformed(before, made)]
        made.unlink()
    target.unlink(missing_ok=True)
    backup.unlink(missing_ok=True)
    return outcome


def worker(workdir: Path) -> None:
    """Run the cases of workdir/cases.json from the index in workdir/next, appending one
    JSON line per case to workdir/results.jsonl and the case started to workdir/started."""
    cases = [Case(**c) for c in json.loads((workdir / "cases.json").read_text())]
    start = int((workdir / "next").read_text())
    scratch = workdir / "scratch"
    scratch.mkdir(exist_ok=True)
    for index in range(start, len(cases)):
        (workdir / "started").write_text(str(index))
        outcome = run_case(cases[index], scratch)
        with (workdir / "results.jsonl").open("a") as fh:
            fh.write(json.dumps(asdict(outcome), ensure_ascii=False) + "\n")


def run(cases: list[Case], workdir: Path, timeout: float = TIMEOUT) -> list[Outcome]:
    """Every case run by worker processes; an aborted or stuck worker marks its case."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "cases.json").write_text(json.dumps([asdict(c) for c in cases]))
    results = workdir / "results.jsonl"
    results.write_text("")
    index = 0
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH")])
        ),
    }
    while index < len(cases):
        (workdir / "next").write_text(str(index))
        (workdir / "started").write_text(str(index))
        proc = subprocess.Popen(
            [sys.executable, __file__, str(workdir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        done = len(results.read_text().splitlines())
        last_progress = time.monotonic()
        while proc.poll() is None:
            time.sleep(0.2)
            now_done = len(results.read_text().splitlines())
            if now_done != done:
                done, last_progress = now_done, time.monotonic()
            elif time.monotonic() - last_progress > timeout:
                proc.kill()
                proc.wait()
                break
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        done = len(results.read_text().splitlines())
        if done >= len(cases):
            break
        failed = cases[done]
        outcome = Outcome(failed.id, failed.mutation, failed.part)
        if (
            proc.returncode is not None
            and proc.returncode < 0
            and time.monotonic() - last_progress <= timeout
        ):
            outcome.crashes.append(f"the process died (signal {-proc.returncode}): {stderr[-300:]}")
        elif proc.returncode in (None, -9):
            outcome.hang = True
        else:
            outcome.crashes.append(f"the worker stopped (exit {proc.returncode}): {stderr[-300:]}")
        with results.open("a") as fh:
            fh.write(json.dumps(asdict(outcome), ensure_ascii=False) + "\n")
        index = done + 1
    return [Outcome(**json.loads(line)) for line in results.read_text().splitlines()]


if __name__ == "__main__":
    worker(Path(sys.argv[1]))
