"""Restore a scan into a video file: the first pass (motion, cuts, camera path), then the
stages window by window, then the encoder."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from config.presets import Preset
from content.media import EncodeSettings, VideoWriter
from engine.accelerate import tensorrt_compiler
from engine.analysis import ClipMotion, camera_path, measure_steps
from engine.device import DeviceChoice, choose_device
from engine.pipeline import MARGIN, Restorer, eager
from engine.scan import Scan, ScanError

log = logging.getLogger("mutoscope.engine")

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phase is ``analysing`` or ``restoring``."""


def parse_frames(spec: str | None) -> tuple[int, int | None]:
    """``"A:B"`` -> ``(A, B)`` (frames A to B - 1); either side may be empty."""
    if not spec:
        return 0, None
    head, sep, tail = spec.partition(":")
    try:
        start = int(head) if head else 0
        stop = int(tail) if tail else None
    except ValueError:
        raise ValueError(f"--frames {spec!r}: expected A:B with whole numbers, e.g. 0:250") from None
    if not sep or start < 0 or (stop is not None and stop <= start):
        raise ValueError(f"--frames {spec!r}: expected A:B with 0 <= A < B, e.g. 0:250")
    return start, stop


@dataclass
class Job:
    """A scan opened for restoration: frames ``start .. start + frame_count - 1`` of it, their
    camera motion, and the restorer that will run; ``colour``: restored in colour (a colour
    scan and a preset with ``colour_scan``), else as greyscale film."""

    scan: Scan
    start: int
    frame_count: int
    motion: ClipMotion
    restorer: Restorer
    damaged: list[int] = field(default_factory=list)
    colour: bool = False

    @property
    def restored_size(self) -> tuple[int, int]:
        """Width and height of the restored frames."""
        return self.scan.width * self.restorer.scale, self.scan.height * self.restorer.scale

    def frames(self, first: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(scan frame, restored frame)`` from clip frame ``first`` (a window boundary) on."""
        read_from = self.start + max(first - MARGIN, 0)
        frames = self.scan.frames(read_from, self.start + self.frame_count, self.colour)
        return self.restorer.run(frames, self.motion, first)


def open_job(
    scan_path: Path,
    preset: Preset,
    *,
    scale: int | None = None,
    device: DeviceChoice = "auto",
    frames: tuple[int, int | None] = (0, None),
    progress: Progress | None = None,
) -> Job:
    """Check the device, read the scan once (frame count, damage, motion) and set up the stages.
    Raises :class:`engine.scan.ScanError` or :class:`engine.device.DeviceError`."""
    where = choose_device(device)
    scan = Scan(scan_path)
    start, stop = frames
    seen = 0
    expected = max(min(stop or scan.expected_frames, scan.expected_frames or stop or 0) - start, 0)

    def counted() -> Iterator[np.ndarray]:
        nonlocal seen
        for frame in scan.frames(start, stop):
            seen += 1
            yield frame

    steps, shots, vignette = measure_steps(
        counted(), lambda done: progress and progress("analysing", done, expected)
    )
    if stop is not None and start + seen < stop:
        raise ScanError(
            f"{scan_path}: --frames asks for frames up to {stop - 1}, but the scan ends at frame {start + seen - 1}"
        )
    motion = camera_path(steps, shots, preset.weave.strength if preset.weave.enabled else 0.0, vignette)
    compiler = tensorrt_compiler() if where.type == "cuda" else eager
    restorer = Restorer(preset, where, compiler, scale)
    log.info("%s: %d frames, %d shots, on %s", scan_path, seen, int(shots.max()) + 1, where)
    colour = preset.colour_scan and scan.colour
    if preset.colour_scan and not scan.colour:
        log.info("%s: the preset keeps colour, but the scan is greyscale", scan_path)
    return Job(scan, start, seen, motion, restorer, list(scan.damaged), colour)


def restore_file(job: Job, out: Path, preset: Preset, progress: Progress | None = None) -> float:
    """Write the restored clip to ``out`` (written beside it and renamed when whole); returns
    frames per second of the restoration, decode and encode included."""
    width, height = job.restored_size
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    settings = EncodeSettings(crf=preset.crf, gop=preset.gop)
    began = time.perf_counter()
    try:
        with VideoWriter(partial, job.scan.fps, width, height, settings) as writer, torch.inference_mode():
            for done, (_, restored) in enumerate(job.frames(), start=1):
                writer.write(restored)
                if progress:
                    progress("restoring", done, job.frame_count)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return job.frame_count / (time.perf_counter() - began)
