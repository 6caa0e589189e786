"""Imports point down: a module may import its own layer or a lower one, never a higher one.

The layer order is written here once (docs/layout.md's table follows it).  Every import
counts — at the top, inside a function, under TYPE_CHECKING — because a lazy import is still
a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "opsbook"

KIND_PLUGINS = tuple(f"opsbook.kinds.{k}" for k in ("posts", "inspections", "design_costs"))

# Bottom-up.  Each entry: the layer's name and the module prefixes it holds.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "opsbook.errors",
            "opsbook.text",
            "opsbook.config",
            "opsbook.workcalendar",
            "opsbook.regulations",
            "opsbook.values",
        ),
    ),
    ("ooxml", ("opsbook.ooxml",)),
    ("workbook", ("opsbook.workbook", "opsbook.coerce")),
    ("catalog", ("opsbook.catalog",)),
    ("summaries", ("opsbook.summaries",)),
    ("kinds", ("opsbook.kinds",)),  # the registry: the core's kind API
    # Each kind a plugin package above the core (tables, clauses, rules, summaries, settings,
    # sample); the registry loads them by name or entry point, never by an import statement.
    ("kind plugins", KIND_PLUGINS),
    ("report", ("opsbook.report", "opsbook.messages", "opsbook.layout")),
    # The rulebook (issue 23): rules as data, the engine's hook that picks their versions,
    # the 例外 waivers; its command is the CLI's.
    ("rulebook", ("opsbook.rulebook",)),
    ("engine", ("opsbook.engine", "opsbook.placing")),
    (
        "writers",
        (
            "opsbook.writers",
            "opsbook.bookio",
            "opsbook.console",
            "opsbook.embed.parts",
            "opsbook.embed.formulas",
        ),
    ),
    ("history", ("opsbook.history", "opsbook.cluster")),
    ("pipeline", ("opsbook.pipeline", "opsbook.coverage", "opsbook.options")),
    ("overview", ("opsbook.overview",)),
    # samples.bundled only lists the built-in kinds' sample builders: the Excel self-test
    # presses the buttons on those samples, so it sits below the Excel layer.
    # opsbook embed (issue 24): the rules compiled into the workbook's own checks, run on a
    # checked workbook (pipeline); its part edits sit with the writers, which clear uses.
    ("embed", ("opsbook.embed",)),
    ("api", ("opsbook.api", "opsbook.samples.bundled")),
    ("excel", ("opsbook.excel",)),
    (
        "cli",
        (
            "opsbook.cli",
            "opsbook.__main__",
            "opsbook.samples",
            "opsbook",
            "opsbook.rulebook.commands",
        ),
    ),
]


def layer_of(module: str) -> int:
    """Index of the layer holding ``module`` (the longest matching prefix wins)."""
    best, length = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS (and docs/layout.md)")
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported opsbook module) for every import in the file."""
    return imports_in(
        path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
    )


def imports_in(source: str, name: str, is_package: bool = False) -> list[tuple[int, str]]:
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "opsbook"
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "opsbook":
                continue
            for alias in node.names:
                if target == "opsbook" and alias.name == "__version__":
                    # A constant set on the first line of opsbook/__init__.py, before it
                    # imports anything: reading it pulls in no layer.
                    continue
                sub = f"{target}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*sub.split("."))).with_suffix(
                    ".py"
                ).exists() or (PACKAGE.parent / Path(*sub.split("."))).is_dir()
                found.append((node.lineno, sub if is_module else target))
    return sorted(found)


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down(path):
    own = layer_of(module_name(path))
    upward = [
        f"line {line}: {target} ({LAYERS[layer_of(target)][0]}) from {LAYERS[own][0]}"
        for line, target in imports(path)
        if layer_of(target) > own
    ]
    assert not upward, f"{module_name(path)} imports a higher layer: " + "; ".join(upward)


def test_a_kind_plugin_imports_no_other_kind_and_the_core_imports_none():
    """A regulation's change touches one kind folder: no kind reaches into another, and the
    core (everything below the plugins) never names one."""
    found = []
    for path in MODULES:
        name = module_name(path)
        own = next((k for k in KIND_PLUGINS if name == k or name.startswith(k + ".")), None)
        for line, target in imports(path):
            other = next(
                (k for k in KIND_PLUGINS if target == k or target.startswith(k + ".")), None
            )
            if other and other != own and layer_of(name) <= layer_of(other):
                found.append(f"{name} line {line}: {target}")
    assert found == []


def test_only_the_excel_layer_imports_xlwings():
    users = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            if any(n.split(".")[0] == "xlwings" for n in names) and not module_name(
                path
            ).startswith("opsbook.excel"):
                users.append(module_name(path))
    assert users == []


def test_the_layer_test_sees_an_upward_import():
    """The checker itself: relative, absolute and lazy imports are all resolved."""
    source = (
        "from ..engine import check_sheets\ndef f():\n    from opsbook.cli import cli\n"
        "from . import deflate\n"
    )
    found = imports_in(source, "opsbook.ooxml.package")
    assert found == [(1, "opsbook.engine"), (3, "opsbook.cli"), (4, "opsbook.ooxml.deflate")]
    assert [layer_of(t) > layer_of("opsbook.ooxml.package") for _, t in found] == [
        True,
        True,
        False,
    ]
    assert layer_of("opsbook.report") < layer_of("opsbook.writers.annotate")


def test_the_documented_layout_names_every_layer():
    layout = (PACKAGE.parent / "docs" / "layout.md").read_text(encoding="utf-8")
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if prefix == "opsbook" or prefix in KIND_PLUGINS:  # the layout names opsbook/kinds/
                continue
            shown = prefix.replace(".", "/")
            assert f"`{shown}" in layout, f"README layout lacks {shown} (layer {name})"
