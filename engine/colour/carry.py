"""The colour stage's operations: the motion between neighbouring frames, chroma carried one
frame along it, unsure chroma filled from sure neighbours guided by lightness edges, and
chroma brought up to a finer lightness.

Lightness is ``L*/100`` ``(N, 1, H, W)`` in [0, 1]; chroma ``(N, 2, H, W)`` CIELAB ``(a*, b*)``;
confidence ``(N, 1, H, W)`` in [0, 1] (1: known, from a keyframe or sure motion; 0: a guess).
Each operation is a plain function and a thin :class:`torch.nn.Module` (the unit the GPU path
compiles), as the restoration stages are.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.colour.palette import apply_palette
from engine.motion import SELECT_SIGMA, blur, dense_flow, inside, select_refinement, selection_margin, warp

MATCH_TOLERANCE = 0.04
"""Lightness difference (``L*/100``, after a light blur) up to which a motion match is sure;
at twice that it is not at all. Occlusions, new objects and flow errors differ by more."""
NOISE_FACTOR = 3.0
"""The tolerance grows by this many times the frame's median mismatch (grain, flicker left)."""
STEP_DECAY = 0.99
"""Confidence kept per frame carried: far keyframes count a little less."""
FLOW = {"regulariser": 1e-3, "robust": False, "finest": 0, "window": 2.0}
"""The colour's flow (:func:`engine.motion.dense_flow`), between neighbouring frames and from
each carried frame to its keyframe: held at the coarser estimate in flat parts of the picture
(sky, walls), where grain would otherwise move it; not robust, so that a moving object that
differs from its background pulls its own flow; at the working size."""
EDGE_SIGMA = 0.06
"""Lightness difference (``L*/100``) across which chroma passes at weight exp(-1/2)."""


def _neighbours(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, h, w)`` -> ``(N, C, 9, h, w)``: each pixel's 3x3 neighbourhood, borders repeated."""
    n, c, h, w = x.shape
    return F.unfold(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3).view(n, c, 9, h, w)


def _spatial(h: int, w: int, size: tuple[int, int], like: torch.Tensor) -> torch.Tensor:
    """``(9, H, W)`` Gaussian weight of each of a fine pixel's 3x3 coarse neighbours by their
    distance (in coarse pixels) from it, for a coarse grid ``(h, w)`` under a fine ``size``."""
    big_h, big_w = size
    ys = (torch.arange(big_h, dtype=like.dtype, device=like.device) + 0.5) * h / big_h - 0.5
    xs = (torch.arange(big_w, dtype=like.dtype, device=like.device) + 0.5) * w / big_w - 0.5
    # the parent cell nearest-neighbour upsampling picks, and the offset from its centre
    py = torch.floor((torch.arange(big_h, dtype=like.dtype, device=like.device) + 0.5) * h / big_h)
    px = torch.floor((torch.arange(big_w, dtype=like.dtype, device=like.device) + 0.5) * w / big_w)
    dy, dx = ys - py, xs - px
    offsets = torch.tensor([-1.0, 0.0, 1.0], dtype=like.dtype, device=like.device)
    wy = torch.exp(-0.5 * (dy[None, :] - offsets[:, None]) ** 2)  # (3, H)
    wx = torch.exp(-0.5 * (dx[None, :] - offsets[:, None]) ** 2)  # (3, W)
    return (wy[:, None, :, None] * wx[None, :, None, :]).reshape(9, big_h, big_w)


def joint_upsample(
    values: torch.Tensor, coarse: torch.Tensor, fine: torch.Tensor, sigma: float = EDGE_SIGMA
) -> torch.Tensor:
    """Joint bilateral upsampling: ``values`` ``(N, C, h, w)`` on the grid of the lightness
    ``coarse`` ``(N, 1, h, w)``, brought to the grid of ``fine`` ``(N, 1, H, W)``. Each fine pixel
    takes its 3x3 coarse neighbours weighted by distance and by how close their lightness is to
    its own, so values stay on their side of an edge."""
    n, c, h, w = values.shape
    size = fine.shape[-2:]
    stacked = _neighbours(torch.cat((values, coarse), dim=1)).flatten(1, 2)
    stacked = F.interpolate(stacked, size=size, mode="nearest").view(n, c + 1, 9, *size)
    near, light = stacked[:, :c], stacked[:, c:]
    weight = _spatial(h, w, size, values) * torch.exp(-0.5 * ((light - fine.unsqueeze(2)) / sigma) ** 2)
    weight = weight + 1e-6
    return (near * weight).sum(dim=2) / weight.sum(dim=2)


def fill(
    chroma: torch.Tensor, confidence: torch.Tensor, lightness: torch.Tensor, colours: torch.Tensor
) -> torch.Tensor:
    """Chroma everywhere: known chroma kept where ``confidence`` is 1, and the rest filled from
    sure regions nearby, coarse to fine over a pyramid, each level brought up by
    :func:`joint_upsample` so the fill stops at lightness edges. Far from anything sure, the
    keyframe's palette ``colours`` ``(N, 2, BINS)`` guesses by lightness."""
    levels = max(int(math.log2(min(chroma.shape[-2:]) / 8)), 1)
    pyramid = [(chroma * confidence, confidence, lightness)]
    for _ in range(levels):
        pyramid.append(tuple(F.avg_pool2d(t, 2, ceil_mode=True) for t in pyramid[-1]))  # type: ignore[arg-type]
    weighted, weight, light = pyramid[-1]
    estimate = weighted + (1.0 - weight) * apply_palette(colours, light)
    for level in range(levels - 1, -1, -1):
        weighted, weight, light = pyramid[level]
        guess = joint_upsample(estimate, pyramid[level + 1][2], light)
        known = weighted / weight.clamp(min=1e-6)
        estimate = weight * known + (1.0 - weight) * guess
    return estimate


def _agreement(source: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
    """How surely ``source`` ``(N, 1, H, W)`` (a lightness brought onto the current frame's
    pixels) shows what ``current`` does, per pixel in [0, 1]: 1 within :data:`MATCH_TOLERANCE`
    (grown by the frame's median mismatch) after a light blur, 0 from twice that."""
    difference = blur(source, 1.5) - blur(current, 1.5)
    typical = difference.abs().flatten(1).median(dim=1).values.view(-1, 1, 1, 1)
    mismatch = difference / (MATCH_TOLERANCE + NOISE_FACTOR * typical)
    return (2.0 - mismatch.abs()).clamp(0.0, 1.0)


def carry(
    reach: torch.Tensor,
    confidence: torch.Tensor,
    previous: torch.Tensor,
    current: torch.Tensor,
    flow: torch.Tensor,
    key: torch.Tensor,
    key_light: torch.Tensor,
    colours: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Carry the keyframe's chroma one frame on: from the frame with lightness ``previous``,
    where each pixel's place in the keyframe is ``reach`` ``(N, 2, H, W)`` (a flow into the
    keyframe) and its ``confidence``, to the frame with lightness ``current``, along ``flow``
    (from current to previous: ``previous(x + flow(x)) ≈ current(x)``). Chroma is sampled once
    from the keyframe's ``key`` ``(N, 2, H, W)`` at the composed place, refined by matching
    ``current`` against the keyframe's lightness ``key_light`` ``(N, 1, H, W)``, so it does not blur
    frame after frame. Confidence falls where the match is poor (from the frame before, or
    from the keyframe at the place the chroma is taken from) or the motion leaves the frame;
    unsure chroma is filled by :func:`fill` with the keyframe's palette ``colours``. Returns
    ``(chroma, confidence, reach)`` for the current frame."""
    moved = warp(torch.cat((reach, confidence, previous), dim=1), flow)
    # composed frame to frame, then matched against the keyframe itself where that matches
    # better: small errors of each step do not add up along the shot, and grain does not
    # make the carried chroma wobble where they had not
    composed = flow + moved[:, :2]
    reach = select_refinement(current, key_light, composed, dense_flow(current, key_light, composed, **FLOW))
    # sure where the frame before, moved on, shows what this one does, and where the keyframe
    # shows it too at the place its chroma comes from
    at_reach = warp(torch.cat((key, key_light), dim=1), reach)  # the keyframe's chroma and lightness
    sure = _agreement(moved[:, 3:], current) * _agreement(at_reach[:, 2:], current) * inside(reach)
    known = (moved[:, 2:3] * sure * STEP_DECAY).clamp(0.0, 1.0)
    return fill(at_reach[:, :2], known, current, colours), known, reach


def steady(current: torch.Tensor, previous: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Flow ``(N, 2, H, W)`` from ``current`` to ``previous`` (``(N, 1, H, W)``) made of the
    whole-frame ``shifts`` ``(N, K, 2)``: the one that matches best at the most pixels (the
    background's) everywhere, except where another matches better by more than the noise
    (:data:`engine.motion.SELECT_MARGIN` times the frame's median mismatch, blurred by
    :data:`engine.motion.SELECT_SIGMA`). A still background keeps a still candidate though a
    large moving object holds the highest correlation peak, and flat parts, where every
    candidate fits, keep the background's."""
    n, k, _ = shifts.shape
    h, w = current.shape[-2:]
    fields = shifts.reshape(n * k, 2, 1, 1).expand(n * k, 2, h, w)
    moved = warp(previous.repeat_interleave(k, dim=0), fields)
    mismatch = blur((moved - current.repeat_interleave(k, dim=0)).abs(), SELECT_SIGMA).view(n, k, h, w)
    least, best = mismatch.min(dim=1)
    margin = selection_margin(least[:, None])[:, 0]
    default = F.one_hot(best.flatten(1), k).sum(dim=1).argmax(dim=1)  # (N,): the most pixels' best
    kept = torch.gather(mismatch, 1, default.view(n, 1, 1, 1).expand(n, 1, h, w))[:, 0]
    choice = torch.where(kept - least > margin, best, default.view(n, 1, 1))
    return torch.stack(
        [torch.gather(shifts[..., axis], 1, choice.flatten(1)).view(n, h, w) for axis in (0, 1)], dim=1
    )


def follow(current: torch.Tensor, previous: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """The colour's flow from the frame with lightness ``current`` to its neighbour
    ``previous`` (``(N, 1, H, W)``), given candidate whole-frame ``shifts`` ``(N, K, 2)``: a
    dense flow that starts from the candidate each part of the frame fits (:func:`steady`), not
    from the highest correlation peak alone."""
    return dense_flow(current, previous, steady(current, previous, shifts), **FLOW)


class Follow(nn.Module):
    """:func:`follow` as a module."""

    def forward(self, current: torch.Tensor, previous: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        return follow(current, previous, shifts)


class Carry(nn.Module):
    """:func:`carry` as a module."""

    def forward(
        self,
        reach: torch.Tensor,
        confidence: torch.Tensor,
        previous: torch.Tensor,
        current: torch.Tensor,
        flow: torch.Tensor,
        key: torch.Tensor,
        key_light: torch.Tensor,
        colours: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return carry(reach, confidence, previous, current, flow, key, key_light, colours)


class JointUpsample(nn.Module):
    """:func:`joint_upsample` as a module."""

    def forward(self, values: torch.Tensor, coarse: torch.Tensor, fine: torch.Tensor) -> torch.Tensor:
        return joint_upsample(values, coarse, fine)
