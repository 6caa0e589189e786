"""One exception base for the library; each edge (CLI, button, UDF) translates it.

Library code raises these and never prints or exits.  ``str(error)`` is the one line a
user sees, so every message names the file (and sheet/cell where it applies) and what to do.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What the command line exits with (docs/commands.md).  1 always means "violations
    found" (or, for `opsbook doctor`, "something is missing"), never a crash."""

    OK = 0
    VIOLATIONS = 1  # error-severity violations found
    NOT_READY = 1  # opsbook doctor: the add-in or its Python is missing or out of date
    ABORTED = 1  # a prompt declined (click's Abort without Ctrl-C), as click itself exits
    FAILED = 2  # a file could not be read or written, a usage error, or opsbook failed on it
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


def naming(message: object, *paths: object) -> str:
    """``message`` as the one line a user sees for a file: white space collapsed, and the
    first of ``paths`` put in front unless the line already names one of them (a reason
    raised deep in a part's parser names the part, not the file: in a batch of 300 files
    the file must be on the line)."""
    text = " ".join(str(message).split())
    if any(str(p) in text for p in paths if p):
        return text
    return f"{paths[0]}: {text}" if paths else text


class OpsbookError(Exception):
    """Base of every error opsbook raises on purpose."""


class UnreadableWorkbook(OpsbookError):
    """The file cannot be read as a workbook at all (not a zip, encrypted, .xls, empty …)."""


class WorkbookLocked(OpsbookError):
    """Excel holds the file open, or it is read-only: it cannot be written now."""


class RefusedToPatch(OpsbookError):
    """The workbook can be read but writing into it could lose something (signature, DTD …)."""


class ConfigError(OpsbookError):
    """opsbook.toml or a command-line option is wrong."""


class WorkbookChanged(OpsbookError):
    """The file changed on disk while opsbook was working on it (someone saved it): nothing
    was written, the file is left as it is now."""


class WriteFailed(OpsbookError):
    """The new file could not be written (disk full, read-only folder, no permission …):
    nothing partial is left and the original is untouched."""
