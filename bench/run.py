"""Run the benchmarks and write one JSON report: ``python -m bench.run --out bench/report.json``.

``--only`` runs some suites and updates just their sections of an existing report (each section
says when it was made). ``--seconds`` and ``--soak-minutes`` shorten the player suite for a quick
look; the figures in ``docs/benchmarks.md`` come from the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/report.json"))
    parser.add_argument("--only", nargs="*", help="suites to run (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="player: seconds of playback per case")
    parser.add_argument(
        "--soak-minutes", type=float, default=10.0, help="player: minutes of looping for RSS (0: none)"
    )
    parser.add_argument("--cases", nargs="*", help="player: case names to run (default: all)")
    args = parser.parse_args()

    from bench import colour, conductor, engine, foundation, player

    suites: dict[str, Callable[[], dict[str, Any]]] = {
        "foundation": foundation.run,
        "engine": engine.run,
        "colour": colour.run,
        "player": lambda: player.run(args.seconds, args.soak_minutes, args.cases),
        "conductor": conductor.run,
    }
    report: dict[str, Any] = {}
    if args.only and args.out.exists():
        report = json.loads(args.out.read_text())
    report |= {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
    }
    for name, suite in suites.items():
        if args.only and name not in args.only:
            continue
        print(f"bench: {name} ...", flush=True)
        report[name] = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), **suite()}
        print(json.dumps(report[name], indent=2), flush=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
