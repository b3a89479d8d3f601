"""The player's state, as one typed object: what a screen is doing now."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from player.looks import Look


class PlayerStatus(BaseModel):
    """A snapshot of one screen.

    ``frame`` is the index on screen; ``fps`` the frames presented per second over the last
    second; ``shown`` and ``dropped`` count frames of the current clip presented and skipped
    because they were late; ``errors`` holds the latest problems (newest last).
    """

    screen: str
    state: Literal["starting", "playing", "paused", "slate", "idle"] = "starting"
    clip: str | None = None
    title: str | None = None
    frame: int = -1
    frame_count: int = 0
    fps: float = 0.0
    shown: int = 0
    dropped: int = 0
    look: Look = Field(default_factory=Look)
    interacting: bool = False
    errors: list[str] = Field(default_factory=list)
