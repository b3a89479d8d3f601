"""The clips the engine and colour suites measure on, and their quick versions.

Every clip comes from the degradation model, so its truth is known: the synthetic scenes of
:mod:`content.demo.source` (camera moves and locked-off shots, objects moving on their own) and
excerpts of the real clips of :mod:`content.demo.footage`, each with the default film; one clip
with :meth:`DegradationParams.clean` (a scan with no defects, which must come out nearly
untouched); and :data:`DRAW_COUNT` members of the family (:func:`draw_params`), each on a short
excerpt, rotating over the scenes and the real clips.

``MUTOSCOPE_BENCH_QUICK=1`` in the environment trims every clip to :data:`QUICK_FRAMES` frames
and the draws to :data:`QUICK_DRAWS`: a check that the suites run end to end, in minutes. Its
figures are not the benchmark's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from content.demo.degrade import LUMA_BT601, DegradationParams, draw_params
from content.demo.footage import REAL_CLIPS, age_real_clip
from content.demo.source import SCENES, DemoSource, make_demo_source, render_frame, write_source
from content.media import read_frames

QUICK_FRAMES = 16
QUICK_DRAWS = 2
DRAW_COUNT = 8
DRAW_FRAMES = 48
SCENE_FPS = Fraction(18)


def quick() -> bool:
    """Whether ``MUTOSCOPE_BENCH_QUICK`` asks for the quick version."""
    return os.environ.get("MUTOSCOPE_BENCH_QUICK", "") not in ("", "0")


@dataclass(frozen=True)
class Clip:
    """A clip to age: ``scene`` (a key of :data:`SCENES` or :data:`REAL_CLIPS`), frames ``start``
    to ``start + count - 1`` (``None``: to the end), aged with ``seed`` and ``strength``; the film
    is ``params`` (``None``: the default film), drawn from the family with ``draw`` if set."""

    scene: str
    seed: int
    strength: float = 1.0
    start: int = 0
    count: int | None = None
    params: DegradationParams | None = None
    draw: int | None = None
    label: str = ""

    @property
    def real(self) -> bool:
        """An excerpt of a real clip (else a synthetic scene)."""
        return self.scene in REAL_CLIPS

    @property
    def clean(self) -> bool:
        """The film has no defects."""
        return self.params == DegradationParams.clean()

    @property
    def name(self) -> str:
        """The clip's name in the report."""
        span = "" if self.start == 0 and self.count is None else f"-f{self.start}+{self.count}"
        film = f"-draw{self.draw}" if self.draw is not None else f"-{self.label}" if self.label else ""
        return f"{self.scene}{span}-seed{self.seed}-x{self.strength}{film}"

    def trimmed(self, frames: int) -> Clip:
        """The same clip cut to at most ``frames`` frames from its start."""
        count = frames if self.count is None else min(self.count, frames)
        return Clip(
            self.scene, self.seed, self.strength, self.start, count, self.params, self.draw, self.label
        )


SYNTHETIC = (
    # different photographs, seeds and strengths; demo, cat and table at the seeds and
    # strengths every earlier figure in docs/benchmarks.md was measured on
    Clip("demo", 1896, 1.0),  # whole (216 frames): the command's speed needs 200 or more
    # excerpts of 120 frames with the cut in the middle, sized (like the real ones) for
    # `make bench` to stay under an hour on 2 cores (docs/benchmarks.md)
    Clip("cat", 7, 0.7, start=30, count=120),
    Clip("table", 42, 1.3, start=20, count=120),
    Clip("crossing", 11, 1.0, start=30, count=120),
)
REAL = (
    Clip("bikes", 1896, 1.0, count=96),
    Clip("bigbuckbunny", 5, 1.0, count=48),  # 1280x720: three times the pixels of a scene
    Clip("carphone_pristine", 23, 1.0, count=120),  # 176x144: the whole clip
)
CLEAN = Clip("crossing", 11, 1.0, start=60, count=48, params=DegradationParams.clean(), label="clean")
ROTATION = ("demo", "cat", "table", "crossing", "bikes", "carphone_pristine")
"""The draws' sources in turn (bigbuckbunny, three times a scene's pixels, only as a named clip)."""


def _draw(index: int, frames: int) -> Clip:
    """Draw ``index`` (from 1): film ``draw_params(index)`` on the next source of
    :data:`ROTATION`; a scene's excerpt straddles its first cut."""
    scene = ROTATION[(index - 1) % len(ROTATION)]
    start = 0 if scene in REAL_CLIPS else max(0, SCENES[scene].cuts[0] - frames // 2)
    return Clip(scene, 100 + index, 1.0, start=start, count=frames, params=draw_params(index), draw=index)


def clips() -> list[Clip]:
    """The named clips (synthetic scenes, real excerpts, the clean film), quick or full."""
    named = [*SYNTHETIC, *REAL, CLEAN]
    return [c.trimmed(QUICK_FRAMES) for c in named] if quick() else named


def draws() -> list[Clip]:
    """The family's draws, quick or full."""
    if quick():
        return [_draw(i, QUICK_FRAMES) for i in range(1, QUICK_DRAWS + 1)]
    return [_draw(i, DRAW_FRAMES) for i in range(1, DRAW_COUNT + 1)]


def make(clip: Clip, folder: Path) -> DemoSource:
    """Age ``clip`` into ``folder / clip.name``. A whole scene is what ``make_demo_source``
    writes (the same files as every earlier run); a scene's excerpt keeps the scene's
    keyframes inside it and adds its first frame."""
    out = folder / clip.name
    if clip.real:
        return age_real_clip(
            clip.scene, out, seed=clip.seed, strength=clip.strength, start=clip.start, count=clip.count,
            params=clip.params,
        )  # fmt: skip
    plan = SCENES[clip.scene]
    if clip.start == 0 and clip.count is None:
        return make_demo_source(
            out, scene=clip.scene, seed=clip.seed, strength=clip.strength, params=clip.params
        )
    stop = plan.frame_count if clip.count is None else min(plan.frame_count, clip.start + clip.count)
    indices = range(clip.start, stop)
    frames = (render_frame(*plan.locate(i), (640, 480)) for i in indices)
    keys = {0} | {k - clip.start for k in plan.keyframes if k in indices}
    cuts = [c - clip.start for c in plan.cuts if clip.start < c < stop]
    return write_source(
        out, frames, len(indices), fps=SCENE_FPS, seed=clip.seed, strength=clip.strength, keyframes=sorted(keys),
        record={"scene": clip.scene, "start": clip.start, "cuts": cuts}, params=clip.params,
    )  # fmt: skip


def truth_luma(source: DemoSource) -> np.ndarray:
    """The truth's BT.601 luma, ``(T, H, W)`` float in [0, 1]."""
    return np.stack([f @ LUMA_BT601 / 255.0 for f in read_frames(source.truth)])
