Attribute VB_Name = "opsbook"
' opsbook's buttons and ribbon callbacks, in opsbook.xlam and in the templates' VBA projects.
' Each runs Python through xlwings' RunPython (the xlwings module of the same project, from
' the pinned xlwings 0.37.8).  RunPython tells Python which workbook called it by the name of
' ThisWorkbook (xlwings.bas, ExecuteWindows: --wb=ThisWorkbook.Name), which in an add-in is
' the add-in itself; opsbook.excel.addin.ribbon therefore acts on Excel's active workbook.
' This file is ASCII only: the project's code page is 1252 (opsbook/excel/addin/ovba.py).
Option Explicit

Private Function HasWorkbook() As Boolean
    If ActiveWorkbook Is Nothing Then
        MsgBox OpsNoWorkbookText(), vbExclamation, "opsbook"
    Else
        HasWorkbook = True
    End If
End Function

' For a first check in Excel: Application.Run "'opsbook.xlam'!opsbook.OpsAddinCheck" compiles
' this module and xlwings' (it reads xlwings' version constant) without starting Python.
Public Function OpsAddinCheck() As String
    OpsAddinCheck = "opsbook " & XLWINGS_VERSION
End Function

Sub OpsValidate()
    If HasWorkbook() Then RunPython "import opsbook.excel.addin.ribbon as b; b.validate()"
End Sub

Sub OpsSummarize()
    If HasWorkbook() Then RunPython "import opsbook.excel.addin.ribbon as b; b.summarize()"
End Sub

Sub OpsClear()
    If HasWorkbook() Then RunPython "import opsbook.excel.addin.ribbon as b; b.clear()"
End Sub

Sub OpsSettings()
    If HasWorkbook() Then RunPython "import opsbook.excel.addin.ribbon as b; b.settings()"
End Sub

' Help is shown from VBA: it must work exactly when Python does not (OpsbookText is generated
' from macros/help.txt, in ChrW sequences: this project's source is ASCII).
Sub OpsHelp()
    MsgBox OpsHelpText(), vbInformation, "opsbook"
End Sub

' Ribbon callbacks (customUI14.xml).  The control is declared As Object: Office calls a
' callback through IDispatch, so the project needs no reference to the Office type library
' (where IRibbonControl lives) and cannot break on a missing one.
Sub OpsValidateRibbon(control As Object)
    OpsValidate
End Sub

Sub OpsSummarizeRibbon(control As Object)
    OpsSummarize
End Sub

Sub OpsClearRibbon(control As Object)
    OpsClear
End Sub

Sub OpsSettingsRibbon(control As Object)
    OpsSettings
End Sub

Sub OpsHelpRibbon(control As Object)
    OpsHelp
End Sub
