"""Reading workbooks: the value reader and the table finder."""
