"""Reading an archive scan with PyAV, frame-exact and forgiving.

Frames leave this module as ``uint8`` luma ``(H, W)`` at the scan's size cut to even numbers
(the encoders need them): colour scans are treated as greyscale film (BT.601 luma). A variable
frame rate is conformed to the stream's average rate (a frame shown for two slots is repeated,
one that shares a slot is dropped) with a warning; packets that cannot be decoded are named and
their slots filled from the nearest good frame, so the output keeps the scan's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from content.media import MediaError, open_video
from engine.errors import EngineError

log = logging.getLogger("mutoscope.engine")

GREY_FORMATS = {"gray", "gray10le", "gray12le", "gray16le", "ya8", "gray8"}


class ScanError(EngineError):
    """A scan that cannot be restored; the message names the file (and frame)."""


def _open(path: Path) -> av.container.InputContainer:
    try:
        return open_video(path)
    except MediaError as exc:
        raise ScanError(str(exc)) from exc


def _slot(frame: av.VideoFrame, fps: Fraction, fallback: int) -> int:
    if frame.pts is None or frame.time_base is None:
        return fallback
    return round(frame.pts * frame.time_base * fps)


def _decoded(
    path: Path, container: av.container.InputContainer
) -> Iterator[tuple[int | None, av.VideoFrame | None]]:
    """``(slot, frame)`` in order; ``(None, None)`` for a packet that did not decode."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    rate = Fraction(stream.average_rate or stream.guessed_rate or 0)
    if not rate:
        raise ScanError(f"{path}: the video stream has no frame rate")
    start = stream.start_time or 0
    count = 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.FFmpegError as exc:
            log.warning("%s: a packet after frame %d does not decode: %s", path, count - 1, exc)
            yield None, None
            continue
        for frame in frames:
            if frame.pts is not None:
                frame.pts -= start
            yield _slot(frame, rate, count), frame
            count += 1


def _picture(frame: av.VideoFrame, width: int, height: int, colour: bool) -> np.ndarray:
    """Luma ``(H, W)``, or RGB ``(H, W, 3)`` with ``colour``; ``uint8``, odd edges cut."""
    picture = frame.to_ndarray(format="rgb24" if colour else "gray")
    return picture[:height, :width]


class Scan:
    """A scan file: its size, rate and colour from the container at once; :meth:`frames` decodes
    (and a full pass counts the frames and finds the damage)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with _open(self.path) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            if not rate:
                raise ScanError(f"{self.path}: the video stream has no frame rate")
            context = stream.codec_context
            if context.width < 16 or context.height < 16:
                raise ScanError(f"{self.path}: {context.width}x{context.height} is too small to restore")
            self.fps = Fraction(rate)
            self.width = context.width - context.width % 2
            self.height = context.height - context.height % 2
            self.colour = (context.pix_fmt or "gray") not in GREY_FORMATS
            seconds = container.duration / av.time_base if container.duration else 0.0
            self.expected_frames = stream.frames or round(seconds * self.fps)
            """The frame count the container announces (0 if it does not): for progress only."""
        self.damaged: list[int] = []
        self.variable_rate = False

    def _slots(self) -> Iterator[tuple[int, av.VideoFrame | None]]:
        """Each slot ``0, 1, ...`` of the constant-rate timeline with the frame that fills it
        (``None`` where nothing decoded)."""
        expected = 0
        pending_gap = 0
        try:
            with _open(self.path) as container:
                for slot, frame in _decoded(self.path, container):
                    if frame is None:
                        pending_gap += 1
                        continue
                    assert slot is not None
                    if slot < expected:  # two frames in one slot: keep the first
                        self.variable_rate = True
                        continue
                    if slot - expected > pending_gap:
                        self.variable_rate = True
                    for _ in range(max(slot - expected, pending_gap)):
                        yield expected, None
                        expected += 1
                    pending_gap = 0
                    yield expected, frame
                    expected += 1
                for _ in range(pending_gap):
                    yield expected, None
                    expected += 1
        except av.error.FFmpegError as exc:
            raise ScanError(f"{self.path}: cannot read past frame {expected - 1}: {exc}") from exc

    def frames(self, start: int = 0, stop: int | None = None, colour: bool = False) -> Iterator[np.ndarray]:
        """Luma ``(H, W)`` ``uint8`` of frames ``start`` to ``stop - 1`` (RGB ``(H, W, 3)`` with
        ``colour``); a damaged frame is a copy of the last good one (or the next good one at the
        start). A pass records what it found in :attr:`damaged` and :attr:`variable_rate` and
        logs it once at the end."""
        self.damaged, self.variable_rate = [], False
        last: np.ndarray | None = None
        owed = 0
        count = 0
        for index, frame in self._slots():
            if stop is not None and index >= stop:
                break
            if frame is None:
                self.damaged.append(index)
            else:
                last = _picture(frame, self.width, self.height, colour)
            if index < start:
                continue
            if last is None:
                owed += 1
                continue
            for _ in range(owed + 1):
                yield last
                count += 1
            owed = 0
        if owed:
            raise ScanError(f"{self.path}: no frame from {start} on could be decoded")
        if count == 0:
            raise ScanError(
                f"{self.path}: the video has no frames" + (f" from frame {start}" if start else "")
            )
        if self.variable_rate:
            log.warning("%s: variable frame rate; conformed to %s fps", self.path, self.fps)
        if self.damaged:
            log.warning("%s: frames %s could not be decoded and are filled from their neighbours",
                        self.path, ranges(self.damaged))  # fmt: skip


def ranges(indices: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    parts: list[str] = []
    begin = prev = indices[0]
    for i in [*indices[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{begin}-{prev}" if prev > begin else f"{begin}")
        if i is not None:
            begin = prev = i
    return ", ".join(parts)
