"""A screen's link to the conductor: it applies the cues meant for its screen and reports the
screen's status about once a second. Nothing here blocks, and a bad cue is logged into the
screen's status and skipped: a screen never goes down for a message."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import zmq
from pydantic import BaseModel, ConfigDict, ValidationError

from config.schema import Conductor as ConductorConfig
from player.control import protocol as p
from player.control.protocol import request
from player.control.security import ClientKeys

if TYPE_CHECKING:
    from player.screen import Screen

log = logging.getLogger("mutoscope.player")

REPORT_EVERY_S = 1.0


class Cue(BaseModel):
    """A cue as the conductor publishes it."""

    model_config = ConfigDict(extra="forbid")

    cmd: str
    screens: list[str]
    args: dict[str, Any]
    at: float


class Follower:
    """Follows the conductor of ``config`` for ``screen`` (``keys`` for a CURVE conductor)."""

    def __init__(
        self,
        screen: Screen,
        config: ConductorConfig,
        context: zmq.Context[Any] | None = None,
        keys: ClientKeys | None = None,
    ) -> None:
        self.screen = screen
        self.context = context or zmq.Context.instance()
        self.sub: zmq.Socket[bytes] = self.context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"cue")
        self.sub.setsockopt(zmq.SUBSCRIBE, b"state")
        if keys is not None:
            keys.apply(self.sub)
        self.sub.connect(config.publish)
        self.dealer: zmq.Socket[bytes] = self.context.socket(zmq.DEALER)
        self.dealer.setsockopt(zmq.LINGER, 0)
        self.dealer.setsockopt(zmq.IMMEDIATE, 1)  # no queue of stale reports for an absent conductor
        self.dealer.setsockopt(zmq.SNDHWM, 4)
        if keys is not None:
            keys.apply(self.dealer)
        self.dealer.connect(config.command)
        self._playlist = (tuple(screen.installation.schedule.attract_playlist), True)
        """The attract loop last taken on: the config's, until the conductor says otherwise."""
        self._next_report = 0.0
        self._reports = 0

    def poll(self) -> None:
        """Apply every cue that has arrived, and report when one is due; never blocks."""
        while True:
            try:
                topic, body = self.sub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            except ValueError:
                continue  # not a two-part message
            if topic == b"state":
                self._take_playlist(body)
            else:
                self.apply(body)
        while True:  # the conductor's answers to our reports: nothing to do with them
            try:
                self.dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
        if time.monotonic() >= self._next_report:
            self.report()

    def _take_playlist(self, body: bytes) -> None:
        """A screen that joins late (or missed the cue) takes the conductor's attract loop."""
        try:
            state = json.loads(body)
            wanted = (tuple(state["playlist"]), bool(state["attract"]))
        except (ValueError, KeyError, TypeError):
            return  # the state is the conductor's to get right; cues carry the commands
        if wanted != self._playlist:
            self._playlist = wanted
            self.screen.set_playlist(list(wanted[0]), wanted[1])

    def report(self) -> None:
        """Send the screen's status now (dropped if the conductor is not there)."""
        self._next_report = time.monotonic() + REPORT_EVERY_S
        self._reports += 1
        status = self.screen.status.model_dump(mode="json")
        body = request("report", {"status": status}, f"{status['screen']}-{self._reports}")
        with contextlib.suppress(zmq.Again):
            self.dealer.send_multipart([b"", body], zmq.NOBLOCK)

    def apply(self, body: bytes) -> None:
        """Carry out one cue if it is for this screen; a bad one is logged and skipped."""
        try:
            cue = Cue.model_validate_json(body)
            if self.screen.screen.id not in cue.screens:
                return
            args = p.COMMANDS[cue.cmd].model_validate(cue.args) if cue.cmd in p.COMMANDS else None
        except (ValidationError, ValueError) as exc:
            self.screen.report_problem(f"a cue from the conductor could not be read: {exc}")
            return
        screen = self.screen
        match args:
            case p.Play(clip=clip, frame=frame):
                screen.play(clip, frame, soon=True)
            case p.Seek(frame=frame):
                screen.seek(frame)
            case p.Wipe(position=position, angle=angle):
                screen.wipe_to(position, angle)
            case p.Transition():
                screen.transition_to(args.model_dump(exclude={"screens"}, exclude_none=True))
            case p.Screens() if cue.cmd == "pause":
                screen.pause()
            case p.Screens() if cue.cmd == "resume":
                screen.resume()
            case p.Screens() if cue.cmd == "stop":
                screen.play_next()
            case p.Playlist(clips=clips, attract=attract):
                self._playlist = (tuple(clips), attract)
                screen.set_playlist(clips, attract)
            case _:
                screen.report_problem(f"the conductor sent a cue this player does not know: {cue.cmd!r}")

    def close(self) -> None:
        """Close both sockets."""
        self.sub.close()
        self.dealer.close()
