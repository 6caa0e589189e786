"""`opsbook excel template KIND`: a ready workbook for each kind — the headers, dropdowns
(data-validation lists for 是/否 and the lists the kind declares in
opsbook/kinds/: 用戶類型, 類別 …), an instruction sheet and the three
buttons (驗證, 月結/彙總, 清除標記) wired to the macros of opsbook.bas.

The .xlsm carries the same VBA project as opsbook.xlam (opsbook/excel/addin/build.py):
opsbook's module, and xlwings' RunPython module and Dictionary class read from the installed
xlwings package (BSD-licensed; none is committed here) — so the buttons' macros are there.
"""

from __future__ import annotations

import io
from pathlib import Path

from .. import kinds
from ..errors import OpsbookError

YES_NO = ["是", "否"]
BUTTONS = [("驗證", "OpsValidate"), ("月結 / 彙總", "OpsSummarize"), ("清除標記", "OpsClear")]
HELP = [
    "opsbook 範本",
    '1. 安裝：pip install "opsbook[excel]"，然後 opsbook excel addin install（設定 Excel 使用的 Python）',
    "2. 開啟本檔案時按「啟用內容」（巨集）；從網路下載的檔案先在檔案內容中勾選「解除封鎖」",
    "3. 在資料工作表填寫記錄，按「驗證」標出違規；按「月結 / 彙總」產生彙總表；按「清除標記」還原",
]


def build_template(kind: str, path: Path) -> Path:
    import xlsxwriter

    if kind not in kinds.names():
        raise OpsbookError(f"{kind}: not a workbook kind ({', '.join(kinds.names())})")
    declared = kinds.get(kind)
    from .addin.build import attach_vba, write_atomically

    path = Path(path)
    if path.suffix.lower() != ".xlsm":
        raise OpsbookError(f"{path}: a template's buttons need macros, so it must be an .xlsm")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for spec in declared.tables:  # the main table first, as the registry keeps them
        sheet = workbook.add_worksheet(spec.title)
        for c, column in enumerate(spec.columns):
            header = column.aliases[1] if len(column.aliases) > 1 else column.key
            sheet.write(0, c, header, bold)
            sheet.set_column(c, c, max(10, len(header) * 2 + 2))
            choices = (
                YES_NO if column.type == "bool" else list(declared.choices.get(column.key, ()))
            )
            if choices:
                sheet.data_validation(1, c, 5000, c, {"validate": "list", "source": choices})
            elif column.type in ("date", "datetime"):
                sheet.data_validation(
                    1,
                    c,
                    5000,
                    c,
                    {
                        "validate": "date",
                        "criteria": ">",
                        "value": 1,
                        "error_message": "請輸入日期",
                    },
                )
        sheet.freeze_panes(1, 0)
        if spec.main:
            for i, (label, macro) in enumerate(BUTTONS):
                sheet.insert_button(
                    1,
                    len(spec.columns) + 1,
                    {
                        "macro": macro,
                        "caption": label,
                        "width": 110,
                        "height": 30,
                        "y_offset": 40 * i,
                    },
                )
    guide = workbook.add_worksheet("說明")
    for r, line in enumerate(HELP):
        guide.write(r, 0, line, bold if r == 0 else None)
    guide.set_column(0, 0, 100)
    attach_vba(workbook, workbook.worksheets())
    workbook.close()
    write_atomically(path, buffer.getvalue())
    from ..embed.write import embed_file  # the checks live in the template too (issue 24)

    embed_file(path, path, kind=kind, backup=False)
    return path
