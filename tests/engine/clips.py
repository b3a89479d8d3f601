"""Test clips with one defect each, made by the project's degradation model over a camera move,
written as real lossless PyAV files, with their truth at the scan's size."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from config.presets import Preset, Stage
from content.demo.degrade import DegradationParams, FilmDegrader, luma
from content.demo.source import CameraPose, Shot, render_shot
from content.media import LOSSLESS, VideoWriter
from engine.job import open_job

SIZE = (256, 192)
"""Clean frame size; scans are half of it."""
FRAMES = 40
FPS = Fraction(18)
NONE = DegradationParams(
    weave_px=0.0, softness_px=0.0, flicker=0.0, flicker_offset=0.0, vignette=0.0, vignette_breathing=0.0,
    blotches_per_frame=0.0, scratches=0, scratch_strength=0.0, grain=0.0,
)  # fmt: skip
"""Only the greyscale conversion and the downscale: a clean scan."""
DEFECTS = {
    "clean": NONE,
    "weave": replace(NONE, weave_px=3.0),
    "flicker": replace(NONE, flicker=0.08, flicker_offset=0.03, vignette=0.45, vignette_breathing=0.3),
    "dust": replace(NONE, blotches_per_frame=8.0),
    "scratches": replace(NONE, scratches=2, scratch_strength=0.2),
    "grain": replace(NONE, grain=0.04),
    "coarse_grain": replace(NONE, grain=0.04, grain_size_px=1.5, grain_mix=0.4, grain_coarse_px=3.0),
    "softness": replace(NONE, softness_px=1.2),
    "everything": DegradationParams(),
}
SHOT = Shot("astronaut", FRAMES, CameraPose(0.42, 0.40, 0.55), CameraPose(0.52, 0.45, 0.50))


@dataclass(frozen=True)
class DefectClip:
    """A scan file with one defect, its truth at scan size ``(T, h, w)`` and at clean size
    ``(T, H, W)`` (float luma in [0, 1]) and the damage masks ``(T, h, w)``."""

    scan: Path
    truth: np.ndarray
    truth_full: np.ndarray
    damage: np.ndarray


def make_clip(folder: Path, defect: str, seed: int = 7, shot: Shot = SHOT) -> DefectClip:
    """Write ``folder/<defect>.mkv`` (lossless grey) of ``shot`` and return it with its truth."""
    params = DEFECTS[defect]
    degrader = FilmDegrader(params, seed)
    clean = render_shot(shot, SIZE)
    path = folder / f"{defect}.mkv"
    w, h = SIZE[0] // 2, SIZE[1] // 2
    truths, fulls, damage = [], [], []
    with VideoWriter(path, FPS, w, h, LOSSLESS) as writer:
        for frame in clean:
            aged = degrader.apply(frame)
            writer.write(aged.scan)
            full = luma(frame)
            fulls.append(full)
            truths.append(full.reshape(h, 2, w, 2).mean(axis=(1, 3)))
            damage.append(aged.damage)
    return DefectClip(path, np.stack(truths), np.stack(fulls), np.stack(damage))


def only(stage: str | None, scale: int = 1, strength: float = 1.0) -> Preset:
    """A preset with just ``stage`` on (``None``: every stage off), at ``scale``."""
    stages = ("weave", "flicker", "dust", "scratches", "grain")
    settings = {s: Stage(enabled=(s == stage), strength=strength) for s in stages}
    return Preset(scale=scale, **settings)  # type: ignore[arg-type]


def restore(scan: Path, preset: Preset) -> np.ndarray:
    """The restored frames ``(T, H, W)`` float in [0, 1], through the real decode path."""
    job = open_job(scan, preset, device="cpu")
    return np.stack([restored for _, restored in job.frames()]).astype(np.float64) / 255.0


def scan_frames(scan: Path) -> np.ndarray:
    """The scan's frames ``(T, h, w)`` float in [0, 1]."""
    job = open_job(scan, only(None), device="cpu")
    return np.stack([original for original, _ in job.frames()]).astype(np.float64) / 255.0


def rmse(a: np.ndarray, b: np.ndarray, border: int = 4) -> float:
    """Root mean square difference, ``border`` pixels left out."""
    crop = (slice(None), slice(border, -border), slice(border, -border))
    return float(np.sqrt(np.mean((a[crop] - b[crop]) ** 2)))


def mutoscope(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real ``mutoscope`` command in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "mutoscope", *args], capture_output=True, text=True, timeout=timeout
    )


def ingest_args(scan: Path, library: Path, *extra: str, title: str = "Relay") -> list[str]:
    """``mutoscope`` arguments that ingest ``scan`` as clip ``relay`` on the CPU."""
    return ["ingest", str(scan), "--library", str(library), "--id", "relay", "--title", title,
            "--device", "cpu", *extra]  # fmt: skip
