"""The first pass's global motion on real lossless files aged by the project's model: what the
film does to the frame (a vignette and flicker fixed to the gate, grain) must not be read as
the picture's move."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from content.demo.degrade import FilmDegrader
from content.demo.source import Actor, CameraPose, ObjectPose, Shot, render_shot
from content.media import LOSSLESS, VideoWriter
from engine.analysis import measure_steps
from engine.scan import Scan
from tests.engine.clips import FPS, NONE, SIZE

WEAVE_LIMIT_PX = 0.18
"""Most the measured steps of a locked-off shot may miss the film's weave by (RMS, scan pixels).
Matched under the film's own light, with a slope read as sharply as the picture, as the first
pass did before, they missed it by 0.26 and 0.30 on this shot (seeds 11 and 5); now by 0.11
and 0.13."""


@pytest.mark.parametrize("seed", [11, 5])
def test_the_weave_of_a_locked_off_shot_is_read_through_the_film_and_past_a_moving_figure(
    seed: int, tmp_path: Path
) -> None:
    """A still camera on the astronaut, the cat's head crossing it, seen through a strong,
    breathing vignette, flicker, grain and two line scratches (all fixed to the film, not to
    the picture): every frame-to-frame step the first pass measures is the film's weave."""
    params = replace(
        NONE, weave_px=3.0, vignette=0.45, vignette_breathing=0.3, flicker=0.08, flicker_offset=0.03,
        grain=0.04, scratches=2, scratch_strength=0.3,
    )  # fmt: skip
    still = CameraPose(0.47, 0.42, 0.55)
    walk = Actor("cat-head", ObjectPose(0.2, 0.6, 0, 0.35), ObjectPose(0.8, 0.6, 0, 0.35))
    degrader = FilmDegrader(params, seed=seed)
    path = tmp_path / "still.mkv"
    weave = []
    with VideoWriter(path, FPS, SIZE[0] // 2, SIZE[1] // 2, LOSSLESS) as writer:
        for frame in render_shot(Shot("astronaut", 40, still, still, (walk,)), SIZE):
            aged = degrader.apply(frame)
            writer.write(aged.scan)
            weave.append((aged.truth.dx / 2.0, aged.truth.dy / 2.0))  # clean pixels to scan pixels
    steps, shots, _, _ = measure_steps(Scan(path).frames())
    assert (shots == 0).all()
    true_steps = np.diff(np.asarray(weave), axis=0)
    error = float(np.sqrt(np.mean((steps[1:] - true_steps) ** 2)))
    spread = float(np.sqrt(np.mean(true_steps**2)))
    assert error < WEAVE_LIMIT_PX, (
        f"the steps miss the weave by {error:.3f} px RMS (the weave's own steps: {spread:.2f} px)"
    )
