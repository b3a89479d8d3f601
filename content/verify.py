"""Check a library thoroughly: every file present, hashes, both versions decodable and in step."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from content.library import Library, LibraryError
from content.manifest import Clip, ManifestError, MediaFile, VideoInfo
from content.media import MediaError, probe, sha256_file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file of one clip (``clip_id`` empty for the library itself)."""

    clip_id: str
    file: str
    message: str

    def __str__(self) -> str:
        where = f"{self.clip_id}: {self.file}" if self.clip_id else self.file
        return f"{where}: {self.message}"


def _check_file(library: Library, clip: Clip, file: MediaFile) -> list[Problem]:
    try:
        path = library.path_of(file)
    except LibraryError as exc:
        return [Problem(clip.id, file.path, str(exc))]
    if not path.is_file():
        return [Problem(clip.id, file.path, "missing")]
    size = path.stat().st_size
    if size != file.size:
        return [Problem(clip.id, file.path, f"size is {size} bytes, the manifest says {file.size}")]
    if sha256_file(path) != file.sha256:
        return [Problem(clip.id, file.path, "contents changed (SHA-256 differs from the manifest)")]
    return []


def _check_video(library: Library, clip: Clip, video: VideoInfo) -> list[Problem]:
    problems = _check_file(library, clip, video)
    if problems:
        return problems
    try:
        found = probe(library.path_of(video), decode=True)
    except MediaError as exc:
        return [Problem(clip.id, video.path, str(exc))]
    if found.frame_count != clip.frame_count:
        return [
            Problem(
                clip.id, video.path, f"decodes to {found.frame_count} frames, expected {clip.frame_count}"
            )
        ]
    if found.fps != clip.frame_rate:
        return [Problem(clip.id, video.path, f"frame rate is {found.fps}, expected {clip.fps}")]
    return []


def _check_poster(library: Library, clip: Clip) -> list[Problem]:
    problems = _check_file(library, clip, clip.poster)
    if problems:
        return problems
    try:
        with Image.open(library.path_of(clip.poster)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        return [Problem(clip.id, clip.poster.path, f"not a readable image: {exc}")]
    return []


def verify_clip(library: Library, clip: Clip) -> list[Problem]:
    """Every problem with one clip's files; empty if the clip is sound."""
    return (
        _check_video(library, clip, clip.original)
        + _check_video(library, clip, clip.restored)
        + _check_poster(library, clip)
    )


def verify_library(library: Library) -> list[Problem]:
    """Every problem in the library, clip by clip, without stopping at the first."""
    try:
        manifest = library.read()
    except (LibraryError, ManifestError) as exc:
        return [Problem("", str(library.manifest_path), str(exc))]
    problems: list[Problem] = []
    for clip in manifest.clips:
        problems += verify_clip(library, clip)
    return problems
