"""Raise resolution: bicubic interpolation.

No sharpening follows it: on the benchmark clips an unsharp mask of any amount (0.3 to 1.0)
lowered both PSNR and SSIM, because it raises the grain the temporal stage leaves as much as it
raises edges (see docs/benchmarks.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def upscale(frames: torch.Tensor, scale: int) -> torch.Tensor:
    """``(N, 1, H, W)`` -> ``(N, 1, H * scale, W * scale)`` in [0, 1]; scale 1 leaves the
    frames as they are."""
    if scale == 1:
        return frames
    large = F.interpolate(frames, scale_factor=scale, mode="bicubic", align_corners=False)
    return large.clamp(0.0, 1.0)


class Upscale(nn.Module):
    """:func:`upscale` as a module with a fixed ``scale`` (1, 2 or 4)."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return upscale(frames, self.scale)
