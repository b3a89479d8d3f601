"""CURVE for the control sockets: the conductor's keys and allow-list, and a client's keys.

Key files are ZeroMQ certificates made by ``mutoscope keys generate`` (``NAME.key`` holds the
public key, ``NAME.key_secret`` both). The conductor reads its secret file and allows the
clients whose public key files sit in the ``authorized_keys`` folder; a client reads its own
secret file and the conductor's public key (from either of the conductor's files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from config.schema import Installation

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
HOW_TO = (
    "make keys with `mutoscope keys generate DIR` and name them in [security] (server_key, "
    "client_key, authorized_keys), or bind the conductor to 127.0.0.1"
)


class SecurityError(Exception):
    """The sockets cannot be secured as the installation asks; the message says what to do."""


def on_loopback(endpoint: str) -> bool:
    """Whether ``endpoint`` is reachable from this PC only."""
    parsed = urlparse(endpoint)
    return parsed.scheme != "tcp" or (parsed.hostname or "") in LOOPBACK


def _load(path: Path, want_secret: bool) -> tuple[bytes, bytes | None]:
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
    server_public, _ = _load(security.server_key, want_secret=False)
    public, secret = _load(security.client_key, want_secret=True)
    assert secret is not None
    return ClientKeys(server_public, public, secret)


class ServerSecurity:
    """CURVE on the conductor's sockets with an allow-list, or open on loopback only."""

    def __init__(self, installation: Installation, context: zmq.Context[Any]) -> None:
        security = installation.security
        endpoints = (installation.conductor.command, installation.conductor.publish)
        self.authenticator: ThreadAuthenticator | None = None
        self.keys: tuple[bytes, bytes] | None = None
        if security.server_key is None:
            exposed = [e for e in endpoints if not on_loopback(e)]
            if exposed:
                raise SecurityError(
                    f"{exposed[0]}: a conductor bound beyond this PC must require CURVE keys; {HOW_TO}"
                )
            return
        if security.authorized_keys is None or not security.authorized_keys.is_dir():
            raise SecurityError(
                f"[security] authorized_keys must be a folder of allowed public keys; {HOW_TO}"
            )
        public, secret = _load(security.server_key, want_secret=True)
        assert secret is not None
        self.keys = (public, secret)
        self.authenticator = ThreadAuthenticator(context)
        self.authenticator.start()
        self.authenticator.configure_curve(domain="*", location=str(security.authorized_keys))

    def apply(self, sock: zmq.Socket[Any]) -> None:
        """Make ``sock`` a CURVE server (before it binds), where CURVE is on."""
        if self.keys is not None:
            sock.curve_server = True
            sock.curve_publickey, sock.curve_secretkey = self.keys

    def close(self) -> None:
        """Stop the authenticator."""
        if self.authenticator is not None:
            self.authenticator.stop()
