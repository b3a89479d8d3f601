"""Archive-like demo footage made by the project: camera moves over scikit-image's sample
photographs, with objects cut from other photographs moving, turning and passing in front of each
other on their own paths, aged by :mod:`content.demo.degrade`.

``make_demo_source(OUT)`` writes::

    OUT/scan.mkv          the aged greyscale scan (FFV1, lossless, or H.264 at the film's CRF)
    OUT/truth.mkv         the clean colour frames (FFV1 RGB, lossless): the ground truth
    OUT/keyframes/N.png   clean colour frames at the clean size, named by frame index
    OUT/source.json       scene, seed, parameters, shot cuts, every frame's FrameTruth and
                          where each moving object is in every frame (:func:`placements`)

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
from functools import cache
from pathlib import Path
from typing import Literal

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
class Cutout:
    """An object cut from a photograph: ``box = (x0, y0, x1, y1)`` as fractions of its width and
    height, and the mask's ``shape``: ``"ellipse"`` (the ellipse filling the box) or ``"figure"``
    (the largest patch whose colour differs from the ground, the median of the box's edge, by more
    than the lower of two Otsu thresholds of that difference, so that a figure's shaded side
    counts; holes filled). Both edges are soft."""

    photo: str
    box: tuple[float, float, float, float]
    shape: Literal["ellipse", "figure"]


CUTOUTS: dict[str, Cutout] = {
    "cat-head": Cutout("chelsea", (0.08, 0.02, 0.90, 1.00), "ellipse"),
    "cup": Cutout("coffee", (0.13, 0.17, 0.80, 0.97), "ellipse"),  # cup and saucer
    "face": Cutout("astronaut", (0.29, 0.02, 0.60, 0.37), "ellipse"),
    "patch": Cutout("astronaut", (0.26, 0.67, 0.41, 0.83), "ellipse"),  # the mission patch
    "rocket": Cutout("rocket", (0.475, 0.28, 0.53, 0.82), "figure"),
    "coin": Cutout("coins", (0.80, 0.49, 1.00, 0.74), "figure"),
}
"""The objects that move in the scenes, by name."""


@dataclass(frozen=True)
class ObjectPose:
    """Where an object is in the frame: its centre ``(x, y)`` as fractions of the frame's width and
    height, its turn ``angle`` in degrees (anticlockwise) and its ``height`` as a fraction of the
    frame's height."""

    x: float
    y: float
    angle: float
    height: float


STEP_FRAMES = 9
"""Frames per step of a walking object (half a second at 18 fps)."""


@dataclass(frozen=True)
class Actor:
    """A cut-out (a key of :data:`CUTOUTS`) moving at a steady pace from ``start`` to ``end`` over
    its shot, whatever the camera does; ``bob`` lifts it by up to that fraction of the frame's
    height once every :data:`STEP_FRAMES`, like a walk."""

    cutout: str
    start: ObjectPose
    end: ObjectPose
    bob: float = 0.0


@dataclass(frozen=True)
class Shot:
    """A camera move over one photograph, eased from ``start`` to ``end`` over ``frames``, with
    ``actors`` moving over it on their own paths, listed back to front."""

    photo: str
    frames: int
    start: CameraPose
    end: CameraPose
    actors: tuple[Actor, ...] = ()


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

    def locate(self, index: int) -> tuple[Shot, int]:
        """The shot that holds the scene's frame ``index`` and the frame's index within it."""
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside the scene's {self.frame_count} frames")
        for shot in self.shots:
            if index < shot.frames:
                return shot, index
            index -= shot.frames
        raise AssertionError("unreachable: the frame count is the sum of the shots")


def _still(cx: float, cy: float, width: float) -> tuple[CameraPose, CameraPose]:
    """A locked-off camera: the same pose at both ends of the shot."""
    return CameraPose(cx, cy, width), CameraPose(cx, cy, width)


SCENES: dict[str, Scene] = {
    # 12 s at 18 fps: a pan along the rocket while the cat's head crosses it and the patch turns
    # in place; then a slow pull-back from the astronaut's face, the cup and the cat crossing.
    "demo": Scene(
        shots=(
            Shot("rocket", 108, CameraPose(0.30, 0.55, 0.55), CameraPose(0.70, 0.45, 0.45), (
                Actor("patch", ObjectPose(0.80, 0.22, 0, 0.26), ObjectPose(0.80, 0.22, 200, 0.26)),
                Actor("cat-head", ObjectPose(0.22, 0.66, -12, 0.40), ObjectPose(0.78, 0.60, 12, 0.40)),
            )),
            Shot("astronaut", 108, CameraPose(0.45, 0.35, 0.45), CameraPose(0.50, 0.50, 0.85), (
                Actor("cup", ObjectPose(0.82, 0.74, 0, 0.34), ObjectPose(0.18, 0.70, -20, 0.34)),
                Actor("cat-head", ObjectPose(0.16, 0.66, 10, 0.36), ObjectPose(0.84, 0.72, -10, 0.36)),
            )),
        ),
        keyframes=(0, 108, 180),
    ),
    # A push in on the cat beside a turning coin and a rising rocket, then a tilt down the coffee
    # cup while the astronaut's face drifts the other way.
    "cat": Scene(
        shots=(
            Shot("chelsea", 90, CameraPose(0.50, 0.50, 0.95), CameraPose(0.55, 0.40, 0.55), (
                Actor("rocket", ObjectPose(0.88, 0.62, 0, 0.60), ObjectPose(0.88, 0.40, 0, 0.60)),
                Actor("coin", ObjectPose(0.18, 0.76, 0, 0.28), ObjectPose(0.18, 0.76, -270, 0.28)),
            )),
            Shot("coffee", 90, CameraPose(0.50, 0.35, 0.60), CameraPose(0.45, 0.65, 0.60), (
                Actor("face", ObjectPose(0.80, 0.30, 0, 0.34), ObjectPose(0.22, 0.42, 25, 0.34)),
            )),
        ),
        keyframes=(0, 90, 150),
    ),
    # A diagonal pan over the coffee table as the patch and a coin cross, a cut, and a zoom into the
    # rocket's launch pad while the cat's head floats up.
    "table": Scene(
        shots=(
            Shot("coffee", 80, CameraPose(0.35, 0.40, 0.60), CameraPose(0.65, 0.60, 0.60), (
                Actor("patch", ObjectPose(0.15, 0.30, 0, 0.28), ObjectPose(0.85, 0.70, -90, 0.28)),
                Actor("coin", ObjectPose(0.85, 0.28, 0, 0.26), ObjectPose(0.15, 0.74, 120, 0.26)),
            )),
            Shot("rocket", 100, CameraPose(0.50, 0.50, 0.90), CameraPose(0.45, 0.70, 0.40), (
                Actor("cat-head", ObjectPose(0.30, 0.75, 0, 0.30), ObjectPose(0.65, 0.35, 30, 0.30)),
            )),
        ),
        keyframes=(0, 80, 140),
    ),
    # Locked-off shots: the cat's head walks across the launch site; then the cup and the
    # astronaut's face cross each other in front of the cat.
    "crossing": Scene(
        shots=(
            Shot("rocket", 90, *_still(0.50, 0.52, 0.80), (
                Actor("cat-head", ObjectPose(0.14, 0.70, 0, 0.32), ObjectPose(0.86, 0.70, 0, 0.32), bob=0.04),
            )),
            Shot("chelsea", 90, *_still(0.50, 0.50, 0.85), (
                Actor("cup", ObjectPose(0.18, 0.52, 0, 0.36), ObjectPose(0.82, 0.48, 0, 0.36)),
                Actor("face", ObjectPose(0.82, 0.44, -15, 0.38), ObjectPose(0.18, 0.56, 15, 0.38)),
            )),
        ),
        keyframes=(0, 90, 150),
    ),
}  # fmt: skip


@cache
def _photo(name: str) -> Image.Image:
    """A bundled scikit-image sample photograph as RGB (never downloaded)."""
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


@cache
def _cut(name: str) -> Image.Image:
    """The cut-out ``name`` of :data:`CUTOUTS` as RGBA: the photograph's pixels, its mask as alpha."""
    from scipy import ndimage
    from skimage.filters import threshold_multiotsu

    cutout = CUTOUTS[name]
    photo = _photo(cutout.photo)
    x0, y0, x1, y1 = cutout.box
    crop = photo.crop((round(x0 * photo.width), round(y0 * photo.height),
                       round(x1 * photo.width), round(y1 * photo.height)))  # fmt: skip
    h, w = crop.height, crop.width
    if cutout.shape == "ellipse":
        yy, xx = np.mgrid[0:h, 0:w]
        radius = np.hypot((xx + 0.5) / (w / 2) - 1, (yy + 0.5) / (h / 2) - 1)
        alpha = np.clip((1 - radius) * min(w, h) / 6, 0, 1)  # a 3-pixel soft rim
    else:
        rgb = np.asarray(crop, dtype=np.float64)
        ground = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0)
        away = np.linalg.norm(rgb - ground, axis=-1)
        labels, _ = ndimage.label(away > threshold_multiotsu(away, classes=3)[0])
        largest = ndimage.binary_fill_holes(labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1)
        alpha = ndimage.gaussian_filter(largest.astype(np.float64), 1.0, mode="constant")
    crop.putalpha(Image.fromarray(np.round(alpha * 255).astype(np.uint8)))
    return crop


def _ease(t: float) -> float:
    """Smoothstep easing of ``t`` in [0, 1]."""
    return t * t * (3 - 2 * t)


def _lerp(start: CameraPose | ObjectPose, end: CameraPose | ObjectPose, t: float) -> list[float]:
    """The fields of ``start`` moved a fraction ``t`` in [0, 1] of the way to ``end``."""
    return [a + (b - a) * t for a, b in zip(asdict(start).values(), asdict(end).values(), strict=True)]


@dataclass(frozen=True)
class Placement:
    """Where an actor is drawn in one frame, in clean-frame pixels: its ``centre`` ``(x, y)``, its
    turn ``angle`` in degrees (anticlockwise), its ``scale`` (frame pixels per cut-out pixel) and
    ``box = (x0, y0, x1, y1)``, the turned cut-out's bounds within the frame (``None`` when off it)."""

    name: str
    centre: tuple[float, float]
    angle: float
    scale: float
    box: tuple[int, int, int, int] | None


def placements(shot: Shot, index: int, size: tuple[int, int]) -> list[Placement]:
    """Where each of ``shot``'s actors is in its frame ``index``, back to front; ``size = (W, H)``."""
    out_w, out_h = size
    t = index / max(shot.frames - 1, 1)
    placed = []
    for actor in shot.actors:
        x, y, angle, height = _lerp(actor.start, actor.end, t)
        y -= actor.bob * abs(np.sin(np.pi * index / STEP_FRAMES))
        cut = _cut(actor.cutout)
        scale = height * out_h / cut.height
        cos, sin = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        half_w, half_h = cut.width * scale / 2, cut.height * scale / 2
        reach_x, reach_y = abs(half_w * cos) + abs(half_h * sin), abs(half_w * sin) + abs(half_h * cos)
        cx, cy = x * out_w, y * out_h
        x0, y0 = max(int(np.floor(cx - reach_x)), 0), max(int(np.floor(cy - reach_y)), 0)
        x1, y1 = min(int(np.ceil(cx + reach_x)), out_w), min(int(np.ceil(cy + reach_y)), out_h)
        box = (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None
        placed.append(Placement(actor.cutout, (float(cx), float(cy)), float(angle), float(scale), box))
    return placed


def _draw(place: Placement) -> tuple[np.ndarray, np.ndarray]:
    """The placed cut-out over its box: RGB ``(h, w, 3)`` and alpha ``(h, w, 1)``, float in [0, 1]."""
    assert place.box is not None
    cut = _cut(place.name)
    x0, y0, x1, y1 = place.box
    cos, sin = np.cos(np.radians(place.angle)), np.sin(np.radians(place.angle))
    dx, dy = x0 - place.centre[0], y0 - place.centre[1]
    s = place.scale
    affine = (cos / s, -sin / s, cut.width / 2 + (cos * dx - sin * dy) / s,
              sin / s, cos / s, cut.height / 2 + (sin * dx + cos * dy) / s)  # fmt: skip
    drawn = cut.transform(
        (x1 - x0, y1 - y0), Image.Transform.AFFINE, affine, resample=Image.Resampling.BICUBIC
    )
    rgba = np.asarray(drawn, dtype=np.float64) / 255.0
    return rgba[..., :3], rgba[..., 3:]


def render_frame(shot: Shot, index: int, size: tuple[int, int]) -> np.ndarray:
    """Frame ``index`` of a shot: ``(H, W, 3)`` float RGB in [0, 1], ``size = (W, H)``: the camera's
    view of the photograph with the actors composited over it, back to front."""
    photo = _photo(shot.photo)
    out_w, out_h = size
    cx, cy, width = _lerp(shot.start, shot.end, _ease(index / max(shot.frames - 1, 1)))
    cx, cy, width = cx * photo.width, cy * photo.height, width * photo.width
    scale = width / out_w
    affine = (scale, 0.0, cx - scale * out_w / 2, 0.0, scale, cy - scale * out_h / 2)
    view = photo.transform(size, Image.Transform.AFFINE, affine, resample=Image.Resampling.BICUBIC)
    frame = np.asarray(view, dtype=np.float64) / 255.0
    for place in placements(shot, index, size):
        if place.box is not None:
            x0, y0, x1, y1 = place.box
            rgb, alpha = _draw(place)
            frame[y0:y1, x0:x1] = frame[y0:y1, x0:x1] * (1 - alpha) + rgb * alpha
    return frame


def render_shot(shot: Shot, size: tuple[int, int]) -> list[np.ndarray]:
    """The clean frames of a shot: ``(H, W, 3)`` float RGB in [0, 1], ``size = (W, H)``."""
    return [render_frame(shot, index, size) for index in range(shot.frames)]


def object_mask(
    scene: str, index: int, size: tuple[int, int] = (640, 480), name: str | None = None
) -> np.ndarray:
    """Where the moving objects show in frame ``index`` of ``scene`` at the clean ``size = (W, H)``:
    ``(H, W)`` bool, true where they cover at least half the pixel. With ``name`` (a cut-out), only
    that object's visible part, less what the objects in front of it hide."""
    shot, local = SCENES[scene].locate(index)
    out_w, out_h = size
    hidden = np.ones((out_h, out_w))  # the share of each pixel no object covers yet, front first
    mine = np.zeros((out_h, out_w))
    for place in reversed(placements(shot, local, size)):
        if place.box is None:
            continue
        x0, y0, x1, y1 = place.box
        alpha = _draw(place)[1][..., 0]
        if name in (None, place.name):
            mine[y0:y1, x0:x1] += hidden[y0:y1, x0:x1] * alpha
        hidden[y0:y1, x0:x1] *= 1 - alpha
    return mine >= 0.5


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
    byte-identical files. The film is ``params`` (``None``: ``DegradationParams()``), scaled by
    ``strength``. Refuses to replace an existing ``out`` (:class:`OutputExistsError`) unless ``replace``.
    """
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(SCENES)}")
    plan = SCENES[scene]
    frames = (render_frame(shot, i, size) for shot in plan.shots for i in range(shot.frames))
    objects = [
        [asdict(place) for place in placements(shot, i, size)]
        for shot in plan.shots
        for i in range(shot.frames)
    ]
    return write_source(
        out, frames, plan.frame_count, fps=fps, seed=seed, strength=strength, keyframes=plan.keyframes,
        record={"scene": scene, "cuts": list(plan.cuts), "objects": objects}, replace=replace,
        on_frame=on_frame, params=params,
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
