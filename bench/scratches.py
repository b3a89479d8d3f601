"""Line scratches on locked-off shots: PSNR against the truth near the scratches and away from them.

Each clip is a still camera on a photograph, aged by a member of the degradation family
(:func:`content.demo.degrade.draw_params`, with scratches forced on), written as a real lossless
file and restored through :func:`engine.job.open_job` twice: every stage on, and every stage but
the scratch stage. "Near" is the columns within ``2 * width + 3`` scan pixels of a scratch in
each frame (:attr:`FrameTruth.scratch_x`), over the full height; "away" is the rest.

    PYTHONPATH=. python -m bench.scratches [seed ...]
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from bench.quality import BORDER, global_shift
from config.presets import Preset, Stage
from content.demo.degrade import DegradationParams, FilmDegrader, draw_params, luma
from content.demo.source import CameraPose, Shot, render_shot
from content.media import LOSSLESS, VideoWriter
from engine.job import open_job
from engine.motion import translate

SIZE = (320, 240)
"""Clean frame size; scans are half of it."""
FRAMES = 40
STILL = Shot("astronaut", FRAMES, CameraPose(0.45, 0.45, 0.6), CameraPose(0.45, 0.45, 0.6))


def scratched(seed: int) -> DegradationParams:
    """Family member ``seed`` with at least three scratches of some strength, written losslessly."""
    p = draw_params(seed)
    return replace(p, scratches=max(p.scratches, 3), scratch_strength=max(p.scratch_strength, 0.1), crf=None)


def write_clip(folder: Path, params: DegradationParams, seed: int) -> tuple[Path, np.ndarray, np.ndarray]:
    """The scan file, the truth at scan size ``(T, h, w)`` and the near-scratch mask ``(T, h, w)``."""
    degrader = FilmDegrader(params, seed)
    w, h = SIZE[0] // params.downscale, SIZE[1] // params.downscale
    path = folder / f"still-{seed}.mkv"
    truths, near = [], []
    columns = np.arange(w)
    with VideoWriter(path, Fraction(18), w, h, LOSSLESS) as writer:
        for frame in render_shot(STILL, SIZE):
            aged = degrader.apply(frame)
            writer.write(aged.scan)
            d = params.downscale
            truths.append(luma(frame).reshape(h, d, w, d).mean(axis=(1, 3)))
            t = aged.truth
            mask = np.zeros(w, bool)
            for x, width in zip(t.scratch_x, t.scratch_width, strict=True):
                mask |= np.abs(columns - x) <= 2 * width + 3
            near.append(np.broadcast_to(mask, (h, w)))
    return path, np.stack(truths), np.stack(near)


def restored(path: Path, scratches: bool) -> np.ndarray:
    """Every stage on (the scratch stage as asked), at scan size: ``(T, h, w)`` float in [0, 1]."""
    job = open_job(path, Preset(scale=1, scratches=Stage(enabled=scratches)), device="cpu")
    return np.stack([r for _, r in job.frames()]).astype(np.float64) / 255.0


def psnr(output: np.ndarray, truth: np.ndarray, near: np.ndarray) -> tuple[float, float]:
    """PSNR (dB) near the scratches and away from them, after one global shift per clip."""
    shift = torch.from_numpy(global_shift(output, truth)).float()
    frames = torch.from_numpy(output)[:, None].float()
    aligned = translate(frames, -shift.expand(len(output), 2), mode="bicubic")[:, 0].clamp(0, 1).numpy()
    crop = (slice(None), slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    error = (aligned - truth)[crop] ** 2
    inside = near[crop]
    return tuple(float(10 * np.log10(1.0 / error[m].mean())) for m in (inside, ~inside))  # type: ignore[return-value]


def main(seeds: list[int]) -> None:
    print("seed  scratches  near dB: scan  off  on   away dB: off  on")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            params = scratched(seed)
            path, truth, near = write_clip(Path(tmp), params, seed)
            job = open_job(path, Preset(scale=1), device="cpu")
            scan = np.stack([o for o, _ in job.frames()]).astype(np.float64) / 255.0
            (scan_near, _) = psnr(scan, truth, near)
            off_near, off_away = psnr(restored(path, False), truth, near)
            on_near, on_away = psnr(restored(path, True), truth, near)
            kinds = f"{params.scratches}x{params.scratch_polarity[:1]}/b{params.scratch_blend:.1f}"
            print(
                f"{seed:4d}  {kinds:9s}  {scan_near:12.2f} {off_near:5.2f} {on_near:5.2f}"
                f"  {off_away:10.2f} {on_away:5.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or list(range(1, 7)))
