"""A scan opened for restoration: the device and keyframes checked, the first pass over the
scan (frame count, damage, motion, cuts, camera path) done, and the stages set up
(:func:`open_job`); the :class:`Job` then gives the restored frames, window by window, and
colours them from the keyframes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from config.presets import Preset
from content.media import read_frames
from engine.accelerate import tensorrt_compiler
from engine.analysis import ClipMotion, camera_path, measure_steps
from engine.colour.keyframes import FrameMatch, Keyframe, KeyframeError, check_sizes, read_keyframes
from engine.colour.propagate import Colourist, TraceStore, colour_windows
from engine.device import DeviceChoice, choose_device
from engine.modules import eager
from engine.pipeline import Restorer
from engine.progress import Progress
from engine.scan import Scan, ScanError
from engine.segments import segment_path
from engine.window_plan import CORE, window_frames

log = logging.getLogger("mutoscope.engine")

Watcher = Callable[[int, np.ndarray], None]
"""``watch(index, luma)``: sees every scan frame (``(H, W)`` ``uint8``) of the first pass."""


def parse_frames(spec: str | None) -> tuple[int, int | None]:
    """``"A:B"`` -> ``(A, B)`` (frames A to B - 1); either side may be empty."""
    if not spec:
        return 0, None
    head, sep, tail = spec.partition(":")
    try:
        start = int(head) if head else 0
        stop = int(tail) if tail else None
    except ValueError:
        raise ValueError(f"{spec!r}: expected A:B with whole numbers, e.g. 0:250") from None
    if not sep or start < 0 or (stop is not None and stop <= start):
        raise ValueError(f"{spec!r}: expected A:B with 0 <= A < B, e.g. 0:250")
    return start, stop


@dataclass
class Job:
    """A scan opened for restoration: frames ``start .. start + frame_count - 1`` of it, their
    camera motion, and the restorer that will run; ``colour``: restored in colour (a colour
    scan and a preset with ``colour_scan``), else as greyscale film; ``keyframes``: the
    archivist's coloured frames within the range, to colour the restored clip from."""

    scan: Scan
    start: int
    frame_count: int
    motion: ClipMotion
    restorer: Restorer
    damaged: list[int] = field(default_factory=list)
    colour: bool = False
    keyframes: list[Keyframe] = field(default_factory=list)
    no_keyframe: str = "grey"

    @property
    def restored_size(self) -> tuple[int, int]:
        """Width and height of the restored frames."""
        return self.scan.width * self.restorer.scale, self.scan.height * self.restorer.scale

    def frames(self, first: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(scan frame, restored frame)`` from clip frame ``first`` (a window boundary) on."""
        read_from = self.start + window_frames(first, CORE, self.frame_count).start
        frames = self.scan.frames(read_from, self.start + self.frame_count, self.colour)
        return self.restorer.run(frames, self.motion, first)

    def colourist(self) -> Colourist:
        """The colour stage for this clip's keyframes, on the restorer's device and compiler."""
        return Colourist(
            {k.index - self.start: k.rgb for k in self.keyframes},
            self.motion.shot,
            self.restored_size[0],
            self.restorer.scale,
            self.restorer.device,
            self.restorer.compiler,
            self.no_keyframe,
        )

    @property
    def windows(self) -> int:
        """Windows of ``CORE`` frames the clip is restored in (the last may be shorter)."""
        return -(-self.frame_count // CORE)

    def coloured(self, folder: Path, progress: Progress | None = None) -> Iterator[np.ndarray]:
        """Every frame in colour from the keyframes, ``(H, W, 3)`` ``uint8``, in order, given
        the restored greyscale frames of every window in ``folder`` (``luma`` segments, read
        backward, then forward); the backward pass waits in ``folder/colour``."""
        return colour_windows(
            self.colourist(),
            lambda w: list(read_frames(segment_path(folder, "luma", w), "gray")),
            self.frame_count,
            CORE,
            TraceStore(folder / "colour"),
            progress,
        )


def open_job(
    scan_path: Path,
    preset: Preset,
    *,
    scale: int | None = None,
    device: DeviceChoice = "auto",
    frames: tuple[int, int | None] = (0, None),
    keyframes: Path | None = None,
    progress: Progress | None = None,
    watch: Watcher | None = None,
) -> Job:
    """Check the device and the ``keyframes`` folder, read the scan once (frame count, damage,
    motion; each frame also shown to ``watch``) and set up the stages. Raises
    :class:`engine.scan.ScanError`, :class:`engine.device.DeviceError` or
    :class:`engine.colour.keyframes.KeyframeError`."""
    where = choose_device(device)
    scan = Scan(scan_path)
    factor = scale or preset.scale
    keys = read_keyframes(keyframes) if keyframes is not None else []
    if keys and preset.colour_scan and scan.colour:
        raise KeyframeError(
            f"{keyframes}: keyframes colour a greyscale restoration, but this preset keeps the colour scan's own colour "
            "(colour_scan = true); choose a preset without it"
        )
    check_sizes(keys, (scan.width, scan.height), (scan.width * factor, scan.height * factor))
    start, stop = frames
    keys = [k for k in keys if k.index >= start and (stop is None or k.index < stop)]
    match = FrameMatch(keys)
    seen = 0
    expected = max(min(stop or scan.expected_frames, scan.expected_frames or stop or 0) - start, 0)

    def counted() -> Iterator[np.ndarray]:
        nonlocal seen
        for frame in scan.frames(start, stop):
            match.see(start + seen, frame)
            if watch:
                watch(start + seen, frame)
            seen += 1
            yield frame

    steps, shots, vignette, exposure = measure_steps(
        counted(), lambda done: progress and progress("analysing", done, expected)
    )
    if stop is not None and start + seen < stop:
        raise ScanError(
            f"{scan_path}: frames up to {stop - 1} were asked for, but the scan ends at frame {start + seen - 1}"
        )
    match.check(seen, start)
    weave = preset.weave.strength if preset.weave.enabled else 0.0
    motion = camera_path(steps, shots, weave, vignette, exposure)
    compiler = tensorrt_compiler() if where.type == "cuda" else eager
    restorer = Restorer(preset, where, compiler, scale)
    log.info("%s: %d frames, %d shots, on %s", scan_path, seen, int(shots.max()) + 1, where)
    colour = preset.colour_scan and scan.colour
    if preset.colour_scan and not scan.colour:
        log.info("%s: the preset keeps colour, but the scan is greyscale", scan_path)
    job = Job(scan, start, seen, motion, restorer, list(scan.damaged), colour, keys, preset.no_keyframe)
    if keys:
        becomes = (
            "takes the nearest keyframe's palette"
            if preset.no_keyframe == "nearest-palette"
            else "stays greyscale"
        )
        for first, last in job.colourist().unkeyed_shots():
            log.warning(
                "%s: the shot of frames %d to %d has no keyframe; it %s (preset no_keyframe = %r)",
                scan_path, start + first, start + last, becomes, preset.no_keyframe,
            )  # fmt: skip
    return job
