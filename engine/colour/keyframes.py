"""The archivist's keyframes: a folder of PNG or TIFF images, each named by the index of the
scan frame it colours (``0108.png``), at the scan's size or the restored size.

Every rule is checked before the long work starts, and every broken one is reported, each
naming its file: a name that is not a frame index, two files for one frame, an image that does
not decode, a greyscale or partly transparent image, a size that is neither size, an index
past the end of the clip, and a picture that clearly shows another frame (checked during the
first pass over the scan).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from engine.colour.lab import to_lab
from engine.errors import EngineError

log = logging.getLogger("mutoscope.engine")

SUFFIXES = (".png", ".tif", ".tiff")
GREY_CHROMA = 2.0
"""A keyframe whose 99th percentile of CIELAB chroma is below this is greyscale."""
THUMB_WIDTH = 64
"""Width of the thumbnails that compare a keyframe's picture with the scan's frames."""
OTHER_FRAME_MARGIN = 0.3
"""A keyframe is taken for another frame when that frame's thumbnail correlates with it this
much better than its own frame's does (and at least ``OTHER_FRAME_MATCH``)."""
OTHER_FRAME_MATCH = 0.7


class KeyframeError(EngineError):
    """Keyframes that cannot be used; the message names each file and its problem."""


@dataclass(frozen=True)
class Keyframe:
    """Scan frame ``index`` coloured: ``rgb`` ``(H, W, 3)`` ``uint8`` sRGB, read from ``path``."""

    index: int
    path: Path
    rgb: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """Width and height."""
        return self.rgb.shape[1], self.rgb.shape[0]


def _fail(problems: list[str]) -> None:
    if problems:
        raise KeyframeError("keyframes cannot be used:\n  " + "\n  ".join(problems))


def _index(path: Path) -> int | None:
    stem = path.stem
    return int(stem) if stem.isascii() and stem.isdigit() else None


def _decode(path: Path) -> tuple[np.ndarray | None, str | None]:
    """``(rgb, None)`` or ``(None, problem)``."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in {"L", "LA", "I", "I;16", "I;16B", "1", "F"}:
                return None, f"{path}: is greyscale ({image.mode}); colour it before using it as a keyframe"
            if image.has_transparency_data and np.asarray(image.convert("RGBA"))[..., 3].min() < 255:
                return (
                    None,
                    f"{path}: has transparent pixels; flatten the image (merge its layers) and save it again",
                )
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, f"{path}: cannot be read as an image ({exc})"
    chroma = to_lab(rgb[:: max(rgb.shape[0] // 256, 1), :: max(rgb.shape[1] // 256, 1)])[0, 1:].norm(dim=0)
    if float(chroma.flatten().quantile(0.99)) < GREY_CHROMA:
        return (
            None,
            f"{path}: has no colour (it is greyscale in RGB); colour it before using it as a keyframe",
        )
    return rgb, None


def read_keyframes(folder: Path) -> list[Keyframe]:
    """Every keyframe in ``folder``, by index; files that are not images are skipped with a
    warning. Raises :class:`KeyframeError` listing every problem."""
    folder = Path(folder)
    if not folder.exists():
        raise KeyframeError(f"{folder}: the keyframe folder does not exist")
    if not folder.is_dir():
        raise KeyframeError(
            f"{folder}: is not a folder; keyframes are read from a folder of PNG or TIFF images"
        )
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise KeyframeError(f"{folder}: the keyframe folder cannot be read ({exc.strerror or exc})") from exc
    problems: list[str] = []
    by_index: dict[int, Path] = {}
    keyframes: list[Keyframe] = []
    for path in entries:
        if path.suffix.lower() not in SUFFIXES:
            log.warning("%s: not a PNG or TIFF image; skipped", path)
            continue
        index = _index(path)
        if index is None:
            problems.append(
                f"{path}: the name is not a frame index; name it by the frame it colours, e.g. 0108.png"
            )
            continue
        if index in by_index:
            problems.append(f"{path}: frame {index} already has a keyframe, {by_index[index].name}; keep one")
            continue
        by_index[index] = path
        rgb, problem = _decode(path)
        if problem:
            problems.append(problem)
        else:
            assert rgb is not None
            keyframes.append(Keyframe(index, path, rgb))
    if not problems and not keyframes:
        problems.append(
            f"{folder}: holds no keyframes (PNG or TIFF images named by frame index, e.g. 0108.png)"
        )
    _fail(problems)
    return sorted(keyframes, key=lambda k: k.index)


def check_sizes(
    keyframes: list[Keyframe], scan_size: tuple[int, int], restored_size: tuple[int, int]
) -> None:
    """Each keyframe is at the scan's size or the restored size."""
    sizes = {scan_size, restored_size}
    _fail(
        [
            f"{k.path}: is {k.size[0]}x{k.size[1]}; a keyframe is at the scan's size "
            f"{scan_size[0]}x{scan_size[1]} or the restored size {restored_size[0]}x{restored_size[1]}"
            for k in keyframes
            if k.size not in sizes
        ]
    )


def thumbnail(luma: np.ndarray) -> np.ndarray:
    """A ``THUMB_WIDTH`` wide, zero-mean, unit-norm thumbnail of ``(H, W)`` luma."""
    h, w = luma.shape
    size = (THUMB_WIDTH, max(round(THUMB_WIDTH * h / w), 1))
    small = np.asarray(Image.fromarray(luma).resize(size, Image.Resampling.BOX), dtype=np.float64)
    small = small - small.mean()
    return small / max(float(np.linalg.norm(small)), 1e-9)


class FrameMatch:
    """Checks, during a pass over the scan, that each keyframe shows the frame it is named for:
    :meth:`see` every scan frame, then :meth:`check`."""

    def __init__(self, keyframes: list[Keyframe]) -> None:
        self.keyframes = keyframes
        self._thumbs = [
            thumbnail(np.round(k.rgb.astype(np.float64) @ [0.299, 0.587, 0.114]).astype(np.uint8))
            for k in keyframes
        ]
        self._own = [float("nan")] * len(keyframes)
        self._best = [(-2.0, -1)] * len(keyframes)

    def see(self, index: int, luma: np.ndarray) -> None:
        """Compare scan frame ``index`` (``(H, W)`` ``uint8``) with every keyframe (nothing to
        do, and no thumbnail made, when there are none)."""
        if not self._thumbs:
            return
        thumb = thumbnail(luma)
        for i, key in enumerate(self._thumbs):
            if key.shape != thumb.shape:
                continue
            score = float((key * thumb).sum())
            if self.keyframes[i].index == index:
                self._own[i] = score
            elif score > self._best[i][0]:
                self._best[i] = (score, index)

    def check(self, frame_count: int, start: int = 0) -> None:
        """Raise :class:`KeyframeError` for keyframes past the end of the scan (``start +
        frame_count`` frames seen) and for keyframes that clearly show another frame."""
        problems = []
        for i, k in enumerate(self.keyframes):
            if k.index >= start + frame_count:
                problems.append(
                    f"{k.path}: frame {k.index} is past the end of the clip (frames {start} to {start + frame_count - 1})"
                )
                continue
            own, (best, where) = self._own[i], self._best[i]
            if own == own and best >= OTHER_FRAME_MATCH and best - own >= OTHER_FRAME_MARGIN:
                problems.append(
                    f"{k.path}: its picture is not frame {k.index} (likeness {own:.2f}) but looks like frame {where} "
                    f"(likeness {best:.2f}); rename it {where:04d}{k.path.suffix} if that is the frame it colours"
                )
        _fail(problems)
