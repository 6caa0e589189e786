"""Regenerate the bundled sample workbooks: python -m opsbook.samples [FOLDER]"""

import sys
from pathlib import Path

from .bundled import BUILDERS

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "workbooks")
folder.mkdir(exist_ok=True)
for name, build in BUILDERS.items():
    seeds = build(folder / name)
    print(f"{folder / name}: {len(seeds)} seeded violations")
