"""Stills of the screen: one frame with one look, and a contact sheet of a clip's sequence.

For places with no display (CI, a build server): `make demo` runs the player under Xvfb and
writes the sheet, so a person can see the transitions without a screen.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from config.look import Look
from config.sequences import Step
from content.media import MediaError
from player.errors import CaptureError
from player.screen import Screen
from room.protocol import PlayerStatus

THUMB_WIDTH = 640
COLUMNS = 2
SETTLE_S = 0.35
FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def still(
    screen: Screen, clip_id: str, frame: int, look: Look | None = None, timeout: float = 10.0
) -> np.ndarray:
    """Show ``frame`` of ``clip_id`` paused, with ``look`` (or the current one), and read the
    screen back as ``(H, W, 3)`` ``uint8`` RGB."""
    show = screen.show
    if show.clip is None or show.clip.id != clip_id:
        show.play(clip_id)
        show.pause()
    show.seek(frame)
    deadline = time.monotonic() + timeout
    while show.status.frame != frame:
        if time.monotonic() > deadline:
            raise MediaError(f"clip {clip_id!r}: frame {frame} was not decoded in {timeout} s")
        screen.update()
        time.sleep(0.002)
    if look is not None:
        screen.director.hold(look)
    screen.update()
    screen.draw()
    return screen.snapshot()


def describe(step: Step) -> str:
    """A short caption for a step's look."""
    look = step.look()
    if look.mode == "wipe":
        tilt = f", {look.angle:+.0f}°" if look.angle else ""
        return f"wipe at {look.position:.0%}{tilt}"
    if look.mode == "crossfade":
        return f"crossfade to {look.fade:.0%} restored"
    if look.mode == "split":
        return "split: original | restored"
    return f"reveal lens at ({look.centre[0]:.2f}, {look.centre[1]:.2f})"


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        return ImageFont.load_default()


def _sheet(title: str, stills: list[tuple[str, np.ndarray]]) -> Image.Image:
    height = stills[0][1].shape[0] * THUMB_WIDTH // stills[0][1].shape[1]
    rows = -(-len(stills) // COLUMNS)
    sheet = Image.new(
        "RGB", (COLUMNS * THUMB_WIDTH + (COLUMNS + 1) * 16, 60 + rows * (height + 44)), (18, 17, 16)
    )
    draw = ImageDraw.Draw(sheet)
    draw.text((16, 18), title, fill=(235, 230, 220), font=_font(22))
    for i, (caption, still) in enumerate(stills):
        x = 16 + (i % COLUMNS) * (THUMB_WIDTH + 16)
        y = 60 + (i // COLUMNS) * (height + 44)
        sheet.paste(Image.fromarray(still).resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS), (x, y))
        draw.text((x, y + height + 8), caption, fill=(200, 195, 185), font=_font(17))
    return sheet


def capture_sheet(screen: Screen, out: Path) -> PlayerStatus:
    """Play one pass of the first clip of the playlist, grab a still once each step of its
    sequence has settled, write the sheet to ``out`` (PNG) and return the clip's status."""
    stills: list[tuple[str, np.ndarray]] = []
    steps: list[Step] = []

    def grab() -> None:
        seconds = screen.show.seconds(screen.clock.now())
        if seconds is None or not screen.director.sequence:
            return
        if not steps:
            steps.extend(screen.director.sequence)
        due = [s for s in steps if s.duration > 0 and seconds >= s.at + s.duration + SETTLE_S]
        for step in due:
            stills.append((f"{step.at:4.1f} s  {describe(step)}", screen.snapshot()))
            steps.remove(step)

    screen.run(until=lambda: bool(screen.show.finished), on_frame=grab)
    if not screen.show.finished:
        raise CaptureError("the window closed before the clip finished")
    result = screen.show.finished[0]
    if not stills:
        raise CaptureError(f"no stills captured: {result.errors or 'the clip ended before its sequence'}")
    title = f"Mutoscope: {result.title}  |  {result.shown} frames shown, {result.dropped} dropped"
    out.parent.mkdir(parents=True, exist_ok=True)
    _sheet(title, stills).save(out)
    return result
