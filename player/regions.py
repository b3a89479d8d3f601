"""Which parts of the screen show one version, and which need the full compositor.

Pure geometry, pixels with the origin at the bottom left. The compositor draws each
one-version region with a shader that samples that version alone, and only the narrow strips
where the versions meet with the full compositor shader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from config.look import Look
from player.layout import Rect

Version = Literal["original", "restored"]
Polygon = list[tuple[float, float]]

EDGE_MARGIN_PX = 4.0
"""Width added to the blend strip on each side, covering the handle line's antialiasing."""
KNOB_RADIUS = 0.045
"""The wipe handle's knob radius, in film heights (as in the shader)."""


def rect_polygon(rect: Rect) -> Polygon:
    """A rectangle's corners, anticlockwise from the bottom left."""
    return [
        (rect.x, rect.y),
        (rect.x + rect.w, rect.y),
        (rect.x + rect.w, rect.y + rect.h),
        (rect.x, rect.y + rect.h),
    ]


def clip(polygon: Polygon, a: float, b: float, c: float) -> Polygon:
    """The part of a convex ``polygon`` where ``a x + b y + c <= 0`` (Sutherland-Hodgman)."""
    out: Polygon = []
    for i, p in enumerate(polygon):
        q = polygon[(i + 1) % len(polygon)]
        fp, fq = a * p[0] + b * p[1] + c, a * q[0] + b * q[1] + c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t))
    return out


def _square(cx: float, cy: float, half: float, inside: Rect) -> Polygon:
    polygon = rect_polygon(Rect(cx - half, cy - half, 2 * half, 2 * half))
    for a, b, c in (
        (-1, 0, inside.x),
        (1, 0, -(inside.x + inside.w)),
        (0, -1, inside.y),
        (0, 1, -(inside.y + inside.h)),
    ):
        polygon = clip(polygon, a, b, c)
    return polygon


@dataclass(frozen=True)
class Plan:
    """``single``: (version, that version's film rectangle, polygons showing it alone), drawn in
    order; ``composite``: polygons drawn last with the full compositor."""

    single: list[tuple[Version, Rect, list[Polygon]]]
    composite: list[Polygon]


def regions(look: Look, film: Rect, film_restored: Rect) -> Plan:
    """Cut the screen for ``look``. ``film`` is the film's rectangle (the original's in the split
    view), ``film_restored`` the restored film's in the split view."""
    whole = rect_polygon(film)
    if look.mode == "split":
        return Plan(
            [("restored", film_restored, [rect_polygon(film_restored)]), ("original", film, [whole])], []
        )
    if look.mode == "crossfade":
        if look.fade <= 0.002:
            return Plan([("original", film, [whole])], [])
        if look.fade >= 0.998:
            return Plan([("restored", film, [whole])], [])
        return Plan([], [whole])
    if look.mode == "reveal":
        if look.radius <= 0:
            return Plan([("original", film, [whole])], [])
        cx, cy = film.x + look.centre[0] * film.w, film.y + (1 - look.centre[1]) * film.h
        lens = _square(cx, cy, (look.radius + 0.03) * film.h + 3, film)
        return Plan([("original", film, [whole])], [lens] if len(lens) >= 3 else [])
    # wipe: d(p) = cos(a) (x - cx) - sin(a) (y - cy), the shader's signed distance to the divider
    angle = math.radians(look.angle)
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = film.x + look.position * film.w, film.y + film.h / 2
    offset = cos * cx - sin * cy
    margin = max(look.softness * film.w, 0.75) + EDGE_MARGIN_PX
    original = clip(whole, cos, -sin, -offset + margin)
    restored = clip(whole, -cos, sin, offset + margin)
    strip = clip(clip(whole, cos, -sin, -offset - margin), -cos, sin, offset - margin)
    composite = [strip]
    if look.handle > 0:
        composite.append(_square(cx, cy, KNOB_RADIUS * film.h + EDGE_MARGIN_PX, film))
    return Plan(
        [("original", film, [original]), ("restored", film, [restored])],
        [polygon for polygon in composite if len(polygon) >= 3],
    )
