"""Which clip the attract loop plays next: the configured playlist, or every clip in the library.

The loop keeps only clip ids and its place among them; every question is asked of the
library's manifest as it is now, so a clip added later is played and a clip removed is skipped.
"""

from __future__ import annotations

from content.manifest import Manifest


class AttractLoop:
    """Cycles through ``ids`` (empty: every clip of the manifest, in library order), skipping
    the ones the library does not hold."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = list(ids)
        self._position = -1
        """Where the loop is in its order (an id may stand in a playlist more than once)."""
        self._last: str | None = None

    def _order(self, manifest: Manifest) -> list[str]:
        return self.ids or [clip.id for clip in manifest.clips]

    def missing(self, manifest: Manifest) -> list[str]:
        """Playlist ids the library does not hold."""
        return [clip_id for clip_id in self.ids if manifest.get(clip_id) is None]

    def _following(self, manifest: Manifest) -> tuple[int, str] | None:
        order = self._order(manifest)
        if not self.ids:  # the library's own order, which changes as clips come and go
            self._position = order.index(self._last) if self._last in order else -1
        for step in range(1, len(order) + 1):
            position = (self._position + step) % len(order)
            if manifest.get(order[position]) is not None:
                return position, order[position]
        return None

    def peek(self, manifest: Manifest) -> str | None:
        """The id :meth:`next` will give, without moving on."""
        following = self._following(manifest)
        return None if following is None else following[1]

    def next(self, manifest: Manifest) -> str | None:
        """The next playable id after the current one (wrapping), or ``None`` if there is none."""
        following = self._following(manifest)
        if following is None:
            return None
        self._position, self._last = following
        return self._last
