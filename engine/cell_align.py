"""Two frames' cell pictures put on one another: a shift and a zoom, fitted robustly.

The first pass's photometry compares frames far apart in a shot (:mod:`engine.exposure`,
:mod:`engine.vignette_motion`). The camera path says how far the content moved, but not how
much it grew: a zoom (the camera pushing in on a launch pad) shifts the cells near the frame's
edges by several cells, so a comparison along the path alone matches different content there.
:func:`align_cells` refines the path's shift and fits the zoom and the pair's gain, on log
brightness, reweighting whatever moved by itself.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import map_coordinates, sobel

from engine.vignette import cauchy_weights

ALIGN_ITERATIONS = 6
ROBUST_FLOOR = 5e-3
"""Log-brightness residual below which reweighting does not bite (grain on a cell's mean)."""


def align_cells(
    later: np.ndarray, earlier: np.ndarray, usable: np.ndarray, moved: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Robust Gauss-Newton fit of ``later(c + s (x - c) + d) - earlier(x) ≈ g`` over cells
    usable in both (log pictures ``(h, w)``), from ``d = moved`` (cells ``(x, y)``), ``s = 1``.
    Returns where each cell of ``earlier`` lies in ``later`` (``xs, ys`` ``(h, w)``), the cells
    that can be compared ``(h, w)`` bool, and ``(dx, dy, log s, g)``; None where too few
    cells overlap."""
    h, w = later.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    gy, gx = sobel(later, 0) / 8.0, sobel(later, 1) / 8.0
    seen_later = usable[0].astype(np.float64)

    def placed(params: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each cell of ``earlier`` lies in ``later`` under ``params``, and which cells
        fall ``margin`` cells or more inside it on cells usable in both."""
        scale = np.exp(params[2])
        xi, yi = cx + scale * (xs - cx) + params[0], cy + scale * (ys - cy) + params[1]
        inside = (xi >= margin) & (xi <= w - 1 - margin) & (yi >= margin) & (yi <= h - 1 - margin)
        seen = map_coordinates(seen_later, [yi, xi], order=0) > 0.5
        return xi, yi, inside & seen & usable[1]

    params = np.array([moved[0], moved[1], 0.0, 0.0])
    for _ in range(ALIGN_ITERATIONS):
        xi, yi, compared = placed(params, 1.0)
        if compared.sum() < 30:
            return None
        at = [yi[compared], xi[compared]]
        dx, dy = map_coordinates(gx, at, order=1), map_coordinates(gy, at, order=1)
        residual = map_coordinates(later, at, order=1) - earlier[compared] - params[3]
        radial = np.exp(params[2]) * (dx * (xs - cx)[compared] + dy * (ys - cy)[compared])
        jacobian = np.stack([dx, dy, radial, -np.ones_like(dx)], axis=1)
        weight = cauchy_weights(residual, ROBUST_FLOOR)
        normal = (jacobian * weight[:, None]).T @ jacobian + 1e-6 * np.eye(4)
        params = params - np.linalg.solve(normal, (jacobian * weight[:, None]).T @ residual)
    return (*placed(params, 0.0), params)
