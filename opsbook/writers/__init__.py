"""Writing into workbooks without losing anything: the package is patched, never re-saved."""
