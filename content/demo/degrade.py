"""The project's film-degradation model: ages clean colour frames into an archive-like scan.

It is the ground truth of every quality test and benchmark, so it is kept apart from the
restoration engine and records what it did to each frame (:class:`FrameTruth`).

Per frame, in the order a film's history applies them:

1. **greyscale**: BT.601 luma of the clean RGB frame (the matrix video encoders assume).
2. **gate weave**: the frame shifts by ``(dx, dy)`` clean pixels, an AR(1) process with standard
   deviation ``weave_px`` and frame-to-frame correlation ``weave_smooth``.
3. **optical softness**: a Gaussian blur of ``softness_px`` clean pixels.
4. **lower resolution**: area downscale by ``downscale``.
5. **flicker**: ``v * gain + offset`` with ``gain ~ N(1, flicker)``, ``offset ~ N(0, flicker_offset)``.
6. **vignetting**: ``v * (1 - k r^2)``, ``r`` the distance from the centre (1 at the corners),
   ``k = vignette * (1 + vignette_breathing * N(0, 1))``: a breathing, regional flicker.
7. **dust and dirt**: a Poisson(``blotches_per_frame``) count of soft, irregular blotches with
   radii in ``blotch_radius_px`` scan pixels; dark (dirt on the print) or bright (dust on the
   negative), different on every frame.
8. **line scratches**: ``scratches`` near-vertical lines that persist across frames, wander by
   ``scratch_drift_px`` scan pixels per frame and add ``±scratch_strength``.
9. **grain**: Gaussian noise correlated over ``grain_size_px`` scan pixels, standard deviation
   ``grain`` at mid-grey and less toward black and white.

Values are floats in [0, 1] throughout and quantised to ``uint8`` at the end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy import ndimage

LUMA_BT601 = np.array([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class DegradationParams:
    """Strength of each effect; see the module docstring for units. All zero means only the
    greyscale conversion and the downscale."""

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

    def scaled(self, strength: float) -> DegradationParams:
        """The same model with every effect's amount multiplied by ``strength`` (>= 0); the
        downscale, the counts' shapes and the correlations stay."""
        return replace(
            self,
            weave_px=self.weave_px * strength,
            softness_px=self.softness_px * strength,
            flicker=self.flicker * strength,
            flicker_offset=self.flicker_offset * strength,
            vignette=min(self.vignette * strength, 0.9),
            blotches_per_frame=self.blotches_per_frame * strength,
            scratch_strength=self.scratch_strength * strength,
            grain=self.grain * strength,
        )


@dataclass(frozen=True)
class FrameTruth:
    """What the model did to one frame: weave shift ``(dx, dy)`` in clean pixels, flicker
    ``gain`` and ``offset``, vignette strength ``vignette_k``, the number of blotches and the
    scratches' x positions in scan pixels."""

    dx: float
    dy: float
    gain: float
    offset: float
    vignette_k: float
    blotches: int
    scratch_x: tuple[float, ...]

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


@dataclass
class FilmDegrader:
    """Ages frames one after another. Stateful (weave and scratches carry over between frames)
    and deterministic: the same ``seed`` and frames give the same scan."""

    params: DegradationParams
    seed: int
    _rng: np.random.Generator = field(init=False, repr=False)
    _weave: np.ndarray = field(init=False, repr=False)
    _scratch_x: np.ndarray | None = field(init=False, repr=False, default=None)
    _scratch_sign: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._weave = np.zeros(2)
        self._scratch_sign = self._rng.choice([-1.0, 1.0], size=self.params.scratches)

    def _next_weave(self) -> np.ndarray:
        a = self.params.weave_smooth
        innovation = self._rng.normal(0.0, self.params.weave_px, size=2)
        self._weave = a * self._weave + np.sqrt(1.0 - a * a) * innovation
        return self._weave.copy()

    def _blotches(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
        """Blotch opacity ``(h, w)`` in [0, 1], target levels ``(h, w)`` and the count."""
        h, w = shape
        alpha = np.zeros(shape)
        level = np.zeros(shape)
        count = int(self._rng.poisson(self.params.blotches_per_frame))
        low, high = self.params.blotch_radius_px
        for _ in range(count):
            radius = self._rng.uniform(low, high)
            cy, cx = self._rng.uniform(0, h), self._rng.uniform(0, w)
            half = int(np.ceil(radius * 2.5)) + 1
            y0, y1 = max(int(cy) - half, 0), min(int(cy) + half + 1, h)
            x0, x1 = max(int(cx) - half, 0), min(int(cx) + half + 1, w)
            if y0 >= y1 or x0 >= x1:
                continue
            yy, xx = np.mgrid[y0:y1, x0:x1]
            angle = self._rng.uniform(0, np.pi)
            aspect = self._rng.uniform(0.4, 1.0)
            u = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
            v = (-(xx - cx) * np.sin(angle) + (yy - cy) * np.cos(angle)) / aspect
            wobble = 1.0 + 0.3 * np.sin(3 * np.arctan2(v, u) + self._rng.uniform(0, 2 * np.pi))
            dist = np.hypot(u, v) / (radius * wobble)
            blob = np.clip(1.5 - dist, 0.0, 1.0)
            dark = self._rng.random() < 0.7
            target = self._rng.uniform(0.02, 0.15) if dark else self._rng.uniform(0.85, 0.98)
            patch = alpha[y0:y1, x0:x1]
            take = blob > patch
            patch[take] = blob[take]
            level[y0:y1, x0:x1][take] = target
        return alpha, level, count

    def _scratches(self, shape: tuple[int, int]) -> tuple[np.ndarray, tuple[float, ...]]:
        """Additive scratch layer ``(h, w)`` and the scratches' x positions."""
        h, w = shape
        n = self.params.scratches
        if self._scratch_x is None:
            self._scratch_x = self._rng.uniform(0.1 * w, 0.9 * w, size=n)
        else:
            self._scratch_x = np.clip(
                self._scratch_x + self._rng.normal(0, self.params.scratch_drift_px, size=n), 1, w - 2
            )
        layer = np.zeros(shape)
        xs = np.arange(w)[None, :]
        rows = np.arange(h)[:, None]
        for x, sign in zip(self._scratch_x, self._scratch_sign, strict=True):
            tilt = 0.01 * (x / w - 0.5) * rows
            profile = np.exp(-0.5 * ((xs - x - tilt) / 0.6) ** 2)
            along = 0.7 + 0.3 * np.sin(rows / h * np.pi * self._rng.uniform(1, 4) + self._rng.uniform(0, 6))
            layer += sign * self.params.scratch_strength * profile * along
        return layer, tuple(float(x) for x in self._scratch_x)

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

        gain = 1.0 + self._rng.normal(0, p.flicker)
        offset = self._rng.normal(0, p.flicker_offset)
        v = v * gain + offset
        k = max(p.vignette * (1.0 + p.vignette_breathing * self._rng.normal()), 0.0)
        yy, xx = np.mgrid[0:h, 0:w]
        r2 = ((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2
        v = v * (1.0 - k * r2 / 2.0)

        alpha, level, count = self._blotches((h, w))
        v = v * (1 - alpha) + level * alpha
        scratch, scratch_x = self._scratches((h, w))
        v = v + scratch

        if p.grain > 0:
            noise = ndimage.gaussian_filter(self._rng.normal(size=(h, w)), p.grain_size_px)
            noise /= max(noise.std(), 1e-8)
            base = np.clip(v, 0, 1)
            v = v + noise * p.grain * 2.0 * np.sqrt(base * (1 - base) + 0.01)
        scan = np.round(np.clip(v, 0, 1) * 255).astype(np.uint8)
        damage = (alpha > 0.5) | (np.abs(scratch) > 0.05)
        truth = FrameTruth(
            dx=float(dx),
            dy=float(dy),
            gain=float(gain),
            offset=float(offset),
            vignette_k=float(k),
            blotches=count,
            scratch_x=scratch_x,
        )
        return DegradedFrame(scan=scan, damage=damage, truth=truth)
