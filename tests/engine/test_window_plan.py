"""The window geometry, as plain index arithmetic: context cut at the clip's ends, neighbours
that cuts and the clip's ends rule out, the camera moves the stages start from, which rows are
output. No torch: these run in milliseconds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from engine.window_plan import (
    CORE,
    FLICKER_RADIUS,
    MARGIN,
    MOTION_OFFSETS,
    WindowPlan,
    output_count,
    plan_window,
    window_frames,
    window_rows,
)

SCRATCH_OFFSETS = (-4, -2, 2, 4)
"""The scratch stage's, given here so that no torch is imported."""
MOVED_PX = 2.0


def plan(
    first: int,
    shot: list[int] | np.ndarray,
    pan: float = 0.0,
    weave_step: float = 0.0,
    weave: bool = True,
    core: int = CORE,
) -> WindowPlan:
    """The plan of a window over a clip whose camera pans ``pan`` pixels a frame to the right and
    whose frame ``i`` is moved ``i * weave_step`` pixels to the right onto that path."""
    shot = np.asarray(shot)
    frames = np.arange(len(shot), dtype=np.float64)
    path = np.stack([pan * frames, np.zeros_like(frames)], axis=1)
    correction = np.stack([weave_step * frames, np.zeros_like(frames)], axis=1)
    return plan_window(
        first, core, shot, path, correction, weave=weave, scratch_offsets=SCRATCH_OFFSETS, moved_px=MOVED_PX
    )


def test_the_geometry() -> None:
    assert (CORE, FLICKER_RADIUS, MOTION_OFFSETS, MARGIN) == (16, 4, (-2, -1, 1, 2), 6)


def test_the_context_is_cut_at_the_clips_ends() -> None:
    assert window_frames(0, 16, 100) == range(0, 22)
    assert window_frames(16, 16, 100) == range(10, 38)
    assert window_frames(96, 16, 100) == range(90, 100)
    assert window_frames(0, 16, 5) == range(0, 5)
    assert window_frames(14, 7, 100) == range(8, 27)


def test_rows_outside_the_clip_show_its_end_frames() -> None:
    assert window_rows(0, 16, 100, range(0, 22)) == [0] * 6 + list(range(22))
    assert window_rows(16, 16, 100, range(10, 38)) == list(range(28))
    assert window_rows(96, 16, 100, range(90, 100)) == list(range(10)) + [9] * 18
    assert window_rows(0, 16, 5, range(0, 5)) == [0] * 6 + list(range(5)) + [4] * 17


def test_rows_index_a_buffer_that_holds_more_or_less() -> None:
    assert window_rows(16, 16, 100, range(5, 40)) == list(range(5, 33))
    assert window_rows(16, 16, 100, range(10, 20)) == list(range(10)) + [9] * 18


def test_which_frames_are_output() -> None:
    assert output_count(0, 16, 100) == 16
    assert output_count(96, 16, 100) == 4
    assert output_count(0, 7, 5) == 5
    p = plan(16, [0] * 40)
    assert p.output == slice(6, 22)
    assert p.source[p.output].tolist() == list(range(16, 32))


def test_the_shapes() -> None:
    p = plan(16, [0] * 40)
    rows, flicker_rows, taps = 16 + 2 * MARGIN, 16 + 2 * MARGIN - 2 * FLICKER_RADIUS, 2 * FLICKER_RADIUS + 1
    assert p.source.shape == p.shot.shape == (rows,)
    assert p.moved_by.shape == (rows, 2)
    assert p.flicker_weights.shape == (flicker_rows, taps)
    assert p.flicker_shifts.shape == (flicker_rows, taps, 2)
    assert p.motion_starts.shape == (4, 16, 2)
    assert p.motion_same.shape == (4, 16)
    assert p.scratch_shift.shape == p.scratch_moving.shape == (flicker_rows, 4)
    assert p.flicker_weights.dtype == p.motion_same.dtype == p.scratch_moving.dtype == np.float32


def test_at_the_clips_start_the_missing_neighbours_count_for_nothing() -> None:
    p = plan(0, [0] * 40, weave_step=1.0)
    assert p.source.tolist() == [0] * 6 + list(range(22))
    assert p.shot.tolist() == [-1] * 6 + [0] * 22
    assert p.moved_by[:6].tolist() == [[0.0, 0.0]] * 6
    assert p.moved_by[6:9, 0].tolist() == [0.0, 1.0, 2.0]
    # flicker row 2 is window row 6, clip frame 0: only its neighbours after it count
    assert p.flicker_weights[2].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert p.flicker_weights[0].tolist() == [0] * 9  # a row before the clip
    # output frame 0 has no neighbours before it, frame 1 one
    assert p.motion_same[:, 0].tolist() == [0, 0, 1, 1]
    assert p.motion_same[:, 1].tolist() == [0, 1, 1, 1]
    assert p.motion_same[:, 2:].min() == 1


def test_at_the_clips_end_the_missing_neighbours_count_for_nothing() -> None:
    p = plan(16, [0] * 20, weave_step=1.0)
    assert p.source.tolist() == list(range(10, 20)) + [19] * 18
    assert p.shot.tolist() == [0] * 10 + [-1] * 18
    assert p.moved_by[:10, 0].tolist() == list(map(float, range(10, 20)))
    assert not p.moved_by[10:].any()
    assert p.motion_same[:, 1].tolist() == [1, 1, 1, 1]  # frame 17
    assert p.motion_same[:, 2].tolist() == [1, 1, 1, 0]  # frame 18
    assert p.motion_same[:, 3].tolist() == [1, 1, 0, 0]  # frame 19, the last
    assert not p.motion_same[:, 4:].any()  # frames past the end
    # flicker row 5 is window row 9, clip frame 19
    assert p.flicker_weights[5].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0]


def test_a_cut_splits_the_neighbours() -> None:
    p = plan(0, [0] * 10 + [1] * 30)
    assert p.shot[6:].tolist() == [0] * 10 + [1] * 12
    assert p.motion_same[:, 9].tolist() == [1, 1, 0, 0]  # the last frame of the first shot
    assert p.motion_same[:, 10].tolist() == [0, 0, 1, 1]  # the first frame of the second
    assert p.motion_same[:, 11].tolist() == [0, 1, 1, 1]
    # flicker row 12 is window row 16, clip frame 10: the frames before the cut do not count
    assert p.flicker_weights[12].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert p.flicker_weights[11].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0]


def test_the_camera_moves_the_stages_start_from() -> None:
    p = plan(16, [0] * 40, pan=2.0)
    assert p.motion_starts[:, 5].tolist() == [[-4.0, 0.0], [-2.0, 0.0], [2.0, 0.0], [4.0, 0.0]]
    assert p.flicker_shifts[10, :, 0].tolist() == [2.0 * o for o in range(-4, 5)]
    assert not p.flicker_shifts[..., 1].any()
    start = plan(0, [0] * 40, pan=2.0)
    assert start.motion_starts[:2, 0].tolist() == [[0.0, 0.0], [0.0, 0.0]]  # clamped, and unused


def test_scratch_neighbours_tell_a_scratch_only_where_the_scene_moved_enough() -> None:
    # the scene moves 0.5 px a frame: 1 px at offsets -2 and 2 (too little), 2 px at -4 and 4
    assert plan(16, [0] * 40, pan=0.5).scratch_moving[10].tolist() == [1, 0, 0, 1]
    assert plan(16, [0] * 40, pan=3.0).scratch_moving.min() == 1
    assert not plan(16, [0] * 40).scratch_moving.any()
    # across a cut nothing tells, however far the scene moved
    # (flicker row 16 is clip frame 14, two frames before the cut)
    assert plan(0, [0] * 16 + [1] * 24, pan=3.0).scratch_moving[16].tolist() == [1, 1, 0, 0]


def test_scratch_neighbours_see_the_film_where_the_weave_put_it() -> None:
    p = plan(16, [0] * 40, weave_step=0.25)
    assert p.scratch_shift[10].tolist() == [-1.0, -0.5, 0.5, 1.0]
    assert not p.scratch_moving.any()  # the scene moved by the weave alone: 1 px at most
    off = plan(16, [0] * 40, weave_step=0.25, weave=False)
    assert not off.moved_by.any() and not off.scratch_shift.any()


def test_a_shorter_window() -> None:
    p = plan(14, [0] * 100, core=7)
    assert p.source.tolist() == list(range(8, 27))
    assert p.output == slice(6, 13)
    assert p.motion_same.shape == (4, 7) and p.flicker_weights.shape == (11, 9)


def test_the_plan_imports_no_torch() -> None:
    code = "import sys, engine.window_plan; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
