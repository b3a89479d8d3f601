"""Stabilise gate weave: move every frame onto the smoothed camera path."""

from __future__ import annotations

import torch
from torch import nn

from engine.motion import translate


def stabilise(frames: torch.Tensor, correction: torch.Tensor) -> torch.Tensor:
    """Move each frame of ``frames`` ``(T, 1, H, W)`` by ``correction`` ``(T, 2)`` pixels
    ``(dx, dy)`` (bicubic, borders repeated); values stay in [0, 1]."""
    return translate(frames, correction, mode="bicubic").clamp(0.0, 1.0)


class Stabilise(nn.Module):
    """:func:`stabilise` as a module: ``(frames (T, 1, H, W), correction (T, 2)) -> (T, 1, H, W)``."""

    def forward(self, frames: torch.Tensor, correction: torch.Tensor) -> torch.Tensor:
        return stabilise(frames, correction)
