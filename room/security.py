"""CURVE on the conductor's sockets: its keys and the allow-list of clients, or open on loopback.

The conductor reads its secret key file and allows the
clients whose public key files sit in the ``authorized_keys`` folder; ``zmq.auth``'s
authenticator refuses every other key. Bound beyond this PC, the conductor requires CURVE.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import zmq
from zmq.auth.thread import ThreadAuthenticator

from config.schema import Installation
from room.client import HOW_TO, SecurityError, read_key

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def on_loopback(endpoint: str) -> bool:
    """Whether ``endpoint`` is reachable from this PC only."""
    parsed = urlparse(endpoint)
    return parsed.scheme != "tcp" or (parsed.hostname or "") in LOOPBACK


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
        public, secret = read_key(security.server_key, want_secret=True)
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
