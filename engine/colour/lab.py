"""CIELAB at the edges of the colour stage: restored grey frames in, keyframes in, RGB out.

Inside the stage, lightness is ``L*/100`` in [0, 1] and chroma is CIELAB ``(a*, b*)`` in their
own units (about -128 .. 127). sRGB values are D65, as kornia converts them.

Colouring must not change brightness: the RGB out has the BT.601 luma of the restored grey
frame (the luma every video encoder and player computes). CIELAB's lightness is not that luma,
so :func:`to_rgb8` puts the luma back after the conversion, and brings colours outside the
gamut toward the grey of the same luma rather than clipping each channel.
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


LUMA_BT601 = (0.299, 0.587, 0.114)


def lightness_grey(lightness: torch.Tensor) -> torch.Tensor:
    """The sRGB grey level in [0, 1] of ``L*/100`` ``lightness`` (any shape): the inverse of
    :func:`grey_lightness`."""
    f = (lightness * 100.0 + 16.0) / 116.0
    linear = torch.where(f > 6.0 / 29.0, f**3, (lightness * 100.0) / 903.3)
    linear = linear.clamp(0.0, 1.0)
    return torch.where(
        linear > 0.0031308, 1.055 * linear.clamp(min=1e-12) ** (1 / 2.4) - 0.055, 12.92 * linear
    )


def keep_luma(rgb: torch.Tensor, grey: torch.Tensor) -> torch.Tensor:
    """``rgb`` ``(N, 3, H, W)`` (any values) with the BT.601 luma ``grey`` ``(N, 1, H, W)`` in
    [0, 1] and inside the gamut: the luma difference added to every channel, then the colour
    moved toward ``grey`` along the line of constant luma just far enough to fit in [0, 1]."""
    weights = torch.tensor(LUMA_BT601, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    rgb = rgb + (grey - (rgb * weights).sum(dim=1, keepdim=True))
    d = rgb - grey
    room = torch.where(d > 0, (1.0 - grey) / d.clamp(min=1e-9), grey / (-d).clamp(min=1e-9))
    t = room.amin(dim=1, keepdim=True).clamp(max=1.0)
    return grey + t * d


def to_rgb8(lightness: torch.Tensor, chroma: torch.Tensor) -> np.ndarray:
    """``L*/100`` ``(N, 1, H, W)`` and ``(a*, b*)`` ``(N, 2, H, W)`` -> ``(N, H, W, 3)`` ``uint8``
    sRGB whose BT.601 luma is the grey of ``lightness`` (:func:`keep_luma`)."""
    rgb = lab_to_rgb(torch.cat((lightness * 100.0, chroma), dim=1), clip=False)
    rgb = keep_luma(rgb, lightness_grey(lightness))
    return (rgb * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
