"""The rulebook (issue 23): the rules and their settings as data the department edits, each
version with the dates it is in force (``model``, ``xlsx``, ``help``), checked before use
(``check``), picked per record by the engine (``apply``), with approved exceptions
(``waivers``) and the ``opsbook rules`` commands (``commands``).  docs/rulebook.md."""
