"""Run every benchmark and write one JSON report: ``python -m bench.run --out bench/report.json``."""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench import foundation

SUITES = {"foundation": foundation.run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/report.json"))
    args = parser.parse_args()
    report: dict[str, object] = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
    }
    for name, suite in SUITES.items():
        print(f"bench: {name} ...", flush=True)
        report[name] = suite()
        print(json.dumps(report[name], indent=2), flush=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
