"""The look of a screen: how the original and the restored film share it, defined once.

An authored sequence step (:class:`config.sequences.Step`), the operator's ``transition`` and
``wipe`` commands and the player's reported state all use these types, so they agree on every
parameter and limit by construction. All numbers are dimensionless and finite.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field

from config.strict import StrictModel

Mode = Literal["wipe", "crossfade", "split", "reveal"]
MODES: tuple[Mode, ...] = get_args(Mode)
PARAMETERS: dict[Mode, tuple[str, ...]] = {
    "wipe": ("position", "angle"), "crossfade": ("fade",), "split": ("split",), "reveal": ("centre", "radius"),
}  # fmt: skip
"""The parameters each mode draws with."""

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share of the film, 0..1."""
Angle = Annotated[float, Field(ge=-90.0, le=90.0)]
"""The wipe divider's tilt from vertical, degrees (90: a horizontal divider)."""
Radius = Annotated[float, Field(ge=0.0, le=2.0)]
"""The reveal lens's radius, in film heights."""
Softness = Annotated[float, Field(ge=0.0, le=0.5)]
"""Half-width of the wipe divider's soft edge, in film widths."""


def _pair(value: Any) -> Any:
    """A JSON or TOML list ``[x, y]`` is the pair ``(x, y)``; each item stays strictly a number."""
    return tuple(value) if isinstance(value, list) else value


Point = Annotated[tuple[Unit, Unit], BeforeValidator(_pair)]
"""A place on the film: film widths from the left, film heights from the top."""


class Look(StrictModel):
    """The compositor's parameters at one instant.

    ``position``: wipe divider across the film, 0 left .. 1 right; original left of it.
    ``angle``: divider tilt from vertical, degrees. ``softness``: half-width of the divider's soft
    edge, in film widths. ``handle``: opacity of the wipe handle, 0..1. ``fade``: crossfade weight
    of the restored version. ``split``: 0 one film .. 1 side by side. ``centre``, ``radius``: the
    reveal lens (film widths/heights from the top left; radius in film heights). The defaults
    show the original alone.
    """

    mode: Mode = "wipe"
    position: Unit = 1.0
    angle: Angle = 0.0
    softness: Softness = 0.004
    handle: Unit = 0.0
    fade: Unit = 0.0
    split: Unit = 0.0
    centre: Point = (0.5, 0.5)
    radius: Radius = 0.0


def _limits(name: str) -> tuple[float, float]:
    low, high = -math.inf, math.inf
    for bound in Look.model_fields[name].metadata:
        low = getattr(bound, "ge", low)
        high = getattr(bound, "le", high)
    return low, high


LIMITS: dict[str, tuple[float, float]] = {
    name: _limits(name) for name in ("position", "angle", "softness", "handle", "fade", "split", "radius")
}
"""Each number of a :class:`Look`, its lowest and highest value (a ``centre`` is in 0..1)."""


class LookChange(StrictModel):
    """A ``mode`` and any of the look's parameters a person sets (left out: ``None``)."""

    mode: Mode
    position: Unit | None = None
    angle: Angle | None = None
    fade: Unit | None = None
    split: Unit | None = None
    centre: Point | None = None
    radius: Radius | None = None

    def changes(self) -> dict[str, Any]:
        """The fields that are set, ``mode`` included."""
        return self.model_dump(include=set(LookChange.model_fields), exclude_none=True)

    def applied_to(self, look: Look) -> Look:
        """``look`` with this change's fields (every value already checked by these types)."""
        return look.model_copy(update=self.changes())
