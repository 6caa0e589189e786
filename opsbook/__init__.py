"""opsbook: operations workbooks checked against the company's regulations.

The public API (``check``, ``annotate``, ``clear``; see opsbook/api.py) is loaded on first
use, so ``import opsbook`` stays cheap for the CLI and the modules that read ``__version__``.
"""

__version__ = "0.1.0"  # first: lower layers import it while this package is initialising

__all__ = ["OpsbookError", "annotate", "check", "clear"]


def __getattr__(name: str):
    if name in ("annotate", "check", "clear"):
        from . import api

        return getattr(api, name)
    if name == "OpsbookError":
        from .errors import OpsbookError

        return OpsbookError
    raise AttributeError(f"module 'opsbook' has no attribute {name!r}")
