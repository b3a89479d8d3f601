"""The conductor: one process per installation that holds the show state (:class:`room.state.Room`),
answers commands on a ROUTER socket and publishes state and cues on an XPUB socket.

A subscriber that joins gets the current state at once (the XPUB socket, verbose, passes on
every subscription and the conductor publishes the state to it), and everyone gets it again
every ``HEARTBEAT_S``. No receive blocks without a poll, and a bad message costs its sender an
error reply, never the conductor its loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq

from config.errors import ConfigError
from config.load import load_installation
from config.schema import Installation
from room import protocol as p
from room.protocol import ProtocolError, parse_request, reply_error, reply_ok
from room.security import ServerSecurity
from room.state import Room

log = logging.getLogger("mutoscope.conductor")

HEARTBEAT_S = 1.0
"""The state is published at least this often."""


class Conductor:
    """The show state of the installation in ``config_path`` behind two sockets."""

    def __init__(
        self, config_path: Path, context: zmq.Context[Any] | None = None, heartbeat_s: float = HEARTBEAT_S
    ) -> None:
        self.config_path = Path(config_path)
        self.heartbeat_s = heartbeat_s
        installation = load_installation(self.config_path)
        self.began = time.monotonic()
        self.room = Room(installation, self.now)
        self.reloaded: list[Callable[[Installation], None]] = []
        """Called with the new installation after each good ``reload`` (the tablet page)."""
        self.context = context or zmq.Context.instance()
        self.security = ServerSecurity(installation, self.context)
        self.router: zmq.Socket[bytes] = self.context.socket(zmq.ROUTER)
        self.xpub: zmq.Socket[bytes] = self.context.socket(zmq.XPUB)
        self.xpub.setsockopt(zmq.XPUB_VERBOSE, 1)  # every subscription, not just a topic's first
        for sock in (self.router, self.xpub):
            sock.setsockopt(zmq.LINGER, 0)
            self.security.apply(sock)
        # up to 16 times the limit is read and answered with too_large; beyond, ZeroMQ drops it
        self.router.setsockopt(zmq.MAXMSGSIZE, 16 * p.MAX_MESSAGE_BYTES)
        self.router.bind(installation.conductor.command)
        self.xpub.bind(installation.conductor.publish)

    @property
    def installation(self) -> Installation:
        """The installation as last (re)loaded."""
        return self.room.installation

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
                    self._subscriptions()
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

    def _subscriptions(self) -> None:
        joined = False
        while True:
            try:
                message = self.xpub.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            joined = joined or message[:1] == b"\x01"
        if joined:  # a new subscriber: give it the state at once
            self.publish_state()

    # ---- requests

    def handle(self, raw: bytes) -> bytes:
        """The reply to one request; never raises."""
        request_id: str | None = None
        try:
            request, command = parse_request(raw)
            request_id = request.id
            log.debug("request %s: %s", request.id, command)
            data = self.reload() if isinstance(command, p.Reload) else self.room.handle(command)
            reply = reply_ok(request.id, data)
        except ProtocolError as exc:
            log.debug("request %s refused: %s %s", exc.request_id or request_id, exc.code, exc)
            return reply_error(exc.request_id or request_id, exc.code, str(exc))
        except Exception as exc:  # a bug must not stop the room
            log.exception("request %r failed", raw[:200])
            return reply_error(request_id, "internal", f"the conductor failed on this request: {exc}")
        self._publish_cues()
        return reply

    def reload(self) -> p.Reloaded:
        """Read the installation file again and take it; ``bad_config`` keeps the one it had."""
        try:
            installation = load_installation(self.config_path)
        except ConfigError as exc:
            raise ProtocolError(
                "bad_config", f"{exc}; the conductor keeps the configuration it had"
            ) from None
        if installation.conductor != self.installation.conductor:
            raise ProtocolError("bad_config", "conductor endpoints changed: restart the conductor to move it")
        reloaded = self.room.reload(installation)
        for listener in self.reloaded:
            listener(installation)
        log.info("reloaded %s: screens %s", self.config_path, ", ".join(reloaded.screens))
        return reloaded

    def _publish_cues(self) -> None:
        cues, self.room.cues = self.room.cues, []
        for cue in cues:
            self.xpub.send_multipart([b"cue", p.dumps(cue)])
        if cues:
            self.publish_state()

    def publish_state(self) -> None:
        """Publish the state to every subscriber."""
        self.xpub.send_multipart([b"state", p.dumps(self.room.state())])
