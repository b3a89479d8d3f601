"""How grainy a frame is: the noise level the motion-compensated stages scale their thresholds by."""

from __future__ import annotations

import torch

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
