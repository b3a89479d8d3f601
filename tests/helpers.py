"""Small real video files made with PyAV, for tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from content.media import LOSSLESS, VideoWriter


def numbered_frame(index: int, width: int = 32, height: int = 24) -> np.ndarray:
    """A grey ``(H, W)`` frame whose level encodes ``index`` (10 levels apart, robust to coding)."""
    return np.full((height, width), (16 + 10 * index) % 240, dtype=np.uint8)


def write_scan(path: Path, frames: int = 12, size: tuple[int, int] = (32, 24), fps: int = 18) -> Path:
    """A lossless greyscale scan of ``frames`` numbered frames."""
    with VideoWriter(path, Fraction(fps), *size, LOSSLESS) as writer:
        for i in range(frames):
            writer.write(numbered_frame(i, *size))
    return path
