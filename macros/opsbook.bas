Attribute VB_Name = "opsbook"
' opsbook's buttons.  Each calls Python through xlwings' RunPython, so the workbook needs the
' xlwings VBA module too (the xlwings add-in, or `xlwings vba` / `opsbook excel install`).
' Assign a macro to a shape: right-click the shape > Assign Macro > OpsValidate.

Sub OpsValidate()
    RunPython "import opsbook.excel.buttons as b; b.validate()"
End Sub

Sub OpsSummarize()
    RunPython "import opsbook.excel.buttons as b; b.summarize()"
End Sub

Sub OpsClear()
    RunPython "import opsbook.excel.buttons as b; b.clear()"
End Sub

' Ribbon callbacks (macros/customUI.xml)
Sub OpsValidateRibbon(control As IRibbonControl)
    OpsValidate
End Sub

Sub OpsSummarizeRibbon(control As IRibbonControl)
    OpsSummarize
End Sub

Sub OpsClearRibbon(control As IRibbonControl)
    OpsClear
End Sub
