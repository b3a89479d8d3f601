"""Colour from keyframes against the ground truth, on clips from the degradation model.

Each clip is restored; keyframes are made as an archivist makes them (the restored frame's
lightness, the truth's chroma, saved as 8-bit sRGB) at the frames ``keyframes suggest``
proposes, and, for comparison, at the frames the scene was authored with. Colour is judged
on every other frame, against the truth moved onto each restored frame (one global shift per
frame: the weave the restoration leaves is not colour's to answer for), with a border of
``BORDER`` pixels left out:

- ``ab_error``: mean CIELAB ab distance to the truth;
- ``temporal``: mean frame-to-frame change of the ab error (flicker and sliding colour);
- baselines with the true lightness: ``hold`` (each frame takes its nearest keyframe's chroma
  in its shot at the same pixels) and ``global`` (its nearest keyframe's palette, no motion);
- ``keyframe_delta_e``: the worst keyframe frame's mean CIELAB ΔE against its keyframe;
- ``fps``: colouring speed on the CPU (both passes, restoration not counted).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.engine import CLIPS
from config.presets import BUILTIN_PRESETS
from content.demo.source import SCENES, make_demo_source
from content.media import read_frames
from engine.colour.lab import grey8_lightness, to_lab, to_rgb8
from engine.colour.palette import apply_palette, palette
from engine.colour.propagate import Colourist, TraceStore, colour_windows
from engine.colour.suggest import ChangeMeter, suggest
from engine.job import open_job
from engine.motion import phase_correlate, refine_shift, translate
from engine.window_plan import CORE

BORDER = 16
LUMA = torch.tensor([0.299, 0.587, 0.114])


def _aligned_truth(truth: np.ndarray, restored: np.ndarray) -> torch.Tensor:
    """The truth frame ``(H, W, 3)`` ``uint8`` moved onto the restored frame ``(H, W)``, CIELAB
    ``(1, 3, H, W)``."""
    rgb = torch.from_numpy(truth).permute(2, 0, 1)[None].float() / 255.0
    grey = (rgb * LUMA.view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
    ref = torch.from_numpy(restored)[None, None].float() / 255.0
    shift, _ = phase_correlate(ref, grey)
    shift = refine_shift(ref, grey, shift)
    moved = translate(rgb, -shift, mode="bicubic").clamp(0, 1)
    return to_lab((moved[0].permute(1, 2, 0) * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).numpy())


class _Score:
    """Running ab error and temporal consistency over the judged frames."""

    def __init__(self) -> None:
        self.errors: list[float] = []
        self.changes: list[float] = []
        self._last: tuple[int, torch.Tensor] | None = None

    def add(self, index: int, ab: torch.Tensor, truth_ab: torch.Tensor) -> None:
        error = (ab - truth_ab)[..., BORDER:-BORDER, BORDER:-BORDER]
        self.errors.append(float(error.norm(dim=1).mean()))
        if self._last is not None and self._last[0] == index - 1:
            self.changes.append(float((error - self._last[1]).norm(dim=1).mean()))
        self._last = (index, error)

    def result(self) -> dict[str, float]:
        return {
            "ab_error": round(float(np.mean(self.errors)), 3),
            "temporal": round(float(np.mean(self.changes)), 3),
        }


def _judge(
    restored: np.ndarray, truth: list[np.ndarray], shot: np.ndarray, keys: list[int], work: Path
) -> dict[str, Any]:
    """Colour the clip from keyframes at ``keys`` and score it and both baselines."""
    lab_truth = [_aligned_truth(t, r) for t, r in zip(truth, restored, strict=True)]
    keyframes = {k: to_rgb8(grey8_lightness(restored[k]), lab_truth[k][:, 1:])[0] for k in keys}
    key_lab = {k: to_lab(image) for k, image in keyframes.items()}
    colours = {k: palette(lab[:, 1:], lab[:, :1] / 100.0) for k, lab in key_lab.items()}
    colourist = Colourist(keyframes, shot, restored.shape[2], 2, torch.device("cpu"))
    began = time.perf_counter()
    coloured = list(
        colour_windows(
            colourist,
            lambda w: list(restored[w * CORE : (w + 1) * CORE]),
            len(restored),
            CORE,
            TraceStore(work),
        )
    )
    fps = len(restored) / (time.perf_counter() - began)
    ours, hold, transfer = _Score(), _Score(), _Score()
    worst_delta_e = 0.0
    for i, frame in enumerate(coloured):
        lab = to_lab(frame)
        if i in keyframes:
            worst_delta_e = max(worst_delta_e, float((lab - key_lab[i]).norm(dim=1).mean()))
            continue
        truth_ab, truth_light = lab_truth[i][:, 1:], lab_truth[i][:, :1] / 100.0
        ours.add(i, lab[:, 1:], truth_ab)
        in_shot = [k for k in keys if shot[k] == shot[i]] or keys
        nearest = min(in_shot, key=lambda k: (abs(k - i), k))
        held = to_rgb8(truth_light, key_lab[nearest][:, 1:])
        hold.add(i, to_lab(held[0])[:, 1:], truth_ab)
        moved = to_rgb8(truth_light, apply_palette(colours[nearest], truth_light))
        transfer.add(i, to_lab(moved[0])[:, 1:], truth_ab)
    result = {"keyframes": keys, "mutoscope": ours.result(), "hold": hold.result(), "global": transfer.result(),
              "keyframe_delta_e": round(worst_delta_e, 3), "fps": round(fps, 2)}  # fmt: skip
    m, h, g = result["mutoscope"], result["hold"], result["global"]
    result["floors"] = {
        "ab_error_vs_hold": round(m["ab_error"] / h["ab_error"], 3),
        "ab_error_below_global": m["ab_error"] < g["ab_error"],
        "temporal_vs_hold": round(m["temporal"] / h["temporal"], 3),
        "keyframe_delta_e_below_1": worst_delta_e < 1.0,
    }
    return result


def run() -> dict[str, Any]:
    """Every clip: suggested and authored keyframes, Mutoscope against both baselines."""
    report: dict[str, Any] = {"preset": "standard", "scale": 2, "threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        for scene, seed, strength in CLIPS:
            name = f"{scene}-seed{seed}-x{strength}"
            source = make_demo_source(Path(tmp) / name, scene=scene, seed=seed, strength=strength)
            meter = ChangeMeter()
            job = open_job(source.scan, BUILTIN_PRESETS["standard"], device="cpu", watch=meter.see)
            restored = np.stack([r for _, r in job.frames()])
            truth = list(read_frames(source.truth))
            suggested = [s.index for s in suggest(job, meter.thumbnails)]
            clip = {
                "frames": len(restored),
                "suggested": _judge(restored, truth, job.motion.shot, suggested, Path(tmp) / f"{name}-s"),
                "authored": _judge(restored, truth, job.motion.shot, list(SCENES[scene].keyframes), Path(tmp) / f"{name}-a"),
            }  # fmt: skip
            report[name] = clip
            print(name, clip, flush=True)
    return report
