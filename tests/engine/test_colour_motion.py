"""Colour on independent motion, on the demo's `crossing` scene (real files): a cut-out walks
across a locked-off photograph. Its colour goes with it and does not stay behind on the
background it uncovers, and the result beats holding the keyframe's colours still."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import torch
from scipy.ndimage import binary_dilation, binary_erosion

from config.presets import BUILTIN_PRESETS
from content.demo.source import make_demo_source, object_mask
from content.media import LOSSLESS, read_frames
from engine.colour.lab import to_lab
from engine.job import open_job
from engine.segments import write_windows

SIZE = (256, 192)
FRAMES = 40
LAST = FRAMES - 1


def _ab_error(rgb: np.ndarray, truth: np.ndarray, where: np.ndarray) -> float:
    """Mean CIELAB ab distance over the pixels ``where``."""
    ours, true = to_lab(rgb)[0, 1:], to_lab(truth)[0, 1:]
    return float((ours - true).norm(dim=0)[torch.from_numpy(where)].mean())


def test_colour_follows_an_object_across_a_still_shot(tmp_path: Path) -> None:
    source = make_demo_source(tmp_path / "crossing", scene="crossing", size=SIZE)
    keys = tmp_path / "keys"
    keys.mkdir()
    shutil.copy(source.keyframes[0], keys / source.keyframes[0].name)
    assert source.keyframes[0].name.startswith("0000")
    truth = [frame for _, frame in zip(range(FRAMES), read_frames(source.truth), strict=False)]

    job = open_job(source.scan, BUILTIN_PRESETS["standard"], device="cpu", keyframes=keys, frames=(0, FRAMES))
    lumas = ({"luma": frame} for _, frame in job.frames())
    (tmp_path / "work").mkdir()
    write_windows(tmp_path / "work", job, range(job.windows), {"luma": LOSSLESS}, lumas, None)
    coloured = list(job.coloured(tmp_path / "work"))

    first, last = object_mask("crossing", 0, SIZE), object_mask("crossing", LAST, SIZE)
    on_object = binary_erosion(last, iterations=4)
    uncovered = binary_erosion(first & ~binary_dilation(last, iterations=6), iterations=3)
    assert on_object.sum() > 300 and uncovered.sum() > 300, "the object has moved off where it was"
    held = np.asarray(truth[0])  # hold: the keyframe's colours where they were
    ours_on, hold_on = (
        _ab_error(coloured[LAST], truth[LAST], on_object),
        _ab_error(held, truth[LAST], on_object),
    )
    ours_off, hold_off = (
        _ab_error(coloured[LAST], truth[LAST], uncovered),
        _ab_error(held, truth[LAST], uncovered),
    )
    assert ours_on < 0.6 * hold_on, f"on the object: {ours_on:.1f} against hold's {hold_on:.1f}"
    assert ours_off < 0.6 * hold_off, f"where it was: {ours_off:.1f} against hold's {hold_off:.1f}"
