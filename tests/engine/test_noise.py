"""The grain level the grain stage scales by: read from how a frame differs from its
neighbours, it holds for grain of any size and reads near zero on a clean frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage
from skimage import data, transform

from engine.noise import spatial_noise, temporal_noise

SIGMA = 0.03
"""The grain's standard deviation (luma, 0-1)."""


def grainy_frames(size_px: float, count: int = 5, seed: int = 3) -> torch.Tensor:
    """``count`` frames ``(count, 1, 128, 128)`` of a still photograph, each with its own grain
    of standard deviation :data:`SIGMA`, correlated over ``size_px`` pixels."""
    photo = transform.resize(data.camera().astype(np.float64) / 255.0, (128, 128), anti_aliasing=True)
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        grain = (
            ndimage.gaussian_filter(rng.normal(size=photo.shape), size_px)
            if size_px > 0
            else rng.normal(size=photo.shape)
        )
        frames.append(photo + SIGMA * grain / grain.std())
    return torch.from_numpy(np.stack(frames)[:, None]).float()


def centre_and_neighbours(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The middle frame ``(1, 1, H, W)`` and the others as its neighbours ``(1, K, H, W)``."""
    middle = frames.shape[0] // 2
    others = torch.cat([frames[:middle], frames[middle + 1 :]])[:, 0][None]
    return frames[middle : middle + 1], others, torch.ones_like(others)


@pytest.mark.parametrize("size_px", [0.0, 1.5, 3.0])
def test_temporal_noise_reads_grain_of_any_size(size_px: float) -> None:
    centre, neighbours, valid = centre_and_neighbours(grainy_frames(size_px))
    level = float(temporal_noise(centre, neighbours, valid))
    # the median of a mean of four squared differences sits under their mean: about 0.85 sigma
    assert 0.75 * SIGMA < level < 1.0 * SIGMA, f"{size_px} px grain of {SIGMA} read as {level:.4f}"
    if size_px >= 1.5:  # the frame's own fine detail misses coarse grain, which is why this exists
        assert float(spatial_noise(centre)) < 0.5 * level


def test_temporal_noise_reads_near_zero_on_a_clean_frame_and_skips_invalid_neighbours() -> None:
    photo = transform.resize(data.camera() / 255.0, (128, 128), anti_aliasing=True)
    clean = torch.from_numpy(np.repeat(photo[None, None], 5, axis=0)).float()  # a still, clean shot
    centre, neighbours, valid = centre_and_neighbours(clean)
    neighbours = neighbours.clone()
    neighbours[:, 0] = 1.0 - neighbours[:, 0]  # a neighbour from another shot ...
    valid[:, 0] = 0.0  # ... that the motion marked as not matching
    assert float(temporal_noise(centre, neighbours, valid)) < 1e-4
    none = torch.zeros_like(valid)
    assert float(temporal_noise(centre, neighbours, none)) == 0.0  # no neighbour: no evidence of grain
