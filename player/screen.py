"""One exhibition screen: presents clip pairs by the show clock with before/after looks.

Every presentation asks the clock which frame is due, takes it from the decoders' ring (frames
whose time has passed are dropped and counted, never shown late), eases the look along the
clip's authored sequence or the visitor's finger, and draws. Bad content never stops the screen:
a clip that cannot be played is logged, shown as a slate for a moment, and skipped.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyglet
from pyglet import gl

from config.schema import Installation
from config.sequences import Step
from content.library import Library
from content.manifest import Clip
from content.media import MediaError
from player.clock import MonotonicClock, ShowClock, Timeline
from player.compositor import Compositor
from player.decode import EndOfClip, Pair, PairedSource
from player.layout import Rect, letterbox, split_view
from player.looks import Animator, Look, neutral
from player.playlist import Playlist
from player.status import PlayerStatus

log = logging.getLogger("mutoscope.player")

PREROLL_S = 0.2
"""Head start given to the decoders before a clip's first frame is due."""
CATCH_UP_S = 0.5
"""When the decoders fall this far behind the clock, they restart just ahead of it."""
LEAD_S = 0.25
"""How far ahead of the clock decoders restart after falling behind."""
PREFETCH_S = 1.0
"""How long before a clip ends the next clip's decoders start, so clips follow without a gap."""
PREFETCH_RING = 3
"""Pairs a prefetch decodes ahead until its clip plays (then ``ring_frames``)."""
TRANSITION_S = 0.8
"""How long an operator's transition takes to ease in."""
FONT = "DejaVu Sans"
MAX_ERRORS = 20


def step_look(step: Step) -> Look:
    """The look a sequence step eases to."""
    if step.mode == "wipe":
        visible = 0.02 < step.position < 0.98
        return Look(mode="wipe", position=step.position, angle=step.angle, handle=1.0 if visible else 0.0)
    if step.mode == "crossfade":
        return Look(mode="crossfade", fade=step.fade)
    if step.mode == "split":
        return Look(mode="split", split=step.split)
    return Look(mode="reveal", centre=step.centre, radius=step.radius)


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
        self.installation = installation
        self.settings = installation.player
        self.screen = installation.screen(screen_id)
        self.library = library
        self.clock = clock or MonotonicClock()
        self.compositor = Compositor()
        self.animator = Animator(neutral("wipe"))
        self.status = PlayerStatus(screen=screen_id)
        self.clip: Clip | None = None
        self.source: PairedSource | None = None
        self.timeline: Timeline | None = None
        self.sequence: tuple[Step, ...] = ()
        self._step = -1
        self._pending: Pair | None = None
        self._prefetched: tuple[Clip, Future[PairedSource]] | None = None
        self._opener = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        self._presented: deque[float] = deque()
        self._last_touch = -math.inf
        self._touching = False
        self._held: Look | None = None
        """The operator's look, which stands instead of the clip's sequence until the clip ends."""
        self._slate_until = -math.inf
        self._drawn: Look | None = None
        self._new_frame = True
        self.finished: list[PlayerStatus] = []
        """Status of each clip as it ended, oldest first."""
        self.playlist: Playlist
        self.attract: bool
        """Whether the attract loop plays between clips (else the screen rests black)."""
        self.set_playlist(installation.schedule.attract_playlist, attract=True)
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
            on_mouse_press=self._on_press,
            on_mouse_drag=self._on_drag,
            on_mouse_release=self._on_release,
            on_expose=self._on_expose,
        )

    # --- clips -----------------------------------------------------------------------------

    def _error(self, message: str) -> None:
        log.error("%s", message)
        self.status.errors = [*self.status.errors, message][-MAX_ERRORS:]

    def report_problem(self, message: str) -> None:
        """Log ``message`` and keep it in the status, where the operator sees it."""
        self._error(message)

    def _close_source(self) -> None:
        if self.source is not None:
            self.source.close()
        self.source, self._pending = None, None

    def _open(self, clip: Clip, start_frame: int, ring: int | None = None) -> PairedSource:
        return PairedSource(
            self.library.path_of(clip.original),
            self.library.path_of(clip.restored),
            clip.frame_rate,
            start_frame,
            ring or self.settings.ring_frames,
        )

    def _drop_prefetch(self) -> None:
        def close(future: Future[PairedSource]) -> None:
            if future.exception() is None:
                future.result().close()

        if self._prefetched is not None:
            self._prefetched[1].add_done_callback(close)
        self._prefetched = None

    def _prefetch(self) -> None:
        """Start decoding the clip that comes next, so it follows without a gap. Opening files
        happens on a worker thread: presentation never waits for it."""
        assert self.clip is not None
        next_id = self.clip.id if self.interacting() else self.playlist.peek()
        clip = self.library.read().get(next_id) if next_id else None
        if clip is not None:
            self._prefetched = (clip, self._opener.submit(self._open, clip, 0, PREFETCH_RING))

    def play(
        self, clip_id: str, start_frame: int = 0, *, due: float | None = None, soon: bool = False
    ) -> bool:
        """Start ``clip_id`` at ``start_frame``, its first frame due at show time ``due`` (by
        default after a short preroll; with ``soon``, as soon as its first pair is decoded: an
        operator's command, waiting at most the preroll); ``False`` (logged, slate shown) if it
        cannot."""
        self._close_source()
        prefetched, self._prefetched = self._prefetched, None
        clip = self.library.read().get(clip_id)
        if clip is None:
            self._drop_prefetch()
            self._error(f"clip {clip_id!r} is not in the library")
            return self._slate()
        try:
            if prefetched is not None and prefetched[0] == clip and start_frame == 0:
                self.source = prefetched[1].result()
                self.source.deepen(self.settings.ring_frames)
            else:
                self._prefetched = prefetched
                self._drop_prefetch()
                self.source = self._open(clip, start_frame)
        except MediaError as exc:
            self._error(f"clip {clip_id!r} skipped: {exc}")
            return self._slate()
        if soon and due is None:
            try:
                self._pending = self.source.wait(PREROLL_S)
                due = self.clock.now()
            except (MediaError, EndOfClip):  # not decoded in the preroll: start after it, as usual
                pass
        now = self.clock.now()
        self.clip = clip
        # a cue less than a frame old is kept (clips follow without a gap); else a preroll
        late = due is None or now - due >= 1 / float(clip.frame_rate)
        start = now + PREROLL_S if late else due
        self.timeline = Timeline(clip.frame_rate, start, start_frame)
        self.sequence = self.installation.sequence(clip.id)
        self._step = -1
        self._held = None
        year = f"\n{clip.year}" if clip.year else ""
        self.caption.text = f"{clip.title}{year}" if self.screen.caption else ""
        self._place_caption()
        self.status = self.status.model_copy(
            update={"state": "playing", "clip": clip.id, "title": clip.title, "frame": -1,
                    "frame_count": clip.frame_count, "shown": 0, "dropped": 0}
        )  # fmt: skip
        log.info("playing %s from frame %d", clip.id, start_frame)
        return True

    def _place_caption(self) -> None:
        """Put the caption in the black bar beside (or below) the film, never over it."""
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

    def _slate(self) -> bool:
        self.clip, self.timeline = None, None
        self._new_frame = True
        self._slate_until = self.clock.now() + self.settings.slate_seconds
        self.status = self.status.model_copy(update={"state": "slate", "clip": None, "title": None})
        return False

    def play_next(self, due: float | None = None) -> None:
        """Start the next clip of the attract loop (the same one again while a visitor plays),
        its first frame due at show time ``due``."""
        if self.clip is not None and self.interacting():
            self.play(self.clip.id, due=due)
            return
        if not self.attract:
            self._rest()
            return
        clip_id = self.playlist.next()
        if clip_id is None:
            self._error("nothing to play: the library has none of the playlist's clips")
            self._slate()
            return
        self.play(clip_id, due=due)

    def _rest(self) -> None:
        """No clip, no slate: a black screen until the attract loop is switched on again."""
        self._close_source()
        self._drop_prefetch()
        self.clip, self.timeline = None, None
        self._new_frame = True
        self._slate_until = math.inf
        self.status = self.status.model_copy(update={"state": "idle", "clip": None, "title": None})

    def set_playlist(self, ids: list[str], attract: bool) -> None:
        """A new attract loop (``ids``; empty: every clip), on or off. Switched on while the
        screen rests, it starts at once."""
        self.playlist = Playlist(ids, self.library.read())
        for clip_id in self.playlist.missing():
            self._error(f"playlist names clip {clip_id!r}, which the library does not hold")
        self.attract = attract
        if attract and self.status.state == "idle":
            self._slate_until = -math.inf

    def seek(self, frame: int) -> None:
        """Show ``frame`` of the current clip next, exactly."""
        if self.clip is None or self.timeline is None:
            return
        frame = min(max(frame, 0), self.clip.frame_count - 1)
        paused, held = self.status.state == "paused", self._held
        if self.play(self.clip.id, frame):
            self._held = held  # the operator's look outlasts a seek within the clip
            if paused:
                self.pause(at=frame)

    def pause(self, at: int | None = None) -> None:
        """Hold the current frame (or frame ``at``)."""
        if self.timeline is not None:
            self.timeline.pause(self.clock.now())
            if at is not None:
                self.timeline.paused_frame = at
            self.status = self.status.model_copy(update={"state": "paused"})

    def resume(self) -> None:
        """Continue from the held frame."""
        if self.timeline is not None:
            self.timeline.resume(self.clock.now())
            self.status = self.status.model_copy(update={"state": "playing"})

    # --- the visitor's finger ------------------------------------------------------------

    def interacting(self) -> bool:
        """Whether a visitor touched the screen within ``idle_seconds``."""
        return self._touching or self.clock.now() - self._last_touch < self.settings.idle_seconds

    def _film(self) -> Rect:
        aspect = self.clip.restored.width / self.clip.restored.height if self.clip else 4 / 3
        return letterbox(aspect, self.window.width, self.window.height)

    def touch(self, x: float, y: float, *, follow: bool = True) -> None:
        """A finger at window pixel ``(x, y)``: the reveal lens or the wipe divider follows it."""
        film = self._film()
        u = min(max((x - film.x) / film.w, 0.0), 1.0)
        v = min(max(1.0 - (y - film.y) / film.h, 0.0), 1.0)
        now = self.clock.now()
        self._last_touch, self._touching = now, True
        here = self.animator.look(now)
        if here.mode == "reveal":
            target = here.model_copy(update={"centre": (u, v), "radius": max(here.radius, 0.2)})
        else:
            angle = here.angle if here.mode == "wipe" else 0.0
            target = Look(mode="wipe", position=u, angle=angle, handle=1.0)
        self.animator.go(target, 0.0 if follow else 0.25, now)

    def release(self) -> None:
        """The finger lifts: spring back to the operator's look, or the authored one."""
        self._touching = False
        if self._held is not None:
            self.animator.go(self._held, self.settings.spring_seconds, self.clock.now(), spring=True)
        elif 0 <= self._step < len(self.sequence):
            target = step_look(self.sequence[self._step])
            self.animator.go(target, self.settings.spring_seconds, self.clock.now(), spring=True)

    def wipe_to(self, position: float, angle: float) -> None:
        """Move the wipe divider to ``position`` (0..1 across the film) at ``angle`` degrees now
        (the operator's live slider); it stays there until the clip ends."""
        now = self.clock.now()
        self._held = Look(mode="wipe", position=position, angle=angle, handle=1.0)
        self.animator.go(self._held, 0.0, now)

    def transition_to(self, update: dict[str, object], duration: float = TRANSITION_S) -> None:
        """Ease over ``duration`` seconds to the current look changed by ``update`` (fields of
        :class:`player.looks.Look`); it stands instead of the clip's sequence until the clip ends."""
        now = self.clock.now()
        target = self.animator.look(now).model_copy(update={"handle": 0.0, **update})
        self._held = Look.model_validate(target.model_dump())
        self.animator.go(self._held, duration, now)

    def _on_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        self.touch(x, y, follow=False)

    def _on_drag(self, x: int, y: int, dx: int, dy: int, buttons: int, modifiers: int) -> None:
        self.touch(x, y)

    def _on_release(self, x: int, y: int, button: int, modifiers: int) -> None:
        self.release()

    # --- presentation --------------------------------------------------------------------

    def _advance_sequence(self, seconds: float, now: float) -> None:
        step = max((i for i, s in enumerate(self.sequence) if s.at <= seconds), default=-1)
        if step != self._step and step >= 0:
            self._step = step
            if not self._touching and self._held is None:
                target = self.sequence[step]
                self.animator.go(step_look(target), target.duration, now)

    def _take_due_frame(self, wanted: int) -> None:
        """Present the pair due now if it is decoded; drop and count the ones already late."""
        assert self.source is not None
        while True:
            pair = self._pending or self.source.poll()
            if pair is None:
                return
            self._pending = None
            if pair.index < wanted - CATCH_UP_S * float(self.clip.frame_rate):
                self._catch_up(pair.index, wanted)
                return
            if pair.index < wanted:
                self.status.dropped += 1
                log.debug("clip %s: frame %d dropped (frame %d is due)", self.clip.id, pair.index, wanted)
                continue
            if pair.index > wanted:
                self._pending = pair
                return
            self.compositor.upload(pair.original, pair.restored)
            self._new_frame = True
            self.status.frame = pair.index
            self.status.shown += 1
            self._presented.append(self.clock.now())
            return

    def _catch_up(self, late: int, wanted: int) -> None:
        """Restart the decoders just ahead of the clock: frames ``late`` up to there are dropped."""
        assert self.clip is not None
        restart = min(wanted + round(LEAD_S * float(self.clip.frame_rate)), self.clip.frame_count - 1)
        self.status.dropped += restart - late
        log.warning("clip %s: decoding fell behind at frame %d; skipping to %d", self.clip.id, late, restart)
        self._close_source()
        self.source = self._open(self.clip, restart)

    @property
    def needs_draw(self) -> bool:
        """Whether the screen shows something new: a frame, or a look that moved."""
        return self._new_frame or self._drawn != self.status.look

    def update(self) -> None:
        """Advance to the show clock's now: choose the frame, move the look, handle clip ends."""
        now = self.clock.now()
        if self.clip is None or self.timeline is None or self.source is None:
            if now >= self._slate_until:
                self.play_next()
            return
        wanted = self.timeline.frame_at(now)
        self._advance_sequence(self.timeline.seconds_at(now), now)
        if self._prefetched is None and wanted >= self.clip.frame_count - PREFETCH_S * float(
            self.clip.frame_rate
        ):
            self._prefetch()
        try:
            if wanted >= self.clip.frame_count:
                raise EndOfClip(self.clip.frame_count)
            if wanted >= 0:
                self._take_due_frame(wanted)
        except EndOfClip as end:
            if end.frames < self.clip.frame_count:
                self._error(f"clip {self.clip.id!r} ended at frame {end.frames} of {self.clip.frame_count}")
            self._finish_clip()
        except MediaError as exc:
            self._error(f"clip {self.clip.id!r} stopped: {exc}")
            self._finish_clip()
        while self._presented and self._presented[0] < now - 1.0:
            self._presented.popleft()
        self.status.fps = float(len(self._presented))
        self.status.look = self.animator.look(now)
        self.status.interacting = self.interacting()

    def _finish_clip(self) -> None:
        log.info(
            "clip %s: %d frames shown, %d dropped", self.status.clip, self.status.shown, self.status.dropped
        )
        self.finished = [*self.finished, self.status.model_copy(deep=True)][-MAX_ERRORS:]
        ended = None
        if self.clip is not None and self.timeline is not None and self.timeline.paused_frame is None:
            remaining = self.clip.frame_count - self.timeline.start_frame
            ended = self.timeline.start_time + remaining / float(self.clip.frame_rate)
        self._close_source()
        self.play_next(due=ended)

    def draw(self) -> None:
        """Draw the current state into the back buffer."""
        viewport = self.window.get_framebuffer_size()
        gl.glViewport(0, 0, *viewport)
        look = self.status.look
        self._drawn, self._new_frame = look, False
        if self.clip is None:  # black, with the slate's words unless resting
            gl.glClearColor(0.0, 0.0, 0.0, 1.0)
            gl.glClear(gl.GL_COLOR_BUFFER_BIT)
            if self.status.state != "idle":
                self.slate.position = (self.window.width / 2, self.window.height / 2, 0)
                self.slate.draw()
            return
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
        loop, before the update (the conductor's cues)."""
        period = 1.0 / self.settings.refresh_hz
        deadline = time.perf_counter()
        draw_cost, last_draw = 0.0, -math.inf
        self.play_next()
        while not self.window.has_exit and not until():
            self.window.dispatch_events()
            if on_tick:
                on_tick()
            try:
                self.update()
            except Exception as exc:  # a kiosk screen stays up: log it, skip the clip
                log.exception("unexpected error while playing %s", self.status.clip)
                self._error(f"clip {self.status.clip!r} stopped by an unexpected error: {exc}")
                self._finish_clip()
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

    def _on_expose(self) -> None:
        self._new_frame = True

    def close(self) -> None:
        """Stop decoding and free GL objects."""
        self._close_source()
        self._drop_prefetch()
        self._opener.shutdown(wait=True)
        self.compositor.delete()
