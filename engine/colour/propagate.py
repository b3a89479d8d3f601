"""Colour a restored clip from its keyframes, streaming.

Chroma is carried from every keyframe through its shot, backward (``trace``) and then forward
(``colour``), one frame at a time along the motion between frames; it never crosses a cut. A
frame blends what reaches it from its keyframe before and its keyframe after, each weighted by
its confidence over its distance in frames, and takes its lightness from the restored frame.
The work happens at the scan's size (chroma needs no more); :class:`JointUpsample` brings the
chroma up to the restored frame along its lightness edges. A keyframe's own frame takes the
keyframe's chroma as it is.

Only the carried state of the frame before is held, so memory does not depend on the clip's
length; the backward pass's results wait on disk, one file per window (:class:`TraceStore`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.colour.carry import Carry, Follow, JointUpsample
from engine.colour.lab import grey8_lightness, to_lab, to_rgb8
from engine.colour.palette import apply_palette, palette
from engine.modules import Compiler, ModuleRunner, eager
from engine.motion import phase_correlate, phase_peaks
from engine.progress import Progress

log = logging.getLogger("mutoscope.engine")

CANDIDATES = 3
"""Correlation peaks between neighbouring frames that the colour's flow starts from, beside
the highest one to a tenth of a pixel and no motion at all (:func:`candidate_shifts`)."""
NoKeyframe = str
"""What a shot without a keyframe becomes: ``grey`` or ``nearest-palette``."""


def candidate_shifts(current: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
    """Whole-frame motions from ``current`` to ``previous`` (``(N, 1, H, W)``) that the colour's
    flow may start from, ``(N, CANDIDATES + 2, 2)``: the global shift, the :data:`CANDIDATES`
    highest correlation peaks and no motion (a shot's background, as often as not)."""
    shift, _ = phase_correlate(current, previous)
    peaks = torch.stack(
        [phase_peaks(current[i : i + 1], previous[i : i + 1], CANDIDATES) for i in range(len(current))]
    )
    return torch.cat((shift[:, None], peaks, torch.zeros_like(shift[:, None])), dim=1)


@dataclass
class Carried:
    """Chroma carried onto one frame at the working size: ``chroma`` ``(1, 2, h, w)`` CIELAB
    ab, ``confidence`` ``(1, 1, h, w)`` in [0, 1], from the keyframe at clip frame ``source``;
    ``reach`` ``(1, 2, h, w)``: where each pixel lies in that keyframe (a flow into it; not
    stored by :class:`TraceStore`)."""

    chroma: torch.Tensor
    confidence: torch.Tensor
    source: int
    reach: torch.Tensor | None = None


@dataclass
class _Key:
    """A keyframe ready to use: its chroma at full (restored) size when it was given at that
    size, at the working size, and its palette; ``light``: the restored frame's lightness at
    the working size, once the pass has reached the keyframe (what carried frames match against)."""

    full: torch.Tensor | None
    work: torch.Tensor
    palette: torch.Tensor
    light: torch.Tensor | None = None


class Colourist:
    """Colours restored frames (``(H, W)`` ``uint8``, ``W`` = ``width``, the scan's width
    times ``scale``) of a clip whose frame ``i`` belongs to shot ``shot[i]``, from ``keyframes`` (clip frame index ->
    ``(H, W, 3)`` or ``(H / scale, W / scale, 3)`` ``uint8`` sRGB). ``no_keyframe`` says what a
    shot without one becomes."""

    def __init__(
        self,
        keyframes: dict[int, np.ndarray],
        shot: np.ndarray,
        width: int,
        scale: int,
        device: torch.device,
        compiler: Compiler = eager,
        no_keyframe: NoKeyframe = "grey",
    ) -> None:
        self.shot = shot
        self.width = width
        self.scale = scale
        self.device = device
        self.no_keyframe = no_keyframe
        self._run = ModuleRunner(
            {"motion": Follow(), "carry": Carry(), "upsample": JointUpsample()},
            compiler,
        )
        self._keys: dict[int, _Key] = {}
        self._rgb = keyframes

    def unkeyed_shots(self) -> list[tuple[int, int]]:
        """``(first, last)`` frame of every shot that has no keyframe."""
        keyed = {int(self.shot[i]) for i in self._rgb if 0 <= i < len(self.shot)}
        spans = []
        for s in np.unique(self.shot):
            if int(s) not in keyed:
                frames = np.flatnonzero(self.shot == s)
                spans.append((int(frames[0]), int(frames[-1])))
        return spans

    def _key(self, index: int) -> _Key:
        if index not in self._keys:
            lab = to_lab(self._rgb[index], self.device)
            chroma, light = lab[:, 1:], lab[:, :1] / 100.0
            if chroma.shape[-1] == self.width and self.scale > 1:
                self._keys[index] = _Key(
                    chroma, self._shrink(chroma), palette(self._shrink(chroma), self._shrink(light))
                )
            else:
                self._keys[index] = _Key(chroma if self.scale == 1 else None, chroma, palette(chroma, light))
        return self._keys[index]

    def _shrink(self, image: torch.Tensor) -> torch.Tensor:
        """From the restored size to the working size."""
        return F.avg_pool2d(image, self.scale) if self.scale > 1 else image

    def lightness(self, grey: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """``L*/100`` of a restored frame, ``(1, 1, H, W)``, and at the working size."""
        full = grey8_lightness(grey, self.device)
        return full, self._shrink(full)

    def step(
        self, state: Carried | None, index: int, previous: torch.Tensor | None, current: torch.Tensor
    ) -> Carried | None:
        """The chroma carried onto clip frame ``index`` (working lightness ``current``) from
        ``state``, the neighbour's (working lightness ``previous``), on in either direction:
        a keyframe starts afresh, a cut stops the colour."""
        if index in self._rgb:
            key = self._key(index)
            key.light = current
            return Carried(key.work, torch.ones_like(current), index, torch.zeros_like(key.work))
        if (
            state is None
            or state.reach is None
            or previous is None
            or self.shot[index] != self.shot[state.source]
        ):
            return None
        flow = self._run("motion", current, previous, candidate_shifts(current, previous))
        key = self._key(state.source)
        assert key.light is not None, "a pass reaches a keyframe before it carries from it"
        chroma, confidence, reach = self._run(
            "carry", state.reach, state.confidence, previous, current, flow, key.work, key.light, key.palette
        )
        return Carried(chroma, confidence, state.source, reach)

    def blend(
        self,
        index: int,
        full: torch.Tensor,
        work: torch.Tensor,
        ahead: Carried | None,
        behind: Carried | None,
    ) -> np.ndarray:
        """Frame ``index`` in colour, ``(H, W, 3)`` ``uint8``, from its restored lightness
        ``full`` (and ``work``) and the chroma carried from the keyframes before (``ahead``) and
        after (``behind``) it."""
        if index in self._rgb:
            key = self._key(index)
            chroma = key.full if key.full is not None else self._run("upsample", key.work, work, full)
            return to_rgb8(full, chroma)[0]
        parts = [c for c in (ahead, behind) if c is not None]
        if parts:
            weights = [(c.confidence + 1e-3) / abs(index - c.source) for c in parts]
            chroma = sum(w * c.chroma for w, c in zip(weights, parts, strict=True)) / sum(weights)
        elif self.no_keyframe == "nearest-palette" and self._rgb:
            nearest = min(self._rgb, key=lambda k: (abs(k - index), k))
            chroma = apply_palette(self._key(nearest).palette, work)
        else:
            chroma = torch.zeros_like(work).expand(-1, 2, -1, -1)
        return to_rgb8(full, self._run("upsample", chroma, work, full))[0]


class TraceStore:
    """The backward pass's results, one file per window of frames, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, window: int) -> Path:
        """Where window ``window`` is kept."""
        return self.folder / f"trace-{window:06d}.npz"

    def save(self, window: int, carried: list[Carried | None]) -> None:
        """Keep ``carried`` (the window's frames in order, ``None`` for none) whole or not at all."""
        present = [c for c in carried if c is not None]
        partial = self.folder / f".trace-{window:06d}.partial.npz"
        np.savez(
            partial,
            source=np.array([c.source if c is not None else -1 for c in carried]),
            chroma=np.stack([c.chroma[0].cpu().half().numpy() for c in present]) if present else np.zeros(0),
            confidence=np.stack([c.confidence[0].cpu().half().numpy() for c in present])
            if present
            else np.zeros(0),
        )
        partial.replace(self.path(window))

    def load(self, window: int, device: torch.device) -> list[Carried | None]:
        """The window's frames as :meth:`save` kept them."""
        with np.load(self.path(window)) as data:
            source, chroma, confidence = data["source"], data["chroma"], data["confidence"]
        out: list[Carried | None] = []
        k = 0
        for s in source:
            if s < 0:
                out.append(None)
                continue
            out.append(
                Carried(
                    torch.from_numpy(chroma[k : k + 1].astype(np.float32)).to(device),
                    torch.from_numpy(confidence[k : k + 1].astype(np.float32)).to(device),
                    int(s),
                )
            )
            k += 1
        return out


def colour_windows(
    colourist: Colourist,
    window_frames: Callable[[int], list[np.ndarray]],
    frame_count: int,
    core: int,
    store: TraceStore,
    progress: Progress | None = None,
) -> Iterator[np.ndarray]:
    """Every frame of the clip in colour, in order, ``(H, W, 3)`` ``uint8``, given
    ``window_frames(w)``: the restored frames ``w * core`` onward of window ``w`` (read twice:
    backward, then forward). Reports ``tracing`` then ``colouring`` to ``progress``."""
    windows = -(-frame_count // core)
    state: Carried | None = None
    previous: torch.Tensor | None = None
    done = 0
    for window in reversed(range(windows)):
        carried: list[Carried | None] = []
        for j, grey in reversed(list(enumerate(window_frames(window)))):
            _, work = colourist.lightness(grey)
            state = colourist.step(state, window * core + j, previous, work)
            previous = work
            carried.append(state)
            done += 1
            if progress:
                progress("tracing", done, frame_count)
        store.save(window, carried[::-1])
    state, previous = None, None
    for window in range(windows):
        behind = store.load(window, colourist.device)
        for j, grey in enumerate(window_frames(window)):
            index = window * core + j
            full, work = colourist.lightness(grey)
            state = colourist.step(state, index, previous, work)
            previous = work
            yield colourist.blend(index, full, work, state, behind[j])
            if progress:
                progress("colouring", index + 1, frame_count)
