"""Which frames the archivist should colour, and those frames restored and greyscale to colour.

A suggestion starts every shot with its first frame, then adds, one at a time, the frame that
has changed most from every frame chosen so far in its shot. Change between two frames of a
shot is the sum, over the frames between, of the share of the picture that moved in (the
camera's step over the frame's size) and of how much the picture itself changed (one minus the
correlation of small thumbnails of consecutive frames).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from engine.colour.keyframes import thumbnail
from engine.pipeline import CORE
from engine.restore import Job

SECONDS_PER_KEYFRAME = 6.0
"""The default count: one keyframe per shot, and one more for this many seconds of film."""


@dataclass(frozen=True)
class Suggestion:
    """Colour frame ``index`` (of the scan) because of ``reason``."""

    index: int
    reason: str


class ChangeMeter:
    """Watches the first pass over a scan (:meth:`see` each frame) for how much each frame's
    picture differs from the one before."""

    def __init__(self) -> None:
        self.change: list[float] = []
        self._previous: np.ndarray | None = None

    def see(self, index: int, luma: np.ndarray) -> None:
        """Take scan frame ``index`` (``(H, W)`` ``uint8``), in order."""
        thumb = thumbnail(luma)
        previous, self._previous = self._previous, thumb
        same = previous is not None and previous.shape == thumb.shape
        self.change.append(1.0 - float((previous * thumb).sum()) if same else 0.0)


def default_count(job: Job) -> int:
    """One keyframe per shot and one per ``SECONDS_PER_KEYFRAME`` seconds."""
    seconds = job.frame_count / float(job.scan.fps)
    return int(job.motion.shot.max()) + 1 + math.ceil(seconds / SECONDS_PER_KEYFRAME)


def suggest(job: Job, change: list[float], count: int | None = None) -> list[Suggestion]:
    """Up to ``count`` (default :func:`default_count`) frames to colour, in frame order, for a
    clip opened as ``job`` whose first pass ``change`` (:class:`ChangeMeter`) watched; every
    shot gets one even if that is more than ``count``."""
    shot = job.motion.shot
    width, height = job.scan.width, job.scan.height
    moved = np.abs(job.motion.steps) / np.array([width, height])
    step = moved.sum(axis=1) + np.clip(np.asarray(change[: len(shot)], dtype=np.float64), 0.0, 2.0)
    step[np.r_[True, np.diff(shot) != 0]] = 0.0
    travelled = np.zeros(len(shot))
    for s in np.unique(shot):
        rows = np.flatnonzero(shot == s)
        travelled[rows] = np.cumsum(step[rows])
    starts = np.flatnonzero(np.r_[True, np.diff(shot) != 0])
    chosen = {int(i): f"first frame of shot {int(shot[i]) + 1}" for i in starts}
    distance = np.full(len(shot), np.inf)
    for i in chosen:
        rows = shot == shot[i]
        distance[rows] = np.minimum(distance[rows], np.abs(travelled[rows] - travelled[i]))
    target = count if count is not None else default_count(job)
    while len(chosen) < min(target, len(shot)) and distance.max() > 0:
        pick = int(np.argmax(distance))
        near = min(
            (c for c in chosen if shot[c] == shot[pick]), key=lambda c: abs(travelled[c] - travelled[pick])
        )
        chosen[pick] = f"changed most in its shot (from frame {job.start + near})"
        rows = shot == shot[pick]
        distance[rows] = np.minimum(distance[rows], np.abs(travelled[rows] - travelled[pick]))
    return [Suggestion(job.start + i, chosen[i]) for i in sorted(chosen)]


def export_keyframes(
    job: Job, indices: list[int], folder: Path, overwrite: bool = False
) -> tuple[list[Path], list[Path]]:
    """Write scan frames ``indices`` restored, greyscale, at the restored size, as
    ``folder/<index>.png`` (zero-padded to 4 digits), each written whole or not at all. A file
    already there (perhaps coloured already) is kept unless ``overwrite``. Returns the files
    written and the files kept. Raises ``ValueError`` for an index outside the clip."""
    outside = [i for i in indices if not job.start <= i < job.start + job.frame_count]
    if outside:
        last = job.start + job.frame_count - 1
        raise ValueError(
            f"frames {', '.join(map(str, outside))} are outside the clip (frames {job.start} to {last})"
        )
    folder.mkdir(parents=True, exist_ok=True)
    targets = {i: folder / f"{i:04d}.png" for i in sorted(set(indices))}
    kept = [p for p in targets.values() if p.exists() and not overwrite]
    wanted = sorted(i - job.start for i, p in targets.items() if p not in kept)
    written: list[Path] = []
    for window in sorted({i // CORE for i in wanted}):
        frames = job.frames(window * CORE)
        for j in range(min(CORE, job.frame_count - window * CORE)):
            _, restored = next(frames)
            index = window * CORE + j
            if index in wanted:
                path = targets[job.start + index]
                partial = path.with_name(f".{path.stem}.partial.png")
                Image.fromarray(
                    restored if restored.ndim == 2 else restored.mean(axis=2).astype(np.uint8)
                ).save(partial)
                partial.replace(path)
                written.append(path)
    return written, kept
