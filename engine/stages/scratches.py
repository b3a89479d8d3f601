"""Remove line scratches: thin, near-vertical lines that stay on the film for many frames.

A line shows as a narrow peak in the horizontal second difference, averaged down the whole
frame, that most bands of rows agree with (a picture's edges give a peak and a trough side by
side, and rarely run the frame's full height). A scratch stays where it is on the film while the
scene moves, so where the camera has moved sideways a line must also stand at its film position
in the frames around; a tall vertical of the scene (a mast, a rocket's flank) does not. The
line's profile, smoothed along its length, is subtracted there.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.motion import translate

BANDS = 8
"""Row bands a line must show in; it is kept where it shows in ``PERSISTENCE`` of them."""
PERSISTENCE = 0.75
THRESHOLD_SIGMAS = 6.0
"""How far above the bands' typical second difference a line must stand, at strength 1."""
ALONG_SIGMA = 4.0
"""Smoothing along the line, in rows."""
OFFSETS = (-4, -2, 2, 4)
"""The frames around that a line must also show in, where the scene has moved."""
MOVED_PX = 2.0
"""Sideways scene motion (pixels) from which a frame around can tell a line from a scratch."""


def line_response(frames: torch.Tensor) -> torch.Tensor:
    """Horizontal second difference over two pixels ``(N, 1, H, W)``: positive on a bright
    line about three pixels wide, negative on a dark one."""
    padded = F.pad(frames, (2, 2, 0, 0), mode="replicate")
    return frames - 0.5 * (padded[..., :-4] + padded[..., 4:])


def column_profile(frames: torch.Tensor) -> torch.Tensor:
    """The full-height column mean of :func:`line_response`: ``(N, 1, H, W)`` -> ``(N, 1, 1, W)``."""
    return line_response(frames).mean(dim=2, keepdim=True)


def stays_on_film(
    column: torch.Tensor, around: torch.Tensor, film_shift: torch.Tensor, moved: torch.Tensor
) -> torch.Tensor:
    """Whether each column's line in ``column`` ``(N, 1, 1, W)`` also stands in the frames
    around, where the film puts it: ``around`` ``(N, K, W)`` their column profiles,
    ``film_shift`` ``(N, K)`` how far the film (so a scratch) lies to the right in them (pixels),
    ``moved`` ``(N, K)`` 1 where the scene moved enough to tell a scratch from the scene. Bool
    ``(N, 1, 1, W)``: it stands in at least half the frames that can tell, or none can tell."""
    n, k, w = around.shape
    shift = torch.stack([-film_shift, torch.zeros_like(film_shift)], dim=-1).reshape(n * k, 2)
    aligned = translate(around.reshape(n * k, 1, 1, w), shift, mode="bilinear").reshape(n, k, w)
    # the line may have drifted by up to a pixel
    signed = F.max_pool1d(torch.sign(column[:, 0, 0, None]) * aligned, 3, stride=1, padding=1)
    present = (signed >= 0.5 * column[:, 0, 0, None].abs()).to(around.dtype)
    votes = (present * moved[..., None]).sum(dim=1) * 2 >= moved.sum(dim=1)[:, None]
    return votes.view(n, 1, 1, w)


def scratch_mask(
    frames: torch.Tensor, stays: torch.Tensor | None = None, strength: float = 1.0
) -> torch.Tensor:
    """Columns ``(N, 1, 1, W)`` (1/0) that hold a scratch: a peak of the full-height column
    mean of :func:`line_response` that stands ``THRESHOLD_SIGMAS`` above the frame's typical
    column, shows with the same sign in ``PERSISTENCE`` of the bands of rows, and where given,
    ``stays`` on the film (:func:`stays_on_film`)."""
    response = line_response(frames)
    width = frames.shape[-1]
    column = response.mean(dim=2, keepdim=True)  # (N, 1, 1, W)
    bands = F.adaptive_avg_pool2d(response, (BANDS, width))
    sigma = 1.4826 * column.abs().flatten(1).median(dim=1).values.view(-1, 1, 1, 1)
    threshold = THRESHOLD_SIGMAS / max(strength, 1e-3) * sigma.clamp(min=1e-4)
    # the strongest within two columns: a line's own side lobes (at +-2, half as strong, of the
    # other sign) are not lines
    strongest = F.max_pool2d(column.abs(), (1, 5), stride=1, padding=(0, 2))
    peak = (column.abs() >= strongest) & (column.abs() > threshold)
    agree = (torch.sign(bands) == torch.sign(column)) & (bands.abs() > 0.5 * column.abs())
    supported = agree.to(frames.dtype).sum(dim=2, keepdim=True) >= PERSISTENCE * BANDS
    found = peak & supported
    return (found if stays is None else found & stays).to(frames.dtype)


def remove_scratches(
    frames: torch.Tensor,
    context: torch.Tensor | None = None,
    film_shift: torch.Tensor | None = None,
    moved: torch.Tensor | None = None,
    strength: float = 1.0,
) -> torch.Tensor:
    """``frames`` ``(N, 1, H, W)`` with line scratches subtracted; values in [0, 1].

    ``context`` ``(N + 2R, 1, H, W)``, where given, is the same frames with ``R`` more on each
    side (``R`` at least the largest of :data:`OFFSETS`); ``film_shift`` and ``moved``
    ``(N, K)`` describe the frames at :data:`OFFSETS` as :func:`stays_on_film` needs.

    A found line is taken out over the frame's whole height, also in bands where the picture
    hides it (an edge across it), by at most its own amplitude there: the band's where the band
    shows the line, else the column's."""
    h, w = frames.shape[-2:]
    response = line_response(frames)
    column = response.mean(dim=2, keepdim=True)
    stays = None
    if context is not None and film_shift is not None and moved is not None:
        r = (context.shape[0] - frames.shape[0]) // 2
        profiles = column_profile(context)[:, 0, 0]  # (N + 2R, W)
        rows = torch.arange(frames.shape[0], device=frames.device)[:, None] + r
        around = profiles[rows + torch.tensor(OFFSETS, device=frames.device)[None, :]]
        stays = stays_on_film(column, around, film_shift, moved)
    mask = scratch_mask(frames, stays, strength)
    bands = F.adaptive_avg_pool2d(response, (BANDS, w))
    # a line between two columns shows in both: take the neighbour too where it carries at
    # least a third of the line, with the line's sign
    signed = mask * column
    near_high = F.max_pool2d(signed, (1, 3), stride=1, padding=(0, 1))
    near_low = -F.max_pool2d(-signed, (1, 3), stride=1, padding=(0, 1))
    near = torch.where(near_high.abs() >= near_low.abs(), near_high, near_low)
    side = (torch.sign(column) == torch.sign(near)) & (column.abs() > near.abs() / 3) & (near != 0)
    width = torch.maximum(mask, side.to(frames.dtype))
    sign = torch.sign(near)
    amplitude = torch.where(torch.sign(bands) == sign, bands.abs(), 0.0).maximum(column.abs())
    columns = F.interpolate(width, size=(h, w), mode="nearest")
    limit = F.interpolate(amplitude, size=(h, w), mode="nearest")
    radius = int(3 * ALONG_SIGMA)
    taps = torch.exp(
        -0.5
        * (torch.arange(-radius, radius + 1, dtype=frames.dtype, device=frames.device) / ALONG_SIGMA) ** 2
    )
    kernel = (taps / taps.sum()).view(1, 1, -1, 1)
    along = F.conv2d(F.pad(response, (0, 0, radius, radius), mode="replicate"), kernel)
    # never more than the line itself, and only with its sign: an edge crossing the line stays
    along = sign * torch.minimum((sign * along).clamp(min=0.0), 1.5 * limit)
    return (frames - columns * along).clamp(0.0, 1.0)


class RemoveScratches(nn.Module):
    """:func:`remove_scratches` as a module with a fixed ``strength``: ``(frames, context,
    film_shift, moved) -> frames``."""

    def __init__(self, strength: float = 1.0) -> None:
        super().__init__()
        self.strength = strength

    def forward(
        self, frames: torch.Tensor, context: torch.Tensor, film_shift: torch.Tensor, moved: torch.Tensor
    ) -> torch.Tensor:
        return remove_scratches(frames, context, film_shift, moved, self.strength)
