"""The degradation model as a family of films: the draws, each new effect on real rendered
frames, the clean member, and the H.264 scan."""

import hashlib
import json
from dataclasses import asdict, replace
from fractions import Fraction

import numpy as np
import pytest
from scipy import ndimage

from content.demo.degrade import (
    CLEAN_SHARE,
    HAIR,
    ROUND,
    DegradationParams,
    FilmDegrader,
    draw_params,
    farthest_corner_loss,
    luma,
    vignette_gain,
)
from content.demo.source import write_source
from content.media import probe, read_frames

CLEAN = DegradationParams.clean()
QUANT = 0.5 / 255 + 1e-9


def _texture(seed: int = 0, size: tuple[int, int] = (96, 128)) -> np.ndarray:
    """A smooth random colour texture ``(H, W, 3)`` in [0.1, 0.9]."""
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.random((*size, 3)), (3, 3, 0))
    base = (base - base.min()) / (base.max() - base.min())
    return 0.1 + 0.8 * base


def _flat(level: float, size: tuple[int, int] = (96, 128)) -> np.ndarray:
    return np.full((*size, 3), level)


def _downscaled_luma(clean: np.ndarray) -> np.ndarray:
    grey = luma(clean)
    return grey.reshape(grey.shape[0] // 2, 2, grey.shape[1] // 2, 2).mean(axis=(1, 3))


def test_the_default_film_is_byte_identical_to_the_one_the_benchmarks_were_measured_on():
    # The digest was taken with the model as it was before the family (commit 5ddeb58).
    degrader = FilmDegrader(DegradationParams(), seed=1896)
    digest = hashlib.sha256()
    for i in range(4):
        frame = degrader.apply(_texture(i))
        digest.update(frame.scan.tobytes())
        digest.update(frame.damage.tobytes())
    assert digest.hexdigest() == "7b08ee5af98529310e27a9a1ff265333504bf8a816bb96d530ed8483e2aff4e7"


def test_draws_are_deterministic_per_seed_and_differ_between_seeds():
    assert draw_params(5) == draw_params(5)
    draws = [draw_params(seed) for seed in range(40)]
    members = [d for d in draws if d != CLEAN]
    assert len(set(members)) == len(members) >= 30


def test_draws_lie_in_the_documented_ranges_and_span_the_kinds():
    draws = [draw_params(seed) for seed in range(300)]
    members = [d for d in draws if d != CLEAN]
    assert abs((len(draws) - len(members)) / len(draws) - CLEAN_SHARE) < 0.05
    for p in members:
        assert 0 <= p.weave_px <= 3 and 0.3 <= p.weave_smooth <= 0.8 and 0.3 <= p.softness_px <= 1.5
        assert p.downscale == 2 and 0 <= p.flicker <= 0.1 and 0 <= p.flicker_offset <= 0.03
        assert 0 <= p.exposure_drift <= 0.1 and 20 <= p.exposure_drift_frames <= 80
        assert farthest_corner_loss(p) <= 0.5 + 1e-9 and 0 <= p.vignette_breathing <= 0.3
        assert all(-0.3 <= o <= 0.3 for o in p.vignette_offset) and 0.5 <= p.vignette_aspect <= 1
        assert 0 <= p.vignette_angle_deg <= 180 and 1.5 <= p.vignette_exponent <= 4
        assert 0 <= p.blotches_per_frame <= 12 and 0.6 <= p.blotch_radius_px[0] < p.blotch_radius_px[1] <= 8
        assert sum(p.blotch_kinds) == pytest.approx(1) and 0.5 <= p.blotch_dark <= 0.9
        assert 0 <= p.scratches <= 4 and 0.05 <= p.scratch_strength <= 0.3 and 0 <= p.scratch_drift_px <= 0.6
        assert 0.4 <= p.scratch_width_px[0] <= p.scratch_width_px[1] <= 3 and 0 <= p.scratch_blend <= 1
        assert 0.2 <= p.scratch_opacity[0] <= 0.5 <= p.scratch_opacity[1] <= 0.9
        assert 0.01 <= p.grain <= 0.06 and 0.4 <= p.grain_size_px <= 2 and 0 <= p.grain_mix <= 0.6
        assert 2 <= p.grain_coarse_px <= 3.5 and (p.crf is None or 16 <= p.crf <= 28)
    assert {p.scratch_polarity for p in members} == {"mixed", "dark", "bright"}
    assert {p.crf is None for p in members} == {True, False}
    assert {p.vignette_breathing == 0 for p in members} == {True, False}
    assert {p.vignette_offset == (0, 0) for p in members} == {True, False}
    assert {p.vignette_aspect == 1 for p in members} == {True, False}
    assert max(farthest_corner_loss(p) for p in members) > 0.45


def test_the_clean_member_leaves_a_flat_grey_flat_and_equal_to_it():
    degrader = FilmDegrader(CLEAN, seed=3)
    for level in (0.2, 0.5, 0.83):
        frame = degrader.apply(_flat(level))
        assert np.all(frame.scan == frame.scan[0, 0]) and not frame.damage.any()
        assert abs(frame.scan[0, 0] / 255 - level) <= QUANT
    picture = _texture(5)
    assert np.abs(degrader.apply(picture).scan / 255 - _downscaled_luma(picture)).max() <= QUANT


def test_an_off_centre_vignette_is_darkest_at_the_corner_far_from_its_centre():
    # Centre moved right and down by 0.3 half-sizes: the top-left corner is the far one.
    params = replace(CLEAN, vignette=0.3, vignette_offset=(0.3, 0.3))
    frame = FilmDegrader(params, seed=1).apply(_flat(0.6))
    scan = frame.scan / 255
    corners = {
        "top-left": scan[0, 0],
        "top-right": scan[0, -1],
        "bottom-left": scan[-1, 0],
        "bottom-right": scan[-1, -1],
    }
    assert min(corners, key=corners.get) == "top-left" and max(corners, key=corners.get) == "bottom-right"
    assert np.abs(scan - 0.6 * vignette_gain(scan.shape, params, frame.truth.vignette_k)).max() <= QUANT
    assert 1 - corners["top-left"] / 0.6 == pytest.approx(farthest_corner_loss(params), abs=0.03)


def test_a_centred_circular_vignette_takes_its_strength_at_the_corners():
    frame = FilmDegrader(replace(CLEAN, vignette=0.4), seed=1).apply(_flat(0.8))
    corners = frame.scan[[0, 0, -1, -1], [0, -1, 0, -1]] / 255
    assert np.allclose(corners, 0.8 * (1 - 0.4), atol=0.015)  # the corner pixels' centres are a little inside
    assert frame.scan[24, 32] / 255 == pytest.approx(0.8, abs=0.01)


def test_an_elliptical_vignette_falls_off_faster_along_its_short_axis():
    # Aspect 0.5 at 0 degrees: the first (horizontal) axis is the short one.
    scan = FilmDegrader(replace(CLEAN, vignette=0.3, vignette_aspect=0.5), seed=1).apply(_flat(0.7)).scan
    sides, ends = scan[24, [0, -1]].astype(int), scan[[0, -1], 32].astype(int)
    assert sides.max() < ends.min() - 10
    turned = FilmDegrader(replace(CLEAN, vignette=0.3, vignette_aspect=0.5, vignette_angle_deg=90), 1)
    scan = turned.apply(_flat(0.7)).scan
    assert scan[[0, -1], 32].astype(int).max() < scan[24, [0, -1]].astype(int).min() - 10


def test_a_higher_exponent_keeps_the_middle_brighter_at_the_same_corner_loss():
    gentle = FilmDegrader(replace(CLEAN, vignette=0.4), 1).apply(_flat(0.7)).scan
    steep = FilmDegrader(replace(CLEAN, vignette=0.4, vignette_exponent=4.0), 1).apply(_flat(0.7)).scan
    assert abs(int(gentle[0, 0]) - int(steep[0, 0])) <= 3
    assert int(steep[36, 48]) > int(gentle[36, 48]) + 5  # halfway to the corner


def test_a_static_vignette_stays_and_a_breathing_one_breathes():
    def strengths(breathing: float) -> list[float]:
        degrader = FilmDegrader(replace(CLEAN, vignette=0.3, vignette_breathing=breathing), 2)
        return [degrader.apply(_flat(0.5, (16, 16))).truth.vignette_k for _ in range(20)]

    assert set(strengths(0.0)) == {0.3} and np.std(strengths(0.3)) > 0.03


def test_exposure_drifts_slowly_around_zero_as_recorded():
    degrader = FilmDegrader(replace(CLEAN, exposure_drift=0.1, exposure_drift_frames=30), seed=4)
    frames = [degrader.apply(_flat(0.5, (8, 8))) for _ in range(1500)]
    drift = np.array([f.truth.exposure_drift for f in frames])
    for f in frames[:50]:
        assert f.truth.gain == pytest.approx(np.exp(f.truth.exposure_drift))
        assert np.abs(f.scan / 255 - 0.5 * f.truth.gain).max() <= QUANT
    assert 0.06 < drift.std() < 0.14 and abs(drift.mean()) < 0.05
    assert np.diff(drift).std() < 0.1 * drift.std()  # slow: a frame's step is small
    lag = lambda k: np.corrcoef(drift[:-k], drift[k:])[0, 1]  # noqa: E731
    assert lag(1) > 0.99 and 0.2 < lag(30) < 0.7 and abs(lag(300)) < 0.3


def _grain_correlation(params: DegradationParams, lag: int) -> tuple[float, float]:
    """The grain's standard deviation in grey levels and its correlation at ``lag`` pixels."""
    noise = FilmDegrader(params, seed=6).apply(_flat(0.5, (192, 256))).scan.astype(float) - 128
    return noise.std(), np.corrcoef(noise[:, :-lag].ravel(), noise[:, lag:].ravel())[0, 1]


def test_grain_size_sets_how_far_the_grain_is_correlated():
    fine_std, fine = _grain_correlation(replace(CLEAN, grain=0.05, grain_size_px=0.4), 1)
    coarse_std, coarse = _grain_correlation(replace(CLEAN, grain=0.05, grain_size_px=2.0), 1)
    assert fine < 0.3 < 0.8 < coarse
    assert fine_std == pytest.approx(coarse_std, rel=0.1) == 255 * 0.05 * 2 * np.sqrt(0.26)
    _, fine_far = _grain_correlation(replace(CLEAN, grain=0.05, grain_size_px=0.4), 4)
    _, mixed_far = _grain_correlation(replace(CLEAN, grain=0.05, grain_size_px=0.4, grain_mix=0.5), 4)
    assert fine_far < 0.05 and mixed_far > 0.1  # the coarse layer of the mix reaches further


def _damage_shapes(params: DegradationParams) -> tuple[list[float], list[int], tuple[int, int, int]]:
    """Over 6 frames of a flat grey: each damaged patch's inscribed radius (pixels) and longest
    side, and the blotch kinds counted."""
    degrader = FilmDegrader(params, seed=8)
    radii, sides, kinds = [], [], np.zeros(3, int)
    for _ in range(6):
        frame = degrader.apply(_flat(0.5, (240, 320)))
        kinds += frame.truth.blotch_kinds
        labels, _ = ndimage.label(frame.damage, structure=np.ones((3, 3)))
        depth = ndimage.distance_transform_edt(frame.damage)
        for index, box in enumerate(ndimage.find_objects(labels), start=1):
            radii.append(float(depth[box][labels[box] == index].max()))
            sides.append(max(box[0].stop - box[0].start, box[1].stop - box[1].start))
    return radii, sides, (int(kinds[0]), int(kinds[1]), int(kinds[2]))


def test_hairs_are_thin_long_strokes_and_round_blotches_are_not():
    hairs = replace(CLEAN, blotches_per_frame=3, blotch_kinds=(0.0, 0.0, 1.0))
    radii, sides, kinds = _damage_shapes(hairs)
    assert kinds[HAIR] == sum(kinds) >= 10 and len(radii) >= 10
    assert max(radii) <= 1.5 and min(sides) >= 6  # at most 2 px across, never a dot
    discs = replace(CLEAN, blotches_per_frame=3, blotch_kinds=(1.0, 0.0, 0.0), blotch_radius_px=(3.0, 5.0))
    radii, sides, kinds = _damage_shapes(discs)
    assert kinds[ROUND] == sum(kinds) >= 10 and np.median(radii) >= 3  # some cut by the frame's edge


def test_blotch_kinds_come_in_their_proportions():
    degrader = FilmDegrader(replace(CLEAN, blotches_per_frame=20, blotch_kinds=(0.2, 0.3, 0.5)), seed=9)
    kinds = np.sum([degrader.apply(_flat(0.5, (32, 32))).truth.blotch_kinds for _ in range(50)], axis=0)
    assert np.allclose(kinds / kinds.sum(), (0.2, 0.3, 0.5), atol=0.05)


def _scratch(params: DegradationParams, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The scan, the picture under it at scan size, and the one scratch's column."""
    frame = FilmDegrader(replace(params, scratches=1, scratch_drift_px=0.0), seed=10).apply(picture)
    return frame.scan / 255, _downscaled_luma(picture), frame.truth.scratch_x[0]


def test_a_semi_transparent_scratch_keeps_the_picture_under_it_partly_visible():
    params = replace(CLEAN, scratch_blend=1.0, scratch_opacity=(0.6, 0.6), scratch_width_px=(1.5, 1.5))
    scan, under, x = _scratch(replace(params, scratch_polarity="dark"), _texture(11))
    column, below = scan[:, round(x)], under[:, round(x)]
    assert column.mean() < below.mean() - 0.1  # darkened toward its level ...
    # ... and the same scratch over another picture: what differs under it shows through, dimmed.
    other, other_under, _ = _scratch(replace(params, scratch_polarity="dark"), _texture(12))
    seen, there = column - other[:, round(x)], below - other_under[:, round(x)]
    assert np.corrcoef(seen, there)[0, 1] > 0.9 and 0.3 < np.std(seen) / np.std(there) < 0.7
    scan, under, x = _scratch(replace(params, scratch_polarity="bright"), _texture(11))
    assert scan[:, round(x)].mean() > under[:, round(x)].mean() + 0.1


@pytest.mark.parametrize("polarity, sign", [("dark", -1), ("bright", 1)])
def test_scratches_are_dark_or_bright_as_asked(polarity, sign):
    params = replace(CLEAN, scratches=3, scratch_strength=0.25, scratch_polarity=polarity)
    frame = FilmDegrader(params, seed=12).apply(_flat(0.5))
    for x in frame.truth.scratch_x:
        assert sign * (frame.scan[:, round(x)].mean() / 255 - 0.5) > 0.1


def test_scratch_width_sets_how_wide_the_line_is():
    def half_width(sigma: float) -> int:
        scan, _, x = _scratch(
            replace(CLEAN, scratch_strength=0.3, scratch_width_px=(sigma, sigma)), _flat(0.5)
        )
        depth = 0.5 - scan.mean(axis=0) if scan[:, round(x)].mean() < 0.5 else scan.mean(axis=0) - 0.5
        return int((depth > depth.max() / 2).sum())

    assert half_width(0.5) <= 2 and half_width(3.0) >= 6


def test_a_crf_scan_is_h264_close_to_the_lossless_one_and_the_truth_stays_lossless(tmp_path):
    clean = [_texture(i, (64, 96)) for i in range(6)]
    film = replace(DegradationParams(), crf=20)
    made = {}
    for crf in (None, 20):
        made[crf] = write_source(
            tmp_path / f"crf{crf}", clean, len(clean), fps=Fraction(18), seed=13, strength=1.0,
            keyframes=[0], record={}, params=replace(film, crf=crf),
        )  # fmt: skip
    assert probe(made[None].scan).codec == "ffv1" and probe(made[20].scan).codec == "h264"
    lossless = np.stack(list(read_frames(made[None].scan, "gray"))).astype(float)
    compressed = np.stack(list(read_frames(made[20].scan, "gray"))).astype(float)
    assert compressed.shape == lossless.shape == (6, 32, 48)
    error = np.abs(compressed - lossless)
    assert 0 < error.mean() < 4 and 10 * np.log10(255**2 / (error**2).mean()) > 30
    truths = [list(read_frames(m.truth)) for m in made.values()]
    assert all(np.array_equal(a, b) for a, b in zip(*truths, strict=True))
    record = json.loads(made[20].record.read_text())
    assert record["params"] == json.loads(json.dumps(asdict(film))) and record["params"]["crf"] == 20


def test_a_drawn_member_is_written_and_recorded_as_drawn(tmp_path):
    film = draw_params(2)
    made = write_source(
        tmp_path / "drawn", [_texture(i, (64, 96)) for i in range(3)], 3, fps=Fraction(18), seed=1,
        strength=1.0, keyframes=[], record={"scene": "texture"}, params=film,
    )  # fmt: skip
    record = json.loads(made.record.read_text())
    assert record["params"] == json.loads(json.dumps(asdict(film)))
    assert probe(made.scan).codec == ("ffv1" if film.crf is None else "h264")
    assert set(record["frames"][0]) >= {"exposure_drift", "blotch_kinds", "scratch_width", "scratch_opacity"}
