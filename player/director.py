"""What a screen's look is at each moment, decided apart from any drawing.

Three voices direct the look, and :class:`Director` arbitrates between them: the visitor's
finger wins while it touches (and for ``idle_seconds`` after, the wipe springs back when it
lifts); the operator's look (a ``transition`` or ``wipe`` from the conductor) stands until the
clip ends; otherwise the clip's authored sequence plays. Every change eases (:mod:`player.animator`).
"""

from __future__ import annotations

import math

from config.look import Look, LookChange
from config.schema import Installation
from config.sequences import Step
from player.animator import Animator, neutral
from player.clock import ShowClock
from player.show import Show

TRANSITION_S = 0.8
"""How long an operator's transition takes to ease in."""


class Director:
    """The look of ``show``'s screen, timed by ``clock``, with ``installation``'s sequences."""

    def __init__(self, installation: Installation, show: Show, clock: ShowClock) -> None:
        self.installation = installation
        self.settings = installation.player
        self.show = show
        self.clock = clock
        self.animator = Animator(neutral("wipe"))
        self.sequence: tuple[Step, ...] = ()
        self._epoch = show.epoch
        self._step = -1
        self._last_touch = -math.inf
        self._touching = False
        self._held: Look | None = None
        """The operator's look, which stands instead of the clip's sequence until the clip ends."""

    def interacting(self) -> bool:
        """Whether a visitor touched the screen within ``idle_seconds``."""
        return self._touching or self.clock.now() - self._last_touch < self.settings.idle_seconds

    # --- the visitor's finger --------------------------------------------------------------

    def touch(self, u: float, v: float, *, follow: bool = True) -> None:
        """A finger at film point ``(u, v)`` (0..1 from the top left): the reveal lens or the
        wipe divider follows it (``follow``: at once; else easing there in a quarter second)."""
        self._follow_clip()
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
        self._follow_clip()
        self._touching = False
        now = self.clock.now()
        if self._held is not None:
            self.animator.go(self._held, self.settings.spring_seconds, now, spring=True)
        elif 0 <= self._step < len(self.sequence):
            self.animator.go(self.sequence[self._step].look(), self.settings.spring_seconds, now, spring=True)

    # --- the operator ----------------------------------------------------------------------

    def wipe_to(self, position: float, angle: float) -> None:
        """Move the wipe divider to ``position`` (0..1 across the film) at ``angle`` degrees now
        (the operator's live slider); it stays there until the clip ends."""
        self._follow_clip()
        self._held = Look(mode="wipe", position=position, angle=angle, handle=1.0)
        self.animator.go(self._held, 0.0, self.clock.now())

    def transition_to(self, change: LookChange, duration: float = TRANSITION_S) -> None:
        """Ease over ``duration`` seconds to the current look with ``change``; it stands instead
        of the clip's sequence until the clip ends."""
        self._follow_clip()
        now = self.clock.now()
        self._held = change.applied_to(self.animator.look(now)).model_copy(update={"handle": 0.0})
        self.animator.go(self._held, duration, now)

    def hold(self, look: Look) -> None:
        """Show ``look`` now, instead of the sequence, until the clip ends (for stills)."""
        self._follow_clip()
        self._held = look
        self.animator.go(look, 0.0, self.clock.now())

    # --- the authored sequence -------------------------------------------------------------

    def _follow_clip(self) -> None:
        """A clip started since the director last looked: its sequence begins afresh and the
        operator's look ends (every method runs this first, so a command always meets the clip
        it was given for)."""
        if self.show.epoch != self._epoch:
            self._epoch, self._step, self._held = self.show.epoch, -1, None
            clip = self.show.clip
            self.sequence = self.installation.sequence(clip.id) if clip is not None else ()

    def look(self, now: float) -> Look:
        """The look at show time ``now``: the sequence's step due then, unless a finger or the
        operator's look stands."""
        self._follow_clip()
        seconds = self.show.seconds(now)
        if seconds is not None:
            step = max((i for i, s in enumerate(self.sequence) if s.at <= seconds), default=-1)
            if step != self._step and step >= 0:
                self._step = step
                if not self._touching and self._held is None:
                    target = self.sequence[step]
                    self.animator.go(target.look(), target.duration, now)
        return self.animator.look(now)
