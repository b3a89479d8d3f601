"""The restoration pipeline: the stages in order over overlapping windows of frames.

A window is ``CORE`` frames to output plus ``MARGIN`` frames of context on each side (fewer at
the clip's ends, where the missing neighbours count for nothing). Every output frame sees
exactly the same neighbours wherever the window boundaries fall, so seams cannot show, and only
one window is ever held: memory does not grow with the clip. Motion is estimated once per
window, for the frames being output, and shared by the dust and grain stages.
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
from engine.noise import spatial_noise
from engine.stages.dust import RemoveDust
from engine.stages.flicker import Deflicker
from engine.stages.grain import ReduceGrain
from engine.stages.scratches import MOVED_PX, RemoveScratches
from engine.stages.scratches import OFFSETS as SCRATCH_OFFSETS
from engine.stages.upscale import Upscale
from engine.stages.weave import Stabilise

CORE = 16
"""Frames output per window."""
FLICKER_RADIUS = 4
"""Neighbours on each side that set a frame's brightness."""
MOTION_OFFSETS = (-2, -1, 1, 2)
"""Neighbours the motion-compensated stages (dust, grain) draw on."""
MOTION_RADIUS = max(abs(o) for o in MOTION_OFFSETS)
MARGIN = FLICKER_RADIUS + MOTION_RADIUS
assert max(abs(o) for o in SCRATCH_OFFSETS) <= FLICKER_RADIUS, "scratch context comes from the flicker margin"
CHROMA_BLUR = 1.0
"""Smoothing of a colour scan's chroma (scan pixels): its grain, which the eye sees least."""
STAGE_NAMES = ("scan", "weave", "flicker", "dust", "scratches", "grain", "upscale")


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
        onward, with indices outside the clip filled by any frame (they count for nothing)."""
        total = len(motion.shot)
        t = frames.shape[0]
        core = t - 2 * MARGIN
        index = np.arange(first - MARGIN, first - MARGIN + t)
        real = (index >= 0) & (index < total)
        source = np.clip(index, 0, total - 1)
        shot = np.where(real, motion.shot[source], -1)
        path = motion.path[source]
        chroma = None
        if frames.ndim == 4:
            ycbcr = rgb_to_ycbcr(self._tensor(frames).permute(0, 3, 1, 2) / 255.0)
            x, chroma = ycbcr[:, :1].contiguous(), ycbcr[MARGIN : MARGIN + core, 1:]
        else:
            x = self._tensor(frames[:, None].astype(np.float32) / 255.0)
        stages: dict[str, np.ndarray] = {}

        def keep(name: str, tensor: torch.Tensor, offset: int) -> None:
            if keep_stages:
                stages[name] = tensor[offset : offset + core, 0].float().cpu().numpy()

        keep("scan", x, MARGIN)
        moved_by = motion.correction[source] * real[:, None] * self.enabled("weave")  # (t, 2)
        if self.enabled("weave"):
            x = self._run("weave", x, self._tensor(moved_by))
        keep("weave", x, MARGIN)

        r = FLICKER_RADIUS
        n1 = t - 2 * r
        middle = np.arange(n1) + r
        offsets = np.arange(-r, r + 1)
        neighbour = middle[:, None] + offsets[None, :]
        if self.enabled("flicker"):
            weights = (shot[neighbour] == shot[middle][:, None]) & (shot[middle][:, None] >= 0)
            shifts = path[neighbour] - path[middle][:, None]
            falloff = motion.vignette.gain(*x.shape[-2:], like=x)
            y = self._run(
                "flicker", x, self._tensor(weights.astype(np.float32)), self._tensor(shifts), falloff
            )
        else:
            y = x[r : t - r]
        keep("flicker", y, MOTION_RADIUS)

        centre_rows = np.arange(core) + MOTION_RADIUS  # rows of y being output
        centre_window = centre_rows + r  # the same frames' rows in the window
        flows, valids = [], []
        ref = y[MOTION_RADIUS : MOTION_RADIUS + core]
        for o in MOTION_OFFSETS:
            mov = y[MOTION_RADIUS + o : MOTION_RADIUS + o + core]
            start = path[centre_window + o] - path[centre_window]
            flow = self._run("motion", ref, mov, self._tensor(start))
            same = (shot[centre_window + o] == shot[centre_window]) & (shot[centre_window] >= 0)
            flows.append(flow)
            valids.append(inside(flow) * self._tensor(same.astype(np.float32)).view(-1, 1, 1, 1))
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
        noise = spatial_noise(ref)
        centre = ref
        if self.enabled("dust"):
            centre = self._run("dust", ref, around, valid, noise)
        keep("dust", centre, 0)
        if self.enabled("scratches"):
            rows = middle[:, None] + np.array(SCRATCH_OFFSETS)[None, :]
            same_shot = (shot[rows] == shot[middle][:, None]) & (shot[middle][:, None] >= 0)
            # the scene's position on the film, and the film's in the frames as stabilised
            content = path[:, 0] - motion.correction[source][:, 0]
            moved = same_shot & (np.abs(content[rows] - content[middle][:, None]) >= MOVED_PX)
            film_shift = self._tensor((moved_by[rows, 0] - moved_by[middle][:, None, 0]).astype(np.float32))
            moving = self._tensor(moved.astype(np.float32))
            # The neighbours: every frame cleaned alike, so a neighbour looks the same whichever
            # window it is in. The centre: cleaned after the dust stage, which may already have
            # taken out part of a line (a scratch moves against the scene, like dirt); the
            # subtraction measures what is left, so nothing is taken out twice.
            cleaned = self._run("scratches", y, x, film_shift, moving)
            around = neighbours(cleaned)
            out = slice(MOTION_RADIUS, MOTION_RADIUS + core)
            context = x[MOTION_RADIUS : MOTION_RADIUS + core + 2 * r]
            centre = self._run("scratches", centre, context, film_shift[out], moving[out])
        keep("scratches", centre, 0)
        if self.enabled("grain"):
            centre = self._run("grain", centre, around, valid, noise)
        keep("grain", centre, 0)
        large = self._run("upscale", centre)
        keep("upscale", large, 0)
        if chroma is not None:
            if self.enabled("weave"):
                chroma = self._run("weave", chroma, self._tensor(moved_by[MARGIN : MARGIN + core]))
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
        buffered_from = max(start - MARGIN, 0)
        source = iter(frames)
        for first in range(start, total, core):
            want_to = min(first + core + MARGIN, total)
            while buffered_from + len(buffer) < want_to:
                frame = next(source, None)
                if frame is None:
                    raise ValueError(f"the clip ended at frame {buffered_from + len(buffer)} of {total}")
                buffer.append(frame)
            while buffered_from < first - MARGIN:
                buffer.popleft()
                buffered_from += 1
            rows = [
                min(max(i, 0), total - 1) - buffered_from
                for i in range(first - MARGIN, first + core + MARGIN)
            ]
            rows = [min(max(r, 0), len(buffer) - 1) for r in rows]
            stack = np.stack([buffer[r] for r in rows])
            result = self.window(stack, first, motion)
            for i in range(min(core, total - first)):
                yield buffer[first - buffered_from + i], result.restored[i]
