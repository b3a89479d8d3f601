"""The colour's flow between neighbouring frames (:func:`engine.colour.carry.follow`) on real
rendered frames with grain: a still background stays nearly still though a moving cut-out holds
the highest correlation peak, and the cut-out keeps its own motion."""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import binary_dilation, binary_erosion

from content.demo.degrade import LUMA_BT601
from content.demo.source import Actor, CameraPose, ObjectPose, Shot, render_shot
from engine.colour.carry import FLOW, follow
from engine.colour.propagate import candidate_shifts
from engine.motion import dense_flow, phase_correlate

SIZE = (256, 192)
FRAMES = 40
STILL_LIMIT_PX = 0.35
"""Most a still background's flow may move (RMS, pixels). Dense from the highest correlation
peak, as the colour's flow was before, it moved 0.92 px here (the peak is the cut-out's); from
the candidate each part fits, 0.20."""
OBJECT_LIMIT_PX = 0.25


def _grey(frame: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """A rendered frame's luma with grain of 0.02, ``(1, 1, H, W)``."""
    luma = frame @ LUMA_BT601 + rng.normal(0.0, 0.02, frame.shape[:2])
    return torch.from_numpy(luma.astype(np.float32))[None, None]


def _rms(flow: np.ndarray, where: np.ndarray) -> float:
    return float(np.sqrt((flow[:, where] ** 2).sum(axis=0).mean()))


def test_a_still_background_stays_still_while_a_cut_out_crosses_it() -> None:
    still = CameraPose(0.47, 0.42, 0.55)
    walk = Actor("cat-head", ObjectPose(0.2, 0.6, 0, 0.22), ObjectPose(0.8, 0.6, 0, 0.22))
    frames = render_shot(Shot("astronaut", FRAMES, still, still, (walk,)), SIZE)
    empty = render_shot(Shot("astronaut", FRAMES, still, still), SIZE)
    rng = np.random.default_rng(3)
    previous, current = _grey(frames[19], rng), _grey(frames[20], rng)
    shown = [np.abs(frames[i] - empty[i]).max(axis=-1) > 0.05 for i in (19, 20)]
    background = ~binary_dilation(shown[0] | shown[1], iterations=8)
    inner = binary_erosion(shown[0] & shown[1], iterations=4)
    assert inner.sum() > 500 and background.mean() > 0.5
    step = (0.8 - 0.2) * SIZE[0] / (FRAMES - 1)  # the cut-out's pace, pixels a frame
    shift, _ = phase_correlate(current, previous)
    assert abs(float(shift[0, 0]) + step) < 0.5, "the test wants the cut-out to hold the highest peak"

    flow = follow(current, previous, candidate_shifts(current, previous))[0].numpy()
    before = dense_flow(current, previous, shift, **FLOW)[0].numpy()
    moved = _rms(flow, background)
    assert moved < STILL_LIMIT_PX, (
        f"the still background moves {moved:.3f} px (before: {_rms(before, background):.2f})"
    )
    on_object = float(np.median(flow[0][inner]))
    assert abs(on_object + step) < OBJECT_LIMIT_PX, f"the cut-out moves {-on_object:.2f} px, not {step:.2f}"
