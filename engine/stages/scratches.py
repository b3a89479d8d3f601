"""Remove line scratches: thin, near-vertical lines that stay on the film for many frames.

A scratch is found by what it is, with or without camera motion:

- **a narrow, symmetric ridge**: a peak of the horizontal second difference at one of
  :data:`GAPS` (so lines from under a pixel to about three pixels wide), whose two sides are
  alike. A picture's edge (a rocket's flank) is a step: its sides differ by as much as the peak.
- **over nearly the full frame height**: the ridge shows, with its sign and that shape, in
  :data:`PERSISTENCE` of the :data:`BANDS` bands of rows, and in each third of the height; its
  strength is their median, so an edge crossing the line does not set it. Its sides differ by
  chance, not always the same way (:data:`SIDE_BIAS`): that is an object's outline.
- **see-through**: a scratch adds light or blends toward a level, so the picture's texture
  continues through it (:func:`transmission`); a thin object of the scene (a pole) hides the
  texture behind it. Where the ground is too plain to tell, the line counts as a scratch.
- **on the film over many frames**: it stands, within a pixel or two, at its film position in
  most frames around of its shot; where the scene moved sideways by :data:`MOVED_PX`, it must
  stand there in most of those frames too, where a scene's own vertical would have moved.

A found line is taken out by subtracting its profile: the difference from the picture
interpolated across the line, a running median along the line, smoothed along its length, so
its strength may vary along the line and the picture's texture through it stays.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from engine.motion import translate
from engine.noise import MAD_TO_SIGMA

GAPS = (2, 4, 7)
"""Distances (pixels) of the second differences: lines of Gaussian sigma up to about 0.8, 1.6
and 3 pixels."""
BANDS = 12
"""Row bands a line must show in; it is kept where it shows in ``PERSISTENCE`` of them."""
PERSISTENCE = 0.75
THIRD_SUPPORT = 0.5
"""The least share of the bands, in each third of the frame's height, that must show the line."""
BAND_SIGMAS = 1.5
"""How far above the band's typical column a line must stand in a band that shows it."""
SYMMETRY = 1.0
"""Most a band's difference between the two sides may be, as a share of its peak."""
SIDE_BIAS = 0.35
"""Most the median over the bands of that difference, signed, may be as a share of the line's
strength: a scratch crosses the picture, so its sides differ one way in one band and the other
way in the next; the outline of a tall object (a rocket's dark flank, sky on one side and hull
on the other) is the same step with a ridge on it all the way down."""
LEVEL_FLOOR = 0.5 / 255.0
"""The least typical ridge assumed (of full scale): on a scan with no grain the picture's own
columns are all but flat, and any faint vertical would otherwise stand out by many of them."""
THRESHOLD_SIGMAS = 6.0
"""How far above the frame's typical column a line must stand, at strength 1."""
TEXTURE_SIGMA = 8.0
"""Rows: detail finer than this along a line is the picture's texture (:func:`transmission`)."""
SEE_THROUGH = 0.25
"""Least share of the picture's texture that shows through a scratch."""
LEVERAGE = 3.0
"""Standard errors by which the texture on the two sides must agree to judge the middle."""
ALONG_SIGMA = 4.0
"""Smoothing along the line, in rows."""
ALONG_MEDIAN = 9
"""Rows of the running median along the line."""
OFFSETS = (-4, -2, 2, 4)
"""The frames around that a line must also show in."""
MOVED_PX = 2.0
"""Sideways scene motion (pixels) from which a frame around can tell a line from a scratch."""


def _sides(frames: torch.Tensor, gap: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The pixels ``gap`` to the left and right of each pixel of ``frames`` ``(N, 1, H, W)``
    (the border repeated)."""
    padded = F.pad(frames, (gap, gap, 0, 0), mode="replicate")
    return padded[..., : -2 * gap], padded[..., 2 * gap :]


def line_strength(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each gap of :data:`GAPS`, each column's line: ``frames`` ``(N, 1, H, W)`` ->
    ``strength`` ``(N, G, W)``, the median over the bands of rows of the second difference
    (positive for a bright line, in units of the frames' values), and ``support`` ``(N, G, W)``,
    the share of bands that show a symmetric ridge of that sign standing out of the band (0
    where a third of the height lacks it, or where its sides differ one way throughout)."""
    w = frames.shape[-1]
    strengths, supports = [], []
    for gap in GAPS:
        left, right = _sides(frames, gap)
        ridge = F.adaptive_avg_pool2d(frames - 0.5 * (left + right), (BANDS, w))[:, 0]
        step = F.adaptive_avg_pool2d(0.5 * (right - left), (BANDS, w))[:, 0]
        strength = ridge.median(dim=1).values  # (N, W)
        typical = MAD_TO_SIGMA * ridge.abs().median(dim=2, keepdim=True).values.clamp(
            min=LEVEL_FLOOR
        )  # (N, BANDS, 1)
        agree = (
            (torch.sign(ridge) == torch.sign(strength[:, None]))
            & (ridge.abs() > BAND_SIGMAS * typical)
            & (step.abs() < SYMMETRY * ridge.abs())
        )
        one_sided = step.median(dim=1).values.abs() >= SIDE_BIAS * strength.abs()  # (N, W)
        shown = agree.to(frames.dtype)
        # from the top of the frame to the bottom: a tall object standing in the frame (a rocket
        # on its pad) leaves the sky above it without the line
        thirds = shown.view(shown.shape[0], 3, BANDS // 3, w).mean(dim=2).min(dim=1).values
        strengths.append(strength)
        supports.append(shown.mean(dim=1) * ~one_sided * (thirds >= THIRD_SUPPORT))
    return torch.stack(strengths, dim=1), torch.stack(supports, dim=1)


def _along(frames: torch.Tensor, sigma: float) -> torch.Tensor:
    """``frames`` ``(N, 1, H, W)`` smoothed down the columns by a Gaussian of ``sigma`` rows."""
    radius = int(3 * sigma)
    taps = torch.arange(-radius, radius + 1, dtype=frames.dtype, device=frames.device)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1, 1)
    return F.conv2d(F.pad(frames, (0, 0, radius, radius), mode="replicate"), kernel)


def transmission(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """How much of the picture's texture shows through each column, for each gap of
    :data:`GAPS`: ``frames`` ``(N, 1, H, W)`` -> ``share`` ``(N, G, W)`` (about 1 through an
    additive line, ``1 - opacity`` through a blended one, 0 through an opaque object) and
    ``judged`` ``(N, G, W)`` bool, where the two sides' texture agrees well enough to tell.

    Texture is the detail finer than :data:`TEXTURE_SIGMA` rows down each column; the share is
    the middle's agreement with the two sides over the sides' agreement with each other, so the
    grain, which the sides do not share, does not bias it."""
    detail = frames - _along(frames, TEXTURE_SIGMA)
    shares, judged = [], []
    for gap in GAPS:
        left, right = _sides(detail, gap)
        through = (detail * 0.5 * (left + right)).sum(dim=2)[:, 0]  # (N, W)
        products = (left * right)[:, 0]
        sides = products.sum(dim=1)
        error = products.std(dim=1) * products.shape[1] ** 0.5
        shares.append(through / sides.clamp(min=1e-8))
        judged.append(sides > LEVERAGE * error)
    return torch.stack(shares, dim=1), torch.stack(judged, dim=1)


def _frame_by_frame(
    measure: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]], frames: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``measure`` (:func:`line_strength` or :func:`transmission`) of ``frames`` ``(N, 1, H,
    W)``, one frame at a time: its answers are per column, small, but its working planes for a
    window of 2K frames would take gigabytes."""
    parts = [measure(frame) for frame in frames.split(1)]
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


def find_lines(
    frames: torch.Tensor, strength: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The line candidates of ``frames`` ``(N, 1, H, W)``, each frame alone: ``centre``
    ``(N, W)`` bool, a column holding the middle of a tall, narrow, symmetric, see-through ridge;
    ``gap`` ``(N, W)`` long, the index into :data:`GAPS` it shows best at; ``line``
    ``(N, G, W)``, every column's line strength (:func:`line_strength`)."""
    line, support = _frame_by_frame(line_strength, frames)
    share, judged = _frame_by_frame(transmission, frames)
    sigma = MAD_TO_SIGMA * line.abs().median(dim=2, keepdim=True).values.clamp(min=LEVEL_FLOOR)  # (N, G, 1)
    score = line.abs() / sigma
    score = score * (support >= PERSISTENCE) * (~judged | (share >= SEE_THROUGH))
    best, gap = score.max(dim=1)  # (N, W)
    # the strongest within its gap: a line's own side lobes, and the valley between two lines,
    # are not lines
    peak = torch.zeros_like(best, dtype=torch.bool)
    for index, reach in enumerate(GAPS):
        strongest = F.max_pool1d(best[:, None], 2 * reach + 1, stride=1, padding=reach)[:, 0]
        peak = peak | ((gap == index) & (best >= strongest))
    centre = peak & (best > THRESHOLD_SIGMAS / max(strength, 1e-3))
    return centre, gap, line


def on_film(
    line: torch.Tensor,
    around: torch.Tensor,
    gap: torch.Tensor,
    film_shift: torch.Tensor,
    moved: torch.Tensor,
    same: torch.Tensor,
) -> torch.Tensor:
    """Whether each column's line also stands in the frames around, where the film puts it.

    ``line`` ``(N, G, W)`` the frames' line strengths, ``around`` ``(N, K, G, W)`` those of the
    frames around, ``gap`` ``(N, W)`` the gap each column is judged at, ``film_shift`` ``(N, K)``
    how far the film (so a scratch) lies to the right in them (pixels), ``same`` ``(N, K)`` 1
    where they are in the frame's shot, ``moved`` ``(N, K)`` 1 where the scene has also moved
    enough to tell a scratch from the scene. Bool ``(N, W)``: the line stands within two pixels
    in at least half the frames of the shot around (and within one in at least half of those
    that moved), or no frame around is in the shot."""
    n, k, _, w = around.shape
    index = gap[:, None, None, :].expand(n, k, 1, w)
    at_gap = around.gather(2, index)[:, :, 0]  # (N, K, W)
    mine = line.gather(1, gap[:, None])  # (N, 1, W)
    shift = torch.stack([-film_shift, torch.zeros_like(film_shift)], dim=-1).reshape(n * k, 2)
    aligned = translate(at_gap.reshape(n * k, 1, 1, w), shift, mode="bilinear").reshape(n, k, w)
    signed = torch.sign(mine) * aligned
    # a scratch wanders by a fraction of a pixel a frame
    near = F.max_pool1d(signed, 5, stride=1, padding=2) >= 0.5 * mine.abs()
    close = F.max_pool1d(signed, 3, stride=1, padding=1) >= 0.5 * mine.abs()

    def most(present: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        return (present.to(line.dtype) * weight[..., None]).sum(dim=1) * 2 >= weight.sum(dim=1)[:, None]

    return most(near, same) & most(close, moved * same)


def repair(frames: torch.Tensor, centre: torch.Tensor, gap: torch.Tensor, line: torch.Tensor) -> torch.Tensor:
    """``frames`` ``(N, 1, H, W)`` with the lines whose middles are ``centre`` ``(N, W)``
    subtracted, each over the columns within its gap (``gap`` ``(N, W)``, an index into
    :data:`GAPS`); ``line`` ``(N, G, W)`` gives each line's sign. Values in [0, 1]."""
    n, _, h, w = frames.shape
    columns = torch.arange(w, device=frames.device)
    # each column's middle: of the narrowest line that reaches it (its own, for a line's columns)
    middle = torch.full_like(gap, -1)
    half = torch.zeros_like(gap)
    for index, reach in enumerate(GAPS):
        mine = (centre & (gap == index)) * (columns[None, :] + 1)
        found = F.max_pool1d(mine[:, None].to(frames.dtype), 2 * reach + 1, stride=1, padding=reach)
        found = found[:, 0].long() - 1
        take = (middle < 0) & (found >= 0)
        middle = torch.where(take, found, middle)
        half = torch.where(take, reach + 1, half)
    inside = middle >= 0  # (N, W)
    middle = middle.clamp(min=0)
    half = half.clamp(min=1)
    if torch.compiler.is_compiling():
        picked = columns  # a graph built for TensorRT keeps static shapes: every column
    else:
        # only the columns near a line are worked on: most of a frame has none
        picked = inside.any(dim=0).nonzero()[:, 0]  # (K,)
        if len(picked) == 0:
            return frames.clamp(0.0, 1.0)
    # each column's line strength at its middle's gap, and the sign of its middle's line
    at_gap = line.gather(1, gap.gather(1, middle)[:, None])[:, 0]  # (N, W)
    sign = torch.sign(at_gap.gather(1, middle))[:, picked]  # (N, K)
    at_gap = at_gap[:, picked]
    inside, middle, half = inside[:, picked], middle[:, picked], half[:, picked]
    rows = frames[:, 0]  # (N, H, W)
    k = len(picked)

    def at(offset: torch.Tensor) -> torch.Tensor:
        return rows.gather(2, (middle + offset).clamp(0, w - 1)[:, None, :].expand(n, h, k))

    # the picture across the line: the quadratic through the pairs of columns just outside it
    # (the inner pair exactly, so the repair meets the picture without a step)
    near = 0.5 * (at(-half) + at(half))
    far = 0.5 * (at(-half - 2) + at(half + 2))
    curve = ((far - near) / (4 * half + 4)[:, None, :]).to(frames.dtype)
    slope = (at(half) - at(-half)) / (2 * half)[:, None, :]
    u = (picked[None, :] - middle).to(frames.dtype)[:, None, :]
    picture = near - curve * half[:, None, :] ** 2 + slope * u + curve * u**2
    residual = (rows[..., picked] - picture)[:, None]  # (N, 1, H, K)
    # never more than the column's own ridge: a picture's vertical under the line stays
    limit = 1.5 * (sign * at_gap).clamp(min=0.0)
    # robust along the line: a running median (an edge crossing it is a few rows), then smoothed
    radius = ALONG_MEDIAN // 2
    padded = F.pad(residual, (0, 0, radius, radius), mode="replicate")
    median = padded.unfold(2, ALONG_MEDIAN, 1).median(dim=-1).values
    profile = _along(median, ALONG_SIGMA)
    # only with the line's sign, never adding a line of the other sign
    profile = sign[:, None, None, :] * torch.minimum(
        (sign[:, None, None, :] * profile).clamp(min=0.0), limit[:, None, None, :]
    )
    out = frames.clamp(0.0, 1.0)
    out[..., picked] = (frames[..., picked] - inside[:, None, None, :] * profile).clamp(0.0, 1.0)
    return out


def remove_scratches(
    frames: torch.Tensor,
    around_line: torch.Tensor | None = None,
    film_shift: torch.Tensor | None = None,
    moved: torch.Tensor | None = None,
    same: torch.Tensor | None = None,
    strength: float = 1.0,
) -> torch.Tensor:
    """``frames`` ``(N, 1, H, W)`` in [0, 1] with line scratches subtracted.

    ``around_line`` ``(N + 2R, G, W)``, where given, is the line strengths (:class:`LineStrengths`)
    of the same frames with ``R`` more on each side (``R`` at least the largest of
    :data:`OFFSETS`); ``film_shift``, ``moved`` and ``same``
    ``(N, K)`` describe the frames at :data:`OFFSETS` as :func:`on_film` needs. Without them each
    frame is judged alone. ``strength`` scales how faint a line may be and still be found."""
    centre, gap, line = find_lines(frames, strength)
    if around_line is not None and film_shift is not None and moved is not None and same is not None:
        r = (around_line.shape[0] - frames.shape[0]) // 2
        rows = torch.arange(frames.shape[0], device=frames.device)[:, None] + r
        around = around_line[rows + torch.tensor(OFFSETS, device=frames.device)[None, :]]
        centre = centre & on_film(line, around, gap, film_shift, moved, same)
    # a frame at a time: the repair's working planes (gathers, the running median's windows) for
    # a window of 2K frames would take gigabytes
    parts = zip(frames.split(1), centre.split(1), gap.split(1), line.split(1), strict=True)
    return torch.cat([repair(*part) for part in parts])


class LineStrengths(nn.Module):
    """Every column's line strength in each frame, ``(N, 1, H, W) -> (N, G, W)``
    (:func:`line_strength`, a frame at a time): measured once per window, for both passes of
    :class:`RemoveScratches` over the frames it holds."""

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return _frame_by_frame(line_strength, frames)[0]


class RemoveScratches(nn.Module):
    """:func:`remove_scratches` as a module with a fixed ``strength``: ``(frames, around_line,
    film_shift, moved, same) -> frames``."""

    def __init__(self, strength: float = 1.0) -> None:
        super().__init__()
        self.strength = strength

    def forward(
        self,
        frames: torch.Tensor,
        around_line: torch.Tensor,
        film_shift: torch.Tensor,
        moved: torch.Tensor,
        same: torch.Tensor,
    ) -> torch.Tensor:
        return remove_scratches(frames, around_line, film_shift, moved, same, self.strength)
