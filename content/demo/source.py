"""Archive-like demo footage made by the project: camera moves over scikit-image's sample
photographs, aged by :mod:`content.demo.degrade`.

``make_demo_source(OUT)`` writes::

    OUT/scan.mkv          the aged greyscale scan (FFV1, lossless, or H.264 at the film's CRF)
    OUT/truth.mkv         the clean colour frames (FFV1 RGB, lossless): the ground truth
    OUT/keyframes/N.png   clean colour frames at the clean size, named by frame index
    OUT/source.json       scene, seed, parameters, shot cuts and every frame's FrameTruth

The folder appears whole or not at all: it is written beside ``OUT`` and renamed into place.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from content.demo.degrade import DegradationParams, FilmDegrader
from content.errors import ContentError
from content.media import LOSSLESS, LOSSLESS_RGB, EncodeSettings, VideoWriter

SCAN_NAME = "scan.mkv"
TRUTH_NAME = "truth.mkv"
KEYFRAMES_DIR = "keyframes"
RECORD_NAME = "source.json"


class OutputExistsError(ContentError, FileExistsError):
    """The folder to write already exists (it is never replaced unasked)."""


@dataclass(frozen=True)
class CameraPose:
    """Where the camera looks: the window centre ``(cx, cy)`` and its width, as fractions of the
    photograph's width and height (width 1.0 spans the whole photograph)."""

    cx: float
    cy: float
    width: float


@dataclass(frozen=True)
class Shot:
    """A camera move over one photograph, eased from ``start`` to ``end`` over ``frames``."""

    photo: str
    frames: int
    start: CameraPose
    end: CameraPose


@dataclass(frozen=True)
class Scene:
    """Shots in order (a cut between each) and the frames to offer as colour keyframes."""

    shots: tuple[Shot, ...]
    keyframes: tuple[int, ...]

    @property
    def frame_count(self) -> int:
        """Frames in the whole scene."""
        return sum(shot.frames for shot in self.shots)

    @property
    def cuts(self) -> tuple[int, ...]:
        """The first frame of every shot after the first."""
        starts = np.cumsum([shot.frames for shot in self.shots])[:-1]
        return tuple(int(s) for s in starts)


SCENES: dict[str, Scene] = {
    # 12 s at 18 fps: a pan along the rocket, then a slow pull-back from the astronaut's face.
    "demo": Scene(
        shots=(
            Shot("rocket", 108, CameraPose(0.30, 0.55, 0.55), CameraPose(0.70, 0.45, 0.45)),
            Shot("astronaut", 108, CameraPose(0.45, 0.35, 0.45), CameraPose(0.50, 0.50, 0.85)),
        ),
        keyframes=(0, 108, 180),
    ),
    # A push in on the cat, then a tilt down the coffee cup.
    "cat": Scene(
        shots=(
            Shot("chelsea", 90, CameraPose(0.50, 0.50, 0.95), CameraPose(0.55, 0.40, 0.55)),
            Shot("coffee", 90, CameraPose(0.50, 0.35, 0.60), CameraPose(0.45, 0.65, 0.60)),
        ),
        keyframes=(0, 90, 150),
    ),
    # A diagonal pan over the coffee table, a cut, and a zoom into the rocket's launch pad.
    "table": Scene(
        shots=(
            Shot("coffee", 80, CameraPose(0.35, 0.40, 0.60), CameraPose(0.65, 0.60, 0.60)),
            Shot("rocket", 100, CameraPose(0.50, 0.50, 0.90), CameraPose(0.45, 0.70, 0.40)),
        ),
        keyframes=(0, 80, 140),
    ),
}


def _photo(name: str) -> Image.Image:
    """A bundled scikit-image sample photograph as RGB (never downloaded)."""
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def _ease(t: float) -> float:
    """Smoothstep easing of ``t`` in [0, 1]."""
    return t * t * (3 - 2 * t)


def render_shot(shot: Shot, size: tuple[int, int]) -> list[np.ndarray]:
    """The clean frames of a shot: ``(H, W, 3)`` float RGB in [0, 1], ``size = (W, H)``."""
    photo = _photo(shot.photo)
    out_w, out_h = size
    frames = []
    for i in range(shot.frames):
        t = _ease(i / max(shot.frames - 1, 1))
        pose = [
            a + (b - a) * t
            for a, b in zip(asdict(shot.start).values(), asdict(shot.end).values(), strict=True)
        ]
        cx, cy, width = pose[0] * photo.width, pose[1] * photo.height, pose[2] * photo.width
        scale = width / out_w
        affine = (scale, 0.0, cx - scale * out_w / 2, 0.0, scale, cy - scale * out_h / 2)
        view = photo.transform(size, Image.Transform.AFFINE, affine, resample=Image.Resampling.BICUBIC)
        frames.append(np.asarray(view, dtype=np.float64) / 255.0)
    return frames


@dataclass(frozen=True)
class DemoSource:
    """Paths of a written demo source."""

    folder: Path
    scan: Path
    truth: Path
    keyframes: tuple[Path, ...]
    record: Path


def make_demo_source(
    out: Path,
    *,
    scene: str = "demo",
    seed: int = 1896,
    strength: float = 1.0,
    fps: Fraction = Fraction(18),
    size: tuple[int, int] = (640, 480),
    replace: bool = False,
    on_frame: Callable[[int, int], None] | None = None,
    params: DegradationParams | None = None,
) -> DemoSource:
    """Write an aged scan of ``scene`` and its ground truth into the folder ``out``.

    ``size`` is the clean frame size ``(W, H)`` (the scan is half of it), ``strength`` scales
    every degradation. ``on_frame(done, total)`` reports progress. The same arguments give
    byte-identical frames. The film is ``params`` (``None``: ``DegradationParams()``), scaled. Refuses to replace an existing ``out`` (:class:`OutputExistsError`) unless ``replace``.
    """
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(SCENES)}")
    plan = SCENES[scene]
    frames = (clean for shot in plan.shots for clean in render_shot(shot, size))
    return write_source(
        out, frames, plan.frame_count, fps=fps, seed=seed, strength=strength, keyframes=plan.keyframes,
        record={"scene": scene, "cuts": list(plan.cuts)}, replace=replace, on_frame=on_frame, params=params,
    )  # fmt: skip


def write_source(
    out: Path,
    frames: Iterable[np.ndarray],
    frame_count: int,
    *,
    fps: Fraction,
    seed: int,
    strength: float,
    keyframes: Iterable[int],
    record: dict[str, object],
    replace: bool = False,
    on_frame: Callable[[int, int], None] | None = None,
    params: DegradationParams | None = None,
) -> DemoSource:
    """Age clean ``frames`` (``(H, W, 3)`` float RGB in [0, 1], ``frame_count`` of them, all of
    one even size) into the folder ``out``: the scan, the truth, the frames ``keyframes`` as
    colour keyframes, and a record of ``record`` with the parameters and every frame's truth.
    The film is ``params`` (``None``: ``DegradationParams()``) scaled by ``strength``; its ``crf``
    writes the scan as H.264 at that CRF instead of lossless FFV1 (the truth stays lossless).
    The folder appears whole or not at all."""
    out = Path(out)
    if out.exists() and not replace:
        raise OutputExistsError(f"{out} already exists")
    wanted = set(keyframes)
    params = (DegradationParams() if params is None else params).scaled(strength)
    scan_settings = LOSSLESS if params.crf is None else EncodeSettings(crf=params.crf)
    degrader = FilmDegrader(params, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    work.chmod(0o755)
    try:
        (work / KEYFRAMES_DIR).mkdir()
        truths: list[dict[str, object]] = []
        written: list[Path] = []
        size: tuple[int, int] | None = None
        with ExitStack() as files:
            scan = truth = None
            for index, clean in enumerate(frames):
                if scan is None or truth is None:
                    size = (clean.shape[1], clean.shape[0])
                    scan_size = (size[0] // params.downscale, size[1] // params.downscale)
                    scan = files.enter_context(VideoWriter(work / SCAN_NAME, fps, *scan_size, scan_settings))
                    truth = files.enter_context(VideoWriter(work / TRUTH_NAME, fps, *size, LOSSLESS_RGB))
                frame = degrader.apply(clean)
                clean8 = np.round(clean * 255).astype(np.uint8)
                scan.write(frame.scan)
                truth.write(clean8)
                truths.append(frame.truth.as_dict())
                if index in wanted:
                    path = work / KEYFRAMES_DIR / f"{index:04d}.png"
                    Image.fromarray(clean8).save(path)
                    written.append(out / KEYFRAMES_DIR / path.name)
                if on_frame:
                    on_frame(index + 1, frame_count)
        if size is None:
            raise ValueError(f"{out}: no frames to age")
        (work / RECORD_NAME).write_text(json.dumps({
            **record, "seed": seed, "strength": strength, "fps": f"{fps.numerator}/{fps.denominator}",
            "frame_count": len(truths), "size": list(size),
            "scan_size": [size[0] // params.downscale, size[1] // params.downscale],
            "keyframes": sorted(wanted), "params": asdict(params), "frames": truths,
        }, indent=1))  # fmt: skip
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return DemoSource(
        folder=out,
        scan=out / SCAN_NAME,
        truth=out / TRUTH_NAME,
        keyframes=tuple(written),
        record=out / RECORD_NAME,
    )
