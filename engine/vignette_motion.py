"""The film's static light falloff measured where the camera moves.

A point of the scene seen through two places of the frame is dimmed by the falloff at each:
after aligning two frames of a shot (along the camera path, then refined for a zoom), the log
ratio of their brightness is ``log V(x') - log V(x)`` plus the change of the film's exposure
between them, whatever the picture. So every pair of frames whose content moved by at least
``MIN_MOVE`` of the frame's width gives, per cell, one equation in the falloff's coefficients
and the pair's own gain; what moved by itself, what was uncovered and dirt drop out of a
reweighted least-squares fit. The falloff is an even polynomial of degree 2 in the frame's
normalised coordinates (circular, elliptical or tilted); higher terms are left to the gradient
fit of :mod:`engine.vignette`, which sees a falloff on a locked-off shot.

How far to trust the answer comes from the footage too: the clip's pairs are split into
``BLOCKS`` runs of time and the fit is repeated leaving each run out (a jackknife). The falloff
is kept in proportion ``S² / (S² + se²)``, ``S`` the fitted field's spread and ``se`` the
jackknife's standard error of it: a clip whose pairs disagree (a hand-held shot of moving
figures, where no global alignment holds) lends it little.

Works on the cell pictures of :class:`engine.cell_store.CellStore`; it keeps at most
``MAX_PAIRS`` pairs, spread over the clip, so its memory does not grow with the reel.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import map_coordinates

from engine.cell_align import ROBUST_FLOOR, align_cells
from engine.cell_store import CellStore
from engine.vignette import EXPONENTS, Vignette, cauchy_weights, normalised_coordinates

SPANS = (2, 4, 8, 16, 32)
"""Frames back each frame is compared with: short spans see fast moves, long ones slow pans."""
MIN_MOVE = 0.03
"""A pair whose content moved less than this share of the frame's width (or zoomed by twice
it) carries too little of the falloff to use."""
MAX_PAIRS = 300
"""Pairs kept at most, spread evenly over the clip."""
MIN_PAIRS = 20
"""Fewer usable pairs than this are not enough to measure a falloff from."""
BLOCKS = 6
"""Runs of time the jackknife leaves out one at a time."""
DARK, BRIGHT = 0.04, 0.97
"""Cells outside these levels are left out (noise, or clipped highlights)."""
FIT_ITERATIONS = 8
TERMS = tuple(EXPONENTS.index(term) for term in ((2, 0), (1, 1), (0, 2)))
"""Indices into :data:`engine.vignette.EXPONENTS` of the terms fitted here: ``u², uv, v²``."""
ROUND_PRIOR = 1e-2
"""How strongly a falloff is taken as round (in pixels, as a lens's image circle is) where the
moves cannot tell (a pan along one axis sees no change of light along the other): a penalty on
``(a² c[u²] - c[v²])² + c[uv]²``, ``a`` the frame's height over its width, this share of the
data's mean curvature. Moves along both axes outweigh it."""
CURVATURE_FLOOR = 1e-4
"""Log-gain curvatures smaller than this (a falloff of 0.01 % at the frame's edge) are none."""


def _round_penalty(aspect: float) -> np.ndarray:
    """The ``(3, 3)`` quadratic form of :data:`ROUND_PRIOR`'s penalty for a frame ``aspect``
    (height over width): 0 for a falloff round in pixels."""
    across = np.array([aspect**2, 0.0, -1.0])
    return np.outer(across, across) + np.diag([0.0, 1.0, 0.0])


def _pairs(shots: np.ndarray, positions: np.ndarray, width: int) -> np.ndarray:
    """``(later, earlier)`` frame pairs ``(P, 2)``, ``SPANS`` apart within a shot (``shots``
    ``(N,)``), at most ``MAX_PAIRS``: those whose content moved along the camera path
    (``positions`` ``(N, 2)``, pixels) by half ``MIN_MOVE`` of the frame's ``width`` or more
    first, spread evenly over the clip, then the others (a zoom moves no path), likewise."""
    n = len(shots)
    spans = [s for s in SPANS if s < n]
    if not spans:
        return np.zeros((0, 2), dtype=np.int64)
    later = np.concatenate([np.arange(s, n) for s in spans])
    earlier = later - np.concatenate([np.full(n - s, s) for s in spans])
    keep = shots[later] == shots[earlier]
    later, earlier = later[keep], earlier[keep]
    order = np.argsort(later, kind="stable")
    later, earlier = later[order], earlier[order]
    moved = np.hypot(*(positions[later] - positions[earlier]).T) / width >= MIN_MOVE / 2
    chosen = []
    room = MAX_PAIRS
    for group in (moved, ~moved):
        rows = np.flatnonzero(group)
        if len(rows) > room:
            rows = rows[np.linspace(0, len(rows) - 1, room).round().astype(int)]
        chosen.append(rows)
        room -= len(rows)
    rows = np.sort(np.concatenate(chosen))
    return np.stack((later[rows], earlier[rows]), axis=1)


def _solve(
    design: np.ndarray, target: np.ndarray, group: np.ndarray, keep: np.ndarray, penalty: np.ndarray
) -> np.ndarray | None:
    """Coefficients ``(3,)`` (``u², uv, v²``) of ``target ≈ design @ c + gain[group]``,
    robustly, over the rows of the pairs ``keep`` ``(pairs,)`` bool, with the round prior
    ``penalty`` ``(3, 3)``; None without any."""
    rows = keep[group]
    a, b, g = design[rows], target[rows], group[rows]
    if len(b) == 0:
        return None
    weight = np.ones(len(b))
    coefficients = np.zeros(a.shape[1])
    for _ in range(FIT_ITERATIONS):  # reweighted, with each pair's gain projected out
        total = np.bincount(g, weight, minlength=len(keep))[g]
        a_mean = np.stack([np.bincount(g, weight * col, minlength=len(keep))[g] for col in a.T], axis=1)
        b_mean = np.bincount(g, weight * b, minlength=len(keep))[g]
        ac, bc = a - a_mean / total[:, None], b - b_mean / total
        weighted = ac * weight[:, None]
        normal = weighted.T @ ac
        prior = ROUND_PRIOR * np.trace(normal) / len(normal) * penalty + 1e-9 * np.eye(len(normal))
        coefficients = np.linalg.solve(normal + prior, weighted.T @ bc)
        weight = cauchy_weights(bc - ac @ coefficients, ROBUST_FLOOR)
    return _darkening(coefficients)


def _darkening(coefficients: np.ndarray) -> np.ndarray:
    """The nearest ``(c_u², c_uv, c_v²)`` whose quadratic form darkens in every direction from
    the centre (no positive curvature): a lens lets through less light away from its axis, and
    what looks brighter toward an edge is the picture's (a zoom's resampling, a scene's shading)."""
    form = np.array([[coefficients[0], coefficients[1] / 2], [coefficients[1] / 2, coefficients[2]]])
    values, vectors = np.linalg.eigh(form)
    values = np.where(values < -CURVATURE_FLOOR, values, 0.0)
    form = vectors @ np.diag(values) @ vectors.T
    return np.array([form[0, 0], 2 * form[0, 1], form[1, 1]])


def falloff_from_motion(store: CellStore) -> Vignette:
    """The static falloff the clip's camera moves show, scaled by the trust its jackknife
    gives it (``confidence``, 0 to 1); no falloff where too few pairs moved enough."""
    if store.shape is None or store.frame is None:
        return Vignette()
    h, w = store.shape
    penalty = _round_penalty(store.frame[0] / store.frame[1])
    cells = store.pictures
    positions, to_cells = store.positions, 1.0 / store.cell_pixels
    u, v = normalised_coordinates(h, w)
    basis = np.stack([u ** EXPONENTS[k][0] * v ** EXPONENTS[k][1] for k in TERMS])  # (3, h, w)
    designs, targets, groups, used = [], [], [], []
    for later, earlier in _pairs(store.shots, positions, store.frame[1]).tolist():
        pictures = np.stack((cells[later], cells[earlier])).astype(np.float64)
        usable = (pictures > DARK) & (pictures < BRIGHT)
        logs = np.log(np.clip(pictures, DARK, 1.0))
        aligned = align_cells(logs[0], logs[1], usable, (positions[later] - positions[earlier]) * to_cells)
        if aligned is None:
            continue
        xi, yi, compared, params = aligned
        if np.hypot(params[0], params[1]) / w + abs(params[2]) * 0.5 < MIN_MOVE:
            continue
        at = [yi[compared], xi[compared]]
        moved_basis = np.stack([map_coordinates(b, at, order=1) for b in basis])
        designs.append((moved_basis - basis[:, compared]).T)
        targets.append(map_coordinates(logs[0], at, order=1) - logs[1][compared])
        groups.append(np.full(int(compared.sum()), len(used)))
        used.append((later, earlier))
    if len(used) < MIN_PAIRS:
        return Vignette()
    design, target, group = np.concatenate(designs), np.concatenate(targets), np.concatenate(groups)
    full = _solve(design, target, group, np.ones(len(used), dtype=bool), penalty)
    assert full is not None
    if not full.any():  # no darkening anywhere: nothing to trust
        return Vignette()
    spread = float(np.var(_field(full, basis)))
    # each run of the used pairs' time left out in turn: a pair drops out if either of its
    # frames is in it
    frames = np.asarray(used)  # (pairs, 2)
    edges = np.quantile(frames[:, 0], np.linspace(0.0, 1.0, BLOCKS + 1)[1:-1])
    block = np.searchsorted(edges, frames, side="right")  # (pairs, 2)
    fields = []
    for b in range(BLOCKS):
        fitted = _solve(design, target, group, (block != b).all(axis=1), penalty)
        if fitted is None:  # every pair has a frame in that run: the fit rests on it alone
            return Vignette()
        fields.append(_field(fitted, basis))
    mean = np.mean(fields, axis=0)
    error = (len(fields) - 1) / len(fields) * sum(float(np.var(f - mean)) for f in fields)
    confidence = spread / (spread + error)
    coefficients = np.zeros(len(EXPONENTS))
    coefficients[list(TERMS)] = full * confidence
    return Vignette(tuple(float(c) for c in coefficients), len(store), confidence=confidence)


def _field(coefficients: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """``log V`` on the cell grid ``(h, w)`` of degree-2 ``coefficients`` ``(3,)``."""
    return np.tensordot(coefficients, basis, axes=1)
