"""The restoration pipeline: the stages in order over overlapping windows of frames.

Each window is ``CORE`` frames to output plus ``MARGIN`` frames of context on each side; which
frames a window holds, and which neighbours each stage may draw on, is worked out by
:mod:`engine.window_plan`, and the :class:`Restorer` runs the stages' tensor work with it. Motion
is estimated once per window, for the frames being output, and shared by the dust and grain
stages.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from kornia.color import rgb_to_ycbcr, ycbcr_to_rgb
from torch import nn

from config.presets import Preset
from engine.analysis import ClipMotion
from engine.modules import Compiler, ModuleRunner, eager
from engine.motion import MotionEstimator, Warp, blur, inside
from engine.noise import spatial_noise, temporal_noise
from engine.stages.dust import RemoveDust
from engine.stages.flicker import Deflicker
from engine.stages.grain import ReduceGrain
from engine.stages.scratches import MOVED_PX, LineStrengths, RemoveScratches
from engine.stages.scratches import OFFSETS as SCRATCH_OFFSETS
from engine.stages.upscale import Upscale
from engine.stages.weave import Stabilise
from engine.window_plan import (
    CORE,
    FLICKER_RADIUS,
    MARGIN,
    MOTION_OFFSETS,
    MOTION_RADIUS,
    output_count,
    plan_window,
    window_frames,
    window_rows,
)

assert max(abs(o) for o in SCRATCH_OFFSETS) <= FLICKER_RADIUS, "scratch context comes from the flicker margin"
CHROMA_BLUR = 1.0
"""Smoothing of a colour scan's chroma (scan pixels): its grain, which the eye sees least."""
STAGE_NAMES = ("scan", "weave", "flicker", "dust", "scratches", "grain", "upscale")


WINDOW_PIXELS = 13_000_000
"""Scan pixels of the output frames restored at once: 16 frames of 720x540 or 1280x720, 4 of
2K (2048x1556), 1 of 4K. What a part holds grows with it (its flows, neighbours, context)."""


def part_frames(core: int, pixels: int) -> int:
    """How many of a window's ``core`` output frames of ``pixels`` scan pixels each to restore
    at once: the most that fit :data:`WINDOW_PIXELS`, halving from ``core`` (so every part of
    every window has the same shape, which a compiled module needs), at least 1."""
    step = core
    while step > 1 and step * pixels > WINDOW_PIXELS and core % (step // 2) == 0:
        step //= 2
    return step


@dataclass
class WindowResult:
    """Restored frames ``first .. first + len(restored) - 1``: ``restored`` ``(C, H', W')``
    ``uint8`` (``(C, H', W', 3)`` RGB from a colour scan); ``stages`` (when asked) maps each stage name to its output ``(C, H, W)`` float."""

    first: int
    restored: np.ndarray
    stages: dict[str, np.ndarray]


class Restorer:
    """The stages of ``preset`` on ``device``; ``compiler`` turns each module and an example
    input into the callable that runs it (eager on the CPU, Torch-TensorRT on CUDA)."""

    def __init__(
        self, preset: Preset, device: torch.device, compiler: Compiler = eager, scale: int | None = None
    ) -> None:
        self.preset = preset
        self.device = device
        self.scale = scale or preset.scale
        self.compiler = compiler
        self.modules: dict[str, nn.Module] = {
            "weave": Stabilise(),
            "flicker": Deflicker(preset.flicker.strength),
            "motion": MotionEstimator(),
            "warp": Warp(),
            "dust": RemoveDust(preset.dust.strength),
            "lines": LineStrengths(),
            "scratches": RemoveScratches(preset.scratches.strength),
            "grain": ReduceGrain(preset.grain.strength, preset.grain_keep),
            "upscale": Upscale(self.scale),
        }
        self._run = ModuleRunner(self.modules, compiler)

    def enabled(self, stage: str) -> bool:
        """Whether a stage runs in this preset."""
        setting = getattr(self.preset, stage)
        return bool(setting.enabled and setting.strength > 0)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.device, torch.float32)

    def window(
        self, frames: np.ndarray, first: int, motion: ClipMotion, keep_stages: bool = False
    ) -> WindowResult:
        """Restore frames ``first .. first + C - 1`` of a clip of ``N = len(motion.shot)``
        frames, given ``frames`` ``(C + 2 * MARGIN, H, W)`` ``uint8`` (or RGB ``(..., H, W, 3)``
        for a colour scan: the stages restore its luma, and its chroma is stabilised with it,
        smoothed and scaled; the restored frames are then RGB too): frames ``first - MARGIN``
        onward, with indices outside the clip filled by any frame (they count for nothing).

        Large frames are restored a few at a time (:func:`part_frames`), each part with its own
        context: every output frame sees the same neighbours either way, so the result is the
        same, and the memory held stays near that of a window of 1080p frames."""
        core = frames.shape[0] - 2 * MARGIN
        step = part_frames(core, frames.shape[1] * frames.shape[2])
        parts = [
            self._part(frames[j : j + step + 2 * MARGIN], first + j, motion, keep_stages)
            for j in range(0, core, step)
        ]
        if len(parts) == 1:
            return parts[0]
        return WindowResult(
            first,
            np.concatenate([p.restored for p in parts]),
            {name: np.concatenate([p.stages[name] for p in parts]) for name in parts[0].stages},
        )

    def _part(self, frames: np.ndarray, first: int, motion: ClipMotion, keep_stages: bool) -> WindowResult:
        """:meth:`window` for one part: ``frames`` ``(C + 2 * MARGIN, ...)``."""
        t = frames.shape[0]
        core = t - 2 * MARGIN
        plan = plan_window(
            first, core, motion.shot, motion.path, motion.correction,
            weave=self.enabled("weave"), scratch_offsets=SCRATCH_OFFSETS, moved_px=MOVED_PX,
        )  # fmt: skip
        chroma = None
        if frames.ndim == 4:
            ycbcr = rgb_to_ycbcr(self._tensor(frames).permute(0, 3, 1, 2) / 255.0)
            x, chroma = ycbcr[:, :1].contiguous(), ycbcr[plan.output, 1:]
        else:
            x = self._tensor(frames[:, None].astype(np.float32) / 255.0)
        stages: dict[str, np.ndarray] = {}

        def keep(name: str, tensor: torch.Tensor, offset: int) -> None:
            if keep_stages:
                stages[name] = tensor[offset : offset + core, 0].float().cpu().numpy()

        keep("scan", x, MARGIN)
        if self.enabled("weave"):
            x = self._run("weave", x, self._tensor(plan.moved_by))
        keep("weave", x, MARGIN)

        r = FLICKER_RADIUS
        if self.enabled("flicker"):
            weights, shifts = self._tensor(plan.flicker_weights), self._tensor(plan.flicker_shifts)
            falloff = motion.vignette.gain(*x.shape[-2:], like=x)
            exposure = self._tensor(motion.exposure_of(plan.source))
            y = self._run("flicker", x, weights, shifts, falloff, exposure)
        else:
            y = x[r : t - r]
        keep("flicker", y, MOTION_RADIUS)

        flows, valids = [], []
        ref = y[MOTION_RADIUS : MOTION_RADIUS + core]  # the output frames' rows of y
        for o, start, same in zip(MOTION_OFFSETS, plan.motion_starts, plan.motion_same, strict=True):
            mov = y[MOTION_RADIUS + o : MOTION_RADIUS + o + core]
            flow = self._run("motion", ref, mov, self._tensor(start))
            flows.append(flow)
            valids.append(inside(flow) * self._tensor(same).view(-1, 1, 1, 1))
        valid = torch.cat(valids, dim=1)

        def neighbours(source_frames: torch.Tensor) -> torch.Tensor:
            return torch.cat(
                [
                    self._run("warp", source_frames[MOTION_RADIUS + o : MOTION_RADIUS + o + core], flow)
                    for o, flow in zip(MOTION_OFFSETS, flows, strict=True)
                ],
                dim=1,
            )

        around = neighbours(y)
        # the grain is read from the neighbours as scanned, before the scratch stage cleans them
        grain = temporal_noise(ref, around, valid) if self.enabled("grain") else None
        centre = ref
        if self.enabled("dust"):
            centre = self._run("dust", ref, around, valid, spatial_noise(ref))
        keep("dust", centre, 0)
        if self.enabled("scratches"):
            film_shift, moving = self._tensor(plan.scratch_shift), self._tensor(plan.scratch_moving)
            same = self._tensor(plan.scratch_same)
            # The neighbours: every frame cleaned alike, so a neighbour looks the same whichever
            # window it is in. The centre: cleaned after the dust stage, which may already have
            # taken out part of a line (a scratch moves against the scene, like dirt); the
            # subtraction measures what is left, so nothing is taken out twice.
            lines = self._run("lines", x)  # of every frame of the window, for both passes
            cleaned = self._run("scratches", y, lines, film_shift, moving, same)
            around = neighbours(cleaned)
            out = slice(MOTION_RADIUS, MOTION_RADIUS + core)
            context = lines[MOTION_RADIUS : MOTION_RADIUS + core + 2 * r]
            centre = self._run("scratches", centre, context, film_shift[out], moving[out], same[out])
        keep("scratches", centre, 0)
        if grain is not None:
            centre = self._run("grain", centre, around, valid, grain)
        keep("grain", centre, 0)
        large = self._run("upscale", centre)
        keep("upscale", large, 0)
        if chroma is not None:
            if self.enabled("weave"):
                chroma = self._run("weave", chroma, self._tensor(plan.moved_by[plan.output]))
            chroma = self._run("upscale", blur(chroma, CHROMA_BLUR))
            large = ycbcr_to_rgb(torch.cat([large, chroma], dim=1)).permute(0, 2, 3, 1)
        else:
            large = large[:, 0]
        restored = (large * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).cpu().numpy()
        return WindowResult(first, restored, stages)

    def run(
        self, frames: Iterable[np.ndarray], motion: ClipMotion, start: int = 0, core: int = CORE
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(scan frame, restored frame)`` ``uint8`` for every frame of the clip from
        ``start``, in windows of ``core`` frames, given ``frames``: the clip's frames from
        ``max(start - MARGIN, 0)`` on, in order. The window size changes nothing but memory."""
        total = len(motion.shot)
        buffer: deque[np.ndarray] = deque()
        buffered_from = window_frames(start, core, total).start
        source = iter(frames)
        for first in range(start, total, core):
            needed = window_frames(first, core, total)
            while buffered_from + len(buffer) < needed.stop:
                frame = next(source, None)
                if frame is None:
                    raise ValueError(f"the clip ended at frame {buffered_from + len(buffer)} of {total}")
                buffer.append(frame)
            while buffered_from < needed.start:
                buffer.popleft()
                buffered_from += 1
            held = range(buffered_from, buffered_from + len(buffer))
            stack = np.stack([buffer[r] for r in window_rows(first, core, total, held)])
            result = self.window(stack, first, motion)
            for i in range(output_count(first, core, total)):
                yield buffer[first - buffered_from + i], result.restored[i]
