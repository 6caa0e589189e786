"""The package list, which pyproject.toml cannot express: opsbook and its subpackages, plus the
top-level macros/ folder (the add-in's VBA and ribbon XML) shipped as opsbook.macros.
Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["opsbook*"]), "opsbook.macros"],
    package_dir={"opsbook.macros": "macros"},
)
