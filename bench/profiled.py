"""cProfile of one `opsbook validate` run, in-process: where the time goes.

    python bench/profiled.py WORKBOOK [validate options …] [--top N]

Prints the functions with the most cumulative and the most own time; the raw profile is
kept in bench/out/profile.pstats for snakeviz or pstats."""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"


def main() -> None:
    args = sys.argv[1:]
    top = 40
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i : i + 2]
    from opsbook.cli import cli

    OUT.mkdir(exist_ok=True)
    profile = cProfile.Profile()
    profile.enable()
    try:
        cli(["validate", *args, "--jobs", "1"], standalone_mode=False)
    except SystemExit:
        pass
    finally:
        profile.disable()
    profile.dump_stats(OUT / "profile.pstats")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    main()
