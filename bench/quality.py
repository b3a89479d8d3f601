"""Picture quality against the degradation model's ground truth.

Every method's output is brought to the truth's size and compared in luma (BT.601), after one
global shift per clip (the mean position that gate weave leaves unknowable), with a border of
``BORDER`` pixels left out. The flicker index is the mean frame-to-frame change of the mean
error: 0 for an output whose brightness follows the truth's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from skimage.metrics import structural_similarity

from engine.motion import phase_correlate, translate

BORDER = 16


@dataclass(frozen=True)
class Quality:
    """Luma PSNR (dB), mean SSIM and flicker index of a clip against its truth."""

    psnr: float
    ssim: float
    flicker: float

    def as_dict(self) -> dict[str, float]:
        """Rounded for the report."""
        return {
            "psnr_db": round(self.psnr, 2),
            "ssim": round(self.ssim, 4),
            "flicker_index": round(self.flicker, 5),
        }


def global_shift(output: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The median over frames of the shift ``(dx, dy)`` that aligns ``output`` ``(T, H, W)`` to
    ``truth`` (same shape), both in [0, 1]."""
    shift, _ = phase_correlate(
        torch.from_numpy(truth)[:, None].float(), torch.from_numpy(output)[:, None].float()
    )
    return np.median(shift.numpy(), axis=0)


def measure(output: np.ndarray, truth: np.ndarray) -> Quality:
    """Compare ``output`` with ``truth``: ``(T, H, W)`` float in [0, 1], the same size."""
    shift = global_shift(output, truth)
    frames = torch.from_numpy(output)[:, None].float()
    aligned = translate(frames, -torch.from_numpy(shift).float().expand(len(output), 2), mode="bicubic")
    aligned = aligned[:, 0].clamp(0, 1).numpy().astype(np.float64)
    crop = (slice(None), slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    a, b = aligned[crop], truth[crop].astype(np.float64)
    mse = float(np.mean((a - b) ** 2))
    ssim = float(np.mean([structural_similarity(x, y, data_range=1.0) for x, y in zip(a, b, strict=True)]))
    errors = (a - b).mean(axis=(1, 2))
    return Quality(
        psnr=10 * np.log10(1.0 / max(mse, 1e-12)), ssim=ssim, flicker=float(np.abs(np.diff(errors)).mean())
    )
