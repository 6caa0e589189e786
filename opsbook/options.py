"""Command-line argument types shared by the CLI (cli.py) and the Excel commands
(excel/commands.py): the registered kinds as a click choice, for `validate --kind`,
`rules --kind` and `excel template KIND`."""

from __future__ import annotations

import click


class KindChoice(click.Choice):
    """The registered kinds (opsbook.kinds), read when the option is used: the registry
    imports the catalog, which ``opsbook --version`` should not pay for."""

    def __init__(self) -> None:
        super().__init__([])

    @property
    def choices(self):
        from .kinds import names

        return names()

    @choices.setter
    def choices(self, value) -> None:  # click.Choice.__init__ sets it
        pass
