"""Suites for testing how ``bench.run`` runs suites: each opens a real window on its own
virtual display, and one leaves a process behind on purpose."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from player.virtual_display import virtual_display


def window() -> dict[str, Any]:
    """Open a window, clear it, read a pixel back; the display's name and this process's id."""
    with virtual_display("320x240x24") as display:
        import pyglet
        from pyglet import gl

        win = pyglet.window.Window(64, 48, visible=True)
        gl.glClearColor(1.0, 0.0, 0.0, 1.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)
        pixel = (gl.GLubyte * 3)()
        gl.glReadPixels(0, 0, 1, 1, gl.GL_RGB, gl.GL_UNSIGNED_BYTE, pixel)
        win.close()
        return {"display": display, "pid": os.getpid(), "red": pixel[0]}


def leaves_a_process() -> dict[str, Any]:
    """Start a process and a virtual display and leave them both running."""
    sleeper = subprocess.Popen(["sleep", "600"])
    xvfb = virtual_display("320x240x24")
    xvfb.__enter__()
    return {"sleeper": sleeper.pid}
