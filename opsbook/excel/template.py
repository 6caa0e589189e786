"""`opsbook excel template KIND`: a ready workbook for each kind — the headers, dropdowns
(data-validation lists for 是/否, 用戶類型, 類別 …), an instruction sheet and the three
buttons (驗證, 月結/彙總, 清除標記) wired to the macros of macros/opsbook.bas.

The .xlsm carries the VBA project of the installed xlwings package (its RunPython module,
BSD-licensed, taken at run time from xlwings' own quickstart workbook; none is committed
here).  opsbook's three macros are imported once with `opsbook excel install BOOK` (needs
Excel) or by hand (Developer → Visual Basic → File → Import File → macros/opsbook.bas).
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from ..workbook.specs import BY_NAME

YES_NO = ["是", "否"]
LISTS = {
    "platform": ["官網", "公眾號", "小程序", "搜狐", "百家號", "知乎", "百度知道"],
    "category": ["行業資訊", "行業乾貨", "招聘資訊", "公司新聞", "重大活動", "促銷活動", "其他"],
    "customer_type": ["民用", "公服", "工業"],
    "seal": ["完好", "缺失", "損壞"],
    "result": ["合格", "不合格"],
    "status": ["進行中", "退回", "完成"],
    "item_type": ["海報", "易拉寶", "宣傳冊", "展板"],
}
BUTTONS = [("驗證", "OpsValidate"), ("月結 / 彙總", "OpsSummarize"), ("清除標記", "OpsClear")]
HELP = [
    "opsbook 範本",
    "1. 安裝：pip install \"opsbook[excel]\"，然後 xlwings addin install（或本工作簿已含 xlwings 模組）",
    "2. 首次使用：opsbook excel install 本檔案（或 開發工具 → Visual Basic → 匯入 macros/opsbook.bas）",
    "3. 在資料工作表填寫記錄，按「驗證」標出違規；按「月結 / 彙總」產生彙總表；按「清除標記」還原",
]


def xlwings_vba_project() -> bytes:
    """vbaProject.bin of the installed xlwings package's quickstart workbook."""
    import xlwings

    source = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(source) as zf:
        return zf.read("xl/vbaProject.bin")


def build_template(kind: str, path: Path) -> Path:
    import xlsxwriter

    if kind not in ("posts", "inspections", "design_costs"):
        raise ValueError(kind)
    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    if path.suffix.lower() == ".xlsm":
        with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as fh:
            fh.write(xlwings_vba_project())
        workbook.add_vba_project(fh.name)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    tables = [t for t in BY_NAME.values() if t.kind == kind]
    for spec in sorted(tables, key=lambda t: not t.main):
        sheet = workbook.add_worksheet(spec.title)
        for c, column in enumerate(spec.columns):
            header = column.aliases[1] if len(column.aliases) > 1 else column.key
            sheet.write(0, c, header, bold)
            sheet.set_column(c, c, max(10, len(header) * 2 + 2))
            choices = YES_NO if column.type == "bool" else LISTS.get(column.key)
            if choices:
                sheet.data_validation(1, c, 5000, c, {"validate": "list", "source": choices})
            elif column.type in ("date", "datetime"):
                sheet.data_validation(1, c, 5000, c, {"validate": "date", "criteria": ">", "value": 1,
                                                      "error_message": "請輸入日期"})
        sheet.freeze_panes(1, 0)
        if spec.main:
            for i, (label, macro) in enumerate(BUTTONS):
                sheet.insert_button(1, len(spec.columns) + 1, {"macro": macro, "caption": label, "width": 110,
                                                               "height": 30, "y_offset": 40 * i})
    guide = workbook.add_worksheet("說明")
    for r, line in enumerate(HELP):
        guide.write(r, 0, line, bold if r == 0 else None)
    guide.set_column(0, 0, 100)
    workbook.close()
    return path
