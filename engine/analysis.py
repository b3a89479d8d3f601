"""The first pass over a scan: global motion frame to frame, shot cuts, and the camera path.

It keeps a few numbers per frame (never frames), so its memory does not grow with the reel.
Gate weave is what the measured path does beyond the intended camera move; the intended move
is the path smoothed by a cubic Savitzky-Golay fit within each shot, which keeps pans, tilts
and eased starts and stops, and the stabilise stage moves every frame onto it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import savgol_filter

from engine.cell_store import CellStore
from engine.exposure import exposure_gains
from engine.motion import blur, phase_peaks, refine_shift, refine_view, sampled, translate
from engine.noise import MAD_TO_SIGMA
from engine.vignette import SCENE_SHARE, STILL_SCENE_SHARE, Vignette, VignetteFit, cell_picture
from engine.vignette_motion import MIN_MOVE, falloff_from_motion

CUT_CORRELATION = 0.5
"""Below this correlation of two aligned, downsized frames, a new shot has begun."""
PEAKS = 3
"""Phase correlation peaks tried as each frame's shift from the previous one."""
MISMATCH_SCALE = 3.0
"""A pixel's difference this many robust standard deviations (of the best candidate's) counts
half in the mismatch that chooses between candidate shifts."""
MISMATCH_FLOOR = 0.01
"""The least mismatch scale (of full scale): a few 8-bit levels."""
MISMATCH_TIE = 0.1
"""Candidates whose mismatch is within this share of the least are told apart by their squared
difference."""
FINAL_ITERATIONS = 5
"""Gauss-Newton steps that refine the winning candidate (the candidates get two each)."""
WEAVE_HALF_WINDOW = 12
"""Half the Savitzky-Golay window (frames) that separates weave from the camera move, at
strength 1."""


@dataclass(frozen=True)
class ClipMotion:
    """Per frame of a clip (``N`` frames): ``steps`` ``(N, 2)`` the content's shift from the
    previous frame in pixels ``(dx, dy)`` (0 at a cut), ``shot`` ``(N,)`` the shot each frame
    belongs to, ``path`` ``(N, 2)`` the smoothed camera path, ``correction`` ``(N, 2)`` the
    shift that puts each frame on it, the film's static ``vignette`` and ``exposure`` ``(N,)``:
    each frame's gain against its shot's level (:mod:`engine.exposure`)."""

    steps: np.ndarray
    shot: np.ndarray
    path: np.ndarray
    correction: np.ndarray
    vignette: Vignette = field(default_factory=Vignette)
    exposure: np.ndarray | None = None

    def exposure_of(self, frames: np.ndarray) -> np.ndarray:
        """The gain ``(len(frames),)`` of clip frames ``frames``; 1 where unmeasured."""
        if self.exposure is None:
            return np.ones(len(frames))
        return self.exposure[frames]

    @property
    def cuts(self) -> list[int]:
        """First frame of every shot after the first."""
        return [int(i) for i in np.flatnonzero(np.diff(self.shot)) + 1]


def _small(frame: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(blur(frame, 1.0), 4)


def _correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm() + 1e-9))


def _best_shift(
    previous: torch.Tensor,
    current: torch.Tensor,
    last: torch.Tensor,
    viewed: torch.Tensor,
    viewed_current: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The shift ``(1, 2)`` from ``previous`` to ``current`` (``(1, 1, H, W)``; ``viewed`` and
    ``viewed_current`` the two as :func:`engine.motion.refine_view` prepares them) and ``current``
    moved back by it. Each of :data:`PEAKS` phase correlation peaks, the step before and no
    shift at all (those a pixel apart or more) is refined, and the one that leaves the fewest
    pixels mismatched wins, refined further: a repeating pattern, or a large figure moving
    across a still shot, can give the highest peak or align the most contrast, while most of
    the frame is aligned only by the camera's move."""
    starts: list[torch.Tensor] = []
    for start in (*phase_peaks(previous, current, PEAKS), last[0], torch.zeros_like(last[0])):
        if all(float((start - s).abs().max()) >= 1.0 for s in starts):
            starts.append(start)
    refined = refine_shift(
        viewed, viewed_current, torch.stack(starts), iterations=2, viewed=True
    )  # all at once
    moved = translate(current.expand(len(starts), -1, -1, -1), -refined, mode="bilinear")
    shifts = list(refined[:, None])
    squares = list((moved - previous)[:, None, :, 8:-8, 8:-8].square())
    # a bounded loss: each pixel counts at most once, so the move shared by most of the frame
    # wins, not the one that aligns the most contrast (a bright figure on a dark still ground)
    # the median absolute difference
    typical = min(float(sampled(q.flatten(1)).median()) for q in squares) ** 0.5
    scale = max(MISMATCH_SCALE * MAD_TO_SIGMA * typical, MISMATCH_FLOOR) ** 2
    losses = [float((q / (q + scale)).mean()) for q in squares]
    # near-ties (a clean, sharp picture mismatches at its edges under any sub-pixel error) go
    # to the least squared difference
    close = [i for i, loss in enumerate(losses) if loss <= (1.0 + MISMATCH_TIE) * min(losses)]
    chosen = min(close, key=lambda i: float(squares[i].mean()))
    shift = refine_shift(viewed, viewed_current, shifts[chosen], iterations=FINAL_ITERATIONS, viewed=True)
    return shift, translate(current, -shift, mode="bilinear")


def _camera_moved(store: CellStore) -> bool:
    """Whether the camera path of any shot spans ``MIN_MOVE`` of the frame's width or more."""
    if store.frame is None:
        return False
    positions, shots = store.positions, store.shots
    return any(
        float(np.hypot(*np.ptp(positions[shots == s], axis=0))) >= MIN_MOVE * store.frame[1]
        for s in np.unique(shots)
    )


def measure_steps(
    frames: Iterable[np.ndarray], on_frame: Callable[[int], None] | None = None
) -> tuple[np.ndarray, np.ndarray, Vignette, np.ndarray]:
    """Global shift ``(N, 2)`` of each frame from the previous one, the shot index ``(N,)``, the
    vignette and every frame's exposure gain ``(N,)``, from ``uint8`` luma frames ``(H, W)``."""
    steps: list[tuple[float, float]] = []
    shots: list[int] = []
    previous: torch.Tensor | None = None
    viewed = torch.zeros(0)  # the previous frame as refine_shift matches it: each frame is prepared once
    vignette = VignetteFit()
    store = CellStore()
    position = np.zeros(2)
    for index, frame in enumerate(frames):
        current = torch.from_numpy(frame).float().div(255.0)[None, None]
        viewed_current = refine_view(current)
        if previous is None:
            steps.append((0.0, 0.0))
            shots.append(0)
        else:
            last = torch.tensor([steps[-1]], dtype=current.dtype)
            shift, aligned = _best_shift(previous, current, last, viewed, viewed_current)
            same_shot = _correlation(_small(previous), _small(aligned)) >= CUT_CORRELATION
            steps.append(tuple(shift[0].tolist()) if same_shot else (0.0, 0.0))
            shots.append(shots[-1] + (0 if same_shot else 1))
        position = position + np.asarray(steps[-1])
        cells = cell_picture(current)
        vignette.add(cells)
        store.add(cells, frame.shape, position, shots[-1])
        previous, viewed = current, viewed_current
        if on_frame:
            on_frame(index + 1)
    # the falloff the picture's gradients show, or the one the camera's moves show, whichever
    # the footage trusts more (the moves cannot beat a fully trusted gradient fit: ties keep it);
    # where the camera never moved, the picture's own light stays put and the gradients need
    # more to be trusted
    falloff = vignette.result(SCENE_SHARE if _camera_moved(store) else STILL_SCENE_SHARE)
    if falloff.confidence < 1.0:
        falloff = max((falloff, falloff_from_motion(store)), key=lambda fit: fit.confidence)
    return (
        np.asarray(steps, dtype=np.float64).reshape(-1, 2),
        np.asarray(shots, dtype=np.int64),
        falloff,
        exposure_gains(store, falloff),
    )


def camera_path(
    steps: np.ndarray,
    shot: np.ndarray,
    strength: float = 1.0,
    vignette: Vignette | None = None,
    exposure: np.ndarray | None = None,
) -> ClipMotion:
    """Split the measured path into the intended camera move and the weave. ``strength`` 0
    leaves every frame where it is; larger values smooth over longer windows."""
    raw = np.zeros_like(steps)
    path = np.zeros_like(steps)
    for s in np.unique(shot):
        rows = np.flatnonzero(shot == s)
        cumulative = np.cumsum(steps[rows], axis=0)
        cumulative -= cumulative[0]
        raw[rows] = cumulative
        half = min(round(WEAVE_HALF_WINDOW * strength), (len(rows) - 1) // 2)
        if half < 3:
            path[rows] = cumulative
            continue
        path[rows] = savgol_filter(cumulative, 2 * half + 1, polyorder=3, axis=0, mode="interp")
    return ClipMotion(
        steps=steps, shot=shot, path=path, correction=path - raw,
        vignette=vignette or Vignette(), exposure=exposure,
    )  # fmt: skip
