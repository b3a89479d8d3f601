"""Picture quality against the degradation model's ground truth.

Every method's output is brought to the truth's size and compared in luma (BT.601), after one
global shift per clip (the mean position that gate weave leaves unknowable), with a border of
``BORDER`` pixels left out. The flicker index is the mean frame-to-frame change of the mean
error: 0 for an output whose brightness follows the truth's. The smooth error fraction is the
share of the squared error that is smooth: the error (output minus truth, aligned and cropped
as for PSNR) blurred by a Gaussian of ``SMOOTH_SIGMA`` output pixels, its energy over the
error's. Grain and edges left behind are fine-grained; a brightness wash, a vignette left in
or a region shifted as a whole is smooth, and PSNR alone does not tell them apart. The same
fraction after the one gain that best matches the whole clip to the truth
(``smooth_error_fraction_one_gain``, a diagnosis, not a floor) shows how much of it is the
clip's overall level alone: on a short excerpt a slow exposure drift holds one level
throughout, which nothing in the excerpt tells from the scene's own brightness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from skimage.metrics import structural_similarity

from engine.motion import phase_correlate, translate

BORDER = 16
SMOOTH_SIGMA = 8.0
"""Output pixels: the Gaussian that keeps the smooth part of the error."""


@dataclass(frozen=True)
class Quality:
    """Luma PSNR (dB), mean SSIM, flicker index and smooth error fraction of a clip against
    its truth."""

    psnr: float
    ssim: float
    flicker: float
    smooth_error_fraction: float
    smooth_error_fraction_one_gain: float

    def as_dict(self) -> dict[str, float]:
        """Rounded for the report."""
        return {
            "psnr_db": round(self.psnr, 2),
            "ssim": round(self.ssim, 4),
            "flicker_index": round(self.flicker, 5),
            "smooth_error_fraction": round(self.smooth_error_fraction, 4),
            "smooth_error_fraction_one_gain": round(self.smooth_error_fraction_one_gain, 4),
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
    clip_gain = float((a * b).sum() / max((a * a).sum(), 1e-12))  # least squares: a * gain ≈ b
    return Quality(
        psnr=10 * np.log10(1.0 / max(mse, 1e-12)), ssim=ssim, flicker=float(np.abs(np.diff(errors)).mean()),
        smooth_error_fraction=smooth_error_fraction(a - b),
        smooth_error_fraction_one_gain=smooth_error_fraction(a * clip_gain - b),
    )  # fmt: skip


def smooth_error_fraction(error: np.ndarray) -> float:
    """The energy of ``error`` ``(T, H, W)`` blurred in space by a Gaussian of
    :data:`SMOOTH_SIGMA` pixels, as a fraction of its own energy (0 for no error)."""
    total = float(np.sum(error**2))
    if total == 0.0:
        return 0.0
    smooth = sum(float(np.sum(ndimage.gaussian_filter(e, SMOOTH_SIGMA, mode="reflect") ** 2)) for e in error)
    return min(smooth / total, 1.0)
