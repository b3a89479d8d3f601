"""The library manifest: typed models of what the engine writes and the player reads.

The manifest is one JSON file, ``manifest.json``, at the root of a library folder. Its
``schema_version`` is ``"MAJOR.MINOR"``: a reader accepts any minor version of its own major
(new optional fields) and refuses a newer major with :class:`NewerSchemaError`.
See ``docs/library-format.md``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from content.errors import ContentError

SCHEMA_MAJOR = 1
SCHEMA_MINOR = 1
SCHEMA_VERSION = f"{SCHEMA_MAJOR}.{SCHEMA_MINOR}"

CLIP_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ManifestError(ContentError, ValueError):
    """A manifest that cannot be read; the message names the file and the field."""


class NewerSchemaError(ManifestError):
    """A manifest written by a newer, incompatible Mutoscope."""


class UnsafeClipIdError(ContentError, ValueError):
    """A clip id that is not a safe folder name (and so could escape the library)."""


def check_clip_id(clip_id: str) -> str:
    """Return ``clip_id`` if it is a safe name, else raise :class:`UnsafeClipIdError`.

    Safe: 1-64 characters of lower-case ASCII letters, digits, ``-`` and ``_``, starting with a
    letter or digit. No dots, slashes or spaces, so no id can name a path outside the library.
    """
    if not isinstance(clip_id, str) or not CLIP_ID_PATTERN.fullmatch(clip_id):
        raise UnsafeClipIdError(
            f"clip id {clip_id!r} is not allowed: use 1-64 characters of a-z, 0-9, '-' and '_', "
            "starting with a letter or digit"
        )
    return clip_id


def _check_relative_path(path: str) -> str:
    """Accept only a relative POSIX path that stays inside the library (no ``..``, no root)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts:
        raise ValueError(f"path {path!r} must be relative and stay inside the library")
    return path


ClipId = Annotated[str, AfterValidator(check_clip_id)]
LibraryPath = Annotated[str, AfterValidator(_check_relative_path)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MediaFile(_Model):
    """One file of a clip, relative to the library root, with its size and SHA-256."""

    path: LibraryPath
    sha256: Sha256
    size: int = Field(ge=0, description="bytes")


class VideoInfo(MediaFile):
    """A video file of a clip and what a probe found in it."""

    width: int = Field(gt=0, description="pixels")
    height: int = Field(gt=0, description="pixels")
    frame_count: int = Field(gt=0)
    codec: str


class SourceInfo(_Model):
    """The scan a clip was made from."""

    filename: str
    sha256: Sha256


class Provenance(_Model):
    """How the restored version was made.

    ``restoration`` is ``"engine"`` for a restoration by Mutoscope's engine, ``"external"`` for
    a restored version made by another tool and imported, and ``"reencode"`` for a plain
    re-encode of the original (a placeholder until the engine restores the clip).
    """

    source: SourceInfo
    restoration: Literal["engine", "external", "reencode"]
    preset: str | None = None
    engine_version: str
    keyframes: list[int] = Field(default_factory=list, description="frame indices coloured by hand")
    quality: dict[str, float] = Field(default_factory=dict, description="figure name -> value")
    created: datetime


class Clip(_Model):
    """One clip: the original and restored versions (frame-for-frame in step) and their poster.

    ``fps`` is an exact rational ``"num/den"`` (``"18/1"``, ``"24000/1001"``). Frame *i* of both
    versions has presentation time ``i / fps`` seconds.
    """

    id: ClipId
    title: str = Field(min_length=1)
    year: int | None = Field(default=None, ge=1870, le=2200)
    folder: LibraryPath
    fps: str = Field(pattern=r"^[1-9][0-9]*/[1-9][0-9]*$")
    frame_count: int = Field(gt=0)
    original: VideoInfo
    restored: VideoInfo
    poster: MediaFile
    provenance: Provenance

    @property
    def frame_rate(self) -> Fraction:
        """Frames per second as an exact fraction."""
        return Fraction(self.fps)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return float(self.frame_count / self.frame_rate)

    @model_validator(mode="after")
    def _versions_in_step(self) -> Clip:
        for name in ("original", "restored"):
            video: VideoInfo = getattr(self, name)
            if video.frame_count != self.frame_count:
                raise ValueError(f"{name} has {video.frame_count} frames but the clip has {self.frame_count}")
        return self


class Manifest(_Model):
    """The whole library: schema version and clips in display order, ids unique."""

    schema_version: str = Field(pattern=r"^[0-9]+\.[0-9]+$")
    clips: list[Clip] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Manifest:
        seen: set[str] = set()
        for clip in self.clips:
            if clip.id in seen:
                raise ValueError(f"clip id {clip.id!r} appears twice")
            seen.add(clip.id)
        return self

    def get(self, clip_id: str) -> Clip | None:
        """The clip with this id, or ``None``."""
        return next((clip for clip in self.clips if clip.id == clip_id), None)

    def without(self, clip_id: str) -> Manifest:
        """A copy with the clip ``clip_id`` left out."""
        return self.model_copy(update={"clips": [c for c in self.clips if c.id != clip_id]})

    def with_clip(self, clip: Clip) -> Manifest:
        """A copy with ``clip`` added, or replacing the clip of the same id in place."""
        clips = list(self.clips)
        index = next((i for i, c in enumerate(clips) if c.id == clip.id), None)
        if index is None:
            clips.append(clip)
        else:
            clips[index] = clip
        return self.model_copy(update={"clips": clips})


def empty_manifest() -> Manifest:
    """A manifest of the current schema with no clips."""
    return Manifest(schema_version=SCHEMA_VERSION)


def parse_manifest(data: bytes, source: str) -> Manifest:
    """Parse manifest JSON; ``source`` names the file in errors.

    Raises :class:`NewerSchemaError` for a newer major schema and :class:`ManifestError` for
    anything else wrong, naming each bad field.
    """
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ManifestError(f"{source}: expected a JSON object at the top level")
    version = raw.get("schema_version")
    if isinstance(version, str) and re.fullmatch(r"[0-9]+\.[0-9]+", version):
        major = int(version.split(".")[0])
        if major > SCHEMA_MAJOR:
            raise NewerSchemaError(
                f"{source}: schema version {version} was written by a newer Mutoscope; this one "
                f"reads {SCHEMA_MAJOR}.x. Upgrade Mutoscope to read this library."
            )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{source}: {exc.error_count()} problem(s) in the manifest:"]
        for err in exc.errors():
            where = ".".join(str(part) for part in err["loc"]) or "(top level)"
            lines.append(f"  {where}: {err['msg']}")
        raise ManifestError("\n".join(lines)) from exc
