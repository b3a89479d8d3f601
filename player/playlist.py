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

    def _following(self) -> int | None:
        for step in range(1, len(self.ids) + 1):
            position = (self._position + step) % len(self.ids)
            if self.manifest.get(self.ids[position]) is not None:
                return position
        return None

    def peek(self) -> str | None:
        """The id :meth:`next` will give, without moving on."""
        position = self._following()
        return None if position is None else self.ids[position]

    def next(self) -> str | None:
        """The next playable id after the current one (wrapping), or ``None`` if there is none."""
        position = self._following()
        if position is None:
            return None
        self._position = position
        return self.ids[position]
