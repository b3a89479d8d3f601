"""CIELAB at the edges of the colour stage: restored grey frames in, keyframes in, RGB out.

Inside the stage, lightness is ``L*/100`` in [0, 1] and chroma is CIELAB ``(a*, b*)`` in their
own units (about -128 .. 127). sRGB values are D65, as kornia converts them.
"""

from __future__ import annotations

import numpy as np
import torch
from kornia.color import lab_to_rgb, rgb_to_lab


def grey_lightness(grey: torch.Tensor) -> torch.Tensor:
    """``L*/100`` ``(N, 1, H, W)`` of grey pixels: ``grey`` ``(N, 1, H, W)`` in [0, 1] read as
    the sRGB grey ``(g, g, g)``."""
    return rgb_to_lab(grey.expand(-1, 3, -1, -1))[:, :1] / 100.0


def grey8_lightness(grey: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """``L*/100`` ``(1, 1, H, W)`` of an ``(H, W)`` ``uint8`` grey frame, by table (the same
    values as :func:`grey_lightness`)."""
    table = _GREY_TABLE.get(str(device))
    if table is None:
        levels = torch.arange(256, dtype=torch.float32, device=device).view(1, 1, 1, 256) / 255.0
        table = _GREY_TABLE.setdefault(str(device), grey_lightness(levels).view(256))
    return table[torch.from_numpy(grey).to(device).long()][None, None]


_GREY_TABLE: dict[str, torch.Tensor] = {}


def to_lab(rgb: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """``(N, H, W, 3)`` or ``(H, W, 3)`` ``uint8`` sRGB -> CIELAB ``(N, 3, H, W)`` float."""
    batch = rgb[None] if rgb.ndim == 3 else rgb
    tensor = torch.from_numpy(np.array(batch, copy=True)).to(device).permute(0, 3, 1, 2)
    return rgb_to_lab(tensor.float() / 255.0)


def to_rgb8(lightness: torch.Tensor, chroma: torch.Tensor) -> np.ndarray:
    """``L*/100`` ``(N, 1, H, W)`` and ``(a*, b*)`` ``(N, 2, H, W)`` -> ``(N, H, W, 3)`` ``uint8``
    sRGB (colours outside the gamut clipped)."""
    rgb = lab_to_rgb(torch.cat((lightness * 100.0, chroma), dim=1), clip=True)
    return (rgb * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
