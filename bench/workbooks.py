"""The benchmark's workbooks, generated once into bench/out/.

Inspections come from the sample builder scaled up (``customers``), in two shapes: the
issue's 18-column reference sheet, and the full contract with its purchase log and roster.
Post logs and design-cost ledgers are the bundled samples' main tables repeated to the size
asked for (companion sheets as they are): their seeded violations repeat with them, so a big
ledger also has thousands of cells to mark and note."""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).parent / "out"
SHAPES = ("reference", "full", "posts", "design_costs")
KIND = {"reference": "inspections", "full": "inspections", "posts": "posts", "design_costs": "design_costs"}
TOTAL_WORDS = {"合計", "總計", "小計", "合计", "总计", "小计"}


def workbook(rows: int, shape: str) -> tuple[Path, int]:
    """The workbook of ``rows`` data rows in ``shape`` and the row its header is on."""
    OUT.mkdir(exist_ok=True)
    names = {"full": f"inspections-{rows}.xlsx", "reference": f"inspections-reference-{rows}.xlsx"}
    path = OUT / names.get(shape, f"{shape}-{rows}.xlsx")
    if shape in ("reference", "full"):
        if not path.exists():
            from opsbook.samples.inspections import REFERENCE_HEADERS, build_inspections

            print(f"generating {path} …", flush=True)
            build_inspections(path, customers=max(rows // 4, 2001),
                              headers=REFERENCE_HEADERS if shape == "reference" else None)
        return path, 3
    return path, _tiled(path, rows, shape)


def _tiled(path: Path, rows: int, kind: str) -> int:
    from openpyxl import Workbook, load_workbook

    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_file
    from opsbook.samples.bundled import BUILDERS

    sample = OUT / f"sample-{kind}.xlsx"
    if not sample.exists():
        builder = {"posts": "發布日誌.xlsx", "design_costs": "平面設計費用.xlsx"}[kind]
        BUILDERS[builder](sample)
    main = next(t for t in check_file(sample, load_config(), as_of_moment("2026-11-26")).report.files[0].tables
                if t.table == kind)
    if path.exists():
        return main.header_row
    print(f"generating {path} …", flush=True)
    book = load_workbook(sample)
    values = list(book[main.sheet].iter_rows(values_only=True))
    head, body = values[: main.header_row], values[main.header_row:]
    body = [r for r in body if any(v is not None for v in r) and not TOTAL_WORDS & {str(v) for v in r[:3]}]
    out = Workbook(write_only=True)
    sheet = out.create_sheet(main.sheet)
    for row in head:
        sheet.append(row)
    for i in range(rows):
        sheet.append(body[i % len(body)])
    for ws in book.worksheets:
        if ws.title != main.sheet:
            copy = out.create_sheet(ws.title)
            for row in ws.iter_rows(values_only=True):
                copy.append(row)
    out.save(path)
    return main.header_row
