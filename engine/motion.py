"""Motion between frames: a global shift by phase correlation, a dense flow by pyramidal
Lucas-Kanade, and warping by either; :class:`MotionEstimator` and :class:`Warp` are the dense
flow and the warp as the modules the restoration and colour stages run (and the GPU path
compiles).

Frames are ``(N, 1, H, W)`` float tensors in [0, 1]. A flow ``f`` from ``ref`` to ``mov`` is
``(N, 2, H, W)`` in pixels, ``(dx, dy)`` per pixel, such that ``mov(x + f(x)) ≈ ref(x)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d
from torch import nn


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of ``(N, C, H, W)`` with ``sigma`` pixels (borders repeated: replicate
    padding)."""
    radius = max(int(3.0 * sigma + 0.5), 1)
    return gaussian_blur2d(x, (2 * radius + 1, 2 * radius + 1), (sigma, sigma), border_type="replicate")


ROBUST_SCALE = 1.5
"""Differences this many times the median difference get half weight in the flow estimate."""
ROBUST_LEVELS = 1
"""Pyramid levels (0 the frame's own size) on which a robust flow discounts large differences."""


MEDIAN_SAMPLES = 16384
"""A frame's typical difference is the median of about this many of its pixels, evenly spread
(every k-th): as sure as over all of them, and a fraction of the time on a large frame."""


def sampled(values: torch.Tensor) -> torch.Tensor:
    """Every k-th column of ``values`` ``(N, P)``, so that about :data:`MEDIAN_SAMPLES` remain
    (all of them when there are fewer)."""
    return values[:, :: max(values.shape[1] // MEDIAN_SAMPLES, 1)]


def cauchy(
    diff: torch.Tensor, mask: torch.Tensor | None = None, scale: float = ROBUST_SCALE, floor: float = 1e-3
) -> torch.Tensor:
    """Cauchy weights ``(N, C, H, W)`` in (0, 1] of differences ``diff``: half at ``scale``
    times each frame's median absolute difference (over the pixels where ``mask``, of the same
    shape, is set; that median at least ``floor``)."""
    values = sampled(diff.abs().flatten(1))
    if mask is None:
        typical = values.median(dim=1).values.clamp(min=floor)
    else:
        masked = torch.where(sampled(mask.flatten(1)) > 0, values, torch.nan)
        typical = masked.nanmedian(dim=1).values.nan_to_num(floor).clamp(min=floor)
    return 1.0 / (1.0 + (diff / (scale * typical.view(-1, 1, 1, 1))) ** 2)


def _pixel_axes(h: int, w: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates ``x`` ``(1, 1, W)`` and ``y`` ``(1, H, 1)``, to broadcast against a
    flow's planes ``(N, H, W)``."""
    xs = torch.arange(w, dtype=like.dtype, device=like.device).view(1, 1, w)
    ys = torch.arange(h, dtype=like.dtype, device=like.device).view(1, h, 1)
    return xs, ys


def warp(image: torch.Tensor, flow: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """``image(x + flow(x))``: ``image`` ``(N, C, H, W)`` sampled where ``flow`` ``(N, 2, H, W)``
    points, borders repeated. ``mode`` is ``bilinear`` or ``bicubic``."""
    h, w = image.shape[-2:]
    xs, ys = _pixel_axes(h, w, image)
    # grid_sample's coordinates: -1 .. 1 across the frame's outer edges
    norm_x = (2.0 * (xs + flow[:, 0]) + 1.0) / w - 1.0
    norm_y = (2.0 * (ys + flow[:, 1]) + 1.0) / h - 1.0
    grid = torch.stack((norm_x, norm_y), dim=-1)
    return F.grid_sample(image, grid, mode=mode, padding_mode="border", align_corners=False)


def inside(flow: torch.Tensor, margin: float = 0.5) -> torch.Tensor:
    """``(N, 1, H, W)`` 1.0 where ``x + flow(x)`` lies inside the frame, else 0.0."""
    h, w = flow.shape[-2:]
    xs, ys = _pixel_axes(h, w, flow)
    x, y = xs + flow[:, 0], ys + flow[:, 1]
    ok = (x >= -margin) & (x <= w - 1 + margin) & (y >= -margin) & (y <= h - 1 + margin)
    return ok.unsqueeze(1).to(flow.dtype)


def translate(image: torch.Tensor, shift: torch.Tensor, mode: str = "bicubic") -> torch.Tensor:
    """Move the content of ``image`` ``(N, C, H, W)`` by ``shift`` ``(N, 2)`` pixels ``(dx, dy)``."""
    n, _, h, w = image.shape
    flow = (-shift).view(n, 2, 1, 1).expand(n, 2, h, w)
    return warp(image, flow, mode)


def _hann(h: int, w: int, like: torch.Tensor) -> torch.Tensor:
    wy = torch.hann_window(h, periodic=False, dtype=like.dtype, device=like.device)
    wx = torch.hann_window(w, periodic=False, dtype=like.dtype, device=like.device)
    return wy[:, None] * wx[None, :]


def _parabola(left: torch.Tensor, centre: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    denominator = left - 2.0 * centre + right
    offset = (
        0.5
        * (left - right)
        / torch.where(denominator.abs() < 1e-9, torch.ones_like(denominator), denominator)
    )
    return offset.clamp(-0.5, 0.5)


def _phase_surface(ref: torch.Tensor, mov: torch.Tensor) -> torch.Tensor:
    """The phase correlation surface ``(N, H, W)`` of ``mov`` against ``ref``: a peak at every
    shift ``(dx, dy)`` (modulo the frame) by which content moved."""
    h, w = ref.shape[-2:]
    window = _hann(h, w, ref)
    a = ref[:, 0] - ref[:, 0].mean(dim=(-2, -1), keepdim=True)
    b = mov[:, 0] - mov[:, 0].mean(dim=(-2, -1), keepdim=True)
    spectrum = torch.fft.rfft2(b * window) * torch.conj(torch.fft.rfft2(a * window))
    return torch.fft.irfft2(spectrum / (spectrum.abs() + 1e-9), s=(h, w))


def phase_peaks(ref: torch.Tensor, mov: torch.Tensor, count: int) -> torch.Tensor:
    """The ``count`` highest local peaks of the phase correlation of one pair (``(1, 1, H,
    W)``) as whole-pixel shifts ``(count, 2)`` ``(dx, dy)``, highest first: where a frame holds
    several motions (a figure crossing a still shot, a repeating pattern), each has its peak."""
    h, w = ref.shape[-2:]
    surface = _phase_surface(ref, mov)
    padded = F.pad(surface[None], (2, 2, 2, 2), mode="circular")  # the 5x5 maximum, rows then columns
    local = F.max_pool2d(F.max_pool2d(padded, (1, 5), stride=1), (5, 1), stride=1)[0]
    where = (surface == local)[0].nonzero()
    order = surface[0, where[:, 0], where[:, 1]].argsort(descending=True)[:count]
    dy, dx = where[order, 0], where[order, 1]
    dx = torch.where(dx > w // 2, dx - w, dx)
    dy = torch.where(dy > h // 2, dy - h, dy)
    return torch.stack((dx, dy), dim=1).to(ref.dtype)


def phase_correlate(ref: torch.Tensor, mov: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The global shift ``(N, 2)`` ``(dx, dy)`` in pixels with ``mov(x + d) ≈ ref(x)``, to a
    tenth of a pixel, and the correlation peak ``(N,)`` in (0, 1] (near 0: no shared content)."""
    n, _, h, w = ref.shape
    surface = _phase_surface(ref, mov)
    flat = surface.reshape(n, -1)
    peak, where = flat.max(dim=1)
    py, px = where // w, where % w
    rows = torch.arange(n, device=ref.device)
    dx = px.to(ref.dtype) + _parabola(surface[rows, py, (px - 1) % w], peak, surface[rows, py, (px + 1) % w])
    dy = py.to(ref.dtype) + _parabola(surface[rows, (py - 1) % h, px], peak, surface[rows, (py + 1) % h, px])
    dx = torch.where(dx > w / 2, dx - w, dx)
    dy = torch.where(dy > h / 2, dy - h, dy)
    return torch.stack((dx, dy), dim=1), peak


REFINE_SIGMA = 0.8
"""The blur (pixels) :func:`refine_shift` matches frames under."""
BACKGROUND_CELL = 8
"""The light that changes only slowly across the frame (a vignette, flicker that is stronger at
the edges) is fixed to the film, not to the picture, and pulls the match toward no shift at
all: :func:`refine_view` takes out the frame's light averaged over cells this many pixels
across, then blurred by :data:`BACKGROUND_SIGMA` cells (about 16 pixels in all)."""
BACKGROUND_SIGMA = 2.0
SLOPE_SIGMA = 1.5
"""The blur (pixels) under which :func:`refine_shift` reads the picture's slope. The grain's own
slope adds to the match's curvature but not to its pull, so a slope read under
:data:`REFINE_SIGMA` alone shortens every step (on grainy film each went a fifth of the way)."""


def refine_view(frame: torch.Tensor) -> torch.Tensor:
    """``(N, 1, H, W)`` in [0, 1] as :func:`refine_shift` matches it, ``(N, 3, H, W)``: the
    frame blurred by :data:`REFINE_SIGMA`, less its slowly changing light
    (:data:`BACKGROUND_CELL`), about 0 on average; then that picture's slope ``(d/dx, d/dy)``
    under :data:`SLOPE_SIGMA` more. A blur and a slope move with the picture, so a shifted
    frame's are its own shifted."""
    h, w = frame.shape[-2:]
    fine = blur(frame, REFINE_SIGMA)
    cells = F.avg_pool2d(frame, BACKGROUND_CELL, ceil_mode=True)
    background = F.interpolate(
        blur(cells, BACKGROUND_SIGMA), size=(h, w), mode="bilinear", align_corners=False
    )
    picture = fine - background
    # read at half size (the slope is smooth at that blur), then brought back to full size
    half = blur(F.avg_pool2d(picture, 2, ceil_mode=True), SLOPE_SIGMA / 2.0)
    slope = F.interpolate(
        torch.cat(gradients(half), dim=1), size=(h, w), mode="bilinear", align_corners=False
    )
    return torch.cat((picture, 0.5 * slope), dim=1)


def refine_shift(
    ref: torch.Tensor, mov: torch.Tensor, shift: torch.Tensor, iterations: int = 4, viewed: bool = False
) -> torch.Tensor:
    """Refine a global ``shift`` ``(N, 2)`` (``mov(x + d) ≈ ref(x)``) by Gauss-Newton on the
    whole frame, robustly (large differences count little), to a few hundredths of a pixel;
    8 pixels of border ignored. ``ref`` and ``mov`` are ``(N, 1, H, W)``, or ``(1, 1, H, W)``
    to refine ``N`` starting shifts of one pair at once; ``viewed``: both are
    :func:`refine_view` ``(.., 3, H, W)`` already (a caller that matches one frame more than
    once)."""
    h, w = ref.shape[-2:]
    ref_v, mov_v = (ref, mov) if viewed else (refine_view(ref), refine_view(mov))
    ref_s, ref_slope = ref_v[:, :1], ref_v[:, 1:]
    mov_v = mov_v.expand(shift.shape[0], -1, -1, -1)
    inner = torch.zeros(1, 1, h, w, dtype=ref.dtype, device=ref.device)
    inner[..., 8:-8, 8:-8] = 1.0
    for _ in range(iterations):
        moved = translate(mov_v, -shift, mode="bilinear")
        diff = moved[:, :1] - ref_s
        slope = 0.5 * (moved[:, 1:] + ref_slope)
        # Cauchy weights: what moves against the background (a figure walking across a still
        # shot, dirt) barely pulls the frame's shift
        weight = inner * cauchy(diff)
        diff = diff * weight
        gx, gy = slope[:, :1] * weight, slope[:, 1:] * weight
        a11, a12, a22 = (gx * gx).sum((1, 2, 3)), (gx * gy).sum((1, 2, 3)), (gy * gy).sum((1, 2, 3))
        b1, b2 = (gx * diff).sum((1, 2, 3)), (gy * diff).sum((1, 2, 3))
        det = (a11 * a22 - a12 * a12).clamp(min=1e-9)
        step = torch.stack((-(a22 * b1 - a12 * b2) / det, -(a11 * b2 - a12 * b1) / det), dim=1)
        shift = shift + step.clamp(-1.0, 1.0)
    return shift


def gradients(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Central differences ``(d/dx, d/dy)`` of ``(N, C, H, W)``, borders repeated."""
    padded = F.pad(image, (1, 1, 1, 1), mode="replicate")
    gx = 0.5 * (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2])
    gy = 0.5 * (padded[..., 2:, 1:-1] - padded[..., :-2, 1:-1])
    return gx, gy


def _lucas_kanade(
    ref: torch.Tensor,
    mov: torch.Tensor,
    flow: torch.Tensor,
    window: float,
    iterations: int,
    regulariser: float,
    robust: bool,
) -> torch.Tensor:
    """Refine ``flow`` ``(N, 2, H, W)`` from ``ref`` to ``mov`` (``(N, 1, H, W)``, ``mov(x +
    flow(x)) ≈ ref(x)``) by ``iterations`` Lucas-Kanade steps over a Gaussian ``window``
    (pixels); see :func:`dense_flow` for ``regulariser`` and ``robust``. Each step moves at most
    2 pixels."""
    for _ in range(iterations):
        warped = warp(mov, flow)
        gx, gy = gradients(0.5 * (warped + ref))
        diff = warped - ref
        # Cauchy weights: dirt, scratches and occlusions (large differences) barely pull the flow
        weight = cauchy(diff) if robust else torch.ones_like(diff)
        gx, gy = gx * weight, gy * weight
        products = torch.cat(
            (gx * gx / weight, gx * gy / weight, gy * gy / weight, gx * diff, gy * diff), dim=1
        )
        a11, a12, a22, b1, b2 = blur(products, window).unbind(dim=1)
        a11, a22 = a11 + regulariser, a22 + regulariser
        det = a11 * a22 - a12 * a12
        du = -(a22 * b1 - a12 * b2) / det
        dv = -(a11 * b2 - a12 * b1) / det
        flow = flow + torch.stack((du, dv), dim=1).clamp(-2.0, 2.0)
    return flow


def dense_flow(
    ref: torch.Tensor,
    mov: torch.Tensor,
    shift: torch.Tensor,
    levels: int = 3,
    iterations: int = 2,
    window: float = 3.0,
    finest: int = 1,
    regulariser: float = 1e-5,
    robust: bool = True,
) -> torch.Tensor:
    """Flow ``(N, 2, H, W)`` from ``ref`` to ``mov`` (``(N, 1, H, W)``), starting from the
    global ``shift`` ``(N, 2)`` (or a flow ``(N, 2, H, W)``). Estimated on a pyramid from 1/2^levels to half size (Gaussian
    ``window`` in pixels of each level) and brought up to full size: smooth, to about 0.2 px.
    ``regulariser`` (squared intensity gradient per pixel) holds the flow at the coarser
    level's estimate where the picture is too flat to say more. ``robust`` lets large
    differences (dirt, occlusions) barely pull the flow; without it, a moving object that
    differs much from what is behind it pulls its own flow (what the colour stage needs)."""
    n, _, h, w = ref.shape
    pyramid = [(blur(ref, 1.0), blur(mov, 1.0))]
    for _ in range(levels):
        a, b = pyramid[-1]
        pyramid.append((F.avg_pool2d(a, 2, ceil_mode=True), F.avg_pool2d(b, 2, ceil_mode=True)))
    coarse = pyramid[-1][0]
    scale = 2.0**levels
    if shift.dim() == 4:
        flow = F.interpolate(shift, size=coarse.shape[-2:], mode="area") / scale
    else:
        flow = (shift / scale).view(n, 2, 1, 1).expand(n, 2, *coarse.shape[-2:]).contiguous()
    for level in range(levels, finest - 1, -1):
        a, b = pyramid[level]
        if flow.shape[-2:] != a.shape[-2:]:
            flow = 2.0 * F.interpolate(flow, size=a.shape[-2:], mode="bilinear", align_corners=False)
        # robust only where dirt is small against the window: on the coarse levels an object
        # moving on its own is as large as its differences, and must pull its own flow
        flow = _lucas_kanade(a, b, flow, window, iterations, regulariser, robust and level <= ROBUST_LEVELS)
    if finest == 0:
        return flow
    return 2.0**finest * F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False)


SELECT_MARGIN = 2.0
"""A refined flow is taken in full where it lowers the local mismatch by this many times the
frame's typical mismatch, and not at all where it lowers it by nothing."""
SELECT_SIGMA = 2.0
"""Gaussian (pixels) over which :func:`select_refinement` weighs the local mismatch."""
SELECT_SPREAD = 8.0
"""Gaussian (pixels) over which :func:`select_refinement` carries its choice from where the
picture tells the flows apart into flat parts, where it does not (a plain object's middle)."""


def selection_margin(mismatch: torch.Tensor) -> torch.Tensor:
    """``(N, 1, 1, 1)``: how much better than another a flow must match to be chosen over it,
    :data:`SELECT_MARGIN` times the median of each frame's blurred ``mismatch`` ``(N, 1, H, W)``."""
    typical = sampled(mismatch.flatten(1)).median(dim=1).values.view(-1, 1, 1, 1)
    return SELECT_MARGIN * typical + 1e-4


def select_refinement(
    ref: torch.Tensor, mov: torch.Tensor, base: torch.Tensor, refined: torch.Tensor
) -> torch.Tensor:
    """Flow ``(N, 2, H, W)`` from ``ref`` to ``mov`` that takes ``refined`` only where it
    matches better than ``base`` (both flows ``(N, 2, H, W)``) by more than the noise: where
    the blurred mismatch ``|mov(x + f(x)) - ref(x)|`` falls by :data:`SELECT_MARGIN` times
    the frame's median mismatch under ``refined``, ``refined``; where it does not fall,
    ``base``; in between, a blend. Where the two flows predict the same picture (flat parts),
    the choice made nearby, where they do not, holds (:data:`SELECT_SPREAD`). On a shot that
    does not move, or moves as a whole, a dense flow's grain-driven wobble does not move what it
    carries; a moving object, which the refinement matches far better at its edges, keeps its
    own motion, plain middle and all."""
    predicted, refined_predicted = warp(mov, base), warp(mov, refined)
    base_error = blur((predicted - ref).abs(), SELECT_SIGMA)
    refined_error = blur((refined_predicted - ref).abs(), SELECT_SIGMA)
    margin = selection_margin(refined_error)
    weight = ((base_error - refined_error) / margin).clamp(0.0, 1.0)
    telling = (blur((predicted - refined_predicted).abs(), SELECT_SIGMA) / margin).clamp(0.0, 1.0)
    nearby = blur(torch.cat((weight * telling, telling), dim=1), SELECT_SPREAD)
    spread = nearby[:, :1] / nearby[:, 1:].clamp(min=1e-6)
    weight = telling * weight + (1.0 - telling) * spread
    return base + weight * (refined - base)


class MotionEstimator(nn.Module):
    """Dense flow from ``ref`` to ``mov`` (``(N, 1, H, W)``), starting from the global ``shift``
    ``(N, 2)``; ``settings`` are :func:`engine.motion.dense_flow`'s keyword arguments."""

    def __init__(self, **settings: float | int | bool) -> None:
        super().__init__()
        self.settings = settings

    def forward(self, ref: torch.Tensor, mov: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
        return dense_flow(ref, mov, shift, **self.settings)


class Warp(nn.Module):
    """Bicubic warp of neighbours onto their frame: ``(image, flow) -> image(x + flow(x))``."""

    def forward(self, image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        return warp(image, flow, mode="bicubic").clamp(0.0, 1.0)
