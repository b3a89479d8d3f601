"""One exhibition screen: the window that draws what the show and the director decide.

At every presentation :class:`Screen` asks the :class:`player.show.Show` for the pair due now
and the :class:`player.director.Director` for the look, uploads and composites them, and puts
the caption, the split view's labels or the slate around the film. A visitor's finger on the
window goes to the director. Nothing that goes wrong while playing takes the window down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import numpy as np
import pyglet
from pyglet import gl

from config.look import Look
from config.schema import Installation
from content.library import Library
from content.manifest import Clip
from player.clock import MonotonicClock, ShowClock
from player.compositor import Compositor
from player.director import Director
from player.layout import Rect, letterbox, split_view
from player.show import Show

log = logging.getLogger("mutoscope.player")

FONT = "DejaVu Sans"


class Screen:
    """Plays the installation's clips on ``window`` (a pyglet window with a GL 3.3 context)."""

    def __init__(
        self,
        window: pyglet.window.Window,
        installation: Installation,
        screen_id: str,
        library: Library,
        clock: ShowClock | None = None,
    ) -> None:
        self.window = window
        self.settings = installation.player
        self.output = installation.screen(screen_id)
        self.clock = clock or MonotonicClock()
        self.show = Show(installation, screen_id, library, self.clock, lambda: self.director.interacting())
        self.director = Director(installation, self.show, self.clock)
        self.compositor = Compositor()
        self._new_frame = True
        self._drawn: tuple[Look, str, int] | None = None
        self._captioned: Clip | None = None
        self._tick_error: str | None = None
        size = max(window.height * 0.024, 9)
        self.caption = pyglet.text.Label(
            "", font_name=FONT, font_size=size, multiline=True, width=100, color=(225, 220, 210, 220)
        )
        self.labels = [
            pyglet.text.Label(
                text, font_name=FONT, font_size=size * 0.8, anchor_x="center", color=(235, 230, 220, 0)
            )
            for text in ("ORIGINAL", "RESTORED")
        ]
        self.slate = pyglet.text.Label(
            "The next film begins in a moment",
            font_name=FONT,
            font_size=size * 1.2,
            anchor_x="center",
            anchor_y="center",
            color=(200, 195, 185, 255),
        )
        window.push_handlers(
            on_mouse_press=lambda x, y, *_: self.touch(x, y, follow=False),
            on_mouse_drag=lambda x, y, *_: self.touch(x, y),
            on_mouse_release=lambda *_: self.director.release(),
            on_expose=self._on_expose,
        )

    # --- the film on the window ------------------------------------------------------------

    def _film(self) -> Rect:
        clip = self.show.clip
        aspect = clip.restored.width / clip.restored.height if clip else 4 / 3
        return letterbox(aspect, self.window.width, self.window.height)

    def touch(self, x: float, y: float, *, follow: bool = True) -> None:
        """A finger at window pixel ``(x, y)`` (origin bottom left), given to the director."""
        film = self._film()
        u = min(max((x - film.x) / film.w, 0.0), 1.0)
        v = min(max(1.0 - (y - film.y) / film.h, 0.0), 1.0)
        self.director.touch(u, v, follow=follow)

    def _place_caption(self, clip: Clip | None) -> None:
        """The clip's title and year in the black bar beside (or below) the film, never over it."""
        self._captioned = clip
        year = f"\n{clip.year}" if clip and clip.year else ""
        self.caption.text = f"{clip.title}{year}" if clip and self.output.caption else ""
        film = self._film()
        margin = self.caption.font_size
        if film.x >= self.window.width * 0.08:
            self.caption.width = int(film.x - 2 * margin)
            self.caption.position = (margin, margin, 0)
            self.caption.anchor_y = "bottom"
        else:
            self.caption.width = int(self.window.width - 2 * margin)
            self.caption.position = (margin, max(film.y - margin, margin), 0)
            self.caption.anchor_y = "top" if film.y > 3 * margin else "bottom"

    # --- presentation ----------------------------------------------------------------------

    def update(self) -> None:
        """Advance to the show clock's now: take the frame due, move the look, note the status."""
        now = self.clock.now()
        pair = self.show.update(now)
        if pair is not None:
            self.compositor.upload(pair.original, pair.restored)
            self._new_frame = True
        status = self.show.status
        status.look = self.director.look(now)
        status.interacting = self.director.interacting()

    @property
    def needs_draw(self) -> bool:
        """Whether the screen shows something new: a frame, a look that moved, or a new state."""
        return self._new_frame or self._drawn != (
            self.show.status.look,
            self.show.status.state,
            self.show.epoch,
        )

    def draw(self) -> None:
        """Draw the current state into the back buffer."""
        viewport = self.window.get_framebuffer_size()
        gl.glViewport(0, 0, *viewport)
        status, clip = self.show.status, self.show.clip
        look = status.look
        self._drawn, self._new_frame = (look, status.state, self.show.epoch), False
        if clip is None:  # black, with the slate's words unless resting
            gl.glClearColor(0.0, 0.0, 0.0, 1.0)
            gl.glClear(gl.GL_COLOR_BUFFER_BIT)
            if status.state != "idle":
                self.slate.position = (self.window.width / 2, self.window.height / 2, 0)
                self.slate.draw()
            return
        if clip is not self._captioned:
            self._place_caption(clip)
        film = self._film()
        left, right = split_view(film.w / film.h, self.window.width, self.window.height)
        split = look.split if look.mode == "split" else 0.0
        self.compositor.draw(look, film.lerp(left, split), film.lerp(right, split), viewport)
        for label, rect in zip(self.labels, (left, right), strict=True):
            label.position = (rect.x + rect.w / 2, rect.y - label.font_size * 2.0, 0)
            label.color = (*label.color[:3], int(220 * split))
            if split > 0.01:
                label.draw()
        if self.caption.text and split < 0.01:
            self.caption.draw()

    def snapshot(self) -> np.ndarray:
        """The back buffer as ``(H, W, 3)`` ``uint8`` RGB, top row first."""
        width, height = self.window.get_framebuffer_size()
        buffer = (gl.GLubyte * (width * height * 3))()
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        gl.glReadPixels(0, 0, width, height, gl.GL_RGB, gl.GL_UNSIGNED_BYTE, buffer)
        return np.frombuffer(buffer, np.uint8).reshape(height, width, 3)[::-1].copy()

    def run(
        self,
        until: Callable[[], bool] = lambda: False,
        on_frame: Callable[[], None] | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        """Present until the window closes or ``until()``; paced to ``refresh_hz`` where the
        display gives no vsync. A new frame is always drawn; a look that moves without a new
        frame is redrawn at most every three draw times, so a software renderer keeps its CPU
        for decoding. ``on_frame`` runs after each draw, before the flip; ``on_tick`` once a
        loop, before the update (the conductor's cues). An unexpected error in either is
        reported and the slate shown; the loop goes on."""
        period = 1.0 / self.settings.refresh_hz
        deadline = time.perf_counter()
        draw_cost, last_draw = 0.0, -math.inf
        self.show.play_next()
        while not self.window.has_exit and not until():
            self.window.dispatch_events()
            if on_tick:
                self._tick(on_tick)
            try:
                self.update()
            except Exception as exc:  # a kiosk screen stays up: report it, show the slate
                log.exception("unexpected error while playing %s", self.show.status.clip)
                self.show.fail(f"clip {self.show.status.clip!r} stopped by an unexpected error: {exc}")
            started = time.perf_counter()
            if self._new_frame or (self.needs_draw and started - last_draw >= 3 * draw_cost):
                self.draw()
                if on_frame:
                    on_frame()
                self.window.flip()
                last_draw = time.perf_counter()
                draw_cost = 0.8 * draw_cost + 0.2 * (last_draw - started)
            deadline += period
            delay = deadline - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -period:
                deadline = time.perf_counter()

    def _tick(self, on_tick: Callable[[], None]) -> None:
        """Run ``on_tick`` (the conductor's cues); an error in it is reported once, not every
        loop, and the clip plays on."""
        try:
            on_tick()
        except Exception as exc:
            message = f"following the conductor failed: {exc}"
            if message != self._tick_error:
                log.exception("%s", message)
                self.show.error(message)
            self._tick_error = message
        else:
            self._tick_error = None

    def _on_expose(self) -> None:
        self._new_frame = True

    def close(self) -> None:
        """Stop decoding and free GL objects."""
        self.show.close()
        self.compositor.delete()
