"""Add a scan to a library as it is: the original, and a plain re-encode as the "restored"
version, marked ``restoration = "reencode"`` in the provenance. Used until a clip is restored
by the engine, and for footage that needs no restoration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from PIL import Image

from content.library import Library
from content.manifest import Clip, Provenance, SourceInfo
from content.media import EncodeSettings, PairWriter, probe, read_frames, sha256_file

POSTER_POSITION = 0.4
"""Where in the clip the poster frame is taken, as a fraction of its length."""


def add_unrestored(
    library: Library,
    scan: Path,
    clip_id: str,
    title: str,
    year: int | None = None,
    settings: EncodeSettings | None = None,
    on_frame: Callable[[int, int], None] | None = None,
    *,
    replace: bool = False,
) -> Clip:
    """Encode ``scan`` twice, in step, into a new revision of ``clip_id`` and commit it.

    ``on_frame(done, total)`` reports progress; an existing ``clip_id`` is replaced only with
    ``replace``. Raises :class:`content.media.MediaError` for a
    scan that cannot be read; the library is unchanged on any failure.
    """
    found = probe(scan)
    size = (found.width - found.width % 2, found.height - found.height % 2)
    poster_index = int(found.frame_count * POSTER_POSITION)
    with library.stage(clip_id) as staging:
        with PairWriter(
            staging.original, staging.restored, found.fps, size, size, settings or EncodeSettings()
        ) as pair:
            for index, frame in enumerate(read_frames(scan)):
                frame = frame[: size[1], : size[0]]
                pair.write(frame, frame)
                if index == poster_index:
                    Image.fromarray(frame).save(staging.poster, quality=90)
                if on_frame:
                    on_frame(index + 1, found.frame_count)
        provenance = Provenance(
            source=SourceInfo(filename=scan.name, sha256=sha256_file(scan)),
            restoration="reencode",
            engine_version=version("mutoscope"),
            created=datetime.now(UTC),
        )
        return staging.commit(title, year, provenance, replace=replace)
