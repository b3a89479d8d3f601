"""Authored before/after sequences: what the screen shows at each moment of a clip.

A sequence is a list of steps; at ``at`` seconds into the clip the screen eases, over
``duration`` seconds, to the look the step describes. ``[[sequences.default]]`` applies to every
clip without its own ``[[sequences.<clip-id>]]``.
"""

from __future__ import annotations

from pydantic import Field

from config.look import PARAMETERS, Look, LookChange
from config.strict import StrictModel

AUTHORED = Look(position=0.5, fade=1.0, split=1.0, radius=0.3)
"""What a step's left-out parameters are: a wipe at the middle, the crossfade and the split all
the way, a lens of 0.3 film heights at the centre."""


class Step(LookChange):
    """One step of a sequence: at ``at`` seconds, ease over ``duration`` seconds to the look it
    describes (parameters of :class:`config.look.Look`; left out, those of :data:`AUTHORED`)."""

    at: float = Field(ge=0.0, description="seconds from the clip's first frame")
    duration: float = Field(1.0, ge=0.0, le=30.0, description="seconds to ease into this look")

    def look(self) -> Look:
        """The look this step eases to: its mode's parameters set, every other one neutral; a
        wipe shows its handle while the divider is on the film."""
        authored = self.applied_to(AUTHORED)
        look = Look(mode=self.mode).model_copy(
            update={name: getattr(authored, name) for name in PARAMETERS[self.mode]}
        )
        visible = look.mode == "wipe" and 0.02 < look.position < 0.98
        return look.model_copy(update={"handle": 1.0 if visible else 0.0})


DEFAULT_SEQUENCE: tuple[Step, ...] = (
    Step(at=0.0, mode="wipe", position=1.0, duration=0.0),
    Step(at=1.0, mode="wipe", position=0.5, duration=1.5),
    Step(at=3.5, mode="wipe", position=0.4, angle=15.0, duration=1.0),
    Step(at=5.0, mode="crossfade", fade=1.0, duration=1.5),
    Step(at=7.0, mode="split", duration=1.0),
    Step(at=9.0, mode="reveal", centre=(0.45, 0.45), radius=0.28, duration=1.0),
    Step(at=10.5, mode="reveal", centre=(0.6, 0.55), radius=0.28, duration=1.0),
)
"""Used for every clip when the installation authors none: a wipe sweeps in and tilts, a
crossfade, a split, then a reveal lens that drifts."""


class PlayerSettings(StrictModel):
    """How every screen behaves.

    ``idle_seconds``: after this long without a touch the authored sequence and the attract loop
    resume. ``spring_seconds``: how long the wipe takes to spring back after a touch.
    ``slate_seconds``: how long a slate shows when a clip cannot be played. ``refresh_hz``: the
    display's refresh rate, used for pacing where there is no vsync (a virtual display).
    ``ring_frames``: decoded frame pairs kept ahead of the clock.
    """

    idle_seconds: float = Field(20.0, gt=0.0)
    spring_seconds: float = Field(0.8, gt=0.0, le=10.0)
    slate_seconds: float = Field(4.0, gt=0.0)
    refresh_hz: float = Field(60.0, ge=10.0, le=240.0)
    ring_frames: int = Field(8, ge=2, le=64)
