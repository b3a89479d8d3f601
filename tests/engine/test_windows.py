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
