"""The window geometry: which clip frames a window holds, which it outputs, and which neighbours
each stage may draw on, as plain index arithmetic (numpy, no torch).

A window is ``CORE`` frames to output plus ``MARGIN`` frames of context on each side. Row ``i``
of a window whose first output frame is ``first`` holds clip frame ``first - MARGIN + i``; at the
clip's ends the rows outside it repeat the end frame and count for nothing (their shot is -1, so
no stage draws on them). Every output frame sees exactly the same neighbours wherever the window
boundaries fall, so seams cannot show, and only one window is ever held: memory does not grow
with the clip. :func:`plan_window` works out, for one window, everything the stages need besides
the pixels: :class:`engine.pipeline.Restorer` does the tensor work with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CORE = 16
"""Frames output per window."""
FLICKER_RADIUS = 4
"""Neighbours on each side that set a frame's brightness."""
MOTION_OFFSETS = (-2, -1, 1, 2)
"""Neighbours the motion-compensated stages (dust, grain) draw on."""
MOTION_RADIUS = max(abs(o) for o in MOTION_OFFSETS)
MARGIN = FLICKER_RADIUS + MOTION_RADIUS
"""Context frames on each side of a window's output frames."""


def window_frames(first: int, core: int, total: int) -> range:
    """The clip frames (of ``total``) that the window outputting frames ``first .. first + core
    - 1`` draws on: its context, cut to the clip."""
    return range(max(first - MARGIN, 0), min(first + core + MARGIN, total))


def window_rows(first: int, core: int, total: int, held: range) -> list[int]:
    """For each of the ``core + 2 * MARGIN`` rows of that window, the index into a buffer holding
    clip frames ``held`` (``held[0]`` at index 0) of the frame the row shows: rows before the clip
    show its first frame, rows after it its last (and rows past the buffer its nearest frame)."""
    rows = [min(max(i, 0), total - 1) - held.start for i in range(first - MARGIN, first + core + MARGIN)]
    return [min(max(r, 0), len(held) - 1) for r in rows]


def output_count(first: int, core: int, total: int) -> int:
    """How many of the window's ``core`` output frames lie in the clip (the last window's may not)."""
    return min(core, total - first)


@dataclass(frozen=True)
class WindowPlan:
    """The index bookkeeping of one window of ``T = core + 2 * MARGIN`` rows (row ``i``: clip
    frame ``first - MARGIN + i``). The flicker stage outputs ``M = T - 2 * FLICKER_RADIUS`` rows
    (its row ``j`` is window row ``j + FLICKER_RADIUS``); shifts are in scan pixels ``(dx, dy)``.

    - ``source`` ``(T,)``: the clip frame each row shows (the ends repeated outside the clip);
      ``shot`` ``(T,)``: its shot, -1 for rows outside the clip.
    - ``moved_by`` ``(T, 2)``: the weave correction that puts each row on the camera path (0
      outside the clip, and everywhere when the weave stage is off).
    - ``flicker_weights`` ``(M, 2 * FLICKER_RADIUS + 1)`` float32: 1 where the neighbour at
      offset ``-FLICKER_RADIUS .. FLICKER_RADIUS`` of a flicker row is in its shot;
      ``flicker_shifts`` ``(M, 2 * FLICKER_RADIUS + 1, 2)``: how far the camera path moved from
      the row to that neighbour.
    - ``motion_starts`` ``(len(MOTION_OFFSETS), core, 2)``: for each output frame, the camera
      path's move to its neighbour at each of ``MOTION_OFFSETS``, where the dense flow starts;
      ``motion_same`` ``(len(MOTION_OFFSETS), core)`` float32: 1 where that neighbour is in the
      frame's shot (the neighbour may be used).
    - ``scratch_shift`` ``(M, S)`` float32: for each flicker row, how far the film (so a scratch)
      lies to the right in its neighbours at the ``S`` scratch offsets, after the weave;
      ``scratch_moving`` ``(M, S)`` float32: 1 where that neighbour is in the row's shot and the
      scene has moved sideways enough to tell a scratch from the scene; ``scratch_same``
      ``(M, S)`` float32: 1 where that neighbour is in the row's shot.
    """

    first: int
    core: int
    source: np.ndarray
    shot: np.ndarray
    moved_by: np.ndarray
    flicker_weights: np.ndarray
    flicker_shifts: np.ndarray
    motion_starts: np.ndarray
    motion_same: np.ndarray
    scratch_shift: np.ndarray
    scratch_moving: np.ndarray
    scratch_same: np.ndarray

    @property
    def output(self) -> slice:
        """The window rows that are output: clip frames ``first .. first + core - 1``."""
        return slice(MARGIN, MARGIN + self.core)


def plan_window(
    first: int,
    core: int,
    shot: np.ndarray,
    path: np.ndarray,
    correction: np.ndarray,
    *,
    weave: bool,
    scratch_offsets: tuple[int, ...],
    moved_px: float,
) -> WindowPlan:
    """The :class:`WindowPlan` of the window outputting clip frames ``first .. first + core - 1``
    of a clip whose frame ``i`` is in shot ``shot[i]`` (``(N,)``), at ``path[i]`` on the smoothed
    camera path and moved by ``correction[i]`` onto it (``(N, 2)`` pixels). ``weave``: whether the
    weave stage runs; ``scratch_offsets`` (each at most ``FLICKER_RADIUS`` away) and ``moved_px``:
    the neighbours the scratch stage compares and the sideways scene motion (pixels) from which
    they can tell a scratch from the scene."""
    total = len(shot)
    index = np.arange(first - MARGIN, first + core + MARGIN)
    real = (index >= 0) & (index < total)
    source = np.clip(index, 0, total - 1)
    row_shot = np.where(real, shot[source], -1)
    row_path = path[source]
    moved_by = correction[source] * real[:, None] * weave

    r = FLICKER_RADIUS
    middle = np.arange(len(index) - 2 * r) + r  # the flicker rows, as window rows
    mid_shot = row_shot[middle][:, None]
    neighbour = middle[:, None] + np.arange(-r, r + 1)[None, :]
    flicker_weights = (row_shot[neighbour] == mid_shot) & (mid_shot >= 0)
    flicker_shifts = row_path[neighbour] - row_path[middle][:, None]

    centre = np.arange(core) + MARGIN  # the output frames, as window rows
    motion_starts = np.stack([row_path[centre + o] - row_path[centre] for o in MOTION_OFFSETS])
    motion_same = np.stack(
        [(row_shot[centre + o] == row_shot[centre]) & (row_shot[centre] >= 0) for o in MOTION_OFFSETS]
    )

    rows = middle[:, None] + np.array(scratch_offsets)[None, :]
    same_shot = (row_shot[rows] == mid_shot) & (mid_shot >= 0)
    # the scene's position on the film, and the film's in the frames as stabilised
    content = row_path[:, 0] - correction[source][:, 0]
    moved = same_shot & (np.abs(content[rows] - content[middle][:, None]) >= moved_px)
    scratch_shift = moved_by[rows, 0] - moved_by[middle][:, None, 0]
    return WindowPlan(
        first=first,
        core=core,
        source=source,
        shot=row_shot,
        moved_by=moved_by,
        flicker_weights=flicker_weights.astype(np.float32),
        flicker_shifts=flicker_shifts,
        motion_starts=motion_starts,
        motion_same=motion_same.astype(np.float32),
        scratch_shift=scratch_shift.astype(np.float32),
        scratch_moving=moved.astype(np.float32),
        scratch_same=same_shot.astype(np.float32),
    )
