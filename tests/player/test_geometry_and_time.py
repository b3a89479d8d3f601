"""Pure parts of the player: the timeline, easing between looks, and the region cut."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.look import Look
from player.animator import Animator, ease_in_out, ease_spring, neutral
from player.clock import Timeline
from player.layout import Rect, letterbox, split_view
from player.regions import EDGE_MARGIN_PX, Polygon, regions


def area(polygon: Polygon) -> float:
    return (
        abs(
            sum(
                x0 * y1 - x1 * y0
                for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True)
            )
        )
        / 2
    )


def test_timeline_counts_frames_from_the_clock_not_from_presentations():
    timeline = Timeline(Fraction(25), start_time=10.0)
    assert [timeline.frame_at(10.0 + t) for t in (0.0, 0.039, 0.04, 1.0, 60.0)] == [0, 0, 1, 25, 1500]
    timeline.pause(11.0)
    assert timeline.frame_at(50.0) == 25
    timeline.resume(50.0)
    assert timeline.frame_at(50.08) == 27


def test_ntsc_rates_do_not_drift_over_an_hour():
    timeline = Timeline(Fraction(24000, 1001), start_time=0.0)
    assert timeline.frame_at(3600.0) == 86313  # floor(3600 * 24000 / 1001)


def test_easings_start_at_zero_and_end_at_one():
    for ease in (ease_in_out, ease_spring):
        assert ease(0.0) == pytest.approx(0.0) and ease(1.0) == pytest.approx(1.0)
    assert ease_in_out(0.5) == pytest.approx(0.5) and max(ease_spring(t / 100) for t in range(101)) < 1.1


def test_a_mode_change_passes_through_the_original_only_look():
    animator = Animator(Look(mode="wipe", position=0.3, handle=1.0))
    animator.go(Look(mode="split", split=1.0), 2.0, now=0.0)
    assert animator.look(1.0 - 1e-9).position == pytest.approx(1.0, abs=1e-6)
    middle = animator.look(1.0)
    assert middle == neutral("split", middle) and middle.split == 0.0
    assert animator.look(2.0) == Look(mode="split", split=1.0)
    assert animator.look(7.0) == animator.look(2.0)


def test_split_halves_keep_the_film_aspect_and_do_not_overlap():
    left, right = split_view(4 / 3, 1920, 1080)
    assert left.w / left.h == pytest.approx(4 / 3) and right.w / right.h == pytest.approx(4 / 3)
    assert left.x + left.w < right.x
    assert letterbox(4 / 3, 1920, 1080) == Rect(240, 0, 1440, 1080)


@given(
    position=st.floats(0, 1),
    angle=st.floats(-60, 60),
    softness=st.floats(0, 0.05),
)
def test_wipe_regions_tile_the_film_exactly(position, angle, softness):
    film = Rect(240, 0, 1440, 1080)
    plan = regions(Look(mode="wipe", position=position, angle=angle, softness=softness), film, film)
    single = sum(area(p) for _, _, polygons in plan.single for p in polygons)
    strip = area(plan.composite[0]) if plan.composite else 0.0
    assert single + strip == pytest.approx(film.w * film.h, rel=1e-6)
    # the costly shader runs on a strip no wider than the soft edge and the handle line
    margin = max(softness * film.w, 0.75) + EDGE_MARGIN_PX
    assert strip <= 2 * margin * math.hypot(film.w, film.h) + 1e-6


def test_steady_looks_need_no_compositing():
    film = Rect(0, 0, 640, 480)
    for look in (
        Look(mode="crossfade", fade=0.0),
        Look(mode="crossfade", fade=1.0),
        Look(mode="split", split=1.0),
    ):
        assert regions(look, film, film).composite == []
    assert regions(Look(mode="crossfade", fade=0.5), film, film).single == []
