"""A keyframe's palette: its mean chroma at each lightness. It colours what no motion reaches
(the coarsest guess of :func:`engine.colour.carry.fill`), a shot without a keyframe when the
preset asks for ``nearest-palette``, and the benchmark's *global transfer* baseline."""

from __future__ import annotations

import torch

BINS = 32
"""Lightness bins of a palette, over ``L*/100`` in [0, 1]."""


def palette(
    chroma: torch.Tensor, lightness: torch.Tensor, confidence: torch.Tensor | None = None
) -> torch.Tensor:
    """The mean chroma ``(N, 2, BINS)`` of ``chroma`` ``(N, 2, H, W)`` in each lightness bin of
    ``lightness`` ``(N, 1, H, W)`` (weighted by ``confidence``, default 1); an empty bin takes
    the chroma of the nearest filled one (and a frame with none at all, grey)."""
    n = chroma.shape[0]
    weight = torch.ones_like(lightness) if confidence is None else confidence
    position = lightness.clamp(0.0, 1.0) * (BINS - 1)
    low = position.floor().clamp(max=BINS - 2)
    upper = position - low  # linear binning: each pixel shares itself between two bins
    sums = torch.zeros(n, 3, BINS, dtype=chroma.dtype, device=chroma.device)
    values = torch.cat((chroma * weight, weight), dim=1).flatten(2)  # (N, 3, HW)
    for part, bin_index in ((1.0 - upper, low), (upper, low + 1.0)):
        index = bin_index.flatten(2).long().expand(n, 3, -1)
        sums.scatter_add_(2, index, values * part.flatten(2))
    mass = sums[:, 2:]
    mean = sums[:, :2] / mass.clamp(min=1e-6)
    filled = mass > 1e-3 * mass.sum(dim=2, keepdim=True).clamp(min=1e-6)  # (N, 1, BINS)
    bins = torch.arange(BINS, device=chroma.device, dtype=chroma.dtype)
    distance = (bins[None, None, :, None] - bins[None, None, None, :]).abs()  # (1, 1, to, from)
    distance = torch.where(filled[:, :, None, :], distance, torch.full_like(distance, 1e9))
    nearest = distance.argmin(dim=3)  # (N, 1, BINS)
    out = mean.gather(2, nearest.expand(n, 2, BINS))
    return torch.where(filled.any(dim=2, keepdim=True), out, torch.zeros_like(out))


def apply_palette(colours: torch.Tensor, lightness: torch.Tensor) -> torch.Tensor:
    """Chroma ``(N, 2, H, W)`` for ``lightness`` ``(N, 1, H, W)`` from a palette ``(N, 2, BINS)``,
    interpolated between bins."""
    n, _, h, w = lightness.shape
    position = lightness.clamp(0.0, 1.0) * (BINS - 1)
    low = position.floor().clamp(max=BINS - 2)
    upper = position - low
    index = low.flatten(2).long().expand(n, 2, -1)
    below = colours.gather(2, index).view(n, 2, h, w)
    above = colours.gather(2, index + 1).view(n, 2, h, w)
    return below + upper * (above - below)
