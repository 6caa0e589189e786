"""Make docs/images/embed-*.png: the posts sample after `opsbook embed`, one violation
typed in (a new-media post's 審核人 cleared: R1-5.2.3), rendered by LibreOffice headless to
PDF and by pdftoppm to PNG.  Run: PYTHONPATH=. python tests/embed_picture.py"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from opsbook.embed.write import embed_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="embed-picture-"))
    src = work / "發布日誌.xlsx"
    shutil.copy(ROOT / "workbooks" / "發布日誌.xlsx", src)
    embedded = work / "embedded.xlsx"
    embed_file(src, embedded, backup=False)
    wb = openpyxl.load_workbook(embedded)  # a throwaway copy for the picture only
    ws = wb["發布日誌"]
    ws["J4"] = None  # 審核人 typed away: R1-5.2.3 lights up (review_missing)
    ws["J6"] = "路人"  # not an operations manager on the roster: R1-5.2.3 (reviewer_not_manager)
    for sheet in wb.worksheets:
        if sheet.title not in ("發布日誌", "檢查說明"):
            sheet.sheet_state = "hidden"
    ws.print_area = "A3:L12"
    legend = wb["檢查說明"]
    legend.print_area = "A1:F10"
    for sheet in (ws, legend):
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 1
    typed = work / "typed.xlsx"
    wb.save(typed)
    profile = work / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(typed),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(work / "typed.pdf"), str(OUT / "embed")],
        check=True,
        timeout=120,
    )
    shutil.rmtree(work, ignore_errors=True)
    print(sorted(p.name for p in OUT.glob("embed*.png")))


if __name__ == "__main__":
    sys.exit(main())
