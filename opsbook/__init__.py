"""opsbook: operations workbooks checked against the company's regulations."""

__version__ = "0.1.0"
