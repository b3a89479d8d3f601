"""Paired decoding: the original and restored versions of a clip, frame *i* with frame *i*.

Each version is decoded by its own background thread into a small bounded queue, ahead of the
clock; :class:`PairedSource` hands out pairs of the same index. Frames stay PyAV ``VideoFrame``
objects in ``yuv420p`` so their planes go to the GPU without a copy.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error

from content.media import MediaError, open_video
from player.errors import PlayerError


@dataclass(frozen=True)
class Pair:
    """Frame ``index`` of both versions (``yuv420p`` ``av.VideoFrame`` each)."""

    index: int
    original: av.VideoFrame
    restored: av.VideoFrame


class EndOfClip(PlayerError):
    """The clip has no more frames; ``frames`` were decoded in all."""

    def __init__(self, frames: int) -> None:
        super().__init__(f"end of clip after frame {frames - 1}")
        self.frames = frames


class _Failed:
    def __init__(self, error: MediaError) -> None:
        self.error = error


class _Ended:
    def __init__(self, last: int) -> None:
        self.last = last


_Item = tuple[int, av.VideoFrame] | _Failed | _Ended


class _StreamDecoder(threading.Thread):
    """Decodes one file from ``start`` onward into ``out``; ends with ``_Ended`` or ``_Failed``."""

    def __init__(self, path: Path, fps: Fraction, start: int, ring: int) -> None:
        super().__init__(name=f"decode:{path.name}", daemon=True)
        self.path = path
        self.fps = fps
        self.start_frame = start
        self.out: queue.Queue[_Item] = queue.Queue(maxsize=ring)
        self.stop = threading.Event()
        self.container = open_video(path)

    def _put(self, item: _Item) -> bool:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        last = self.start_frame - 1
        try:
            stream = self.container.streams.video[0]
            stream.thread_type = "AUTO"
            time_base = stream.time_base
            if self.start_frame > 0:
                target = int(Fraction(self.start_frame) / self.fps / time_base)
                self.container.seek(target, stream=stream, backward=True, any_frame=False)
            for frame in self.container.decode(stream):
                index = round(frame.pts * time_base * self.fps) if frame.pts is not None else last + 1
                if index < self.start_frame:
                    continue
                if frame.format.name != "yuv420p":
                    frame = frame.reformat(format="yuv420p")
                if not self._put((index, frame)):
                    return
                last = index
            self._put(_Ended(last))
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._put(_Failed(MediaError(f"{self.path}: cannot decode after frame {last}: {exc}")))
        finally:
            self.container.close()


class PairedSource:
    """Both versions of a clip from frame ``start``, decoded ahead in two threads.

    Opening raises :class:`content.media.MediaError` at once for a missing or unreadable file.
    :meth:`poll` never blocks: it returns the next pair when both halves are ready, ``None``
    when the decoders are behind, and raises :class:`EndOfClip` or ``MediaError`` at the end.
    """

    def __init__(self, original: Path, restored: Path, fps: Fraction, start: int = 0, ring: int = 8) -> None:
        self.fps = fps
        self._original = _StreamDecoder(original, fps, start, ring)
        try:
            self._restored = _StreamDecoder(restored, fps, start, ring)
        except MediaError:
            self._original.container.close()
            raise
        self._held: dict[str, tuple[int, av.VideoFrame] | None] = {"original": None, "restored": None}
        self._ended: int | None = None
        self._original.start()
        self._restored.start()

    def _take(self, side: str, decoder: _StreamDecoder) -> tuple[int, av.VideoFrame] | None:
        held = self._held[side]
        if held is not None:
            return held
        try:
            item = decoder.out.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, _Failed):
            raise item.error
        if isinstance(item, _Ended):
            self._ended = item.last + 1 if self._ended is None else min(self._ended, item.last + 1)
            raise EndOfClip(self._ended)
        self._held[side] = item
        return item

    def poll(self) -> Pair | None:
        """The next pair, ``None`` if not decoded yet; raises at the end or on a decode error."""
        while True:
            a = self._take("original", self._original)
            b = self._take("restored", self._restored)
            if a is None or b is None:
                return None
            if a[0] == b[0]:
                self._held = {"original": None, "restored": None}
                return Pair(a[0], a[1], b[1])
            # Out of step (a frame lost in one file): drop the earlier one and look again.
            self._held["original" if a[0] < b[0] else "restored"] = None

    def wait(self, timeout: float = 10.0) -> Pair:
        """Block until the next pair (for seeking and tests)."""
        deadline = time.monotonic() + timeout
        while (pair := self.poll()) is None:
            if time.monotonic() > deadline:
                raise MediaError(f"{self._original.path}: no frame decoded in {timeout} s")
            time.sleep(0.002)
        return pair

    def deepen(self, ring: int) -> None:
        """Let the decoders run up to ``ring`` pairs ahead (a prefetch starts shallow, so its
        first burst of decoding does not starve the clip still playing)."""
        for decoder in (self._original, self._restored):
            decoder.out.maxsize = ring

    def close(self) -> None:
        """Stop both decoder threads."""
        for decoder in (self._original, self._restored):
            decoder.stop.set()
        for decoder in (self._original, self._restored):
            decoder.join(timeout=2.0)
