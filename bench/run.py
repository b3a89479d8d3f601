"""Run the benchmarks and write one JSON report: ``python -m bench.run --out bench/report.json``.

``--only`` runs some suites and updates just their sections of an existing report (each section
says when it was made). ``--seconds`` and ``--soak-minutes`` shorten the player suite for a quick
look; the figures in ``docs/benchmarks.md`` come from the defaults. ``MUTOSCOPE_BENCH_QUICK=1``
in the environment trims the engine and colour suites to a few frames of every clip and two of
the family's draws (``bench/clips.py``): a check, in minutes, that they run end to end, e.g.
``MUTOSCOPE_BENCH_QUICK=1 python -m bench.run --only engine colour --out /tmp/quick.json``.

Each suite runs in a fresh interpreter of its own process group: it starts its own virtual
display (pyglet binds a process to the first display it meets), and whatever it leaves behind
(an Xvfb, a conductor) is ended when it finishes, even when it fails.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SUITES = {
    "foundation": "bench.foundation:run",
    "engine": "bench.engine:run",
    "colour": "bench.colour:run",
    "player": "bench.player:run",
    "conductor": "bench.conductor:run",
}
"""Suite name -> ``module:function`` returning the suite's section of the report."""


def _end_group(group: int) -> None:
    """End every process left in ``group``: SIGTERM, then SIGKILL after 5 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def isolated(target: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run ``module:function(**kwargs)`` in a child process of its own group and return its
    result; everything the child started is ended afterwards. ``RuntimeError`` if it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.run", "--child", target, json.dumps(kwargs), str(result)],
            start_new_session=True,
        )
        try:
            code = child.wait()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            _end_group(child.pid)
        if code != 0 or not result.exists():
            raise RuntimeError(f"bench: {target} failed (exit status {code})")
        section: dict[str, Any] = json.loads(result.read_text())
        return section


def _child(target: str, kwargs: str, out: str) -> None:
    module, function = target.split(":")
    section = getattr(importlib.import_module(module), function)(**json.loads(kwargs))
    Path(out).write_text(json.dumps(section))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/report.json"))
    parser.add_argument("--only", nargs="*", choices=sorted(SUITES), help="suites to run (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="player: seconds of playback per case")
    parser.add_argument(
        "--soak-minutes", type=float, default=10.0, help="player: minutes of looping for RSS (0: none)"
    )
    parser.add_argument("--cases", nargs="*", help="player: case names to run (default: all)")
    args = parser.parse_args()

    options: dict[str, dict[str, Any]] = {
        "player": {"seconds": args.seconds, "soak_minutes": args.soak_minutes, "cases": args.cases}
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
    for name, target in SUITES.items():
        if args.only and name not in args.only:
            continue
        print(f"bench: {name} ...", flush=True)
        generated = datetime.now(UTC).isoformat(timespec="seconds")
        report[name] = {"generated": generated, **isolated(target, options.get(name, {}))}
        print(json.dumps(report[name], indent=2), flush=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")  # what is done is kept
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
