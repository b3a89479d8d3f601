"""How grainy a frame is: the noise level the motion-compensated stages scale their thresholds by."""

from __future__ import annotations

import torch

from engine.motion import blur, gradients

MAD_TO_SIGMA = 1.4826


def spatial_noise(frames: torch.Tensor) -> torch.Tensor:
    """Standard deviation of each frame's fine noise ``(N, 1, 1, 1)`` from its own pixels
    (Immerkaer's mask, median for robustness to edges and texture): low on a clean frame,
    whatever the motion. At least 1/255."""
    kernel = torch.tensor(
        [[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]], dtype=frames.dtype, device=frames.device
    )
    response = torch.nn.functional.conv2d(frames, kernel.view(1, 1, 3, 3)).abs().flatten(1)
    sigma = MAD_TO_SIGMA * response.median(dim=1).values / 6.0
    return sigma.clamp(min=1 / 255).view(-1, 1, 1, 1)


FLAT_SHARE = 0.25
"""The flattest share of a frame that :func:`temporal_noise` reads."""


def temporal_noise(centre: torch.Tensor, neighbours: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Standard deviation ``(N, 1, 1, 1)`` of the noise that changes from frame to frame, from
    how ``centre`` ``(N, 1, H, W)`` differs from its motion-compensated ``neighbours``
    ``(N, K, H, W)`` (``valid`` 1/0, same shape): half the median squared difference over the
    flattest :data:`FLAT_SHARE` of the frame, where a neighbour's interpolation and a small
    motion error cost nothing. Grain of any size counts, however coarse, and a clean frame reads
    near 0 (unlike :func:`spatial_noise`, which sees only the finest grain). The median reads
    about 0.85 of the true deviation with four neighbours. Luma units."""
    n = centre.shape[0]
    count = valid.sum(dim=1, keepdim=True)
    squared = (((neighbours - centre) ** 2) * valid).sum(dim=1, keepdim=True) / count.clamp(min=1)
    gx, gy = gradients(blur(centre, 1.5))
    slope = (gx * gx + gy * gy).flatten(1)
    cut = slope.kthvalue(max(1, int(FLAT_SHARE * slope.shape[1])), dim=1, keepdim=True).values
    flat = (slope <= cut) & (count.flatten(1) > 0)
    picked = torch.where(flat, squared.flatten(1), torch.full_like(slope, float("nan")))
    level = torch.nan_to_num(0.5 * picked.nanmedian(dim=1).values, nan=0.0)
    return level.clamp(min=0).sqrt().view(n, 1, 1, 1)
