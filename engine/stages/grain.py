"""Manage grain: a motion-compensated temporal average that keeps detail.

Each pixel is averaged with the pixels its neighbours show at the same place in the scene,
each weighted by how well it agrees with the frame after a light blur, so moving objects and
motion-estimation errors do not smear, and as it is, so that on a clip with hardly any grain the
fine detail a neighbour's interpolation softened is not averaged in. A preset may keep or re-add
part of the grain.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.motion import blur

AGREEMENT_SIGMAS = 3.0
"""Neighbours that differ from the frame by this many noise deviations (blurred) get weight
exp(-1/2), at strength 1."""
DETAIL_SIGMAS = 9.0
"""The same for the unblurred difference: loose enough that grain (whose difference is about
1.4 deviations) always passes, so it only bites where the grain is far below the detail."""


def reduce_grain(
    centre: torch.Tensor,
    neighbours: torch.Tensor,
    valid: torch.Tensor,
    noise: torch.Tensor,
    strength: float = 1.0,
    keep: float = 0.0,
) -> torch.Tensor:
    """Denoise ``centre`` ``(N, 1, H, W)`` with its ``K`` motion-compensated ``neighbours``
    ``(N, K, H, W)`` (``valid`` 1/0, same shape) and its ``noise`` level ``(N, 1, 1, 1)``;
    ``keep`` in [0, 1] puts that share of the removed grain back. Values in [0, 1]."""
    scale = (max(strength, 1e-3) * noise).clamp(min=1e-5)
    difference = blur(neighbours, 1.0) - blur(centre, 1.0)
    detail = neighbours - centre
    weight = valid * torch.exp(
        -0.5 * ((difference / (AGREEMENT_SIGMAS * scale)) ** 2 + (detail / (DETAIL_SIGMAS * scale)) ** 2)
    )
    average = (centre + (weight * neighbours).sum(dim=1, keepdim=True)) / (
        1.0 + weight.sum(dim=1, keepdim=True)
    )
    return (average + keep * (centre - average)).clamp(0.0, 1.0)


class ReduceGrain(nn.Module):
    """:func:`reduce_grain` as a module with a fixed ``strength`` and ``keep``."""

    def __init__(self, strength: float = 1.0, keep: float = 0.0) -> None:
        super().__init__()
        self.strength = strength
        self.keep = keep

    def forward(
        self, centre: torch.Tensor, neighbours: torch.Tensor, valid: torch.Tensor, noise: torch.Tensor
    ) -> torch.Tensor:
        return reduce_grain(centre, neighbours, valid, noise, self.strength, self.keep)
