"""The workbook as an Office Open XML package: the zip of parts, their relationships and
content types, and the raw zip copy — what the reader and the writers both stand on."""
