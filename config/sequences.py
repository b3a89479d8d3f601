"""Authored before/after sequences: what the screen shows at each moment of a clip.

A sequence is a list of steps; at ``at`` seconds into the clip the screen eases, over
``duration`` seconds, to the look the step describes. ``[[sequences.default]]`` applies to every
clip without its own ``[[sequences.<clip-id>]]``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from config.strict import StrictModel

Mode = Literal["wipe", "crossfade", "split", "reveal"]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Step(StrictModel):
    """One step of a sequence.

    ``position``: wipe divider across the film (0 left .. 1 right; the original shows left of it,
    the restored version right). ``angle``: the divider's tilt from vertical, degrees.
    ``fade``: crossfade weight of the restored version. ``split``: 0 one film .. 1 side by side.
    ``centre`` and ``radius``: the reveal lens, in film widths/heights from the top left and in
    film heights.
    """

    at: float = Field(ge=0.0, description="seconds from the clip's first frame")
    mode: Mode
    duration: float = Field(1.0, ge=0.0, le=30.0, description="seconds to ease into this look")
    position: Unit = 0.5
    angle: float = Field(0.0, ge=-60.0, le=60.0)
    fade: Unit = 1.0
    split: Unit = 1.0
    centre: Annotated[tuple[Unit, Unit], Field(strict=False)] = (0.5, 0.5)
    radius: Annotated[float, Field(ge=0.0, le=2.0)] = 0.3


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
