"""Where the film goes on the screen: letterboxing and the split view. Pixels, origin at the
bottom left (OpenGL's)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    """``x``, ``y`` (bottom left), ``w``, ``h`` in pixels."""

    x: float
    y: float
    w: float
    h: float

    def lerp(self, other: Rect, t: float) -> Rect:
        """This rectangle at ``t`` = 0 to ``other`` at ``t`` = 1."""
        return Rect(*(a + (b - a) * t for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)


def fit(aspect: float, area: Rect) -> Rect:
    """The largest rectangle of ``aspect`` (width / height) centred in ``area``."""
    if area.w / area.h > aspect:
        w = area.h * aspect
        return Rect(area.x + (area.w - w) / 2, area.y, w, area.h)
    h = area.w / aspect
    return Rect(area.x, area.y + (area.h - h) / 2, area.w, h)


def letterbox(aspect: float, width: int, height: int) -> Rect:
    """The film, letterboxed (or pillarboxed) to fill a ``width`` x ``height`` screen."""
    return fit(aspect, Rect(0, 0, width, height))


def split_view(aspect: float, width: int, height: int) -> tuple[Rect, Rect]:
    """The original (left) and the restored film (right), side by side, each letterboxed into
    its half with a gutter between and room for a label below."""
    gutter = width * 0.02
    label = height * 0.09
    half = (width - 3 * gutter) / 2
    left = fit(aspect, Rect(gutter, label, half, height - 2 * label))
    right = fit(aspect, Rect(2 * gutter + half, label, half, height - 2 * label))
    return left, right
