"""Checks that live in the workbook itself (issue 24): the row rules compiled into native
data validation and conditional formats, with a very hidden working-day calendar and a
檢查說明 legend, written losslessly into the team's workbook.  See docs/embed.md."""
