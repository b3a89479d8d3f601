"""Ingest into a real library: both versions in step, atomic, resumable after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from content.demo.source import CameraPose, Shot
from content.importer import add_scan
from content.library import STAGING_DIR, ClipExistsError, Library
from content.media import read_frames
from content.verify import verify_library
from engine.ingest import IngestRequest, ingest
from engine.job import open_job
from tests.engine.clips import ingest_args, make_clip, mutoscope, only

FRAMES = 40
PAN = Shot("astronaut", 72, CameraPose(0.30, 0.40, 0.55), CameraPose(0.60, 0.50, 0.50))
"""Long and wide enough a camera move for the first pass to fit the vignette."""


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("ingest"), "everything").scan


def restored_frames(library: Path, clip_id: str) -> np.ndarray:
    lib = Library(library)
    clip = lib.read().get(clip_id)
    assert clip is not None
    return np.stack(list(read_frames(lib.path_of(clip.restored), "gray")))


def test_ingest_writes_both_versions_in_step(aged: Path, tmp_path: Path) -> None:
    library = tmp_path / "lib"
    run = mutoscope(*ingest_args(aged, library, "--year", "1912"))
    assert run.returncode == 0, run.stderr
    lib = Library(library)
    clip = lib.read().get("relay")
    assert (
        clip is not None and clip.provenance.restoration == "engine" and clip.provenance.preset == "standard"
    )
    assert clip.frame_count == FRAMES
    assert (clip.restored.width, clip.restored.height) == (2 * clip.original.width, 2 * clip.original.height)
    for version in (clip.original, clip.restored):
        with av.open(str(lib.path_of(version))) as container:
            stream = container.streams.video[0]
            times = [float(f.pts * f.time_base) for f in container.decode(stream)]
        with av.open(str(lib.path_of(version))) as container:
            keys = [i for i, p in enumerate(p for p in container.demux() if p.size) if p.is_keyframe]
        assert np.allclose(times, np.arange(FRAMES) / 18, atol=1e-3)
        assert keys[0] == 0 and max(np.diff([*keys, FRAMES])) <= 9, f"GOP too long for fast seeking: {keys}"
    assert verify_library(lib) == []
    assert not list((library / ".staging").iterdir()), "the work folder outlived the commit"


def test_ingest_resumes_after_a_kill(aged: Path, tmp_path: Path) -> None:
    library = tmp_path / "lib"
    args = ingest_args(aged, library, "--verbose")
    writer = subprocess.Popen(
        [sys.executable, "-m", "mutoscope", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 240
    finished: list[Path] = []
    while time.monotonic() < deadline and len(finished) < 2:
        finished = list(library.glob(".staging/relay.resume-*/restored-*.mp4"))
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert len(finished) >= 2, "the ingest never finished two windows"
    assert Library(library).read().get("relay") is None, "a killed ingest changed the library"

    resumed = mutoscope(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming relay at frame" in resumed.stderr
    once = tmp_path / "once"
    assert mutoscope(*ingest_args(aged, once)).returncode == 0
    a, b = restored_frames(library, "relay"), restored_frames(once, "relay")
    assert a.shape == b.shape == (FRAMES, *a.shape[1:])
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2
    figures = [Library(lib).read().get("relay").provenance.quality for lib in (library, once)]
    assert figures[0].keys() == figures[1].keys() and "flicker_restored" in figures[0]
    assert all(abs(figures[0][k] - figures[1][k]) < 1e-3 for k in figures[1]), "a resume measured only part"


def test_existing_id_is_refused_and_kept(aged: Path, tmp_path: Path) -> None:
    library = tmp_path / "lib"
    first = mutoscope(*ingest_args(aged, library, "--frames", "0:20", title="First"))
    assert first.returncode == 0, first.stderr
    again = mutoscope(*ingest_args(aged, library, "--frames", "0:20", title="Second"))
    assert again.returncode == 1 and "exists" in again.stderr and "--replace" in again.stderr
    assert Library(library).read().get("relay").title == "First"


def test_a_taken_id_is_refused_before_any_work(aged: Path, tmp_path: Path) -> None:
    library = Library.create(tmp_path / "lib")
    add_scan(library, aged, "relay", "First")
    job = open_job(aged, only(None), device="cpu")
    with pytest.raises(ClipExistsError, match="clip 'relay' already exists"):
        ingest(IngestRequest(library, job, only(None), "none", "relay", "Second"))
    assert not list((library.root / STAGING_DIR).iterdir()), "work was staged before the refusal"
    assert library.read().get("relay").title == "First"


def test_the_command_refuses_a_taken_id_before_it_reads_the_scan(aged: Path, tmp_path: Path) -> None:
    library = Library.create(tmp_path / "lib")
    add_scan(library, aged, "relay", "First")
    run = mutoscope(*ingest_args(tmp_path / "not-read.mkv", library.root))
    assert run.returncode == 1 and "clip 'relay' already exists; pass --replace" in run.stderr, run.stderr
    assert "not-read.mkv" not in run.stderr and "Traceback" not in run.stderr


def test_ingest_records_keyframes_and_quality_figures(tmp_path: Path) -> None:
    scan = make_clip(tmp_path, "flicker", shot=PAN).scan
    preset = only("flicker")
    clip = ingest(
        IngestRequest(Library.create(tmp_path / "lib"), open_job(scan, preset, device="cpu"), preset, "flicker",
                      "relay", "Relay")
    )  # fmt: skip
    provenance = Library(tmp_path / "lib").read().get("relay").provenance
    assert provenance == clip.provenance and provenance.keyframes == []
    quality = provenance.quality
    assert set(quality) == {"shots", "vignette_corner_gain", "flicker_original", "flicker_restored"}
    assert quality["shots"] == 1
    assert 0.5 < quality["vignette_corner_gain"] < 0.85, "the model takes 45 % of the light at the corners"
    assert 0.02 < quality["flicker_original"] < 0.1
    assert quality["flicker_restored"] < quality["flicker_original"] / 3, quality


def test_ingest_finds_its_library_by_l_or_by_mutoscope_library(scan: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    for how, extra, env in (
        ("-l", ["-l", str(tmp_path / "short")], {}),
        ("env", [], {"MUTOSCOPE_LIBRARY": str(tmp_path / "env")}),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "mutoscope", "ingest", str(scan), *extra, "--id", "relay", "--title", "R",
             "--device", "cpu"],
            capture_output=True, text=True, timeout=300, env={**os.environ, **env},
        )  # fmt: skip
        assert run.returncode == 0, (how, run.stderr)
    assert Library(tmp_path / "short").read().get("relay") is not None
    assert Library(tmp_path / "env").read().get("relay") is not None
