"""The project's film-degradation model: ages clean colour frames into an archive-like scan.

It is the ground truth of every quality test and benchmark, so it is kept apart from the
restoration engine and records what it did to each frame (:class:`FrameTruth`). It is a family
of films, not one: :func:`draw_params` draws a member per clip from documented ranges
(docs/degradation.md), ``DegradationParams()`` is the default film and
:meth:`DegradationParams.clean` the member with no defects.

Per frame, in the order a film's history applies them:

1. **greyscale**: BT.601 luma of the clean RGB frame (the matrix video encoders assume).
2. **gate weave**: the frame shifts by ``(dx, dy)`` clean pixels, an AR(1) process with standard
   deviation ``weave_px`` and frame-to-frame correlation ``weave_smooth``.
3. **optical softness**: a Gaussian blur of ``softness_px`` clean pixels.
4. **lower resolution**: area downscale by ``downscale``.
5. **exposure**: ``v * gain + offset`` with ``gain = (1 + N(0, flicker)) * exp(drift)`` and
   ``offset ~ N(0, flicker_offset)`` new every frame; ``drift`` is a slow, smooth, zero-mean
   log-gain with standard deviation ``exposure_drift`` whose correlation falls to about 0.4 at
   a lag of ``exposure_drift_frames`` (two cascaded AR(1) stages of time constant half that).
6. **vignetting**: ``v * max(1 - k r^p, 0)`` (:func:`vignette_gain`), ``p = vignette_exponent``,
   ``k = vignette * (1 + vignette_breathing * N(0, 1))`` (a breathing, regional flicker; static
   when ``vignette_breathing`` is 0). ``r`` is 1 at the corners of a centred circular vignette:
   measured in half-sizes from a centre moved by ``vignette_offset`` (fractions of the half-size),
   on an ellipse of axis ratio ``vignette_aspect`` turned by ``vignette_angle_deg``.
7. **dust and dirt**: a Poisson(``blotches_per_frame``) count of blotches, new every frame, a
   fraction ``blotch_dark`` of them dark (dirt on the print), the rest bright (dust on the
   negative), in proportions ``blotch_kinds`` of round discs and irregular blobs (radii in
   ``blotch_radius_px`` scan pixels) and hairs (thin curved strokes ``hair_length_px`` long and
   ``hair_width_px`` wide).
8. **line scratches**: ``scratches`` near-vertical lines that persist across frames, wander by
   ``scratch_drift_px`` scan pixels per frame, with a Gaussian profile of standard deviation
   drawn once per scratch from ``scratch_width_px``; dark or bright by ``scratch_polarity``. A
   fraction ``scratch_blend`` of them are semi-transparent, blending toward a dark or bright
   level with an opacity drawn from ``scratch_opacity``; the others add ``±scratch_strength``.
9. **grain**: Gaussian noise correlated over ``grain_size_px`` scan pixels, a fraction
   ``grain_mix`` of its variance from a coarser layer of ``grain_coarse_px``, standard deviation
   ``grain`` at mid-grey and less toward black and white.

Values are floats in [0, 1] throughout and quantised to ``uint8`` at the end. ``crf`` is not an
effect on the frames: it says how the scan file is written (H.264 at that CRF, else lossless).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
from scipy import ndimage

LUMA_BT601 = np.array([0.299, 0.587, 0.114])
ROUND, IRREGULAR, HAIR = 0, 1, 2
"""Indices of the blotch kinds in ``blotch_kinds`` and :attr:`FrameTruth.blotch_kinds`."""
CLEAN_SHARE = 0.1
"""The share of :func:`draw_params` draws that are the clean member."""

ScratchPolarity = Literal["mixed", "dark", "bright"]


@dataclass(frozen=True)
class DegradationParams:
    """Strength of each effect; see the module docstring for units. All amounts zero
    (:meth:`clean`) means only the greyscale conversion and the downscale. The defaults are the
    default film the benchmarks were measured on; the family's fields default to its look."""

    weave_px: float = 2.0
    weave_smooth: float = 0.5
    softness_px: float = 1.0
    downscale: int = 2
    flicker: float = 0.06
    flicker_offset: float = 0.02
    vignette: float = 0.3
    vignette_breathing: float = 0.15
    blotches_per_frame: float = 5.0
    blotch_radius_px: tuple[float, float] = (1.0, 5.0)
    scratches: int = 2
    scratch_strength: float = 0.2
    scratch_drift_px: float = 0.3
    grain: float = 0.035
    grain_size_px: float = 0.6
    exposure_drift: float = 0.0
    exposure_drift_frames: float = 30.0
    vignette_offset: tuple[float, float] = (0.0, 0.0)
    vignette_aspect: float = 1.0
    vignette_angle_deg: float = 0.0
    vignette_exponent: float = 2.0
    blotch_kinds: tuple[float, float, float] = (0.0, 1.0, 0.0)
    blotch_dark: float = 0.7
    hair_length_px: tuple[float, float] = (8.0, 30.0)
    hair_width_px: tuple[float, float] = (1.2, 2.0)
    scratch_polarity: ScratchPolarity = "mixed"
    scratch_width_px: tuple[float, float] = (0.6, 0.6)
    scratch_blend: float = 0.0
    scratch_opacity: tuple[float, float] = (0.3, 0.8)
    grain_mix: float = 0.0
    grain_coarse_px: float = 2.0
    crf: int | None = None

    @classmethod
    def clean(cls) -> DegradationParams:
        """The member with no defects: greyscale and downscale only, written losslessly."""
        return cls(
            weave_px=0.0, softness_px=0.0, flicker=0.0, flicker_offset=0.0, vignette=0.0,
            vignette_breathing=0.0, blotches_per_frame=0.0, scratches=0, scratch_strength=0.0,
            grain=0.0, exposure_drift=0.0,
        )  # fmt: skip

    def scaled(self, strength: float) -> DegradationParams:
        """The same film with every effect's amount multiplied by ``strength`` (>= 0); the
        downscale, the counts' shapes, the geometry, the correlations and the CRF stay."""
        low, high = self.scratch_opacity
        return replace(
            self,
            weave_px=self.weave_px * strength,
            softness_px=self.softness_px * strength,
            flicker=self.flicker * strength,
            flicker_offset=self.flicker_offset * strength,
            exposure_drift=self.exposure_drift * strength,
            vignette=min(self.vignette * strength, 0.9),
            blotches_per_frame=self.blotches_per_frame * strength,
            scratch_strength=self.scratch_strength * strength,
            scratch_opacity=(min(low * strength, 1.0), min(high * strength, 1.0)),
            grain=self.grain * strength,
        )


def _vignette_reach(u: np.ndarray, v: np.ndarray, params: DegradationParams) -> np.ndarray:
    """``r^p`` at frame coordinates ``(u, v)`` in half-sizes from the frame's centre (the
    corners at ``(±1, ±1)``); ``r`` is 1 at the corners of a centred circular vignette."""
    u = u - params.vignette_offset[0]
    v = v - params.vignette_offset[1]
    angle = np.radians(params.vignette_angle_deg)
    cos, sin = np.cos(angle), np.sin(angle)
    stretch = np.sqrt(params.vignette_aspect)
    along = (u * cos + v * sin) / stretch
    across = (-u * sin + v * cos) * stretch
    return ((along**2 + across**2) / 2.0) ** (params.vignette_exponent / 2.0)


def vignette_gain(shape: tuple[int, int], params: DegradationParams, k: float) -> np.ndarray:
    """The light a vignette of strength ``k`` (:attr:`FrameTruth.vignette_k`) lets through, per
    scan pixel: ``(h, w)`` in [0, 1], ``max(1 - k r^p, 0)``."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    reach = _vignette_reach((xx - (w - 1) / 2) / (w / 2), (yy - (h - 1) / 2) / (h / 2), params)
    return np.clip(1.0 - k * reach, 0.0, 1.0)


def _farthest_reach(params: DegradationParams) -> float:
    """The largest ``r^p`` of the four frame corners."""
    corners = np.array([-1.0, 1.0, -1.0, 1.0]), np.array([-1.0, -1.0, 1.0, 1.0])
    return float(_vignette_reach(*corners, params).max())


def farthest_corner_loss(params: DegradationParams) -> float:
    """The fraction of light the vignette of ``params`` takes at its farthest frame corner, at its
    mean strength ``vignette``: in [0, 1], ``vignette`` itself for a centred circular one."""
    return min(params.vignette * _farthest_reach(params), 1.0)


def draw_params(seed: int) -> DegradationParams:
    """One member of the family, drawn from the ranges in docs/degradation.md; the same seed
    gives the same member. A share :data:`CLEAN_SHARE` of draws is :meth:`DegradationParams.clean`;
    the others have every effect, each amount uniform in its range (some down to none), the
    scan half the clean size, and half of them written as H.264 at CRF 16 to 28."""
    rng = np.random.default_rng(seed)
    if rng.random() < CLEAN_SHARE:
        return DegradationParams.clean()
    u = rng.uniform
    offset = (float(u(-0.3, 0.3)), float(u(-0.3, 0.3))) if rng.random() < 0.5 else (0.0, 0.0)
    aspect, angle = (float(u(0.5, 1.0)), float(u(0.0, 180.0))) if rng.random() < 0.5 else (1.0, 0.0)
    shape = DegradationParams(
        vignette_offset=offset, vignette_aspect=aspect, vignette_angle_deg=angle,
        vignette_exponent=float(u(1.5, 4.0)),
    )  # fmt: skip
    width_low = float(u(0.4, 1.0))
    kinds = rng.dirichlet((1.0, 1.0, 1.0))
    return replace(
        shape,
        weave_px=float(u(0.0, 3.0)),
        weave_smooth=float(u(0.3, 0.8)),
        softness_px=float(u(0.3, 1.5)),
        flicker=float(u(0.0, 0.1)),
        flicker_offset=float(u(0.0, 0.03)),
        exposure_drift=float(u(0.0, 0.1)),
        exposure_drift_frames=float(u(20.0, 80.0)),
        vignette=float(u(0.0, 0.5)) / _farthest_reach(shape),
        vignette_breathing=float(u(0.0, 0.3)) if rng.random() < 0.5 else 0.0,
        blotches_per_frame=float(u(0.0, 12.0)),
        blotch_radius_px=(float(u(0.6, 1.5)), float(u(3.0, 8.0))),
        blotch_kinds=(float(kinds[0]), float(kinds[1]), float(kinds[2])),
        blotch_dark=float(u(0.5, 0.9)),
        scratches=int(rng.integers(0, 5)),
        scratch_strength=float(u(0.05, 0.3)),
        scratch_drift_px=float(u(0.0, 0.6)),
        scratch_polarity=("mixed", "dark", "bright")[int(rng.integers(0, 3))],
        scratch_width_px=(width_low, float(u(width_low, 3.0))),
        scratch_blend=float(u(0.0, 1.0)),
        scratch_opacity=(float(u(0.2, 0.5)), float(u(0.5, 0.9))),
        grain=float(u(0.01, 0.06)),
        grain_size_px=float(u(0.4, 2.0)),
        grain_mix=float(u(0.0, 0.6)) if rng.random() < 0.5 else 0.0,
        grain_coarse_px=float(u(2.0, 3.5)),
        crf=int(rng.integers(16, 29)) if rng.random() < 0.5 else None,
    )


@dataclass(frozen=True)
class FrameTruth:
    """What the model did to one frame: weave shift ``(dx, dy)`` in clean pixels, the exposure
    ``gain`` (flicker times drift) and ``offset``, the drift's log-gain ``exposure_drift``, the
    vignette strength ``vignette_k`` (:func:`vignette_gain` gives its map), the number of
    blotches and of each kind (round, irregular, hair), and per scratch its x position and
    profile width in scan pixels and its opacity (0 for an additive scratch)."""

    dx: float
    dy: float
    gain: float
    offset: float
    exposure_drift: float
    vignette_k: float
    blotches: int
    blotch_kinds: tuple[int, int, int]
    scratch_x: tuple[float, ...]
    scratch_width: tuple[float, ...]
    scratch_opacity: tuple[float, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready record."""
        return asdict(self)


@dataclass(frozen=True)
class DegradedFrame:
    """A scan frame ``(H/d, W/d)`` ``uint8``, the mask of pixels that blotches or scratches
    replaced (``bool``, same shape), and the :class:`FrameTruth`."""

    scan: np.ndarray
    damage: np.ndarray
    truth: FrameTruth


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of ``(H, W, 3)`` RGB in [0, 1] -> ``(H, W)`` in [0, 1]."""
    return rgb @ LUMA_BT601


def _box(shape: tuple[int, int], cy: float, cx: float, half: int) -> tuple[slice, slice]:
    """The rows and columns within ``half`` pixels of ``(cy, cx)``, cut to the frame."""
    h, w = shape
    rows = slice(max(int(cy) - half, 0), min(int(cy) + half + 1, h))
    cols = slice(max(int(cx) - half, 0), min(int(cx) + half + 1, w))
    return rows, cols


@dataclass
class FilmDegrader:
    """Ages frames one after another. Stateful (weave, drift and scratches carry over between
    frames) and deterministic: the same ``seed`` and frames give the same scan.

    The family's effects draw from a second generator, so that with them at their defaults the
    first one's draws, and so the default film, are what they were before the family."""

    params: DegradationParams
    seed: int
    _rng: np.random.Generator = field(init=False, repr=False)
    _family: np.random.Generator = field(init=False, repr=False)
    _weave: np.ndarray = field(init=False, repr=False)
    _drift: np.ndarray = field(init=False, repr=False)
    _scratch_x: np.ndarray | None = field(init=False, repr=False, default=None)
    _scratch_sign: np.ndarray = field(init=False, repr=False)
    _scratch_width: np.ndarray = field(init=False, repr=False)
    _scratch_opacity: np.ndarray = field(init=False, repr=False)
    _scratch_level: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        p = self.params
        self._rng = np.random.default_rng(self.seed)
        self._family = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(1,)))
        self._weave = np.zeros(2)
        n = p.scratches
        coin = self._rng.choice([-1.0, 1.0], size=n)  # tossed whatever the polarity: same draws after
        self._scratch_sign = {"mixed": coin, "dark": -np.ones(n), "bright": np.ones(n)}[p.scratch_polarity]
        self._scratch_width = self._family.uniform(*p.scratch_width_px, size=n)
        blend = self._family.random(n) < p.scratch_blend
        self._scratch_opacity = np.where(blend, self._family.uniform(*p.scratch_opacity, size=n), 0.0)
        dark_level, bright_level = self._family.uniform(0.02, 0.15, n), self._family.uniform(0.85, 0.98, n)
        self._scratch_level = np.where(self._scratch_sign < 0, dark_level, bright_level)
        self._drift = np.zeros(2)
        for _ in range(int(np.ceil(10 * p.exposure_drift_frames))):  # start in the steady state
            self._next_drift()

    def _next_weave(self) -> np.ndarray:
        a = self.params.weave_smooth
        innovation = self._rng.normal(0.0, self.params.weave_px, size=2)
        self._weave = a * self._weave + np.sqrt(1.0 - a * a) * innovation
        return self._weave.copy()

    def _next_drift(self) -> float:
        """The next log-gain of the exposure drift: white noise through two AR(1) stages."""
        a = np.exp(-2.0 / self.params.exposure_drift_frames)
        first = a * self._drift[0] + np.sqrt(1.0 - a * a) * self._family.normal()
        second = a * self._drift[1] + np.sqrt(1.0 - a * a) * first
        self._drift = np.array([first, second])
        return float(self.params.exposure_drift * second * np.sqrt((1.0 - a * a) / (1.0 + a * a)))

    def _blob(self, shape: tuple[int, int], kind: int) -> tuple[np.ndarray, tuple[slice, slice]]:
        """A round or irregular blotch's opacity in [0, 1] over its box."""
        low, high = self.params.blotch_radius_px
        radius = self._rng.uniform(low, high)
        cy, cx = self._rng.uniform(0, shape[0]), self._rng.uniform(0, shape[1])
        box = _box(shape, cy, cx, int(np.ceil(radius * 2.5)) + 1)
        yy, xx = np.mgrid[box]
        if kind == ROUND:
            dist = np.hypot(xx - cx, yy - cy) / radius
        else:
            angle = self._rng.uniform(0, np.pi)
            aspect = self._rng.uniform(0.4, 1.0)
            u = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
            v = (-(xx - cx) * np.sin(angle) + (yy - cy) * np.cos(angle)) / aspect
            wobble = 1.0 + 0.3 * np.sin(3 * np.arctan2(v, u) + self._rng.uniform(0, 2 * np.pi))
            dist = np.hypot(u, v) / (radius * wobble)
        return np.clip(1.5 - dist, 0.0, 1.0), box

    def _hair(self, shape: tuple[int, int]) -> tuple[np.ndarray, tuple[slice, slice]]:
        """A hair's opacity in [0, 1] over its box: a curved stroke, anti-aliased over a pixel."""
        p = self.params
        length = self._rng.uniform(*p.hair_length_px)
        width = self._rng.uniform(*p.hair_width_px)
        cy, cx = self._rng.uniform(0, shape[0]), self._rng.uniform(0, shape[1])
        t = np.linspace(-0.5, 0.5, int(np.ceil(2 * length)) + 1)
        start, bend, twist = (
            self._rng.uniform(0, 2 * np.pi),
            self._rng.uniform(-2.5, 2.5),
            self._rng.uniform(-3, 3),
        )
        heading = start + bend * t + twist * t * t  # radians: a curve, sometimes an S
        step = length / (len(t) - 1)
        px, py = np.cumsum(step * np.cos(heading)), np.cumsum(step * np.sin(heading))
        px, py = px - px.mean() + cx, py - py.mean() + cy
        box = _box(shape, cy, cx, int(np.ceil(length / 2 + width)) + 1)
        yy, xx = np.mgrid[box]
        dist = np.hypot(xx[..., None] - px, yy[..., None] - py).min(axis=-1)
        return np.clip(width / 2 + 0.5 - dist, 0.0, 1.0), box

    def _blotches(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int, tuple[int, int, int]]:
        """Blotch opacity ``(h, w)`` in [0, 1], target levels ``(h, w)``, the count and the
        count of each kind."""
        p = self.params
        alpha = np.zeros(shape)
        level = np.zeros(shape)
        count = int(self._rng.poisson(p.blotches_per_frame))
        share = np.asarray(p.blotch_kinds, dtype=float) / sum(p.blotch_kinds)
        kinds = [0, 0, 0]
        for _ in range(count):
            kind = int(self._family.choice(3, p=share))
            kinds[kind] += 1
            blob, box = self._hair(shape) if kind == HAIR else self._blob(shape, kind)
            dark = self._rng.random() < p.blotch_dark
            target = self._rng.uniform(0.02, 0.15) if dark else self._rng.uniform(0.85, 0.98)
            patch = alpha[box]
            take = blob > patch
            patch[take] = blob[take]
            level[box][take] = target
        return alpha, level, count, (kinds[0], kinds[1], kinds[2])

    def _scratches(
        self, shape: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, ...]]:
        """Additive scratch layer ``(h, w)``, the semi-transparent scratches' opacity ``(h, w)``
        in [0, 1] and the levels they blend toward ``(h, w)``, and the scratches' x positions."""
        h, w = shape
        n = self.params.scratches
        if self._scratch_x is None:
            self._scratch_x = self._rng.uniform(0.1 * w, 0.9 * w, size=n)
        else:
            self._scratch_x = np.clip(
                self._scratch_x + self._rng.normal(0, self.params.scratch_drift_px, size=n), 1, w - 2
            )
        layer = np.zeros(shape)
        blend = np.zeros(shape)
        level = np.zeros(shape)
        xs = np.arange(w)[None, :]
        rows = np.arange(h)[:, None]
        for x, sign, width, opacity, target in zip(
            self._scratch_x, self._scratch_sign, self._scratch_width, self._scratch_opacity,
            self._scratch_level, strict=True,
        ):  # fmt: skip
            tilt = 0.01 * (x / w - 0.5) * rows
            profile = np.exp(-0.5 * ((xs - x - tilt) / width) ** 2)
            along = 0.7 + 0.3 * np.sin(rows / h * np.pi * self._rng.uniform(1, 4) + self._rng.uniform(0, 6))
            if opacity > 0:
                alpha = opacity * profile * along
                take = alpha > blend
                blend[take] = alpha[take]
                level[take] = target
            else:
                layer += sign * self.params.scratch_strength * profile * along
        return layer, blend, level, tuple(float(x) for x in self._scratch_x)

    def apply(self, clean: np.ndarray) -> DegradedFrame:
        """Age one clean frame ``(H, W, 3)`` RGB in [0, 1]; ``H`` and ``W`` divisible by
        ``downscale``. Returns the scan at ``(H/d, W/d)``."""
        p = self.params
        grey = luma(clean)
        dx, dy = self._next_weave()
        grey = ndimage.shift(grey, (dy, dx), order=1, mode="nearest")
        if p.softness_px > 0:
            grey = ndimage.gaussian_filter(grey, p.softness_px)
        d = p.downscale
        h, w = grey.shape[0] // d, grey.shape[1] // d
        v = grey[: h * d, : w * d].reshape(h, d, w, d).mean(axis=(1, 3))

        drift = self._next_drift()
        gain = (1.0 + self._rng.normal(0, p.flicker)) * np.exp(drift)
        offset = self._rng.normal(0, p.flicker_offset)
        v = v * gain + offset
        k = max(p.vignette * (1.0 + p.vignette_breathing * self._rng.normal()), 0.0)
        v = v * vignette_gain((h, w), p, k)

        alpha, level, count, kinds = self._blotches((h, w))
        v = v * (1 - alpha) + level * alpha
        scratch, blend, blend_level, scratch_x = self._scratches((h, w))
        v = v + scratch
        v = v * (1 - blend) + blend_level * blend

        if p.grain > 0:
            noise = ndimage.gaussian_filter(self._rng.normal(size=(h, w)), p.grain_size_px)
            noise /= max(noise.std(), 1e-8)
            if p.grain_mix > 0:
                coarse = ndimage.gaussian_filter(self._family.normal(size=(h, w)), p.grain_coarse_px)
                coarse /= max(coarse.std(), 1e-8)
                noise = np.sqrt(1.0 - p.grain_mix) * noise + np.sqrt(p.grain_mix) * coarse
            base = np.clip(v, 0, 1)
            v = v + noise * p.grain * 2.0 * np.sqrt(base * (1 - base) + 0.01)
        scan = np.round(np.clip(v, 0, 1) * 255).astype(np.uint8)
        damage = (alpha > 0.5) | (np.abs(scratch) > 0.05) | (blend > 0.05)
        truth = FrameTruth(
            dx=float(dx),
            dy=float(dy),
            gain=float(gain),
            offset=float(offset),
            exposure_drift=drift,
            vignette_k=float(k),
            blotches=count,
            blotch_kinds=kinds,
            scratch_x=scratch_x,
            scratch_width=tuple(float(s) for s in self._scratch_width),
            scratch_opacity=tuple(float(o) for o in self._scratch_opacity),
        )
        return DegradedFrame(scan=scan, damage=damage, truth=truth)
