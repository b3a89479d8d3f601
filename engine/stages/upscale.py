"""Raise resolution: bicubic interpolation and an unsharp mask that gives back the edge
contrast the film's optics and the scan's sampling took."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.motion import blur

SHARPEN = 0.6
"""Unsharp-mask amount at strength 1."""
SHARPEN_SIGMA = 1.0
"""Unsharp-mask radius, in output pixels per unit of scale."""


def upscale(frames: torch.Tensor, scale: int, sharpen: float = SHARPEN) -> torch.Tensor:
    """``(N, 1, H, W)`` -> ``(N, 1, H * scale, W * scale)`` in [0, 1]; scale 1 leaves the
    frames as they are."""
    if scale == 1:
        return frames
    large = F.interpolate(frames, scale_factor=scale, mode="bicubic", align_corners=False)
    if sharpen > 0:
        large = large + sharpen * (large - blur(large, SHARPEN_SIGMA * scale))
    return large.clamp(0.0, 1.0)


class Upscale(nn.Module):
    """:func:`upscale` as a module with a fixed ``scale`` (1, 2 or 4) and ``sharpen`` amount."""

    def __init__(self, scale: int, sharpen: float = SHARPEN) -> None:
        super().__init__()
        self.scale = scale
        self.sharpen = sharpen

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return upscale(frames, self.scale, self.sharpen)
