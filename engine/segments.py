"""A long encode in finished pieces: each window's frames go to their own small files, renamed
into place when whole, so a killed ingest keeps every finished window; at the end the pieces
are joined packet for packet (no re-encode) into one file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.error
import numpy as np
from PIL import Image

from content.media import EncodeSettings, MediaError, VideoWriter
from engine.window_plan import CORE

if TYPE_CHECKING:  # engine.job writes and reads segments too
    from engine.job import Job
    from engine.progress import Progress

SEGMENT_SUFFIX = ".mp4"
LOSSLESS_SUFFIX = ".mkv"
"""For ``luma``: the restored greyscale frames waiting for the colour stage, kept lossless
(FFV1, which MP4 does not hold)."""


def segment_path(folder: Path, version: str, index: int) -> Path:
    """Where window ``index`` of ``version`` (``original``, ``restored`` or ``luma``) is kept."""
    return folder / f"{version}-{index:06d}{LOSSLESS_SUFFIX if version == 'luma' else SEGMENT_SUFFIX}"


def finished_segments(folder: Path, versions: tuple[str, ...]) -> int:
    """How many windows from the first are finished in every version."""
    count = 0
    while all(segment_path(folder, v, count).is_file() for v in versions):
        count += 1
    return count


def partial_path(path: Path) -> Path:
    """The name a file is written under before it is whole (same suffix: it picks the container)."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def publish(partial: Path, final: Path) -> None:
    """Flush ``partial`` to disk and rename it to ``final``."""
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(final)


def join(pieces: list[Path], out: Path, fps: Fraction, frames_per_piece: list[int]) -> None:
    """Join ``pieces`` (same codec and settings, each starting at time 0 with a keyframe) into
    ``out``: frame ``i`` of the result has time ``i / fps``."""
    if not pieces:
        raise MediaError(f"{out}: nothing to join")
    try:
        with (
            av.open(str(pieces[0])) as first,
            av.open(str(out), "w", options={"movflags": "+faststart"}) as dst,
        ):
            template = first.streams.video[0]
            stream = dst.add_stream_from_template(template)
            offset = 0
            for piece, frames in zip(pieces, frames_per_piece, strict=True):
                with av.open(str(piece)) as src:
                    source = src.streams.video[0]
                    step = Fraction(1) / fps / source.time_base
                    for packet in src.demux(source):
                        if packet.dts is None:
                            continue
                        shift = round(offset * step)
                        packet.pts = (packet.pts or 0) + shift
                        packet.dts += shift
                        packet.stream = stream
                        dst.mux(packet)
                offset += frames
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{out}: cannot join the finished windows: {exc}") from exc


def write_windows(
    folder: Path,
    job: Job,
    windows: range,
    versions: dict[str, EncodeSettings],
    frames: Iterator[dict[str, np.ndarray]],
    progress: Progress | None,
    poster: tuple[Path, int] | None = None,
) -> None:
    """Write ``windows`` of each of ``versions`` (``original``, ``restored``, ``luma``, each
    encoded with its settings) as segments in ``folder`` from ``frames`` (a dict of frames by
    version per clip frame), each window's files renamed into place when whole. ``poster``:
    the JPEG to write from the restored version, and the clip frame to take."""
    sizes = {
        "original": (job.scan.width, job.scan.height),
        "restored": job.restored_size,
        "luma": job.restored_size,
    }
    for window in windows:
        finals = {v: segment_path(folder, v, window) for v in versions}
        partials = {v: partial_path(p) for v, p in finals.items()}
        count = min(CORE, job.frame_count - window * CORE)
        with ExitStack() as stack:
            writers = {
                v: stack.enter_context(VideoWriter(partials[v], job.scan.fps, *sizes[v], s))
                for v, s in versions.items()
            }
            for i in range(count):
                frame = next(frames)
                for v, writer in writers.items():
                    writer.write(frame[v])
                index = window * CORE + i
                if poster and index == poster[1] and "restored" in frame:
                    Image.fromarray(frame["restored"]).save(
                        partial_path(poster[0]), format="JPEG", quality=90
                    )
                    publish(partial_path(poster[0]), poster[0])
                if progress:
                    progress("restoring", index + 1, job.frame_count)
        for v in versions:
            publish(partials[v], finals[v])
