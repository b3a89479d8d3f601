"""The conductor: one process per installation that holds the show state, answers commands on
a ROUTER socket and publishes state and cues on an XPUB socket.

A subscriber that joins late gets the current state at once (the XPUB socket sees its
subscription and the conductor publishes the state to it), and everyone gets it again every
``HEARTBEAT_S``. No receive blocks without a poll, and a bad message costs its sender an error
reply, never the conductor its loop.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import zmq

from config.load import ConfigError, load_installation
from config.schema import Installation
from content.library import Library, LibraryError
from content.manifest import Clip, ManifestError
from player.control import protocol as p
from player.control.protocol import (
    ProtocolError,
    parse_request,
    reply_error,
    reply_ok,
)
from player.control.security import ServerSecurity
from player.looks import Look
from player.status import PlayerStatus

log = logging.getLogger("mutoscope.conductor")

HEARTBEAT_S = 1.0
"""The state is published at least this often."""
CONNECTED_S = 3.0
"""A screen that has not reported for this long counts as unreachable."""
CUE_LEAD_S = 0.1
"""Cues name a conductor time this far ahead, so every screen can act on the same frame."""


@dataclass
class ScreenState:
    """What the conductor last asked of a screen, and what the screen last reported."""

    clip: str | None = None
    paused: bool = False
    look: Look = field(default_factory=Look)
    status: PlayerStatus | None = None
    seen: float = float("-inf")


class Conductor:
    """The show state of ``installation`` (loaded from ``config_path``) behind two sockets."""

    def __init__(
        self, config_path: Path, context: zmq.Context[Any] | None = None, heartbeat_s: float = HEARTBEAT_S
    ) -> None:
        self.config_path = Path(config_path)
        self.heartbeat_s = heartbeat_s
        self.installation = load_installation(self.config_path)
        self.context = context or zmq.Context.instance()
        self.security = ServerSecurity(self.installation, self.context)
        self.screens = {s.id: ScreenState() for s in self.installation.screens}
        self.playlist = list(self.installation.schedule.attract_playlist)
        self.attract = bool(self.playlist)
        self.began = time.monotonic()
        self.router: zmq.Socket[bytes] = self.context.socket(zmq.ROUTER)
        self.xpub: zmq.Socket[bytes] = self.context.socket(zmq.XPUB)
        for sock in (self.router, self.xpub):
            sock.setsockopt(zmq.LINGER, 0)
            self.security.apply(sock)
        # up to 16 times the limit is read and answered with too_large; beyond, ZeroMQ drops it
        self.router.setsockopt(zmq.MAXMSGSIZE, 16 * p.MAX_MESSAGE_BYTES)
        self.router.bind(self.installation.conductor.command)
        self.xpub.bind(self.installation.conductor.publish)

    def now(self) -> float:
        """Conductor time: seconds since it started (the show's reference clock)."""
        return time.monotonic() - self.began

    def close(self) -> None:
        """Close both sockets."""
        self.router.close()
        self.xpub.close()
        self.security.close()

    # ---- the loop

    def serve(self, stop: threading.Event) -> None:
        """Answer and publish until ``stop`` is set."""
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        poller.register(self.xpub, zmq.POLLIN)
        next_beat = 0.0
        while not stop.is_set():
            for sock, _ in poller.poll(timeout=100):
                if sock is self.router:
                    self._answer()
                else:
                    self._subscription()
            if time.monotonic() >= next_beat:
                self.publish_state()
                next_beat = time.monotonic() + self.heartbeat_s

    def _answer(self) -> None:
        while True:
            try:
                frames = self.router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            if len(frames) < 3:
                continue  # not a REQ or DEALER envelope: nothing to answer
            envelope, body = frames[:-1], frames[-1]
            self.router.send_multipart([*envelope, self.handle(body)])

    def _subscription(self) -> None:
        message = self.xpub.recv()
        if message[:1] == b"\x01":  # a new subscriber: give it the state at once
            self.publish_state()

    # ---- requests

    def handle(self, raw: bytes) -> bytes:
        """The reply to one request; never raises."""
        request_id: str | None = None
        try:
            request, args = parse_request(raw)
            request_id = request.id
            data = getattr(self, f"_cmd_{request.cmd}")(args)
            return reply_ok(request.id, data)
        except ProtocolError as exc:
            return reply_error(exc.request_id or request_id, exc.code, str(exc))
        except Exception as exc:  # a bug must not stop the room
            log.exception("request %r failed", raw[:200])
            return reply_error(request_id, "internal", f"the conductor failed on this request: {exc}")

    def _screens(self, wanted: list[str] | None) -> list[str]:
        if wanted is None:
            return list(self.screens)
        unknown = [s for s in wanted if s not in self.screens]
        if unknown:
            raise ProtocolError(
                "unknown_screen", f"args.screens: no screen {unknown[0]!r}; known: {', '.join(self.screens)}"
            )
        return wanted

    def _clips(self) -> list[Clip]:
        try:
            return Library(self.installation.library).read().clips
        except (LibraryError, ManifestError) as exc:
            raise ProtocolError("internal", f"the library cannot be read: {exc}") from None

    def _clip_ids(self) -> set[str]:
        return {clip.id for clip in self._clips()}

    def _check_clip(self, clip: str) -> None:
        if clip not in self._clip_ids():
            raise ProtocolError("unknown_clip", f"args.clip: no clip {clip!r} in the library")

    def _cue(self, cmd: str, screens: list[str], **args: Any) -> dict[str, Any]:
        at = self.now() + CUE_LEAD_S
        cue = {"cmd": cmd, "screens": screens, "args": args, "at": round(at, 4)}
        self.xpub.send_multipart([b"cue", json.dumps(cue).encode()])
        self.publish_state()
        return {"screens": screens, "at": cue["at"]}

    def _cmd_list(self, _: p.NoArgs) -> dict[str, Any]:
        clips = self._clips()
        return {
            "clips": [
                {
                    "id": c.id, "title": c.title, "year": c.year, "frames": c.frame_count, "fps": c.fps,
                    "duration_s": round(c.frame_count / float(Fraction(c.fps)), 3),
                    "poster": f"{c.folder}/{c.poster.path}",
                }
                for c in clips
            ]
        }  # fmt: skip

    def status(self) -> dict[str, Any]:
        """Every screen (connected or not, what it shows) and the attract loop."""
        now = time.monotonic()
        screens = {}
        for name, state in self.screens.items():
            reported = state.status.model_dump(mode="json") if state.status else {}
            screens[name] = {
                **reported,
                "screen": name,
                "connected": now - state.seen < CONNECTED_S,
                "wanted": {
                    "clip": state.clip,
                    "paused": state.paused,
                    "look": state.look.model_dump(mode="json"),
                },
            }
        return {
            "time": round(self.now(), 4),
            "screens": screens,
            "playlist": self.playlist,
            "attract": self.attract,
        }

    def publish_state(self) -> None:
        """Publish the state to every subscriber."""
        self.xpub.send_multipart([b"state", json.dumps(self.status()).encode()])

    def _cmd_status(self, _: p.NoArgs) -> dict[str, Any]:
        return self.status()

    def _cmd_play(self, args: p.Play) -> dict[str, Any]:
        screens = self._screens(args.screens)
        self._check_clip(args.clip)
        for s in screens:
            self.screens[s].clip, self.screens[s].paused = args.clip, False
        return self._cue("play", screens, clip=args.clip, frame=args.frame)

    def _cmd_stop(self, args: p.Screens) -> dict[str, Any]:
        screens = self._screens(args.screens)
        for s in screens:
            self.screens[s].clip = None
        return self._cue("stop", screens)

    def _cmd_pause(self, args: p.Screens) -> dict[str, Any]:
        screens = self._screens(args.screens)
        for s in screens:
            self.screens[s].paused = True
        return self._cue("pause", screens)

    def _cmd_resume(self, args: p.Screens) -> dict[str, Any]:
        screens = self._screens(args.screens)
        for s in screens:
            self.screens[s].paused = False
        return self._cue("resume", screens)

    def _cmd_seek(self, args: p.Seek) -> dict[str, Any]:
        return self._cue("seek", self._screens(args.screens), frame=args.frame)

    def _cmd_transition(self, args: p.Transition) -> dict[str, Any]:
        screens = self._screens(args.screens)
        update = args.model_dump(exclude={"screens"}, exclude_none=True)
        for s in screens:
            self.screens[s].look = self.screens[s].look.model_copy(update=update)
        return self._cue("transition", screens, **update)

    def _cmd_wipe(self, args: p.Wipe) -> dict[str, Any]:
        screens = self._screens(args.screens)
        for s in screens:
            look = self.screens[s].look
            self.screens[s].look = look.model_copy(
                update={"mode": "wipe", "position": args.position, "angle": args.angle}
            )
        return self._cue("wipe", screens, position=args.position, angle=args.angle)

    def _cmd_playlist(self, args: p.Playlist) -> dict[str, Any]:
        known = self._clip_ids()
        for i, clip in enumerate(args.clips):
            if clip not in known:
                raise ProtocolError("unknown_clip", f"args.clips.{i}: no clip {clip!r} in the library")
        self.playlist, self.attract = list(args.clips), args.attract
        cue = self._cue("playlist", list(self.screens), clips=self.playlist, attract=self.attract)
        return {"playlist": self.playlist, "attract": self.attract, "at": cue["at"]}

    def _cmd_reload(self, _: p.NoArgs) -> dict[str, Any]:
        try:
            installation: Installation = load_installation(self.config_path)
        except ConfigError as exc:
            raise ProtocolError(
                "bad_config", f"{exc}; the conductor keeps the configuration it had"
            ) from None
        if installation.conductor != self.installation.conductor:
            raise ProtocolError("bad_config", "conductor endpoints changed: restart the conductor to move it")
        self.installation = installation
        self.screens = {s.id: self.screens.get(s.id, ScreenState()) for s in installation.screens}
        self.publish_state()
        return {"screens": list(self.screens), "clips": len(self._clip_ids())}

    def _cmd_report(self, args: p.Report) -> dict[str, Any]:
        status = args.status
        if status.screen not in self.screens:
            raise ProtocolError("unknown_screen", f"args.status.screen: no screen {status.screen!r}")
        state = self.screens[status.screen]
        state.status, state.seen = status, time.monotonic()
        return {"time": round(self.now(), 4)}
