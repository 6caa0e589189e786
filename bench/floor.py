"""The floor of a run (issue 27): what any tool that reads a workbook and writes a copy of it
pays, whatever it checks.  Python starting, fastexcel reading every cell of every sheet
(as text, eagerly: what opsbook asks of it), and a raw copy of the package.

    python bench/floor.py WORKBOOK COPY
"""

from __future__ import annotations

import shutil
import sys

import fastexcel


def main() -> None:
    source, copy = sys.argv[1], sys.argv[2]
    reader = fastexcel.read_excel(source)
    cells = 0
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string", eager=True)
        cells += sheet.num_rows * sheet.num_columns if hasattr(sheet, "num_rows") else 0
        del sheet
    shutil.copyfile(source, copy)
    print(f"{cells} cells")


if __name__ == "__main__":
    main()
