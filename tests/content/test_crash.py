"""kill -9 a real writer at many points of a write: a reader must always see a whole library,
the old one or the new one, and every clip committed before must survive intact."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from content.importer import add_scan
from content.library import Library
from content.verify import verify_library

REPO = Path(__file__).resolve().parents[2]
# Every line these functions run is a kill point; elsewhere (encoding frames) one in EVERY.
CRITICAL = {"commit", "_write_manifest", "write_bytes_atomic", "rename_durable", "fsync_dir",
            "_collect_garbage", "remove", "_locked", "without", "with_clip"}  # fmt: skip
EVERY = 50


def _writer(lib: Path, scan: Path, op: str, clip_id: str, kill_at: int) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "tests.content.crash_writer",
        str(lib),
        str(scan),
        op,
        clip_id,
        str(kill_at),
    ]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def _titles(library: Library) -> dict[str, str]:
    """Clip id -> title, after checking the library verifies clean."""
    assert verify_library(library) == []
    return {clip.id: clip.title for clip in library.read().clips}


@pytest.mark.parametrize(
    ("op", "clip_id", "before", "after"),
    [
        ("add", "new", {"kept": "Kept"}, {"kept": "Kept", "new": "Clip new"}),
        ("add", "kept", {"kept": "Kept"}, {"kept": "Clip kept"}),
        ("remove", "gone", {"kept": "Kept", "gone": "Gone"}, {"kept": "Kept"}),
    ],
    ids=["add", "replace", "remove"],
)
def test_kill_at_every_point_of_a_write(tmp_path, scan, op, clip_id, before, after):
    pristine = Library.create(tmp_path / "pristine")
    for existing, title in before.items():
        add_scan(pristine, scan, existing, title)

    def run(kill_at: int) -> tuple[int, subprocess.CompletedProcess[str], Path]:
        copy = tmp_path / f"at{kill_at}"
        shutil.copytree(pristine.root, copy)
        return kill_at, _writer(copy, scan, op, clip_id, kill_at), copy

    _, dry, dry_copy = run(-1)
    assert dry.returncode == 0, dry.stderr
    assert _titles(Library(dry_copy)) == after
    events = json.loads(dry.stdout)
    points = [i for i, name in enumerate(events) if name in CRITICAL or i % EVERY == 0]
    assert len(points) > 30

    seen = []
    with ThreadPoolExecutor(2) as pool:
        for kill_at, result, copy in pool.map(run, points):
            assert result.returncode == -9, f"writer not killed at line event {kill_at}: {result.stderr}"
            titles = _titles(Library(copy))
            assert titles in (before, after), f"killed at {kill_at}: half a write is visible: {titles}"
            seen.append(titles == after)
            if kill_at != points[-1]:
                shutil.rmtree(copy)
    assert seen[0] is False and seen[-1] is True, "kills must land both before and after the commit"
    # The next write cleans up what the interrupted one left in clips/.
    last = Library(tmp_path / f"at{points[-1]}")
    add_scan(last, scan, "later", "Later")
    assert [p for p in last.orphans() if p.parent.name == "clips"] == []


def test_kill_from_outside_at_random_times(tmp_path, scan):
    lib = tmp_path / "lib"
    add_scan(Library.create(lib), scan, "kept", "Kept")
    rng = random.Random(1896)
    command = [sys.executable, "-m", "tests.content.crash_writer", str(lib), str(scan), "loop", "-", "-1"]
    for _ in range(12):
        writer = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 2.0))
        writer.kill()
        writer.wait()
        assert _titles(Library(lib))["kept"] == "Kept"
