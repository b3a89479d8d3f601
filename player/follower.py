"""A screen's link to the conductor: it applies the cues meant for its screen to the show and
the director, and reports the screen's status about once a second. Nothing here blocks, and a
bad cue is reported in the screen's status and skipped: a screen never goes down for a message."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

import zmq
from pydantic import ValidationError

from config.schema import ConductorEndpoints
from room import protocol as p
from room.client import ClientKeys

if TYPE_CHECKING:
    from player.screen import Screen

log = logging.getLogger("mutoscope.player")

REPORT_EVERY_S = 1.0


class Follower:
    """Follows the conductor at ``endpoints`` for ``screen`` (``keys`` for a CURVE conductor)."""

    def __init__(
        self,
        screen: Screen,
        endpoints: ConductorEndpoints,
        context: zmq.Context[Any] | None = None,
        keys: ClientKeys | None = None,
    ) -> None:
        self.show = screen.show
        self.director = screen.director
        self.screen_id = screen.output.id
        self.context = context or zmq.Context.instance()
        self.sub: zmq.Socket[bytes] = self.context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"cue")
        self.sub.setsockopt(zmq.SUBSCRIBE, b"state")
        if keys is not None:
            keys.apply(self.sub)
        self.sub.connect(endpoints.publish)
        self.dealer: zmq.Socket[bytes] = self.context.socket(zmq.DEALER)
        self.dealer.setsockopt(zmq.LINGER, 0)
        self.dealer.setsockopt(zmq.IMMEDIATE, 1)  # no queue of stale reports for an absent conductor
        self.dealer.setsockopt(zmq.SNDHWM, 4)
        if keys is not None:
            keys.apply(self.dealer)
        self.dealer.connect(endpoints.command)
        self._playlist = (tuple(self.show.attract_loop.ids), self.show.attract)
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
            state = p.RoomState.model_validate_json(body)
        except ValidationError:
            return  # the state is the conductor's to get right; cues carry the commands
        wanted = (tuple(state.playlist), state.attract)
        if wanted != self._playlist:
            self._playlist = wanted
            self.show.set_playlist(state.playlist, state.attract)

    def report(self) -> None:
        """Send the screen's status now (dropped if the conductor is not there)."""
        self._next_report = time.monotonic() + REPORT_EVERY_S
        self._reports += 1
        status = self.show.status.model_dump(mode="json")
        body = p.request("report", {"status": status}, f"{self.screen_id}-{self._reports}")
        with contextlib.suppress(zmq.Again):
            self.dealer.send_multipart([b"", body], zmq.NOBLOCK)

    def apply(self, body: bytes) -> None:
        """Carry out one cue if it is for this screen; a bad one is reported and skipped."""
        try:
            if self.screen_id not in p.CueAddress.model_validate_json(body).screens:
                return  # for other screens: not ours to read (it may be a newer conductor's)
            cue = p.parse_cue(body)
        except (ValidationError, ValueError, RecursionError) as exc:
            self.show.error(f"a cue from the conductor could not be read: {exc}")
            return
        match cue:
            case p.PlayCue(args=p.PlayArgs(clip=clip, frame=frame)):
                self.show.play(clip, frame, soon=True)
            case p.SeekCue(args=p.SeekArgs(frame=frame)):
                self.show.seek(frame)
            case p.WipeCue(args=p.WipeArgs(position=position, angle=angle)):
                self.director.wipe_to(position, angle)
            case p.TransitionCue(args=change):
                self.director.transition_to(change)
            case p.PauseCue():
                self.show.pause()
            case p.ResumeCue():
                self.show.resume()
            case p.StopCue():
                self.show.play_next()
            case p.PlaylistCue(args=p.PlaylistArgs(clips=clips, attract=attract)):
                self._playlist = (tuple(clips), attract)
                self.show.set_playlist(clips, attract)

    def close(self) -> None:
        """Close both sockets."""
        self.sub.close()
        self.dealer.close()
