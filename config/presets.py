"""Engine presets: which restoration stages run, how strongly, and how the result is encoded.

Stages follow restoration practice, in this order: ``weave`` (stabilise gate weave),
``flicker``, ``dust`` (dust and dirt), ``scratches``, ``grain`` (temporal denoise), then the
upscale by ``scale``. ``strength`` 1.0 is the engine's calibrated default; 0 turns the effect
off, 2 doubles it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.strict import StrictModel


class Stage(StrictModel):
    """One restoration stage: on or off, and how strongly it acts (0 to 2)."""

    enabled: bool = True
    strength: float = Field(1.0, ge=0.0, le=2.0)


class Preset(StrictModel):
    """A complete recipe for the engine.

    ``grain_keep`` re-adds that fraction of the removed grain (0 = clean, 1 = all of it);
    ``no_keyframe`` says what a shot without a colour keyframe becomes; ``crf`` is the encoder's
    constant quality (0 lossless .. 51 worst); ``gop`` the keyframe distance in frames.
    """

    scale: Literal[1, 2, 4] = 2
    weave: Stage = Stage()
    flicker: Stage = Stage()
    dust: Stage = Stage()
    scratches: Stage = Stage()
    grain: Stage = Stage()
    grain_keep: float = Field(0.0, ge=0.0, le=1.0)
    colour_scan: bool = Field(False, description="treat a colour scan as colour, not as greyscale film")
    no_keyframe: Literal["grey", "nearest-palette"] = "grey"
    codec: Literal["h264", "hevc"] = "h264"
    crf: int = Field(18, ge=0, le=51)
    gop: int = Field(9, ge=1, le=250)


BUILTIN_PRESETS: dict[str, Preset] = {
    "gentle": Preset(
        weave=Stage(strength=0.7),
        flicker=Stage(strength=0.7),
        dust=Stage(strength=0.6),
        scratches=Stage(enabled=False),
        grain=Stage(strength=0.5),
        grain_keep=0.4,
    ),
    "standard": Preset(grain_keep=0.15),
    "strong": Preset(
        weave=Stage(strength=1.3),
        flicker=Stage(strength=1.3),
        dust=Stage(strength=1.5),
        scratches=Stage(strength=1.5),
        grain=Stage(strength=1.5),
        crf=16,
    ),
}
