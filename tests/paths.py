"""Where the tests find the checkout and the project's shared/ folder beside it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"  # the regulations and the corpus of Excel-made workbooks
