"""Photometry estimated from the footage itself, with and without camera motion: a flat grey
card filmed through a strong vignette comes out flat, a pan shows the lens's falloff, and
exposure that drifts over seconds comes back to the film's level, across cuts too. Real
lossless files, aged by the project's model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from content.demo.degrade import DegradationParams, FilmDegrader, luma, vignette_gain
from content.media import LOSSLESS, VideoWriter
from tests.engine.clips import FPS, NONE, make_clip, only, restore

SIZE = (256, 192)
CARD = 0.55
"""The grey card's level (luma, 0 to 1)."""


def _write(
    folder: Path, name: str, frames: list[np.ndarray], params: DegradationParams, size: tuple[int, int] = SIZE
) -> tuple[Path, list]:
    degrader = FilmDegrader(params, seed=3)
    path = folder / f"{name}.mkv"
    truths = []
    with VideoWriter(path, FPS, size[0] // 2, size[1] // 2, LOSSLESS) as writer:
        for frame in frames:
            aged = degrader.apply(frame)
            writer.write(aged.scan)
            truths.append(aged.truth)
    return path, truths


@pytest.mark.parametrize(
    "shape",
    [
        {"vignette": 0.45},
        {"vignette": 0.4, "vignette_aspect": 0.6, "vignette_angle_deg": 30.0, "vignette_exponent": 3.0},
    ],
    ids=["circular", "elliptical-steep"],
)
def test_a_grey_card_through_a_strong_vignette_comes_out_flat(shape: dict, tmp_path: Path) -> None:
    params = replace(NONE, grain=0.03, **shape)
    card = [np.full((SIZE[1], SIZE[0], 3), CARD) for _ in range(24)]
    scan, truths = _write(tmp_path, "card", card, params)
    h, w = SIZE[1] // 2, SIZE[0] // 2
    falloff = vignette_gain((h, w), params, truths[0].vignette_k)
    assert falloff.min() < 0.65, "the vignette takes more than a third of the light at the corners"

    restored = restore(scan, only("flicker")).mean(axis=0)  # the grain averages out over frames
    smooth = gaussian_filter(restored, 4)[8:-8, 8:-8]
    before = gaussian_filter(CARD * falloff, 4)[8:-8, 8:-8]
    assert smooth.max() - smooth.min() < 0.15 * (before.max() - before.min()), (
        f"left {smooth.max() - smooth.min():.3f} of {before.max() - before.min():.3f} unevenness"
    )
    assert abs(float(smooth.mean()) - CARD) < 0.02, "the card keeps its level"


def test_slow_exposure_drift_on_a_still_shot_comes_back_to_the_shots_level(tmp_path: Path) -> None:
    from skimage import data

    photo = data.astronaut()[64:448:2, :512:2].astype(np.float64) / 255.0  # (192, 256, 3)
    params = replace(NONE, grain=0.02, exposure_drift=0.12, exposure_drift_frames=40.0)
    frames = [photo] * 120
    scan, truths = _write(tmp_path, "drift", frames, params)
    gains = np.array([t.gain for t in truths])
    assert np.ptp(np.log(gains)) > 0.15, "the drift moves the level by more than 15 %"

    truth = luma(photo).reshape(SIZE[1] // 2, 2, SIZE[0] // 2, 2).mean(axis=(1, 3))
    restored = restore(scan, only("flicker"))
    level = np.log(restored.mean(axis=(1, 2)) / truth.mean())
    scanned = np.log(gains)
    assert level.std() < 0.3 * (scanned - scanned.mean()).std(), (level.std(), scanned.std())
    assert abs(float(level.mean() - scanned.mean())) < 0.02, "the level is the shot's own, not moved"


def test_a_bright_figure_crossing_a_dark_still_shot_moves_neither_the_camera_nor_the_exposure(
    tmp_path: Path,
) -> None:
    """The launch pad at night, locked off, with the cat's head walking across it: the figure
    holds most of the frame's contrast, but the camera is what holds most of the frame, and the
    figure's light is not the film's exposure."""
    from content.demo.source import Actor, CameraPose, ObjectPose, Shot
    from engine.analysis import measure_steps
    from engine.scan import Scan

    still = CameraPose(0.5, 0.52, 0.8)
    walk = Actor("cat-head", ObjectPose(0.14, 0.6, 0, 0.4), ObjectPose(0.86, 0.6, 0, 0.4))
    clip = make_clip(tmp_path, "clean", shot=Shot("rocket", 40, still, still, (walk,)))
    steps, shots, _, exposure = measure_steps(Scan(clip.scan).frames())
    assert (shots == 0).all()
    assert np.abs(steps).max() < 0.25, (
        f"the still camera was seen to move by up to {np.abs(steps).max():.2f} px"
    )
    assert np.abs(np.log(exposure)).max() < 0.01, (
        f"exposure drift seen on a clean film: {exposure.min():.3f} .. {exposure.max():.3f}"
    )


def _falloff_error(params: DegradationParams, truths: list, fitted: np.ndarray) -> tuple[float, float]:
    """RMS log error of the fitted falloff ``(h, w)`` against the truth's mean one, shape only
    (a constant gain is exposure), and the same for no correction at all."""
    h, w = fitted.shape
    k = float(np.mean([t.vignette_k for t in truths]))
    true = np.log(np.clip(vignette_gain((h, w), params, k), 1e-3, 1.0))

    def shape_error(log_gain: np.ndarray) -> float:
        error = log_gain - true
        return float(np.sqrt(np.mean((error - error.mean()) ** 2)))

    return shape_error(fitted), shape_error(np.zeros_like(true))


@pytest.mark.parametrize(
    "shape",
    [{"vignette": 0.35}, {"vignette": 0.35, "vignette_aspect": 0.6, "vignette_angle_deg": 60.0}],
    ids=["circular", "elliptical"],
)
def test_a_pan_over_a_photograph_full_of_light_and_shade_shows_the_lens_falloff(
    shape: dict, tmp_path: Path
) -> None:
    """The cat on the sofa, where the picture's own shading hides a falloff from a single frame:
    the camera's move shows the same scene through different parts of the lens."""
    from content.demo.source import CameraPose, Shot, render_shot
    from engine.analysis import measure_steps
    from engine.scan import Scan

    params = replace(NONE, grain=0.02, **shape)
    pan = Shot("chelsea", 48, CameraPose(0.38, 0.42, 0.6), CameraPose(0.62, 0.58, 0.6))  # across and down
    scan, truths = _write(tmp_path, "pan", render_shot(pan, SIZE), params)
    _, _, falloff, _ = measure_steps(Scan(scan).frames())
    h, w = SIZE[1] // 2, SIZE[0] // 2
    error, uncorrected = _falloff_error(params, truths, falloff.log_gain(h, w))
    assert uncorrected > 0.05, "the vignette is strong enough to matter"
    assert error < 0.4 * uncorrected, f"falloff left at {error:.3f} of {uncorrected:.3f} (log rms)"


def test_exposure_drift_runs_on_across_a_cut(tmp_path: Path) -> None:
    """The film grows darker through two shots: a cut changes the scene, not the film, so each
    shot comes back to the film's level, not to its own average (which would leave the first
    shot too dark and the second too light)."""
    from content.demo.source import CameraPose, Shot, render_shot

    still = CameraPose(0.5, 0.5, 0.8)
    clean = [
        *render_shot(Shot("astronaut", 40, still, still), SIZE),
        *render_shot(Shot("chelsea", 40, still, still), SIZE),
    ]
    drift = np.linspace(0.12, -0.12, len(clean))  # log gain
    scan, _ = _write(
        tmp_path,
        "cut",
        [frame * np.exp(d) for frame, d in zip(clean, drift, strict=True)],
        replace(NONE, grain=0.02),
    )
    truth = np.stack([luma(f).reshape(SIZE[1] // 2, 2, SIZE[0] // 2, 2).mean(axis=(1, 3)) for f in clean])

    restored = restore(scan, only("flicker"))
    level = np.log(restored.mean(axis=(1, 2)) / truth.mean(axis=(1, 2)))
    assert level.std() < 0.3 * drift.std(), (
        f"level wanders by {level.std():.3f} of the drift's {drift.std():.3f}"
    )
    first, second = level[:40].mean(), level[40:].mean()
    assert abs(first - second) < 0.03, f"the shots' levels differ by {first - second:.3f} after the cut"


def test_a_zoom_with_no_exposure_drift_keeps_the_films_level(tmp_path: Path) -> None:
    """Pulling back from a photograph changes what each part of the frame shows but not the
    film's exposure: compared along the camera path alone, frames a zoom apart match different
    content, and the shot seemed to grow darker by 8 % (the level's spread, peak to peak, 0.083
    in log; 0.019 now)."""
    from content.demo.source import CameraPose, Shot, render_shot

    clean = render_shot(
        Shot("astronaut", 48, CameraPose(0.45, 0.35, 0.45), CameraPose(0.50, 0.50, 0.85)), SIZE
    )
    scan, _ = _write(tmp_path, "zoom", clean, replace(NONE, grain=0.02))
    truth = np.stack([luma(f).reshape(SIZE[1] // 2, 2, SIZE[0] // 2, 2).mean(axis=(1, 3)) for f in clean])

    restored = restore(scan, only("flicker"))
    level = np.log(restored.mean(axis=(1, 2)) / truth.mean(axis=(1, 2)))
    assert np.ptp(level) < 0.04, f"the level wanders by {np.ptp(level):.3f} (log) over the zoom"


def test_a_locked_off_shot_of_a_clean_film_is_given_no_falloff(tmp_path: Path) -> None:
    """The launch site, locked off, the cat's head walking across it, on a film with no
    vignette: the photograph's own light (brighter in the middle) lends the gradient fit a
    falloff, which nothing moving across the frame can tell from the lens's. Where the camera
    never moves, the gradients need more to be trusted (before, 48 % was taken at the corners)."""
    from content.demo.source import SCENES, render_shot
    from engine.analysis import measure_steps
    from engine.scan import Scan

    size = (640, 480)
    shot = replace(SCENES["crossing"].shots[0], frames=40)
    path, _ = _write(tmp_path, "still", render_shot(shot, size), replace(NONE, grain=0.02), size)
    _, _, falloff, _ = measure_steps(Scan(path).frames())
    corner = float(np.exp(falloff.log_gain(size[1] // 2, size[0] // 2).min()))
    assert corner > 0.95, f"a falloff of {1 - corner:.0%} at the corners on a film without one"
