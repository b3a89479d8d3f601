"""A command client with timeouts and retries (the ZeroMQ Guide's Lazy Pirate): a REQ socket
that is thrown away and made again when a reply does not come, so a restarted conductor is
picked up without restarting anyone."""

from __future__ import annotations

import json
import uuid
from typing import Any

import zmq

from player.control.protocol import request
from player.control.security import ClientKeys


class ConductorUnreachable(Exception):
    """No reply after every retry."""


class Client:
    """Requests to the conductor at ``endpoint``: each waits ``timeout_s`` for its reply and is
    sent again up to ``retries`` times on a fresh socket; ``keys`` for a CURVE conductor."""

    def __init__(
        self,
        endpoint: str,
        timeout_s: float = 1.0,
        retries: int = 3,
        context: zmq.Context[Any] | None = None,
        keys: ClientKeys | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.keys = keys
        self.timeout_ms = round(timeout_s * 1000)
        self.retries = retries
        self.context = context or zmq.Context.instance()
        self._socket: zmq.Socket[bytes] | None = None

    def _fresh(self) -> zmq.Socket[bytes]:
        if self._socket is not None:
            self._socket.close(linger=0)
        sock = self.context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        if self.keys is not None:
            self.keys.apply(sock)
        sock.connect(self.endpoint)
        self._socket = sock
        return sock

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        """The conductor's reply (a dict with ``ok`` and ``data`` or ``error``) to ``cmd``."""
        request_id = uuid.uuid4().hex[:12]
        body = request(cmd, args, request_id)
        for _ in range(self.retries + 1):
            sock = self._socket or self._fresh()
            sock.send(body)
            if sock.poll(self.timeout_ms, zmq.POLLIN):
                reply: dict[str, Any] = json.loads(sock.recv())
                if reply.get("id") in (request_id, None):
                    return reply
            self._fresh()  # a REQ socket that lost its reply cannot send again
        raise ConductorUnreachable(
            f"{self.endpoint}: no reply to {cmd!r} after {self.retries + 1} tries of {self.timeout_ms} ms"
        )

    def close(self) -> None:
        """Close the socket."""
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None
