"""Remove flicker: global (the whole frame brighter or darker than its neighbours) and regional
(a breathing vignette, uneven exposure).

Each frame's brightness, in cells of ``CELL`` pixels, is compared with the same content in its
neighbours (moved along the camera path, within the shot). A global gain and offset and then a
smooth residual gain field bring the frame to its neighbours' average, which changes slowly:
what stays is the scene's own light, what goes is the frame-to-frame pumping.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.motion import blur, cauchy, inside, warp
from engine.vignette import rho

CELL = 8
"""Size of a brightness cell in scan pixels."""
SUBCELLS = 4
"""Steps per cell side on which the neighbours are moved before their cells are compared (a
grid of 2 pixels)."""
FIELD_SIGMA = 1.5
"""Smoothness of the regional gain field, in cells, at strength 1 and below; a strength ``s``
above 1 narrows it to ``FIELD_SIGMA / s``, so the field follows finer, more local flicker."""
GAIN_LIMITS = (0.6, 1.6)
FIT_ITERATIONS = 3
"""Reweightings of the per-frame light fit."""
ROBUST_SCALE = 3.0
"""A cell this many times the frame's median misfit counts half."""
LEVEL_FLOOR = 2.0 / 255.0
"""The least typical misfit assumed: about what an 8-bit scan can resolve."""


def _fit_light(
    m: torch.Tensor, radial: torch.Tensor, ref: torch.Tensor, weight: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Robust weighted least squares ``(a, c, b)``, each ``(N, 1, 1, 1)``, with
    ``(a + c * radial) * m + b ≈ ref``: a gain, a radial gain (a breathing vignette) and an
    offset per frame. ``radial`` is ``(1, 1, h, w)``. Cells far off the fit (a figure that
    moved: the neighbours show something else there) are reweighted away."""
    features = torch.stack((m, radial.expand_as(m) * m, torch.ones_like(m)), dim=-1).flatten(
        1, 3
    )  # (N, P, 3)
    target = ref.flatten(1).unsqueeze(-1)
    robust = torch.ones_like(weight)
    for _ in range(FIT_ITERATIONS):
        w = (weight * robust).flatten(1).unsqueeze(-1)
        normal = (features * w).transpose(1, 2) @ features + 1e-6 * torch.eye(
            3, dtype=m.dtype, device=m.device
        )
        solution = torch.linalg.solve(normal, (features * w).transpose(1, 2) @ target)  # (N, 3, 1)
        robust = cauchy((features @ solution - target).view_as(m), weight, ROBUST_SCALE, LEVEL_FLOOR)
    a, c, b = solution.unbind(dim=1)
    view = (-1, 1, 1, 1)
    return a.view(view).clamp(*GAIN_LIMITS), c.view(view).clamp(-0.5, 0.5), b.view(view).clamp(-0.3, 0.3)


def _regional_field(
    ref: torch.Tensor, levelled: torch.Tensor, seen: torch.Tensor, sigma: float
) -> torch.Tensor:
    """The smooth gain ``(N, 1, h, w)`` that takes ``levelled`` to ``ref`` (cells), by
    normalised convolution of their ratio: cells whose ratio stands out from the frame's
    (something moved there, where flicker is smooth) count little."""
    ratio = (ref / levelled.clamp(min=1e-3)).clamp(*GAIN_LIMITS)
    weight = seen * cauchy(ratio - 1.0, seen, ROBUST_SCALE, LEVEL_FLOOR)
    return (blur(weight * ratio, sigma) + 1e-3) / (blur(weight, sigma) + 1e-3)


def deflicker(
    frames: torch.Tensor,
    weights: torch.Tensor,
    shifts: torch.Tensor,
    falloff: torch.Tensor,
    exposure: torch.Tensor,
    strength: float = 1.0,
) -> torch.Tensor:
    """Deflicker the middle frames of ``frames`` ``(T, 1, H, W)``.

    ``weights`` ``(T - 2R, 2R + 1)``: for middle frame ``j`` (frame ``j + R`` of ``frames``),
    how much frame ``j + k`` counts (0 outside the clip or the shot); ``shifts``
    ``(T - 2R, 2R + 1, 2)``: how far the content moved from frame ``j + R`` to ``j + k`` along
    the camera path. ``falloff`` ``(1, 1, H, W)`` in (0, 1] is the film's static vignette
    (:mod:`engine.vignette`), divided out first; ``exposure`` ``(T,)`` each frame's gain against
    its shot's level (:mod:`engine.exposure`), taken out next. ``strength`` in
    [0, 2]: up to 1 it blends toward the correction; above 1 the correction is whole and its
    regional field finer (:data:`FIELD_SIGMA`). Returns ``(T - 2R, 1, H, W)`` in [0, 1].
    """
    original = frames
    frames = frames / falloff / exposure.view(-1, 1, 1, 1)
    h, w = frames.shape[-2:]
    n, k = weights.shape
    radius = (k - 1) // 2
    cells = (max(h // CELL, 1), max(w // CELL, 1))
    # the neighbours are moved on a grid of SUBCELLS per cell, not at full size: only their
    # cells are compared, and the window's memory then does not grow with the frame's size
    fine = F.interpolate(frames, size=(cells[0] * SUBCELLS, cells[1] * SUBCELLS), mode="area")
    m = F.avg_pool2d(fine, SUBCELLS)
    index = torch.arange(n, device=frames.device)[:, None] + torch.arange(k, device=frames.device)[None, :]
    to_fine = torch.tensor([fine.shape[-1] / w, fine.shape[-2] / h], dtype=frames.dtype, device=frames.device)
    flow = (shifts.reshape(n * k, 2) * to_fine).view(n * k, 2, 1, 1).expand(n * k, 2, *fine.shape[-2:])
    aligned = F.avg_pool2d(warp(fine[index.flatten()], flow), SUBCELLS).view(n, k, *cells)
    coverage = F.avg_pool2d(inside(flow, margin=0.0), SUBCELLS).view(n, k, *cells)
    cover = (coverage > 0.99).to(frames.dtype) * weights.view(n, k, 1, 1)
    centre = m[radius : radius + n]
    ref = (aligned * cover).sum(dim=1, keepdim=True) / cover.sum(dim=1, keepdim=True).clamp(min=1e-6)
    seen = (cover.sum(dim=1, keepdim=True) > 0.5 * weights.sum(dim=1).view(n, 1, 1, 1)).to(frames.dtype)
    ref = torch.where(seen > 0, ref, centre)
    radial_cells = rho(*cells, like=frames)
    a, c, b = _fit_light(centre, radial_cells, ref, seen)
    levelled = (a + c * radial_cells) * centre + b
    sigma = FIELD_SIGMA / max(strength, 1.0)
    field = _regional_field(ref, levelled, seen, sigma).clamp(*GAIN_LIMITS)
    field = F.interpolate(field, size=(h, w), mode="bilinear", align_corners=False)
    corrected = ((a + c * rho(h, w, like=frames)) * frames[radius : radius + n] + b) * field
    middle = original[radius : radius + n]
    return (middle + min(strength, 1.0) * (corrected - middle)).clamp(0.0, 1.0)


class Deflicker(nn.Module):
    """:func:`deflicker` as a module with a fixed ``strength``."""

    def __init__(self, strength: float = 1.0) -> None:
        super().__init__()
        self.strength = max(strength, 0.0)

    def forward(
        self,
        frames: torch.Tensor,
        weights: torch.Tensor,
        shifts: torch.Tensor,
        falloff: torch.Tensor,
        exposure: torch.Tensor,
    ) -> torch.Tensor:
        return deflicker(frames, weights, shifts, falloff, exposure, self.strength)
