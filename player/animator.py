"""How a screen eases from one :class:`config.look.Look` to another.

Every mode has a neutral look that shows only the original film; a change of mode eases the old
mode to neutral, switches, and eases out to the new look, so nothing ever jumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from config.look import LIMITS, Look, Mode


def neutral(mode: Mode, like: Look | None = None) -> Look:
    """The look of ``mode`` that shows only the original (keeping ``like``'s angle and centre)."""
    base = like or Look()
    return base.model_copy(update={"mode": mode, "position": 1.0, "fade": 0.0, "split": 0.0,
                                   "radius": 0.0, "handle": 0.0})  # fmt: skip


def _within(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def mix(a: Look, b: Look, t: float) -> Look:
    """``a`` at ``t`` = 0 to ``b`` at ``t`` = 1, field by field (mode from ``b``); a spring's
    overshoot (``t`` past 1) stops at each parameter's limit, so every look stays a valid one."""
    update: dict[str, object] = {
        name: _within(getattr(a, name) + (getattr(b, name) - getattr(a, name)) * t, *limits)
        for name, limits in LIMITS.items()
    }
    update["centre"] = tuple(
        _within(p + (q - p) * t, 0.0, 1.0) for p, q in zip(a.centre, b.centre, strict=True)
    )
    update["mode"] = b.mode
    return a.model_copy(update=update)


def ease_in_out(t: float) -> float:
    """Cubic ease in and out, [0, 1] -> [0, 1]."""
    t = min(max(t, 0.0), 1.0)
    return 4 * t**3 if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2


def ease_spring(t: float) -> float:
    """A gentle damped spring, [0, 1] -> [0, 1]: overshoots by about 7 % and settles at 1."""
    t = min(max(t, 0.0), 1.0)
    return 1 - (1 - t) * math.exp(-4 * t) * math.cos(6 * t)


@dataclass(frozen=True)
class _Segment:
    start: float
    duration: float
    frm: Look
    to: Look
    spring: bool


class Animator:
    """Eases between looks over time (seconds on any steady clock)."""

    def __init__(self, look: Look | None = None) -> None:
        start = look or Look()
        self._segments: list[_Segment] = [_Segment(0.0, 0.0, start, start, False)]

    def look(self, now: float) -> Look:
        """The look at ``now``."""
        current = self._segments[0]
        for segment in self._segments:
            if now >= segment.start:
                current = segment
        if current.duration <= 0 or now >= current.start + current.duration:
            return current.to
        t = (now - current.start) / current.duration
        return mix(current.frm, current.to, ease_spring(t) if current.spring else ease_in_out(t))

    def go(self, target: Look, duration: float, now: float, *, spring: bool = False) -> None:
        """Ease from the look at ``now`` to ``target`` over ``duration`` seconds; through the
        neutral look when the mode changes."""
        here = self.look(now)
        if here.mode == target.mode or duration <= 0:
            self._segments = [_Segment(now, duration, here, target, spring)]
            return
        half = duration / 2
        self._segments = [
            _Segment(now, half, here, neutral(here.mode, here), False),
            _Segment(now + half, half, neutral(target.mode, target), target, spring),
        ]
