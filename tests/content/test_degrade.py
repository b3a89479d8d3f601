import itertools

import numpy as np
import pytest
from scipy import ndimage

from content.demo.degrade import DegradationParams, FilmDegrader, luma

OFF = DegradationParams(
    weave_px=0, softness_px=0, flicker=0, flicker_offset=0, vignette=0, vignette_breathing=0,
    blotches_per_frame=0, scratches=0, grain=0,
)  # fmt: skip


def _texture(seed: int = 0, size: tuple[int, int] = (96, 128)) -> np.ndarray:
    """A smooth random colour texture ``(H, W, 3)`` in [0.1, 0.9]."""
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.random((*size, 3)), (3, 3, 0))
    base = (base - base.min()) / (base.max() - base.min())
    return 0.1 + 0.8 * base


def _downscaled_luma(clean: np.ndarray) -> np.ndarray:
    grey = luma(clean)
    return grey.reshape(grey.shape[0] // 2, 2, grey.shape[1] // 2, 2).mean(axis=(1, 3))


def test_with_every_effect_off_it_is_greyscale_at_half_size():
    clean = _texture()
    frame = FilmDegrader(OFF, seed=1).apply(clean)
    assert frame.scan.dtype == np.uint8 and frame.scan.shape == (48, 64)
    assert np.abs(frame.scan / 255.0 - _downscaled_luma(clean)).max() <= 0.5 / 255 + 1e-9


def test_same_seed_same_scan_and_another_seed_differs():
    clean = [_texture(i) for i in range(4)]
    params = DegradationParams()
    run = lambda seed: [FilmDegrader(params, seed).apply(c).scan for c in clean]  # noqa: E731
    assert all(np.array_equal(a, b) for a, b in zip(run(7), run(7), strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(run(7), run(8), strict=True))


def test_weave_moves_the_frame_by_the_recorded_shift():
    clean = _texture(3, (192, 256))
    degrader = FilmDegrader(DegradationParams(**{**OFF.__dict__, "weave_px": 3.0}), seed=5)
    for _ in range(5):
        frame = degrader.apply(clean)
        t = frame.truth
        expected = ndimage.shift(luma(clean), (t.dy, t.dx), order=1, mode="nearest")
        expected = expected.reshape(96, 2, 128, 2).mean(axis=(1, 3))
        assert np.abs(frame.scan / 255.0 - expected).max() <= 0.5 / 255 + 1e-9
    assert np.hypot(t.dx, t.dy) > 0.1


def test_flicker_scales_brightness_by_the_recorded_gain():
    clean = _texture(4)
    degrader = FilmDegrader(DegradationParams(**{**OFF.__dict__, "flicker": 0.2, "flicker_offset": 0.05}), 9)
    gains = []
    for _ in range(6):
        frame = degrader.apply(clean)
        expected = np.clip(_downscaled_luma(clean) * frame.truth.gain + frame.truth.offset, 0, 1)
        assert np.abs(frame.scan / 255.0 - expected).max() <= 0.5 / 255 + 1e-9
        gains.append(frame.truth.gain)
    assert np.std(gains) > 0.05


def test_scratches_persist_and_blotches_change_from_frame_to_frame():
    clean = np.full((96, 128, 3), 0.5)
    params = DegradationParams(
        **{**OFF.__dict__, "scratches": 2, "scratch_strength": 0.3, "blotches_per_frame": 6}
    )
    degrader = FilmDegrader(params, seed=11)
    frames = [degrader.apply(clean) for _ in range(4)]
    for a, b in itertools.pairwise(frames):
        assert np.allclose(a.truth.scratch_x, b.truth.scratch_x, atol=2.0)
        for x in b.truth.scratch_x:
            column = b.scan[:, round(x)].astype(float)
            assert np.abs(column - 128).mean() > 15  # the line is visible where recorded
    damage_overlap = (frames[0].damage & frames[1].damage).sum() / max(frames[0].damage.sum(), 1)
    assert sum(f.truth.blotches for f in frames) > 0 and damage_overlap < 0.9


@pytest.mark.parametrize("strength", [0.0, 0.5, 2.0])
def test_strength_scales_every_amount(strength):
    scaled = DegradationParams().scaled(strength)
    assert scaled.grain == pytest.approx(DegradationParams().grain * strength)
    assert scaled.weave_px == pytest.approx(DegradationParams().weave_px * strength)
    assert scaled.downscale == 2
