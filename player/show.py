"""What one screen plays, frame by frame, decided apart from any drawing.

:class:`Show` holds the clip lifecycle (prefetch, attract loop, slate, rest), chooses the frame
due at each show time from the decoders' ring (frames whose time has passed are dropped and
counted, never shown late), catches up when decoding falls behind, and moves on at the end of
a clip. Bad content never stops it: a clip that cannot be played, or a library that cannot be
read, is reported in the status, a slate stands for a moment, and the show goes on.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from config.schema import Installation
from content.library import Library, LibraryError
from content.manifest import Clip, Manifest, ManifestError
from content.media import MediaError
from player.attract import AttractLoop
from player.clock import ShowClock, Timeline
from player.decode import EndOfClip, Pair, PairedSource
from room.protocol import PlayerStatus

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
MAX_ERRORS = 20


class Show:
    """The clips of ``installation`` on screen ``screen_id``, read from ``library``, timed by
    ``clock``; ``interacting()`` says whether a visitor is at the screen (the clip then plays
    again instead of the attract loop moving on)."""

    def __init__(
        self,
        installation: Installation,
        screen_id: str,
        library: Library,
        clock: ShowClock,
        interacting: Callable[[], bool] = lambda: False,
    ) -> None:
        self.settings = installation.player
        self.library = library
        self.clock = clock
        self.interacting = interacting
        self.status = PlayerStatus(screen=screen_id)
        self.clip: Clip | None = None
        self.source: PairedSource | None = None
        self.timeline: Timeline | None = None
        self.epoch = 0
        """Counts clip starts (a seek within a clip is not one): the director begins anew on each."""
        self.finished: list[PlayerStatus] = []
        """Status of each clip as it ended, oldest first."""
        self._pending: Pair | None = None
        self._prefetched: tuple[Clip, Future[PairedSource]] | None = None
        self._prefetch_asked: Timeline | None = None
        """The timeline the next clip was last looked up for (once each: not every frame)."""
        self._opener = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        self._presented: deque[float] = deque()
        self._slate_until = -math.inf
        self.attract_loop = AttractLoop([])
        self.attract = True
        """Whether the attract loop plays between clips (else the screen rests black)."""
        self.set_playlist(installation.schedule.attract_playlist, attract=True)

    # --- reporting -------------------------------------------------------------------------

    def error(self, message: str) -> None:
        """Log ``message`` and keep it in the status, where the operator sees it."""
        log.error("%s", message)
        self.status.errors = [*self.status.errors, message][-MAX_ERRORS:]

    def _manifest(self) -> Manifest | None:
        """The library's manifest now, or ``None`` (reported) where it cannot be read."""
        try:
            return self.library.read()
        except (LibraryError, ManifestError) as exc:
            self.error(f"the library cannot be read: {exc}")
            return None

    # --- decoders --------------------------------------------------------------------------

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

    def _prefetch(self, manifest: Manifest) -> None:
        """Start decoding the clip that comes next, so it follows without a gap. Opening files
        happens on a worker thread: presentation never waits for it."""
        assert self.clip is not None
        next_id = self.clip.id if self.interacting() else self.attract_loop.peek(manifest)
        clip = manifest.get(next_id) if next_id else None
        if clip is not None:
            self._prefetched = (clip, self._opener.submit(self._open, clip, 0, PREFETCH_RING))

    # --- what plays ------------------------------------------------------------------------

    def play(
        self, clip_id: str, start_frame: int = 0, *, due: float | None = None, soon: bool = False
    ) -> bool:
        """Start ``clip_id`` at ``start_frame``, its first frame due at show time ``due`` (by
        default after a short preroll; with ``soon``, as soon as its first pair is decoded: an
        operator's command, waiting at most the preroll); ``False`` (reported, slate shown) if
        it cannot."""
        self._close_source()
        prefetched, self._prefetched = self._prefetched, None
        manifest = self._manifest()
        clip = manifest.get(clip_id) if manifest is not None else None
        if clip is None:
            self._prefetched = prefetched
            self._drop_prefetch()
            if manifest is not None:
                self.error(f"clip {clip_id!r} is not in the library")
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
            self.error(f"clip {clip_id!r} skipped: {exc}")
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
        self.epoch += 1
        self.status = self.status.model_copy(
            update={"state": "playing", "clip": clip.id, "title": clip.title, "frame": -1,
                    "frame_count": clip.frame_count, "shown": 0, "dropped": 0}
        )  # fmt: skip
        log.info("playing %s from frame %d", clip.id, start_frame)
        return True

    def _idle(self, state: str) -> None:
        """No clip: the status says so, with no frame counts left over from the last clip."""
        self.clip, self.timeline = None, None
        self.status = self.status.model_copy(
            update={"state": state, "clip": None, "title": None, "frame": -1, "frame_count": 0,
                    "shown": 0, "dropped": 0, "fps": 0.0}
        )  # fmt: skip

    def _slate(self) -> bool:
        self._close_source()
        self._idle("slate")
        self._slate_until = self.clock.now() + self.settings.slate_seconds
        return False

    def _rest(self) -> None:
        """No clip, no slate: a black screen until the attract loop is switched on again."""
        self._close_source()
        self._drop_prefetch()
        self._idle("idle")
        self._slate_until = math.inf

    def play_next(self, due: float | None = None) -> None:
        """Start the next clip of the attract loop (the same one again while a visitor plays),
        its first frame due at show time ``due``."""
        if self.clip is not None and self.interacting():
            self.play(self.clip.id, due=due)
            return
        if not self.attract:
            self._rest()
            return
        manifest = self._manifest()
        if manifest is None:
            self._slate()
            return
        clip_id = self.attract_loop.next(manifest)
        if clip_id is None:
            self.error("nothing to play: the library has none of the playlist's clips")
            self._slate()
            return
        self.play(clip_id, due=due)

    def set_playlist(self, ids: list[str], attract: bool) -> None:
        """A new attract loop (``ids``; empty: every clip), on or off. Switched on while the
        screen rests, it starts at once."""
        self.attract_loop = AttractLoop(ids)
        manifest = self._manifest()
        for clip_id in self.attract_loop.missing(manifest) if manifest is not None else []:
            self.error(f"playlist names clip {clip_id!r}, which the library does not hold")
        self.attract = attract
        if attract and self.status.state == "idle":
            self._slate_until = -math.inf

    def seek(self, frame: int) -> None:
        """Show ``frame`` of the current clip next, exactly (the clip does not start anew)."""
        if self.clip is None or self.timeline is None:
            return
        frame = min(max(frame, 0), self.clip.frame_count - 1)
        paused, epoch = self.status.state == "paused", self.epoch
        if self.play(self.clip.id, frame):
            self.epoch = epoch
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

    def seconds(self, now: float) -> float | None:
        """Clip time at show time ``now`` (``None`` with no clip)."""
        return self.timeline.seconds_at(now) if self.timeline is not None else None

    # --- presentation ----------------------------------------------------------------------

    def _take_due_frame(self, wanted: int) -> Pair | None:
        """The pair due now if it is decoded; the ones already late are dropped and counted."""
        assert self.source is not None and self.clip is not None
        while True:
            pair = self._pending or self.source.poll()
            if pair is None:
                return None
            self._pending = None
            if pair.index < wanted - CATCH_UP_S * float(self.clip.frame_rate):
                self._catch_up(pair.index, wanted)
                return None
            if pair.index < wanted:
                self.status.dropped += 1
                log.debug("clip %s: frame %d dropped (frame %d is due)", self.clip.id, pair.index, wanted)
                continue
            if pair.index > wanted:
                self._pending = pair
                return None
            self.status.frame = pair.index
            self.status.shown += 1
            self._presented.append(self.clock.now())
            return pair

    def _catch_up(self, late: int, wanted: int) -> None:
        """Restart the decoders just ahead of the clock: frames ``late`` up to there are dropped."""
        assert self.clip is not None
        restart = min(wanted + round(LEAD_S * float(self.clip.frame_rate)), self.clip.frame_count - 1)
        self.status.dropped += restart - late
        log.warning("clip %s: decoding fell behind at frame %d; skipping to %d", self.clip.id, late, restart)
        self._close_source()
        self.source = self._open(self.clip, restart)

    def update(self, now: float) -> Pair | None:
        """Advance to show time ``now``: the pair to show now (``None``: keep what is shown),
        moving on when a clip ends or fails and when a slate has stood long enough."""
        pair = None
        if self.clip is None or self.timeline is None or self.source is None:
            if now >= self._slate_until:
                self.play_next()
        else:
            pair = self._advance(self.clip, self.timeline, now)
        while self._presented and self._presented[0] < now - 1.0:
            self._presented.popleft()
        self.status.fps = float(len(self._presented))
        return pair

    def _advance(self, clip: Clip, timeline: Timeline, now: float) -> Pair | None:
        wanted = timeline.frame_at(now)
        near_end = wanted >= clip.frame_count - PREFETCH_S * float(clip.frame_rate)
        if near_end and self._prefetch_asked is not timeline:
            self._prefetch_asked = timeline
            manifest = self._manifest()
            if manifest is not None:
                self._prefetch(manifest)
        try:
            if wanted >= clip.frame_count:
                raise EndOfClip(clip.frame_count)
            return self._take_due_frame(wanted) if wanted >= 0 else None
        except EndOfClip as end:
            if end.frames < clip.frame_count:
                self.error(f"clip {clip.id!r} ended at frame {end.frames} of {clip.frame_count}")
            self.finish_clip()
        except MediaError as exc:
            self.error(f"clip {clip.id!r} stopped: {exc}")
            self.finish_clip()
        return None

    def finish_clip(self) -> None:
        """End the clip (at its last frame's time where it ran to the end) and start the next."""
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

    def fail(self, message: str) -> None:
        """Something unexpected went wrong: report it and show the slate (this never raises)."""
        self.error(message)
        self.finished = [*self.finished, self.status.model_copy(deep=True)][-MAX_ERRORS:]
        self._slate()

    def close(self) -> None:
        """Stop decoding."""
        self._close_source()
        self._drop_prefetch()
        self._opener.shutdown(wait=True)
