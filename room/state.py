"""The room's show state and what each command does to it, apart from any socket.

:class:`Room` carries out one command model at a time (a handler registered per model), returns
the typed reply and queues the cues the screens are to follow; the conductor publishes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import singledispatchmethod

from config.look import Look
from config.schema import Installation
from content.library import Library, LibraryError
from content.manifest import Clip, ManifestError
from room import protocol as p
from room.protocol import ProtocolError

CONNECTED_S = 3.0
"""A screen that has not reported for this long counts as unreachable."""
CUE_LEAD_S = 0.1
"""Cues name a conductor time this far ahead (screens do not wait for it yet: they act on a cue
when it arrives)."""


@dataclass
class ScreenRecord:
    """What the conductor last asked of a screen, and what the screen last reported (``seen``:
    monotonic seconds)."""

    clip: str | None = None
    paused: bool = False
    look: Look = field(default_factory=Look)
    status: p.PlayerStatus | None = None
    seen: float = float("-inf")


class Room:
    """The show state of ``installation``; ``now`` gives conductor time in seconds."""

    def __init__(self, installation: Installation, now: Callable[[], float]) -> None:
        self.installation = installation
        self.now = now
        self.screens = {s.id: ScreenRecord() for s in installation.screens}
        self.playlist = list(installation.schedule.attract_playlist)
        self.attract = True
        self.cues: list[p.Cue] = []
        """Cues made since the conductor last published them, oldest first."""

    # ---- reading

    def state(self) -> p.RoomState:
        """Every screen (connected or not, what it shows and was asked) and the attract loop."""
        seen_before = time.monotonic() - CONNECTED_S
        screens = {}
        for name, record in self.screens.items():
            reported = record.status.model_dump() if record.status else {}
            wanted = p.Wanted(clip=record.clip, paused=record.paused, look=record.look)
            screens[name] = p.ScreenState.model_validate(
                {**reported, "screen": name, "connected": record.seen > seen_before, "wanted": wanted}
            )
        return p.RoomState(
            time=round(self.now(), 4), screens=screens, playlist=list(self.playlist), attract=self.attract
        )

    def clips(self, installation: Installation | None = None) -> list[Clip]:
        """The clips of the library (of ``installation``, by default this room's); ``internal``
        if it cannot be read."""
        try:
            return Library((installation or self.installation).library).read().clips
        except (LibraryError, ManifestError) as exc:
            raise ProtocolError("internal", f"the library cannot be read: {exc}") from None

    def _screens(self, wanted: list[str] | None) -> list[str]:
        if wanted is None:
            return list(self.screens)
        unknown = [s for s in wanted if s not in self.screens]
        if unknown:
            raise ProtocolError(
                "unknown_screen", f"args.screens: no screen {unknown[0]!r}; known: {', '.join(self.screens)}"
            )
        return wanted

    def _cue(self, cue: type[p.Cue], screens: list[str], **args: object) -> p.Cued:
        made = cue.model_validate({"screens": screens, "at": round(self.now() + CUE_LEAD_S, 4), "args": args})
        self.cues.append(made)
        return p.Cued(screens=screens, at=made.at)

    # ---- commands

    @singledispatchmethod
    def handle(self, command: p.Command) -> p.ReplyData:
        """Carry out ``command``; :class:`ProtocolError` where it cannot be."""
        raise ProtocolError("unknown_command", f"cmd: {command.model_dump().get('cmd')!r} has no handler")

    @handle.register
    def _list(self, _: p.ListClips) -> p.ClipList:
        return p.ClipList(
            clips=[
                p.ClipEntry(
                    id=c.id, title=c.title, year=c.year, frames=c.frame_count, fps=c.fps,
                    duration_s=round(c.frame_count / float(Fraction(c.fps)), 3), poster=c.poster.path,
                )
                for c in self.clips()
            ]
        )  # fmt: skip

    @handle.register
    def _status(self, _: p.Status) -> p.RoomState:
        return self.state()

    @handle.register
    def _play(self, command: p.Play) -> p.Cued:
        screens = self._screens(command.screens)
        if command.clip not in {clip.id for clip in self.clips()}:
            raise ProtocolError("unknown_clip", f"args.clip: no clip {command.clip!r} in the library")
        for s in screens:
            self.screens[s].clip, self.screens[s].paused = command.clip, False
        return self._cue(p.PlayCue, screens, clip=command.clip, frame=command.frame)

    @handle.register
    def _stop(self, command: p.Stop) -> p.Cued:
        screens = self._screens(command.screens)
        for s in screens:
            self.screens[s].clip = None
        return self._cue(p.StopCue, screens)

    @handle.register
    def _pause(self, command: p.Pause) -> p.Cued:
        return self._hold(command.screens, paused=True, cue=p.PauseCue)

    @handle.register
    def _resume(self, command: p.Resume) -> p.Cued:
        return self._hold(command.screens, paused=False, cue=p.ResumeCue)

    def _hold(self, wanted: list[str] | None, paused: bool, cue: type[p.Cue]) -> p.Cued:
        screens = self._screens(wanted)
        for s in screens:
            self.screens[s].paused = paused
        return self._cue(cue, screens)

    @handle.register
    def _seek(self, command: p.Seek) -> p.Cued:
        return self._cue(p.SeekCue, self._screens(command.screens), frame=command.frame)

    @handle.register
    def _transition(self, command: p.Transition) -> p.Cued:
        screens = self._screens(command.screens)
        for s in screens:
            self.screens[s].look = command.applied_to(self.screens[s].look)
        return self._cue(p.TransitionCue, screens, **command.changes())

    @handle.register
    def _wipe(self, command: p.Wipe) -> p.Cued:
        screens = self._screens(command.screens)
        for s in screens:
            self.screens[s].look = self.screens[s].look.model_copy(
                update={"mode": "wipe", "position": command.position, "angle": command.angle}
            )
        return self._cue(p.WipeCue, screens, position=command.position, angle=command.angle)

    @handle.register
    def _playlist(self, command: p.SetPlaylist) -> p.PlaylistSet:
        known = {clip.id for clip in self.clips()}
        for i, clip in enumerate(command.clips):
            if clip not in known:
                raise ProtocolError("unknown_clip", f"args.clips.{i}: no clip {clip!r} in the library")
        self.playlist, self.attract = list(command.clips), command.attract
        cued = self._cue(p.PlaylistCue, list(self.screens), clips=self.playlist, attract=self.attract)
        return p.PlaylistSet(playlist=self.playlist, attract=self.attract, at=cued.at)

    @handle.register
    def _report(self, command: p.Report) -> p.Reported:
        status = command.status
        if status.screen not in self.screens:
            raise ProtocolError("unknown_screen", f"args.status.screen: no screen {status.screen!r}")
        record = self.screens[status.screen]
        record.status, record.seen = status, time.monotonic()
        return p.Reported(time=round(self.now(), 4))

    def reload(self, installation: Installation) -> p.Reloaded:
        """Take a new installation (the same conductor endpoints): its screens, keeping what is
        known of the ones that stay, and its attract playlist, cued to every screen. Nothing
        changes where the new library cannot be read (``internal``)."""
        clips = self.clips(installation)
        self.installation = installation
        self.screens = {s.id: self.screens.get(s.id, ScreenRecord()) for s in installation.screens}
        self.playlist = list(installation.schedule.attract_playlist)
        self._cue(p.PlaylistCue, list(self.screens), clips=self.playlist, attract=self.attract)
        return p.Reloaded(screens=list(self.screens), clips=len(clips))
