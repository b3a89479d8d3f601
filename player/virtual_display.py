"""A private Xvfb server (Mesa's llvmpipe behind it), for a screen where there is no display:
`make demo` on a server, the stills in docs/, the benchmarks and the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from player.errors import DisplayError


@contextmanager
def virtual_display(size: str = "1280x720x24") -> Iterator[str]:
    """Start Xvfb on a free display, point ``DISPLAY`` at it, and stop it afterwards."""
    if shutil.which("Xvfb") is None:
        raise DisplayError("Xvfb is missing: `make test` installs it (Debian package xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"], pass_fds=(write,)
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        display = f":{pipe.readline().strip()}"
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        yield display
    finally:
        server.terminate()
        server.wait(timeout=10)
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous
