"""Remove dust and dirt: spots that are on one frame only.

A pixel is dirt when it is darker than every motion-compensated neighbour (dirt on the print)
or brighter than every one (dust on the negative) by more than the grain explains, and by more
than the neighbours differ among themselves (where they disagree, the motion, not the film, is
at fault; with neighbours on one side in time only, by far more). Dirt is
repaired from the neighbours (their mean without the extremes), with a soft, slightly grown
mask so no rim is left.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.motion import blur, gradients

THRESHOLD_SIGMAS = 3.5
"""How far outside its neighbours (in noise standard deviations) a pixel must lie, at strength 1."""
FLOOR = 0.03
"""The smallest departure treated as dirt, whatever the noise (luma, 0-1)."""
SMOOTH = 0.7
"""Blur (pixels) of the frame and its neighbours before they are compared."""
TEXTURE = 0.5
"""Extra threshold per unit of local gradient (luma per pixel): motion compensation is off by
about half a pixel on fine texture."""
ONE_SIDED_AGREEMENT = 6.0
"""With neighbours on one side of the frame in time only, how many times better they must agree
with one another than the pixel agrees with them (1 with neighbours on both sides)."""


def _extremes(values: torch.Tensor, ok: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Lowest and highest of ``values`` ``(N, K, H, W)`` where ``ok``, each ``(N, 1, H, W)``
    (+-1e3 where none is)."""
    low = torch.where(ok, values, torch.full_like(values, 1e3)).amin(dim=1, keepdim=True)
    high = torch.where(ok, values, torch.full_like(values, -1e3)).amax(dim=1, keepdim=True)
    return low, high


def dirt_mask(
    centre: torch.Tensor,
    neighbours: torch.Tensor,
    valid: torch.Tensor,
    noise: torch.Tensor,
    strength: float = 1.0,
) -> torch.Tensor:
    """Soft mask ``(N, 1, H, W)`` in [0, 1] of the dirt on ``centre`` ``(N, 1, H, W)``, given its
    ``K`` motion-compensated ``neighbours`` ``(N, K, H, W)`` in time order, the first half
    before the frame, where they are ``valid`` (1/0, same shape) and the frame's ``noise``
    ``(N, 1, 1, 1)``."""
    ok = valid > 0.5
    # compared a little blurred: warped neighbours are softer than the frame, and texture peaks
    # would otherwise stand out of all of them
    smooth, around = blur(centre, SMOOTH), blur(neighbours, SMOOTH)
    low, high = _extremes(around, ok)
    # dirt is on one frame only; with neighbours on one side alone (a clip's ends, either side of
    # a cut) an object moving or turning on its own stands out of them too (it was most of what
    # the stage changed on a clean clip), so there they must agree far better
    enough = ok.sum(dim=1, keepdim=True) >= 2
    half = ok.shape[1] // 2
    both_sides = ok[:, :half].any(dim=1, keepdim=True) & ok[:, half:].any(dim=1, keepdim=True)
    agreement = torch.where(both_sides, 1.0, ONE_SIDED_AGREEMENT)
    # fine texture that the motion does not follow (an object turning) is sharp in the frame and
    # smeared alike in every neighbour, so the frame's own texture raises the bar too; a blotch
    # is flat inside, where its core is found
    gx, gy = gradients(neighbour_estimate(around, valid))
    cx, cy = gradients(smooth)
    texture = TEXTURE * torch.sqrt(torch.maximum(gx * gx + gy * gy, cx * cx + cy * cy))
    threshold = (THRESHOLD_SIGMAS / max(strength, 1e-3)) * noise + FLOOR + texture
    departure = torch.maximum(low - smooth, smooth - high)
    # the neighbours must agree with one another more than the pixel agrees with them: where
    # they do not, the motion failed (an object moving on its own, an occlusion), not the film
    hard = enough & (departure > threshold) & ((high - low) * agreement < departure)
    hard = hard.to(centre.dtype)
    grown = F.max_pool2d(hard, 3, stride=1, padding=1)  # the blotch's faint rim too
    feather = blur(F.max_pool2d(hard, 5, stride=1, padding=2), 0.7)
    return torch.maximum(grown, feather).clamp(0.0, 1.0) * enough.to(centre.dtype)


def neighbour_estimate(neighbours: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean of the valid neighbours without the lowest and highest (when three or more are
    valid): ``(N, K, H, W)`` -> ``(N, 1, H, W)``."""
    ok = valid > 0.5
    count = ok.sum(dim=1, keepdim=True).to(neighbours.dtype)
    total = (neighbours * ok).sum(dim=1, keepdim=True)
    low, high = _extremes(neighbours, ok)
    trim = (count >= 3).to(neighbours.dtype)
    return (total - trim * (low + high)) / (count - 2 * trim).clamp(min=1)


def remove_dust(
    centre: torch.Tensor,
    neighbours: torch.Tensor,
    valid: torch.Tensor,
    noise: torch.Tensor,
    strength: float = 1.0,
) -> torch.Tensor:
    """``centre`` ``(N, 1, H, W)`` with its dirt repaired from its neighbours (see
    :func:`dirt_mask` for the arguments); values in [0, 1]."""
    mask = dirt_mask(centre, neighbours, valid, noise, strength)
    return centre + mask * (neighbour_estimate(neighbours, valid) - centre)


class RemoveDust(nn.Module):
    """:func:`remove_dust` as a module with a fixed ``strength`` (0 turns detection off)."""

    def __init__(self, strength: float = 1.0) -> None:
        super().__init__()
        self.strength = strength

    def forward(
        self, centre: torch.Tensor, neighbours: torch.Tensor, valid: torch.Tensor, noise: torch.Tensor
    ) -> torch.Tensor:
        return remove_dust(centre, neighbours, valid, noise, self.strength)
