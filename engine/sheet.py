"""The stages sheet: one frame after each stage, in reading order on a grid and labelled, so an
archivist can see what every stage did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.job import Job
from engine.pipeline import STAGE_NAMES
from engine.window_plan import CORE, window_frames, window_rows

TILE_WIDTH = 480
LABEL_HEIGHT = 28
COLUMNS = 4


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def stage_images(job: Job, frame: int) -> dict[str, np.ndarray]:
    """Clip frame ``frame`` after each stage: stage name -> ``(H, W)`` float in [0, 1]."""
    if not 0 <= frame < job.frame_count:
        raise ValueError(f"{frame}: the clip has frames 0 to {job.frame_count - 1}")
    first = frame // CORE * CORE
    needed = window_frames(first, CORE, job.frame_count)
    buffer = list(job.scan.frames(job.start + needed.start, job.start + needed.stop))
    held = range(needed.start, needed.start + len(buffer))
    stack = np.stack([buffer[r] for r in window_rows(first, CORE, job.frame_count, held)])
    result = job.restorer.window(stack, first, job.motion, keep_stages=True)
    return {name: images[frame - first] for name, images in result.stages.items()}


def stages_sheet(job: Job, frame: int, out: Path) -> Path:
    """Draw :func:`stage_images` on a grid ``COLUMNS`` wide, each tile ``TILE_WIDTH`` wide, into
    the PNG ``out``."""
    images = stage_images(job, frame)
    h, w = next(iter(images.values())).shape
    tile_h = round(TILE_WIDTH * h / w)
    names = [n for n in STAGE_NAMES if n in images]
    cell_h = tile_h + LABEL_HEIGHT
    rows = -(-len(names) // COLUMNS)
    sheet = Image.new("L", (TILE_WIDTH * min(COLUMNS, len(names)), cell_h * rows), 16)
    draw = ImageDraw.Draw(sheet)
    font = _font(16)
    for i, name in enumerate(names):
        tile = Image.fromarray(np.round(images[name] * 255).astype(np.uint8)).resize(
            (TILE_WIDTH, tile_h), Image.Resampling.LANCZOS
        )
        x, y = i % COLUMNS * TILE_WIDTH, i // COLUMNS * cell_h
        sheet.paste(tile, (x, y + LABEL_HEIGHT))
        enabled = name in {"scan", "upscale"} or job.restorer.enabled(name)
        label = f"{i}. {name}" + ("" if enabled else " (off)")
        draw.text((x + 8, y + 5), label, fill=235, font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.partial.png")
    sheet.save(partial)
    partial.replace(out)
    return out
