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


ORIGINAL_RGB = (30, 70, 200)
RESTORED_RGB = (220, 120, 30)
CODE_BITS = 8


def coded_frame(index: int, side: str, width: int, height: int) -> np.ndarray:
    """An RGB frame that carries its own number and side: the background colour says the side
    (blue original, orange restored); the top quarter holds ``index`` as 8 white/black blocks,
    twice across (bits 0..7 in each half), so either half of the screen can read it."""
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = ORIGINAL_RGB if side == "original" else RESTORED_RGB
    block = width // (2 * CODE_BITS)
    for half in range(2):
        for bit in range(CODE_BITS):
            x = (half * CODE_BITS + bit) * block
            frame[: height // 4, x : x + block] = 255 if (index >> bit) & 1 else 0
    return frame


def add_coded_clip(
    library, clip_id: str, frames: int = 24, fps: int = 25, original=(160, 120), restored=(320, 240)
):
    """Commit a clip of coded frames (both versions in step) into ``library``; returns the clip."""
    from datetime import UTC, datetime

    from PIL import Image

    from content.manifest import Provenance, SourceInfo
    from content.media import EncodeSettings, PairWriter

    with library.stage(clip_id) as staging:
        with PairWriter(
            staging.original,
            staging.restored,
            Fraction(fps),
            original,
            restored,
            EncodeSettings(crf=2, gop=5),
        ) as pair:
            for i in range(frames):
                pair.write(coded_frame(i, "original", *original), coded_frame(i, "restored", *restored))
        Image.fromarray(coded_frame(0, "restored", *restored)).save(staging.poster)
        provenance = Provenance(
            source=SourceInfo(filename=f"{clip_id}.mkv", sha256="0" * 64),
            restoration="engine",
            engine_version="test",
            created=datetime.now(UTC),
        )
        return staging.commit(clip_id.title(), 1924, provenance)


def read_code(image: np.ndarray, x0: int, x1: int, film_top: int, film_height: int) -> int:
    """The frame number coded in the columns ``x0..x1`` of a screen image (one half's 8 blocks)."""
    row = film_top + film_height // 8
    value = 0
    for bit in range(CODE_BITS):
        x = int(x0 + (bit + 0.5) * (x1 - x0) / CODE_BITS)
        if image[row, x].mean() > 128:
            value |= 1 << bit
    return value


def side_at(image: np.ndarray, x: int, y: int) -> str:
    """Which version's background colour a pixel of a screen image shows."""
    r, _, b = (int(c) for c in image[y, x])
    return "original" if b > r + 60 else "restored" if r > b + 60 else "mixed"
