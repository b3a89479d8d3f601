"""A clip library on disk: read the manifest, add clips atomically, remove them.

Layout (see ``docs/library-format.md``)::

    LIB/manifest.json               the index; replaced by rename, never edited in place
    LIB/clips/<id>.<rev>/           one folder per committed clip revision
        original.mp4 restored.mp4 poster.jpg clip.json
    LIB/.staging/<id>.<rev>/        clips being written; invisible to readers
    LIB/.lock                       held by a writer while it commits

A commit renames a finished staging folder into ``clips/`` and then replaces the manifest, both
under the lock. A reader only follows the manifest, so at any instant, even after ``kill -9``,
it sees the old library or the new one. Folders in ``clips/`` that the manifest does not name
(left by an interrupted commit, or replaced revisions) are removed by the next writer.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import filelock

from content.atomic import fsync_tree, rename_durable, write_bytes_atomic
from content.errors import ContentError
from content.manifest import (
    Clip,
    Manifest,
    MediaFile,
    Provenance,
    VideoInfo,
    check_clip_id,
    empty_manifest,
    parse_manifest,
)
from content.media import probe, sha256_file

MANIFEST_NAME = "manifest.json"
CLIPS_DIR = "clips"
STAGING_DIR = ".staging"
LOCK_NAME = ".lock"
ORIGINAL_NAME = "original.mp4"
RESTORED_NAME = "restored.mp4"
POSTER_NAME = "poster.jpg"
RECORD_NAME = "clip.json"
LOCK_TIMEOUT_S = 120.0


class LibraryError(ContentError):
    """A library operation that cannot be done; the message says which library and why."""


class ClipNotFoundError(LibraryError):
    """No clip with the given id in the manifest."""


class ClipExistsError(LibraryError):
    """A commit would replace a clip that the caller did not ask to replace."""


def _new_revision() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class Library:
    """A library folder. Reading needs no lock; every write goes through :meth:`stage` or
    :meth:`remove` and is atomic."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    @property
    def manifest_path(self) -> Path:
        """Where the manifest lives."""
        return self.root / MANIFEST_NAME

    @classmethod
    def create(cls, root: Path) -> Library:
        """Open ``root`` for writing, making the folder if needed; fails clearly if it is not
        writable."""
        library = cls(root)
        try:
            (library.root / CLIPS_DIR).mkdir(parents=True, exist_ok=True)
            (library.root / STAGING_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"{library.root}: cannot create the library here: {exc}") from exc
        if not os.access(library.root, os.W_OK):
            raise LibraryError(f"{library.root}: the library folder is not writable")
        return library

    def read(self) -> Manifest:
        """The current manifest; an empty one for a new library folder.

        Raises :class:`LibraryError` if the folder does not exist and
        :class:`content.manifest.ManifestError` if the manifest cannot be read.
        """
        if not self.root.is_dir():
            raise LibraryError(f"{self.root}: no library here (the folder does not exist)")
        try:
            data = self.manifest_path.read_bytes()
        except FileNotFoundError:
            return empty_manifest()
        return parse_manifest(data, str(self.manifest_path))

    def path_of(self, file: MediaFile) -> Path:
        """The absolute path of a file named in the manifest; never outside the library."""
        path = (self.root / file.path).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise LibraryError(f"{self.root}: {file.path!r} points outside the library")
        return path

    @contextmanager
    def stage(self, clip_id: str) -> Iterator[Staging]:
        """A staging folder for a new revision of ``clip_id``; removed unless committed."""
        check_clip_id(clip_id)
        folder = self.root / STAGING_DIR / f"{clip_id}.{_new_revision()}"
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise LibraryError(f"{self.root}: cannot write to the library: {exc}") from exc
        staging = Staging(self, clip_id, folder)
        try:
            yield staging
        finally:
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The writers' lock; :class:`LibraryError` if it cannot be had (held too long, or a
        library this user may not write)."""
        lock = filelock.FileLock(self.root / LOCK_NAME, timeout=LOCK_TIMEOUT_S)
        try:
            lock.acquire()
        except filelock.Timeout as exc:
            raise LibraryError(
                f"{self.root}: another writer has held the library lock for {LOCK_TIMEOUT_S:.0f} s"
            ) from exc
        except OSError as exc:
            raise LibraryError(f"{self.root}: cannot write to the library: {exc.strerror or exc}") from exc
        try:
            yield
        finally:
            lock.release()

    def _write_manifest(self, manifest: Manifest) -> None:
        try:
            write_bytes_atomic(self.manifest_path, manifest.model_dump_json(indent=2).encode())
        except OSError as exc:
            raise LibraryError(
                f"{self.manifest_path}: cannot be written ({exc.strerror or exc}); the library is unchanged"
            ) from exc

    def _unreferenced(self, manifest: Manifest) -> list[Path]:
        """Folders in ``clips/`` that ``manifest`` does not name."""
        referenced = {clip.folder for clip in manifest.clips}
        clips_root = self.root / CLIPS_DIR
        folders = sorted(clips_root.iterdir()) if clips_root.is_dir() else []
        return [folder for folder in folders if f"{CLIPS_DIR}/{folder.name}" not in referenced]

    def _collect_garbage(self, manifest: Manifest) -> None:
        """Remove clip folders the manifest does not name and stray temporary manifests.
        Call with the lock held."""
        for folder in self._unreferenced(manifest):
            shutil.rmtree(folder, ignore_errors=True)
        for tmp in self.root.glob(f".{MANIFEST_NAME}.*.tmp"):
            tmp.unlink(missing_ok=True)

    def commit(self, staging: Staging, clip: Clip, *, replace: bool = False) -> None:
        """Move a finished staging folder into place and name it in the manifest, atomically.

        An existing clip of the same id is replaced only with ``replace``; otherwise
        :class:`ClipExistsError` is raised and the library is unchanged."""
        fsync_tree(staging.folder)
        with self._locked():
            manifest = self.read()
            if not replace:
                self.refuse_taken(clip.id, manifest)
            rename_durable(staging.folder, self.root / clip.folder)
            manifest = manifest.with_clip(clip)
            self._write_manifest(manifest)
            self._collect_garbage(manifest)

    def refuse_taken(self, clip_id: str, manifest: Manifest | None = None) -> None:
        """:class:`ClipExistsError` if ``clip_id`` is in the library (in ``manifest``, or as it
        reads now): a writer asks before its long work, and a commit asks again under the lock."""
        if (manifest or self.read()).get(clip_id) is not None:
            raise ClipExistsError(f"{self.root}: clip {clip_id!r} already exists")

    def remove(self, clip_id: str) -> Clip:
        """Take ``clip_id`` out of the manifest, then delete its files. Returns what was removed."""
        check_clip_id(clip_id)
        with self._locked():
            manifest = self.read()
            clip = manifest.get(clip_id)
            if clip is None:
                raise ClipNotFoundError(f"{self.root}: no clip {clip_id!r} in the library")
            manifest = manifest.without(clip_id)
            self._write_manifest(manifest)
            self._collect_garbage(manifest)
        return clip

    def orphans(self) -> list[Path]:
        """Folders in ``clips/`` and ``.staging/`` that the manifest does not name: left by an
        interrupted write, invisible to readers, removed by the next commit (``clips/``)."""
        return self._unreferenced(self.read()) + sorted((self.root / STAGING_DIR).glob("*"))


class Staging:
    """A clip being assembled. Write :attr:`original`, :attr:`restored` and :attr:`poster`,
    then call :meth:`commit`."""

    def __init__(self, library: Library, clip_id: str, folder: Path) -> None:
        self.library = library
        self.clip_id = clip_id
        self.folder = folder

    @property
    def original(self) -> Path:
        """Where the original version goes."""
        return self.folder / ORIGINAL_NAME

    @property
    def restored(self) -> Path:
        """Where the restored version goes."""
        return self.folder / RESTORED_NAME

    @property
    def poster(self) -> Path:
        """Where the poster image (JPEG) goes."""
        return self.folder / POSTER_NAME

    def _media_file(self, path: Path, rel_folder: str) -> MediaFile:
        if not path.is_file():
            raise LibraryError(f"{path}: the staged clip lacks this file")
        return MediaFile(path=f"{rel_folder}/{path.name}", sha256=sha256_file(path), size=path.stat().st_size)

    def _video_info(self, path: Path, rel_folder: str) -> tuple[VideoInfo, str]:
        found = probe(path)
        file = self._media_file(path, rel_folder)
        info = VideoInfo(
            **file.model_dump(),
            width=found.width,
            height=found.height,
            frame_count=found.frame_count,
            codec=found.codec,
        )
        return info, f"{found.fps.numerator}/{found.fps.denominator}"

    def commit(self, title: str, year: int | None, provenance: Provenance, *, replace: bool = False) -> Clip:
        """Check the staged files are in step, record them, and commit the clip atomically
        (replacing a clip of the same id only with ``replace``)."""
        rel_folder = f"{CLIPS_DIR}/{self.folder.name}"
        original, fps = self._video_info(self.original, rel_folder)
        restored, restored_fps = self._video_info(self.restored, rel_folder)
        if fps != restored_fps or original.frame_count != restored.frame_count:
            raise LibraryError(
                f"{self.folder}: the versions are not in step: original {original.frame_count} "
                f"frames at {fps} fps, restored {restored.frame_count} frames at {restored_fps} fps"
            )
        clip = Clip(
            id=self.clip_id,
            title=title,
            year=year,
            folder=rel_folder,
            fps=fps,
            frame_count=original.frame_count,
            original=original,
            restored=restored,
            poster=self._media_file(self.poster, rel_folder),
            provenance=provenance,
        )
        (self.folder / RECORD_NAME).write_text(clip.model_dump_json(indent=2))
        self.library.commit(self, clip, replace=replace)
        return clip
