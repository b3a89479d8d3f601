"""Add a scan to a library without Mutoscope's engine.

Either the restored version is a plain re-encode of the scan (``restoration = "reencode"``:
until the engine restores the clip, or for footage that needs none), or it is a restoration
made by another tool, imported frame for frame (``restoration = "external"``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from PIL import Image

from content.library import Library, LibraryError
from content.manifest import Clip, Provenance, SourceInfo
from content.media import EncodeSettings, PairWriter, VideoProbe, probe, read_frames, sha256_file

POSTER_POSITION = 0.4
"""Where in the clip the poster frame is taken, as a fraction of its length."""
SHORTEST_FILM_S = 2.0
"""A scan shorter than this is more likely a fragment or a still than the film meant."""
STILL_CODECS = {"png", "apng", "bmp", "tiff", "webp", "gif", "mjpeg", "jpeg2000", "qoi"}
"""Codecs of still images (a single mjpeg frame is a JPEG photograph)."""


def doubts(scan: Path, found: VideoProbe) -> list[str]:
    """What makes ``scan`` look unlike a film: a still image, or only a few frames."""
    if found.frame_count == 1 or (found.codec in STILL_CODECS and found.frame_count < found.fps):
        return [f"{scan}: a still image ({found.codec}), not a film"]
    seconds = found.frame_count / float(found.fps)
    if seconds < SHORTEST_FILM_S:
        return [f"{scan}: only {found.frame_count} frames ({seconds:.1f} s): a fragment, not the whole film?"]
    return []


def add_scan(
    library: Library,
    scan: Path,
    clip_id: str,
    title: str,
    year: int | None = None,
    settings: EncodeSettings | None = None,
    on_frame: Callable[[int, int], None] | None = None,
    *,
    restored: Path | None = None,
    replace: bool = False,
) -> Clip:
    """Encode ``scan`` and its restored version (``restored``, or the scan again) in step into a
    new revision of ``clip_id`` and commit it.

    ``on_frame(done, total)`` reports progress; an existing ``clip_id`` is replaced only with
    ``replace``. Raises :class:`content.media.MediaError` for a file that cannot be read and
    :class:`content.library.LibraryError` if the two differ in frame count or rate; the library
    is unchanged on any failure.
    """
    found = probe(scan)
    other = probe(restored) if restored else found
    if restored and (other.frame_count, other.fps) != (found.frame_count, found.fps):
        raise LibraryError(
            f"{restored}: {other.frame_count} frames at {other.fps} fps, but the scan {scan} has "
            f"{found.frame_count} at {found.fps}: the versions must match frame for frame"
        )
    size = (found.width - found.width % 2, found.height - found.height % 2)
    restored_size = (other.width - other.width % 2, other.height - other.height % 2)
    poster_index = int(found.frame_count * POSTER_POSITION)
    with library.stage(clip_id) as staging:
        with PairWriter(
            staging.original, staging.restored, found.fps, size, restored_size, settings or EncodeSettings()
        ) as pair:
            restored_frames = read_frames(restored) if restored else None
            for index, frame in enumerate(read_frames(scan)):
                frame = frame[: size[1], : size[0]]
                better = frame
                if restored_frames is not None:
                    decoded = next(restored_frames, None)
                    if decoded is None:
                        raise LibraryError(f"{restored}: ends at frame {index}, before the scan does")
                    better = decoded[: restored_size[1], : restored_size[0]]
                pair.write(frame, better)
                if index == poster_index:
                    Image.fromarray(better).save(staging.poster, quality=90)
                if on_frame:
                    on_frame(index + 1, found.frame_count)
        provenance = Provenance(
            source=SourceInfo(filename=scan.name, sha256=sha256_file(scan)),
            restoration="external" if restored else "reencode",
            engine_version=version("mutoscope"),
            created=datetime.now(UTC),
        )
        return staging.commit(title, year, provenance, replace=replace)
