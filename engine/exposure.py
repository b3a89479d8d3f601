"""The film's exposure, frame by frame, brought back to the film's own level.

Exposure that drifts over seconds looks, a few frames apart, like the scene's light: the
flicker stage, which compares a frame with its near neighbours, cannot see it. So the first
pass keeps a small picture of every frame (:class:`engine.cell_store.CellStore`, on disk: memory
does not grow with the reel), and :func:`exposure_gains` compares each frame with frames ``SPANS`` before
it in its shot, matched along the camera path and refined for a zoom
(:func:`engine.cell_align.align_cells`), after the static falloff is divided out. Each
comparison fits ``later ≈ A * earlier`` robustly (what moved in between drops out). The gain
of every frame, ``frame = a * true``, then follows by least squares over all
comparisons within each shot. A cut changes the scene, not the film: the drift runs on across
it, so each shot's gains start where the last shot's ended (the jump in brightness at the cut
is the scene's, and stays as scanned). The film's level is the one it keeps on average over
``LEVEL_SIGMA`` frames, and drift is what wanders from it. (Offsets, which a frame's
brightness alone cannot tell from gain, are the flicker stage's.)
"""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F
from scipy.ndimage import gaussian_filter1d, map_coordinates
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import lsqr

from engine.cell_align import align_cells
from engine.cell_store import CellStore
from engine.vignette import Vignette, cauchy_weights

SPANS = (1, 2, 4, 8, 16, 32)
"""Frames back each frame is compared with."""
DARK, BRIGHT = 0.03, 0.97
AGREE = 0.04
"""Cells whose log ratio lies this close to the comparison's agree with it."""
MIN_AGREEING = 0.5
"""A comparison most of whose cells disagree (a misaligned or changed picture) is dropped."""
MIN_CELLS = 30
"""A comparison over fewer usable cells is dropped."""
GAIN_LIMITS = (0.5, 2.0)
DRIFT_SIGMA = 6.0
"""Frames over which the measured gain is smoothed: drift is slower than this."""
LEVEL_SIGMA = 240.0
"""Frames (ten seconds at 24 fps) over which the film keeps its true level: slower change (a
reel that grows lighter over minutes) is left as it is, and the small errors of carrying the
drift across many cuts do not add up."""


def _pair(later: np.ndarray, earlier: np.ndarray) -> float | None:
    """Robust ``log A`` with ``later ≈ A * earlier`` over cells usable in both: the middle of
    the densest cluster of log ratios, then reweighted (whatever moved or changed between the
    two drops out)."""
    ok = np.isfinite(later) & np.isfinite(earlier) & (earlier > DARK) & (earlier < BRIGHT)
    ok &= (later > DARK) & (later < BRIGHT)
    if ok.sum() < MIN_CELLS:
        return None
    ratio = np.sort(np.log(later[ok]) - np.log(earlier[ok]))
    # the densest window of width 2 * AGREE: where the still part of the picture agrees (what
    # moved spreads its ratios out, however much of the frame it covers)
    ends = np.searchsorted(ratio, ratio + 2 * AGREE, side="right")
    first = int(np.argmax(ends - np.arange(len(ratio))))
    estimate = float(np.median(ratio[first : ends[first]]))
    for _ in range(3):
        weight = cauchy_weights(ratio - estimate, 5e-3)
        estimate = float((weight * ratio).sum() / weight.sum())
    if np.mean(np.abs(ratio - estimate) < AGREE) < MIN_AGREEING:
        return None  # the two pictures do not show the same thing: no comparison
    return estimate


def exposure_gains(store: CellStore, vignette: Vignette) -> np.ndarray:
    """Per frame ``(N,)``: the gain ``a`` with ``frame / V = a * true`` (``V`` the static
    ``vignette``); a shot where nothing could be compared keeps the gain the last one ended
    on."""
    count = len(store)
    gains = np.ones(count)
    if store.shape is None or store.frame is None or count < 2:
        return gains
    h, w = store.shape
    falloff = F.interpolate(vignette.gain(*store.frame), size=(h, w), mode="area")[0, 0].numpy()
    shots, cells, positions, cell_px = store.shots, store.pictures, store.positions, store.cell_pixels
    log_gain = np.zeros(count)
    for s in np.unique(shots):  # shots are numbered in order
        frames = np.flatnonzero(shots == s)
        drift = (
            _solve_shot(frames, cells, positions, cell_px, falloff)
            if len(frames) >= 2
            else np.zeros(len(frames))
        )
        if frames[0] > 0:  # carried on across the cut
            drift = drift - drift[0] + log_gain[frames[0] - 1]
        log_gain[frames] = drift
    log_gain -= gaussian_filter1d(log_gain, LEVEL_SIGMA, mode="reflect")
    return np.clip(np.exp(log_gain), *GAIN_LIMITS)


def _solve_shot(
    frames: np.ndarray, cells: np.ndarray, positions: np.ndarray, cell_px: np.ndarray, falloff: np.ndarray
) -> np.ndarray:
    """The log gain ``(n,)`` of the shot's ``frames`` (indices into the cell pictures ``cells``
    ``(N, h, w)``, with their path ``positions`` ``(N, 2)`` in pixels and a cell's size
    ``cell_px`` in pixels ``(x, y)``), smoothed, mean 0."""
    rows: list[tuple[int, int, float]] = []  # (later, earlier, log A), as shot indices
    # each frame's picture less the falloff, its log and its usable cells, prepared once and
    # kept only while a later frame of the shot still compares with it
    prepared: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for k, i in enumerate(frames):
        picture = cells[i] / falloff
        prepared[k] = (picture, np.log(np.clip(picture, DARK, 1.0)), (picture > DARK) & (picture < BRIGHT))
        prepared.pop(k - max(SPANS) - 1, None)
        later, later_log, later_usable = prepared[k]
        for span in SPANS:
            if k - span < 0:
                break
            earlier, earlier_log, earlier_usable = prepared[k - span]
            moved = (positions[i] - positions[frames[k - span]]) / cell_px  # cells (x, y)
            usable = np.stack((later_usable, earlier_usable))
            aligned = align_cells(later_log, earlier_log, usable, moved)
            if aligned is None:
                continue
            xs, ys, compared, _ = aligned
            # later's cells where earlier's content lies in it: the pair on earlier's grid
            placed = np.where(compared, map_coordinates(later, [ys, xs], order=1), np.nan)
            fitted = _pair(placed, np.where(compared, earlier, np.nan))
            if fitted is not None:
                rows.append((k, k - span, fitted))
    n = len(frames)
    if not rows:
        return np.zeros(n)
    later_i, earlier_i, log_ratio = (np.asarray(c) for c in zip(*rows, strict=True))
    # log a_later - log a_earlier = log A, and the mean log a is 0
    weight = np.ones(len(log_ratio))
    for _ in range(4):  # reweighted: comparisons the others disagree with drop out
        log_a = _least_squares(later_i, earlier_i, log_ratio, n, weight)
        weight = cauchy_weights(log_ratio - (log_a[later_i] - log_a[earlier_i]), 2e-3)
    # the slow part only: frame-to-frame flicker is the flicker stage's, which sees it better
    log_a = gaussian_filter1d(log_a, DRIFT_SIGMA, mode="nearest")
    return log_a - log_a.mean()


def _least_squares(
    later: np.ndarray, earlier: np.ndarray, value: np.ndarray, n: int, weight: np.ndarray
) -> np.ndarray:
    """``x`` ``(n,)`` with ``x[later] - x[earlier] ≈ value`` (each equation weighted by
    ``weight``) and ``mean(x) = 0``."""
    m = len(value)
    rows = np.concatenate((np.arange(m), np.arange(m), np.full(n, m)))
    cols = np.concatenate((later, earlier, np.arange(n)))
    data = np.concatenate((weight, -weight, np.full(n, 1.0 / n)))
    matrix = coo_matrix((data, (rows, cols)), shape=(m + 1, n)).tocsr()
    return lsqr(matrix, np.append(value * weight, 0.0), atol=1e-10, btol=1e-10)[0]
