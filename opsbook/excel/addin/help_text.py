"""The 說明 (help) text, macros/help.txt.  The add-in's VBA shows it itself (the generated
module OpsbookText, sources.text_module), so help works when Python does not; ribbon.help
keeps showing it for the macros of templates built before that."""

from .sources import resource_text

TEXT = resource_text("help.txt").rstrip("\n")
