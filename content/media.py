"""Video files through PyAV: probing, frame-exact reading and in-step writing.

Frames cross this module as ``numpy`` arrays, ``uint8``: ``(H, W, 3)`` RGB or ``(H, W)`` grey.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal

import av
import av.error
import numpy as np

from content.errors import ContentError

PixelLayout = Literal["rgb24", "gray"]


class MediaError(ContentError):
    """A video that cannot be opened, decoded or written; the message names the file."""


@dataclass(frozen=True)
class VideoProbe:
    """What a video file holds: size in pixels, exact frame rate, frame count and codec."""

    width: int
    height: int
    fps: Fraction
    frame_count: int
    codec: str


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in ``chunk``-byte pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def open_video(path: Path) -> av.container.InputContainer:
    """Open a video file for reading; :class:`MediaError` naming the file if it is missing,
    unreadable or holds no video stream."""
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    try:
        container = av.open(str(path), "r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"{path}: not a readable video ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise MediaError(f"{path}: holds no video stream")
    return container


def probe(path: Path, *, decode: bool = False) -> VideoProbe:
    """Probe a video. With ``decode=True`` every frame is decoded and counted (slow, thorough:
    it finds truncation and corrupt packets); otherwise packets are counted.

    Raises :class:`MediaError` naming the file and, for a decode failure, the frame.
    """
    with open_video(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        if not rate:
            raise MediaError(f"{path}: the video stream has no frame rate")
        count = 0
        try:
            if decode:
                for _frame in container.decode(stream):
                    count += 1
            else:
                count = sum(1 for packet in container.demux(stream) if packet.size)
        except av.error.FFmpegError as exc:
            raise MediaError(f"{path}: cannot decode frame {count}: {exc}") from exc
        if count == 0:
            raise MediaError(f"{path}: the video has no frames")
        return VideoProbe(
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=Fraction(rate),
            frame_count=count,
            codec=stream.codec_context.name,
        )


def read_frames(path: Path, layout: PixelLayout = "rgb24") -> Iterator[np.ndarray]:
    """Yield every frame in presentation order as ``uint8`` arrays in ``layout``."""
    with open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        try:
            for frame in container.decode(stream):
                yield frame.to_ndarray(format=layout)
                index += 1
        except av.error.FFmpegError as exc:
            raise MediaError(f"{path}: cannot decode frame {index}: {exc}") from exc


@dataclass(frozen=True)
class EncodeSettings:
    """How a video is encoded.

    ``gop`` is the distance between keyframes in frames (short GOPs make seeking fast);
    ``crf`` the constant-rate quality for x264 (0 lossless .. 51 worst, 18 visually clean).
    """

    codec: str = "libx264"
    pix_fmt: str = "yuv420p"
    crf: int = 18
    gop: int = 9
    preset: str = "medium"

    def codec_options(self) -> dict[str, str]:
        """FFmpeg options for the encoder."""
        if self.codec != "libx264":
            return {"g": str(self.gop)}
        return {
            "crf": str(self.crf),
            "preset": self.preset,
            "g": str(self.gop),
            "keyint_min": str(self.gop),
            "sc_threshold": "0",
            "bf": "0",
        }


LOSSLESS = EncodeSettings(codec="ffv1", pix_fmt="gray", gop=1)
"""Lossless greyscale, for archive-like scans (Matroska container)."""

LOSSLESS_RGB = EncodeSettings(codec="ffv1", pix_fmt="bgr0", gop=1)
"""Lossless RGB, for ground-truth frames (Matroska container)."""


class VideoWriter:
    """Writes frames ``0, 1, 2, ...`` with timestamps ``i / fps`` exactly.

    Use as a context manager; frames must all have the size given at construction. The muxer and
    the encoder run bit-exact (no random segment or track ids, no date, no library versions), so
    the same frames and settings give the same file, byte for byte.
    """

    def __init__(self, path: Path, fps: Fraction, width: int, height: int, settings: EncodeSettings) -> None:
        if width % 2 or height % 2:
            raise MediaError(f"{path}: frame size {width}x{height} must be even for encoding")
        self.path = path
        self.width = width
        self.height = height
        self.frames_written = 0
        options = {"movflags": "+faststart"} if path.suffix.lower() in {".mp4", ".mov"} else {}
        try:
            self._container = av.open(str(path), "w", container_options=options)
            self._container.flags |= av.container.Flags.bitexact.value
            self._stream = self._container.add_stream(
                settings.codec, rate=fps, options=settings.codec_options()
            )
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise MediaError(f"{path}: cannot open for writing ({exc})") from exc
        self._stream.width = width
        self._stream.height = height
        self._stream.pix_fmt = settings.pix_fmt
        self._stream.codec_context.time_base = Fraction(1) / fps
        self._stream.codec_context.flags |= av.codec.context.Flags.bitexact.value

    def write(self, image: np.ndarray) -> None:
        """Encode the next frame: ``(H, W, 3)`` RGB or ``(H, W)`` grey, ``uint8``."""
        if image.shape[:2] != (self.height, self.width):
            raise MediaError(
                f"{self.path}: frame {self.frames_written} is {image.shape[1]}x{image.shape[0]}, "
                f"expected {self.width}x{self.height}"
            )
        layout = "gray" if image.ndim == 2 else "rgb24"
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=layout)
        frame.pts = self.frames_written
        frame.time_base = self._stream.codec_context.time_base
        self._mux(frame)
        self.frames_written += 1

    def _mux(self, frame: av.VideoFrame | None) -> None:
        try:
            self._container.mux(self._stream.encode(frame))
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path}: cannot write frame {self.frames_written}: {exc}") from exc

    def close(self) -> None:
        """Flush the encoder and close the file."""
        try:
            self._mux(None)
        finally:
            self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._container.close()


class PairWriter:
    """Writes the original and the restored version in step: same frame count, frame rate and
    timestamps, short GOPs. Each call to :meth:`write` adds frame *i* to both files.
    """

    def __init__(
        self,
        original: Path,
        restored: Path,
        fps: Fraction,
        original_size: tuple[int, int],
        restored_size: tuple[int, int],
        settings: EncodeSettings,
    ) -> None:
        self.original = VideoWriter(original, fps, *original_size, settings)
        try:
            self.restored = VideoWriter(restored, fps, *restored_size, settings)
        except MediaError:
            self.original.close()
            raise

    @property
    def frames_written(self) -> int:
        """Frames written to each version."""
        return self.original.frames_written

    def write(self, original: np.ndarray, restored: np.ndarray) -> None:
        """Encode frame *i* of both versions (``uint8``, RGB ``(H, W, 3)`` or grey ``(H, W)``)."""
        self.original.write(original)
        self.restored.write(restored)

    def close(self) -> None:
        """Flush and close both files."""
        try:
            self.original.close()
        finally:
            self.restored.close()

    def __enter__(self) -> PairWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.original.__exit__(exc_type, exc, traceback)
        self.restored.__exit__(exc_type, exc, traceback)
