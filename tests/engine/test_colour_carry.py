"""One step of the colour's carry (:func:`engine.colour.carry.carry`): chroma taken from a place
in the keyframe that shows something else is not trusted, and the pixels are filled from their
sure surroundings instead (before, a patch of ground carried onto the disc's place kept a third
of the disc's colour: 16 ab units off)."""

from __future__ import annotations

import numpy as np
import torch

from engine.colour.carry import carry
from engine.colour.lab import to_lab
from engine.colour.palette import palette

SIZE = (96, 128)  # (H, W)
SKY, DISC = (40, 60, 140), (230, 140, 40)
"""A dark blue ground and a lighter orange disc, sRGB."""
STRAY = (slice(38, 58), slice(10, 30))
"""Ground whose place in the keyframe is wrongly on the disc (70 px to the right)."""


def _keyframe() -> np.ndarray:
    """``(H, W, 3)`` ``uint8``: the ground with the disc at (96, 48), radius 18."""
    image = np.empty((*SIZE, 3), dtype=np.uint8)
    image[:] = SKY
    ys, xs = np.mgrid[: SIZE[0], : SIZE[1]]
    image[(xs - 96) ** 2 + (ys - 48) ** 2 <= 18**2] = DISC
    return image


def test_chroma_from_a_place_in_the_keyframe_that_shows_something_else_is_refilled() -> None:
    lab = to_lab(_keyframe())
    chroma, light = lab[:, 1:], lab[:, :1] / 100.0
    rng = np.random.default_rng(3)
    grain = torch.from_numpy(rng.normal(0.0, 0.005, SIZE).astype(np.float32))[None, None]
    frame = (light + grain).clamp(0.0, 1.0)  # the frame carried onto is the keyframe's picture
    reach = torch.zeros(1, 2, *SIZE)
    reach[0, 0][STRAY] = 70.0  # this patch of ground seems to lie on the disc in the keyframe
    flow = torch.zeros(1, 2, *SIZE)  # nothing moved since the frame before
    out, known, _ = carry(
        reach, torch.ones(1, 1, *SIZE), frame, frame, flow, chroma, light, palette(chroma, light)
    )
    inner = (slice(STRAY[0].start + 4, STRAY[0].stop - 4), slice(STRAY[1].start + 4, STRAY[1].stop - 4))
    sky_ab, disc_ab = chroma[0, :, 5, 5], chroma[0, :, 48, 96]
    assert float((sky_ab - disc_ab).norm()) > 50.0  # the two are far apart in colour
    stray = out[0][:, inner[0], inner[1]].reshape(2, -1)
    # the patch is filled with the ground's chroma around it, not given the disc's
    assert float((stray - sky_ab[:, None]).norm(dim=0).mean()) < 5.0
    # elsewhere the chroma stays sure: the ground far from the patch and the disc
    assert float(known[0, 0, 76:88, 8:60].min()) > 0.9
    assert float(known[0, 0, 44:52, 92:100].min()) > 0.9
