"""Well-formedness of the XML parts opsbook writes, checked before the package is saved.

A part opsbook writes into must be well-formed XML before and after: one that was already
broken (an illegal character reference such as ``&#x8;`` in a string, say) would be written
back still broken, and Excel would "repair" the workbook on open, dropping what it cannot
read.  Every part opsbook wrote is parsed here (expat, streamed, no tree: ~0.7 s of CPU for a
100 MB sheet) with namespaces checked; a broken one refuses the file, nothing written.
Parts opsbook does not write keep their bytes, broken or not: they are the user's.
VML drawings are not checked: Excel itself writes them as loose HTML-like markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.parsers import expat

from ..errors import RefusedToPatch

_CHECKED = (".xml", ".rels")


def xml_error(chunks: Iterable[bytes]) -> str | None:
    """Why the XML given in chunks is not well-formed ("line 3, column 9: …"), or None."""
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        return f"line {exc.lineno}, column {exc.offset + 1}: {expat.errors.messages[exc.code]}"
    return None


def check_written_parts(pkg) -> None:
    """Raise RefusedToPatch when a part about to be written is not well-formed XML: the
    user's part was already damaged (the usual case), or opsbook's edit broke it."""
    originals = {i.filename for i in pkg.infos}
    for name, data in pkg.edits.items():
        if not name.lower().endswith(_CHECKED):
            continue
        error = xml_error(data.chunks() if hasattr(data, "chunks") else [data])
        if error is None:
            continue
        before = xml_error(pkg.original_chunks(name)) if name in originals else None
        if before is not None:
            raise RefusedToPatch(
                f"{pkg.path}: its part {name} is damaged (not well-formed XML, {before}); "
                "opsbook does not write into a damaged part. Open the workbook in Excel, let "
                "it repair the file and save it, then run again. Nothing was written"
            )
        raise RefusedToPatch(
            f"{pkg.path}: writing {name} would have made it malformed ({error}); nothing "
            "was written. Please report this with the workbook (opsbook --debug)"
        )
