"""Remove line scratches: thin, near-vertical lines that stay on the film for many frames.

A line shows as a narrow peak in the horizontal second difference, averaged down the whole
frame, that most bands of rows agree with (a picture's edges give a peak and a trough side by
side, and rarely run the frame's full height). The line's profile, smoothed along its length, is subtracted there.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

BANDS = 8
"""Row bands a line must show in; it is kept where it shows in ``PERSISTENCE`` of them."""
PERSISTENCE = 0.75
THRESHOLD_SIGMAS = 6.0
"""How far above the bands' typical second difference a line must stand, at strength 1."""
ALONG_SIGMA = 4.0
"""Smoothing along the line, in rows."""


def line_response(frames: torch.Tensor) -> torch.Tensor:
    """Horizontal second difference over two pixels ``(N, 1, H, W)``: positive on a bright
    line about three pixels wide, negative on a dark one."""
    padded = F.pad(frames, (2, 2, 0, 0), mode="replicate")
    return frames - 0.5 * (padded[..., :-4] + padded[..., 4:])


def scratch_mask(frames: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
    """Columns ``(N, 1, BANDS, W)`` (1/0) that hold a scratch in each band of rows: a peak of
    the full-height column mean of :func:`line_response` that stands ``THRESHOLD_SIGMAS`` above
    the frame's typical column, and shows with the same sign in ``PERSISTENCE`` of the bands."""
    response = line_response(frames)
    width = frames.shape[-1]
    column = response.mean(dim=2, keepdim=True)  # (N, 1, 1, W)
    bands = F.adaptive_avg_pool2d(response, (BANDS, width))
    sigma = 1.4826 * column.abs().flatten(1).median(dim=1).values.view(-1, 1, 1, 1)
    threshold = THRESHOLD_SIGMAS / max(strength, 1e-3) * sigma.clamp(min=1e-4)
    # the strongest within two columns: a line's own side lobes (at +-2, half as strong, of the
    # other sign) are not lines
    strongest = F.max_pool2d(column.abs(), (1, 5), stride=1, padding=(0, 2))
    peak = (column.abs() >= strongest) & (column.abs() > threshold)
    agree = (torch.sign(bands) == torch.sign(column)) & (bands.abs() > 0.5 * column.abs())
    supported = agree.to(frames.dtype).sum(dim=2, keepdim=True) >= PERSISTENCE * BANDS
    return (peak & supported & agree).to(frames.dtype)


def remove_scratches(frames: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
    """``frames`` ``(N, 1, H, W)`` with line scratches subtracted; values in [0, 1]."""
    h = frames.shape[-2]
    mask = scratch_mask(frames, strength)
    response = line_response(frames)
    bands = F.adaptive_avg_pool2d(response, mask.shape[-2:])
    # a line between two columns shows in both: take the neighbour too where it carries at
    # least a third of the line, with the line's sign
    signed = mask * bands
    near_high = F.max_pool2d(signed, (1, 3), stride=1, padding=(0, 1))
    near_low = -F.max_pool2d(-signed, (1, 3), stride=1, padding=(0, 1))
    near = torch.where(near_high.abs() >= near_low.abs(), near_high, near_low)
    side = (torch.sign(bands) == torch.sign(near)) & (bands.abs() > near.abs() / 3) & (near != 0)
    width = torch.maximum(mask, side.to(frames.dtype))
    size = (h, frames.shape[-1])
    columns = F.interpolate(width, size=size, mode="nearest")
    line = F.interpolate(torch.where(mask > 0, bands, near), size=size, mode="nearest")
    radius = int(3 * ALONG_SIGMA)
    taps = torch.exp(
        -0.5
        * (torch.arange(-radius, radius + 1, dtype=frames.dtype, device=frames.device) / ALONG_SIGMA) ** 2
    )
    kernel = (taps / taps.sum()).view(1, 1, -1, 1)
    along = F.conv2d(F.pad(response, (0, 0, radius, radius), mode="replicate"), kernel)
    # never more than the line itself, and only with its sign: an edge crossing the line stays
    sign = torch.sign(line)
    along = sign * torch.minimum((sign * along).clamp(min=0.0), 1.5 * line.abs())
    return (frames - columns * along).clamp(0.0, 1.0)


class RemoveScratches(nn.Module):
    """:func:`remove_scratches` as a module with a fixed ``strength``."""

    def __init__(self, strength: float = 1.0) -> None:
        super().__init__()
        self.strength = strength

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return remove_scratches(frames, self.strength)
