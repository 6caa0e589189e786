"""The Excel side: buttons (RunPython targets), worksheet formulas and the live-workbook
writer.  This package is the only one that imports xlwings, and only its open-source (BSD)
parts: never xlwings.pro, xlwings.server or xlwings.reports, and no license key.
"""
