"""A test card for the player: clips whose every frame carries its own number and side.

The original is blue and the restored version orange; the top quarter of each frame holds the
frame's index as 8 white/black blocks, twice across, so a screenshot of either half of a screen
tells which frame of which version is on show there (the tests, the benchmarks, a technician
checking that screens are in step).
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
from PIL import Image

from content.library import Library
from content.manifest import Clip, Provenance, SourceInfo
from content.media import EncodeSettings, PairWriter

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
    library: Library,
    clip_id: str,
    frames: int = 24,
    fps: int = 25,
    original: tuple[int, int] = (160, 120),
    restored: tuple[int, int] = (320, 240),
) -> Clip:
    """Commit a clip of ``frames`` coded frames (both versions in step, ``original`` and
    ``restored`` sizes in pixels) into ``library``; returns the clip."""

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
            engine_version="testcard",
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
