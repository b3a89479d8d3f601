"""A conductor serving in a thread of the test process, on free ports of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from room.conductor import Conductor

_GIVEN: set[int] = set()


def free_port() -> int:
    """A port of 127.0.0.1 free now and not given before in this process: the kernel may hand
    the same just-closed port to two calls in a row, and one site's endpoints must differ."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


def site(folder: Path, library: Path, host: str = "127.0.0.1", security: str = "") -> Path:
    """An installation of two screens whose conductor listens on free ports of ``host``."""
    path = folder / "site.toml"
    path.write_text(
        f"""
name = "Test room"
library = "{library}"
[[screens]]
id = "left"
[[screens]]
id = "right"
[conductor]
command = "tcp://{host}:{free_port()}"
publish = "tcp://{host}:{free_port()}"
[schedule]
attract_playlist = ["relay"]
"""
        + security
    )
    return path


class Running:
    """A conductor serving in a thread of this process, and its endpoints."""

    def __init__(self, config: Path, heartbeat_s: float = 60.0) -> None:
        self.conductor = Conductor(config, heartbeat_s=heartbeat_s)
        self.command = self.conductor.installation.conductor.command
        self.publish = self.conductor.installation.conductor.publish
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self.conductor.serve, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.conductor.close()
