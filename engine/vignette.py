"""The film's static light falloff (vignetting), measured from camera motion.

The same piece of the scene, seen near the centre in one frame and near the edge in another,
is darker at the edge by the vignette's ratio. Over pairs of frames ``GAP`` apart in a shot, the
log-brightness differences of matched points are fitted by ``log V = -alpha rho - beta rho^2``,
``rho`` the squared distance from the frame's centre (1 at the middle of each edge). A shot
without motion says nothing, and a clip without any leaves the vignette alone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine.motion import blur, inside, translate

GAP = 8
"""Frames between the two frames of a pair."""
CELL = 4
"""Matched points are cells of this many scan pixels."""
MIN_MOTION_PX = 6.0
"""Pairs whose content moved less than this tell too little."""
DARK = 0.06
"""Cells darker than this are left out (their logarithm is mostly noise)."""
MIN_PAIRS = 40
"""A fit from fewer pairs is not trusted (a short zoom alone can fake a few per cent)."""


def rho(height: int, width: int, like: torch.Tensor | None = None) -> torch.Tensor:
    """Squared normalised distance from the frame's centre ``(1, 1, H, W)``."""
    ys = (torch.arange(height, dtype=torch.float32) - (height - 1) / 2) / (height / 2)
    xs = (torch.arange(width, dtype=torch.float32) - (width - 1) / 2) / (width / 2)
    value = ys[:, None] ** 2 + xs[None, :] ** 2
    if like is not None:
        value = value.to(like.device, like.dtype)
    return value[None, None]


@dataclass(frozen=True)
class Vignette:
    """``log V = -alpha rho - beta rho^2``; ``pairs`` frame pairs supported the fit."""

    alpha: float = 0.0
    beta: float = 0.0
    pairs: int = 0

    def gain(self, height: int, width: int, like: torch.Tensor | None = None) -> torch.Tensor:
        """The falloff ``V`` ``(1, 1, H, W)`` in (0, 1], clamped at 0.3."""
        r = rho(height, width, like)
        return torch.exp(-(self.alpha * r + self.beta * r * r)).clamp(0.3, 1.0)


class VignetteFit:
    """Accumulates frame pairs as the first pass reads them; :meth:`result` solves the fit."""

    def __init__(self) -> None:
        self._recent: deque[tuple[torch.Tensor, np.ndarray, int]] = deque(maxlen=GAP)
        self._normal = np.zeros((2, 2))
        self._target = np.zeros(2)
        self.pairs = 0

    def add(self, frame: torch.Tensor, position: np.ndarray, shot: int) -> None:
        """Frame ``(1, 1, H, W)`` in [0, 1], its content position on the raw path (pixels) and
        its shot."""
        small = F.avg_pool2d(blur(frame, 1.0), CELL)
        if len(self._recent) == GAP:
            old, old_position, old_shot = self._recent[0]
            moved = position - old_position
            if old_shot == shot and float(np.hypot(*moved)) >= MIN_MOTION_PX:
                self._pair(old, small, moved, frame.shape[-2:])
        self._recent.append((small, position.copy(), shot))

    def _pair(self, old: torch.Tensor, new: torch.Tensor, moved: np.ndarray, size: torch.Size) -> None:
        h, w = new.shape[-2:]
        shift = torch.tensor([[moved[0] / CELL, moved[1] / CELL]], dtype=new.dtype)
        flow = shift.view(1, 2, 1, 1).expand(1, 2, h, w)
        matched = translate(new, -shift, mode="bilinear")  # new at the old frame's cells
        ok = (inside(flow, margin=0.0) > 0) & (old > DARK) & (matched > DARK)
        ys = (torch.arange(h, dtype=new.dtype) + 0.5) * CELL
        xs = (torch.arange(w, dtype=new.dtype) + 0.5) * CELL
        height, width = float(size[0]), float(size[1])

        def r(dx: float, dy: float) -> torch.Tensor:
            y = (ys[:, None] + dy - (height - 1) / 2) / (height / 2)
            x = (xs[None, :] + dx - (width - 1) / 2) / (width / 2)
            return (y**2 + x**2)[None, None]

        r_old, r_new = r(0.0, 0.0), r(float(moved[0]), float(moved[1]))
        y = torch.log(old.clamp(min=1e-3)) - torch.log(matched.clamp(min=1e-3))
        f1, f2 = r_new - r_old, r_new**2 - r_old**2  # log V(old) - log V(new) = alpha f1 + beta f2
        if int(ok.sum()) < 50:
            return
        y, f1, f2 = y[ok], f1.expand_as(ok)[ok], f2.expand_as(ok)[ok]
        keep = (y - y.median()).abs() < 0.15  # dirt, scratches and occlusions out
        y, f1, f2 = y[keep], f1[keep], f2[keep]
        y, f1, f2 = y - y.mean(), f1 - f1.mean(), f2 - f2.mean()
        features = torch.stack((f1, f2), dim=1).double().numpy()
        self._normal += features.T @ features
        self._target += features.T @ y.double().numpy()
        self.pairs += 1

    def result(self) -> Vignette:
        """The fitted vignette, or none if the clip's motion did not allow a fit."""
        if self.pairs < MIN_PAIRS or np.linalg.cond(self._normal) > 1e6:
            return Vignette()
        alpha, beta = np.linalg.solve(self._normal + 1e-6 * np.eye(2), self._target)
        return Vignette(float(alpha), float(beta), self.pairs)
