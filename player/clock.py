"""Time on the show's timeline, in one place.

A :class:`ShowClock` answers "what time is it on the show's timeline" in seconds. The player
asks it at every presentation and never counts frames itself, so a clip cannot drift. It is this
PC's monotonic clock: each screen keeps its own time, and a cue's conductor time is not used to
line screens up (they start a cue when it arrives).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol


class ShowClock(Protocol):
    """A source of show time, seconds, never going backwards."""

    def now(self) -> float: ...


class MonotonicClock:
    """Show time from this PC's monotonic clock."""

    def now(self) -> float:
        return time.monotonic()


@dataclass
class Timeline:
    """Where a clip is at a show time: frame ``start_frame`` was due at ``start_time`` and frames
    follow every ``1 / fps`` seconds. Paused, it holds ``paused_frame``."""

    fps: Fraction
    start_time: float
    start_frame: int = 0
    paused_frame: int | None = None

    def frame_at(self, now: float) -> int:
        """The frame due at show time ``now`` (may be past the clip's end)."""
        if self.paused_frame is not None:
            return self.paused_frame
        return self.start_frame + math.floor((now - self.start_time) * self.fps + 1e-9)

    def seconds_at(self, now: float) -> float:
        """Clip time at ``now``: seconds since the clip's frame 0 would have been due."""
        return (
            self.frame_at(now) / float(self.fps)
            if self.paused_frame is not None
            else (now - self.start_time + self.start_frame / float(self.fps))
        )

    def pause(self, now: float) -> None:
        """Hold the frame due at ``now``."""
        self.paused_frame = self.frame_at(now)

    def resume(self, now: float) -> None:
        """Continue from the held frame, due at ``now``."""
        if self.paused_frame is not None:
            self.start_frame, self.start_time, self.paused_frame = self.paused_frame, now, None
