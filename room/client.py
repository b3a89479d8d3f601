"""What a client of the conductor needs: CURVE client keys, and a command client with timeouts
and retries (the ZeroMQ Guide's Lazy Pirate): a REQ socket that is thrown away and made again
when a reply does not come, so a restarted conductor is picked up without restarting anyone.

Key files are ZeroMQ certificates (``zmq.auth.create_certificates``: ``NAME.key`` holds the
public key, ``NAME.key_secret`` both). A client reads its own secret file and the conductor's
public key (from either of the conductor's files).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq
import zmq.auth

from config.schema import Installation
from room.protocol import RoomError, loads, request

HOW_TO = (
    "name the key files in [security] (server_key, client_key, authorized_keys), or bind the "
    "conductor to 127.0.0.1"
)


class SecurityError(RoomError):
    """The sockets cannot be secured as the installation asks; the message says what to do."""


class ConductorUnreachable(RoomError):
    """No reply after every retry."""


def read_key(path: Path, want_secret: bool) -> tuple[bytes, bytes | None]:
    """The public and secret key in the certificate ``path`` (``SecurityError`` naming it)."""
    try:
        public, secret = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise SecurityError(f"{path}: not a readable key file ({exc})") from None
    if want_secret and secret is None:
        raise SecurityError(f"{path}: holds no secret key (use the .key_secret file)")
    return public, secret


@dataclass(frozen=True)
class ClientKeys:
    """What a client needs to reach a CURVE conductor."""

    server_public: bytes
    public: bytes
    secret: bytes

    def apply(self, sock: zmq.Socket[Any]) -> None:
        """Make ``sock`` a CURVE client (before it connects)."""
        sock.curve_serverkey = self.server_public
        sock.curve_publickey = self.public
        sock.curve_secretkey = self.secret


def client_keys(installation: Installation) -> ClientKeys | None:
    """The client keys of ``installation``, or ``None`` where its conductor runs open."""
    security = installation.security
    if security.server_key is None:
        return None
    if security.client_key is None:
        raise SecurityError(f"[security] names a server_key but no client_key; {HOW_TO}")
    server_public, _ = read_key(security.server_key, want_secret=False)
    public, secret = read_key(security.client_key, want_secret=True)
    assert secret is not None
    return ClientKeys(server_public, public, secret)


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
                reply: dict[str, Any] = loads(sock.recv())
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
