"""Windows: where their boundaries fall changes nothing, so no seam can show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from config.presets import Preset
from engine.job import open_job
from engine.window_plan import MARGIN
from tests.engine.clips import make_clip


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("aged"), "everything").scan


def restored(scan: Path, core: int) -> np.ndarray:
    job = open_job(scan, Preset(scale=1), device="cpu")
    frames = job.scan.frames(job.start, job.start + job.frame_count)
    return np.stack([r for _, r in job.restorer.run(frames, job.motion, 0, core=core)]).astype(int)


def test_window_size_changes_no_frame(aged: Path) -> None:
    """Windows of 16 and of 7 frames (boundaries in different places) give the same clip."""
    a, b = restored(aged, 16), restored(aged, 7)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1  # float reassociation may round one level differently
    assert (a != b).mean() < 0.001


def test_a_run_from_a_window_boundary_matches_the_whole_run(aged: Path) -> None:
    """What a resumed ingest does: start at frame 16 with only the frames it needs."""
    job = open_job(aged, Preset(scale=1), device="cpu")
    whole = np.stack([r for _, r in job.frames()]).astype(int)
    resumed = np.stack([r for _, r in job.frames(16)]).astype(int)
    assert 16 - MARGIN > 0
    assert np.abs(whole[16:] - resumed).max() <= 1


def test_no_brightness_jump_at_boundaries(aged: Path) -> None:
    frames = restored(aged, 16).astype(float)
    means = frames.mean(axis=(1, 2))
    steps = np.abs(np.diff(means))
    boundary = steps[[15, 31]]
    assert boundary.max() <= 2 * np.median(steps) + 0.5


def test_large_frames_are_restored_a_few_at_a_time() -> None:
    """What one part of a window holds: all of a window of 720x540 scans, a quarter of one of
    2K scans, one frame at a time at 4K; always a whole share of the window."""
    from engine.pipeline import part_frames

    assert part_frames(16, 720 * 540) == 16
    assert part_frames(16, 2048 * 1556) == 4
    assert part_frames(16, 4096 * 3112) == 1
    assert all(16 % part_frames(16, pixels) == 0 for pixels in range(10_000, 20_000_000, 97_001))


def test_restoring_a_window_in_parts_changes_no_frame(aged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget of two frames' pixels splits every window into parts of 2: the clip is the
    same as when each window is restored whole."""
    import engine.pipeline

    whole = restored(aged, 16)
    height, width = whole.shape[1:]
    monkeypatch.setattr(engine.pipeline, "WINDOW_PIXELS", 2 * height * width)
    assert engine.pipeline.part_frames(16, height * width) == 2
    parts = restored(aged, 16)
    assert np.abs(whole - parts).max() <= 1  # float reassociation may round one level differently
    assert (whole != parts).mean() < 0.001
