"""Which clip plays next: the attract playlist from the config, or every clip in the library."""

from __future__ import annotations

from content.manifest import Manifest


class Playlist:
    """Cycles through clip ids, skipping ones the library does not hold.

    ``ids`` is the configured attract playlist; empty means every clip in library order.
    """

    def __init__(self, ids: list[str], manifest: Manifest) -> None:
        self.ids = list(ids) or [clip.id for clip in manifest.clips]
        self.manifest = manifest
        self._position = -1

    def missing(self) -> list[str]:
        """Playlist ids the library does not hold."""
        return [clip_id for clip_id in self.ids if self.manifest.get(clip_id) is None]

    def next(self) -> str | None:
        """The next playable id after the current one (wrapping), or ``None`` if there is none."""
        for _ in range(len(self.ids)):
            self._position = (self._position + 1) % len(self.ids)
            if self.manifest.get(self.ids[self._position]) is not None:
                return self.ids[self._position]
        return None
