"""Throughput of the foundation: ageing frames, encoding a clip pair, committing, verifying."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from config.load import load_installation
from content.demo.source import make_demo_source
from content.importer import add_scan
from content.library import Library
from content.media import probe
from content.verify import verify_library

REPO = Path(__file__).resolve().parents[1]


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def run() -> dict[str, Any]:
    """Figures for the demo scene at 640x480 clean (320x240 scan), 216 frames: ageing and pair
    encoding in frames per second, the commit step alone (hash, probe, fsync, rename, manifest),
    full decode during verify, and loading the wall example config."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source, ageing_s = _timed(make_demo_source, work / "source")
        frames = probe(source.scan).frame_count
        library = Library.create(work / "library")
        clip, add_s = _timed(add_scan, library, source.scan, "demo", "Demo")
        commits = []
        for n in range(10):
            with library.stage(f"c{n}") as staging:
                for file, target in ((clip.original, staging.original), (clip.restored, staging.restored),
                                     (clip.poster, staging.poster)):  # fmt: skip
                    shutil.copyfile(library.path_of(file), target)
                _, seconds = _timed(staging.commit, "Commit", None, clip.provenance)
            commits.append(seconds)
        problems, verify_s = _timed(verify_library, library)
        decoded = 2 * frames * len(library.read().clips)
    loads = [_timed(load_installation, REPO / "config/examples/wall.toml")[1] for _ in range(20)]
    return {
        "frames": frames,
        "degradation_fps": round(frames / ageing_s, 1),
        "pair_encode_fps": round(frames / add_s, 1),
        "commit_ms_median": round(1000 * median(commits), 1),
        "verify_decode_fps": round(decoded / verify_s, 1),
        "verify_problems": len(problems),
        "config_load_ms_median": round(1000 * median(loads), 2),
    }
