"""Ingest: restore a scan and put it, beside its original, into the library in one commit.

Work happens in ``LIB/.staging/<id>.resume-<key>/``, where ``key`` sums up the scan's bytes,
the preset, the scale, the frame range and the engine's version. Each finished window's frames
(both versions) are kept there, so an ingest that was killed or ran out of disk resumes at the
first unfinished window when it is run again with the same arguments; work for the same id
under another key is discarded. Beside each window, the mean brightness of its frames in
both versions waits for the commit's quality figures. The library itself only changes at the
final commit.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np

from config.presets import Preset
from content.atomic import write_bytes_atomic
from content.importer import POSTER_POSITION
from content.library import STAGING_DIR, Library
from content.manifest import Clip, Provenance, SourceInfo, check_clip_id
from content.media import LOSSLESS, EncodeSettings, MediaError, sha256_file
from engine.errors import EngineError
from engine.job import Job
from engine.progress import Progress
from engine.segments import finished_segments, join, segment_path, write_windows
from engine.window_plan import CORE

log = logging.getLogger("mutoscope.engine")

VERSIONS = ("original", "restored")
WORK_PREFIX = ".resume-"
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])
"""Rec. 601: the brightness of an RGB frame."""


class IngestError(EngineError):
    """An ingest that could not finish; the library is as it was, and the message says so."""


@dataclass(frozen=True)
class IngestRequest:
    """What to ingest: ``job`` (an opened scan and its restorer) into ``library`` as
    ``clip_id`` with ``title`` and ``year``, made with preset ``preset_name``."""

    library: Library
    job: Job
    preset: Preset
    preset_name: str
    clip_id: str
    title: str
    year: int | None = None
    replace: bool = False


def work_key(source_sha256: str, request: IngestRequest) -> str:
    """The resume key: the same scan, preset, scale, range, engine and keyframes give the
    same key."""
    job = request.job
    recipe = {
        "source": source_sha256,
        "preset": request.preset.model_dump(mode="json"),
        "scale": job.restorer.scale,
        "frames": [job.start, job.start + job.frame_count],
        "engine": version("mutoscope"),
        "keyframes": [(k.index, hashlib.sha256(k.rgb.tobytes()).hexdigest()) for k in job.keyframes],
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def _work_folder(library: Library, clip_id: str, key: str) -> Path:
    staging = library.root / STAGING_DIR
    folder = staging / f"{clip_id}{WORK_PREFIX}{key}"
    for stale in staging.glob(f"{clip_id}{WORK_PREFIX}*"):
        if stale != folder:
            log.info("discarding unfinished work for %s made with other settings: %s", clip_id, stale)
            shutil.rmtree(stale, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _disk_message(exc: BaseException) -> str | None:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return "the disk is full"
        cause = cause.__cause__ or cause.__context__
    return "the disk is full" if "No space left" in str(exc) else None


def ingest(request: IngestRequest, progress: Progress | None = None) -> Clip:
    """Restore and commit; resumes finished windows of an earlier run with the same key.
    Raises :class:`IngestError` (library unchanged) or :class:`content.library.LibraryError`
    (:class:`content.library.ClipExistsError`, before any work, for a clip id in use without
    ``replace``)."""
    library, job = request.library, request.job
    check_clip_id(request.clip_id)
    if not request.replace:
        library.refuse_taken(request.clip_id)  # before the long work, not after
    source_sha = sha256_file(job.scan.path)
    key = work_key(source_sha, request)
    try:
        folder = _work_folder(library, request.clip_id, key)
    except OSError as exc:
        raise IngestError(f"{library.root}: cannot write in the library ({exc.strerror or exc})") from exc
    try:
        _restore_windows(folder, request, progress)
        return _commit(folder, request, source_sha)
    except (MediaError, OSError) as exc:
        done = finished_segments(folder, ("original", "luma") if job.keyframes else VERSIONS) * CORE
        reason = _disk_message(exc) or str(exc)
        raise IngestError(
            f"ingest of {request.clip_id!r} stopped: {reason}. The library {library.root} is unchanged; "
            f"{done} frames are kept in {folder}, and running the same command again resumes from frame {done}."
        ) from exc


def _restore_windows(folder: Path, request: IngestRequest, progress: Progress | None) -> None:
    """Restore every window not yet finished into ``folder``: both versions; or, with
    keyframes, the original and the restored greyscale frames (``luma``), which the colour
    stage then turns into the restored version (that stage always runs whole)."""
    job = request.job
    settings = EncodeSettings(crf=request.preset.crf, gop=request.preset.gop)
    versions = {"original": settings, "luma": LOSSLESS} if job.keyframes else {v: settings for v in VERSIONS}
    done = min(finished_segments(folder, tuple(versions)), _measured_windows(folder))
    if done:
        log.info("resuming %s at frame %d (%d windows already finished)", request.clip_id, done * CORE, done)
    poster = (folder / "poster.jpg", int(job.frame_count * POSTER_POSITION))
    frames = job.frames(done * CORE) if done < job.windows else iter(())
    restored = "luma" if job.keyframes else "restored"
    named = _measured(
        ({"original": o, restored: r} for o, r in frames), folder, done, job.frame_count, restored
    )
    write_windows(folder, job, range(done, job.windows), versions, named, progress, poster)
    if job.keyframes:
        coloured = ({"restored": frame} for frame in job.coloured(folder, progress))
        write_windows(folder, job, range(job.windows), {"restored": settings}, coloured, None, poster)


def _brightness_path(folder: Path, window: int) -> Path:
    return folder / f"brightness-{window:06d}.json"


def _measured_windows(folder: Path) -> int:
    """How many windows from the first have their brightness kept (a work folder from before
    the figures has none: its windows are done again)."""
    count = 0
    while _brightness_path(folder, count).is_file():
        count += 1
    return count


def _brightness(frame: np.ndarray) -> float:
    """Mean brightness in [0, 1] of a ``uint8`` frame, greyscale ``(H, W)`` or RGB ``(H, W, 3)``."""
    mean = frame.mean() if frame.ndim == 2 else frame.reshape(-1, 3).mean(axis=0) @ LUMA_WEIGHTS
    return float(mean) / 255.0


def _measured(
    frames: Iterator[dict[str, np.ndarray]], folder: Path, window: int, frame_count: int, restored: str
) -> Iterator[dict[str, np.ndarray]]:
    """``frames`` (clip frames from window ``window`` on) passed on as they are; the mean
    brightness of the original and the ``restored`` version of each window's frames is kept in
    ``folder`` before its last frame is passed on, so every finished window has its figures."""
    rows: list[tuple[float, float]] = []
    for index, frame in enumerate(frames, start=window * CORE):
        rows.append((_brightness(frame["original"]), _brightness(frame[restored])))
        if len(rows) == CORE or index + 1 == frame_count:
            write_bytes_atomic(_brightness_path(folder, index // CORE), json.dumps(rows).encode())
            rows = []
        yield frame


def _quality(job: Job, folder: Path) -> dict[str, float]:
    """The figures described in ``docs/library-format.md``: ``shots``, ``vignette_corner_gain``
    (only where the first pass fitted a vignette), and ``flicker_original`` and
    ``flicker_restored`` (only with two frames in one shot), from the brightness kept in
    ``folder`` for every window."""
    shot = job.motion.shot
    figures = {"shots": float(shot.max() + 1)}
    vignette = job.motion.vignette
    if vignette.frames:
        figures["vignette_corner_gain"] = float(vignette.gain(job.scan.height, job.scan.width)[0, 0, 0, 0])
    means = np.array(
        [row for w in range(job.windows) for row in json.loads(_brightness_path(folder, w).read_text())]
    )
    within_shot = shot[1:] == shot[:-1]
    if within_shot.any():
        original, restored = np.abs(np.diff(means, axis=0))[within_shot].mean(axis=0)
        figures["flicker_original"], figures["flicker_restored"] = float(original), float(restored)
    return figures


def _commit(folder: Path, request: IngestRequest, source_sha: str) -> Clip:
    job = request.job
    windows = -(-job.frame_count // CORE)
    counts = [min(CORE, job.frame_count - w * CORE) for w in range(windows)]
    with request.library.stage(request.clip_id) as staging:
        for v in VERSIONS:
            pieces = [segment_path(folder, v, w) for w in range(windows)]
            join(pieces, getattr(staging, v), job.scan.fps, counts)
        shutil.copyfile(folder / "poster.jpg", staging.poster)
        provenance = Provenance(
            source=SourceInfo(filename=job.scan.path.name, sha256=source_sha),
            restoration="engine",
            preset=request.preset_name,
            engine_version=version("mutoscope"),
            keyframes=sorted(k.index - job.start for k in job.keyframes),
            quality=_quality(job, folder),
            created=datetime.now(UTC),
        )
        clip = staging.commit(request.title, request.year, provenance, replace=request.replace)
    shutil.rmtree(folder, ignore_errors=True)
    return clip
