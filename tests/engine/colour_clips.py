"""A made-up clip whose true colour is known: a red disc crossing a grey photograph, a cut, then
a second grey shot; aged by the project's degradation model and written as a real scan."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

from content.demo.degrade import FilmDegrader
from content.media import LOSSLESS, VideoWriter
from tests.engine.clips import FPS, NONE

SIZE = (256, 192)
"""Clean (and restored) frame size; the scan is half of it."""
FIRST_SHOT = 24
SECOND_SHOT = 12
RADIUS = 26
DISC_RGB = (205, 70, 45)
"""The disc's true colour (sRGB)."""
DISC_STEP = 3.0
"""Pixels the disc moves right per frame; the photograph behind it pans 1 px left per frame."""


@dataclass(frozen=True)
class ColourClip:
    """The scan, the clean colour frames ``(T, H, W, 3)`` ``uint8`` and the disc's mask
    ``(T, H, W)`` bool; frames ``FIRST_SHOT`` onward are the second shot."""

    scan: Path
    truth: np.ndarray
    disc: np.ndarray

    def centre(self, frame: int) -> tuple[float, float]:
        """Where the disc's centre is in ``frame`` (x, y), in clean pixels."""
        return 60.0 + DISC_STEP * frame, 96.0


def _grey(photo: np.ndarray, offset: int) -> np.ndarray:
    w, h = SIZE
    return np.repeat(photo[40 : 40 + h, 60 + offset : 60 + offset + w, None], 3, axis=2)


def make_colour_clip(folder: Path, seed: int = 11) -> ColourClip:
    """Write ``folder/colour.mkv`` and return it with its truth."""
    camera = data.camera()
    moon = np.asarray(Image.fromarray(data.moon()).resize((512, 512)))
    ys, xs = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    frames, discs = [], []
    clip = ColourClip(folder / "colour.mkv", np.zeros(0), np.zeros(0))
    for i in range(FIRST_SHOT + SECOND_SHOT):
        if i < FIRST_SHOT:
            frame = _grey(camera, 40 - i).copy()
            cx, cy = clip.centre(i)
            disc = (xs - cx) ** 2 + (ys - cy) ** 2 <= RADIUS**2
            frame[disc] = DISC_RGB
        else:
            frame = _grey(moon, i)
            disc = np.zeros(SIZE[::-1], bool)
        frames.append(frame)
        discs.append(disc)
    degrader = FilmDegrader(replace(NONE, grain=0.02, weave_px=0.8, flicker=0.03), seed)
    with VideoWriter(clip.scan, FPS, SIZE[0] // 2, SIZE[1] // 2, LOSSLESS) as writer:
        for frame in frames:
            writer.write(degrader.apply(frame.astype(np.float64) / 255.0).scan)
    return ColourClip(clip.scan, np.stack(frames), np.stack(discs))
