"""Which frames the archivist should colour, and those frames restored and greyscale to colour.

A suggestion starts every shot with its first frame, then adds, one at a time, the frame that
differs most from every frame chosen so far in its shot: one minus the correlation of small
thumbnails, which falls as a pan, a zoom or a moving crowd brings in what no chosen frame shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from engine.colour.keyframes import thumbnail
from engine.job import Job
from engine.window_plan import CORE

SECONDS_PER_KEYFRAME = 6.0
"""The default count: one keyframe per shot, and one more for this many seconds of film."""


@dataclass(frozen=True)
class Suggestion:
    """Colour frame ``index`` (of the scan) because of ``reason``."""

    index: int
    reason: str


class ChangeMeter:
    """Watches the first pass over a scan (:meth:`see` each frame) and keeps a small thumbnail of
    each frame (``THUMB_WIDTH`` pixels wide, half precision: about 6 KB a frame)."""

    def __init__(self) -> None:
        self.thumbnails: list[np.ndarray] = []

    def see(self, index: int, luma: np.ndarray) -> None:
        """Take scan frame ``index`` (``(H, W)`` ``uint8``), in order."""
        self.thumbnails.append(thumbnail(luma).astype(np.float16))


def default_count(job: Job) -> int:
    """One keyframe per shot and one per ``SECONDS_PER_KEYFRAME`` seconds."""
    seconds = job.frame_count / float(job.scan.fps)
    return int(job.motion.shot.max()) + 1 + math.ceil(seconds / SECONDS_PER_KEYFRAME)


def suggest(job: Job, thumbnails: list[np.ndarray], count: int | None = None) -> list[Suggestion]:
    """Up to ``count`` (default :func:`default_count`) frames to colour, in frame order, for a
    clip opened as ``job`` whose first pass :class:`ChangeMeter` watched (``thumbnails``, one
    per frame); every shot gets one even if that is more than ``count``."""
    shot = job.motion.shot
    thumbs = np.stack(thumbnails[: len(shot)]).astype(np.float32).reshape(len(shot), -1)
    starts = np.flatnonzero(np.r_[True, np.diff(shot) != 0])
    chosen = {int(i): f"first frame of shot {int(shot[i]) + 1}" for i in starts}
    distance = np.full(len(shot), np.inf)
    nearest = np.zeros(len(shot), dtype=np.int64)

    def take(pick: int) -> None:
        rows = shot == shot[pick]
        unlike = 1.0 - thumbs @ thumbs[pick]
        closer = rows & (unlike < distance)
        distance[closer], nearest[closer] = unlike[closer], pick

    for i in chosen:
        take(i)
    target = count if count is not None else default_count(job)
    while len(chosen) < min(target, len(shot)) and distance.max() > 0:
        pick = int(np.argmax(distance))
        chosen[pick] = (
            f"least like the frames chosen (closest: frame {job.start + nearest[pick]}, likeness {1 - distance[pick]:.2f})"
        )
        take(pick)
    return [Suggestion(job.start + i, chosen[i]) for i in sorted(chosen)]


def export_keyframes(
    job: Job, indices: list[int], folder: Path, replace: bool = False
) -> tuple[list[Path], list[Path]]:
    """Write scan frames ``indices`` restored, greyscale, at the restored size, as
    ``folder/<index>.png`` (zero-padded to 4 digits), each written whole or not at all. A file
    already there (perhaps coloured already) is kept unless ``replace``. Returns the files
    written and the files kept. Raises ``ValueError`` for an index outside the clip."""
    outside = [i for i in indices if not job.start <= i < job.start + job.frame_count]
    if outside:
        last = job.start + job.frame_count - 1
        raise ValueError(
            f"frames {', '.join(map(str, outside))} are outside the clip (frames {job.start} to {last})"
        )
    folder.mkdir(parents=True, exist_ok=True)
    targets = {i: folder / f"{i:04d}.png" for i in sorted(set(indices))}
    kept = [p for p in targets.values() if p.exists() and not replace]
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
