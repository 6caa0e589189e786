"""opsbook.xlam and the templates' VBA projects, built without Excel.

ovba.py writes a source-only MS-OVBA project, cfb.py the compound file holding it,
sources.py reads the modules (opsbook's from this package, xlwings' from the installed
xlwings), build.py puts them into an .xlam/.xlsm.  ribbon.py is what the buttons run.
Importing this package imports neither xlwings nor xlsxwriter.
"""
