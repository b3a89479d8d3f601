"""A real library writer for the crash tests, run as its own process.

    python -m tests.content.crash_writer LIB SCAN OP CLIP_ID KILL_AT

does OP (``add`` or ``remove``) on CLIP_ID. With KILL_AT >= 0 it sends itself SIGKILL at the
KILL_AT-th line executed inside the ``content`` package; with KILL_AT < 0 it runs to the end and
prints, as JSON, the function of every line event (so a test can choose where to kill).
With OP ``loop`` it adds and removes clips forever, for kills from outside at random times.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import content
from content.importer import add_scan
from content.library import Library

PACKAGE_DIR = str(Path(content.__file__).parent)


def _run(library: Library, scan: Path, op: str, clip_id: str) -> None:
    if op == "add":
        add_scan(library, scan, clip_id, f"Clip {clip_id}", replace=True)
    elif op == "remove":
        library.remove(clip_id)
    else:
        raise SystemExit(f"unknown op {op!r}")


def main() -> None:
    lib, scan, op, clip_id, kill_at = sys.argv[1:6]
    library = Library.create(Path(lib))
    if op == "loop":
        for n in range(10**9):
            add_scan(library, Path(scan), f"loop{n % 3}", f"Loop {n}", replace=True)
            if n % 4 == 3:
                library.remove(f"loop{(n + 1) % 3}")
        return
    limit = int(kill_at)
    events: list[str] = []

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            if len(events) == limit:
                os.kill(os.getpid(), signal.SIGKILL)
            events.append(frame.f_code.co_name)
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(PACKAGE_DIR) else None

    sys.settrace(tracer)
    _run(library, Path(scan), op, clip_id)
    sys.settrace(None)
    print(json.dumps(events))


if __name__ == "__main__":
    main()
