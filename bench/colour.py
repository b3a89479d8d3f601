"""Colour from keyframes against the ground truth, on every clip of :mod:`bench.clips`
(synthetic scenes, real excerpts, the clean film, the family's draws).

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
- ``luma_mean_abs`` and ``luma_p99``: how far the BT.601 luma of the coloured frames (8-bit
  RGB, before any lossy encode) is from the grey restored frames they were coloured from, in
  grey levels, mean and 99th percentile over every pixel of every frame;
- ``fps``: colouring speed on the CPU (both passes, restoration not counted).

Floors, with the suggested keyframes, on every clip (and the worst of the draws): ab error at
most 0.6 of hold's and below global's, temporal change no more than hold's, every keyframe's
frame within ΔE 1, luma within 1 grey level on average and 4 at the 99th percentile. The
scenes' authored keyframes are reported beside them, not floored; the real clips, the clean
film and the draws are judged with suggested keyframes only. The section's ``floors`` sums
them up (:mod:`bench.floors`).

``MUTOSCOPE_BENCH_QUICK=1 python -m bench.run --only colour`` runs a quick version (few frames,
two draws: see :mod:`bench.clips`) to check the suite end to end; its figures mean nothing.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.clips import Clip, clips, draws, make, quick
from bench.floors import Floors
from config.presets import BUILTIN_PRESETS
from content.demo.degrade import LUMA_BT601
from content.media import read_frames
from engine.colour.lab import grey8_lightness, to_lab, to_rgb8
from engine.colour.palette import apply_palette, palette
from engine.colour.propagate import Colourist, TraceStore, colour_windows
from engine.colour.suggest import ChangeMeter, suggest
from engine.job import open_job
from engine.motion import phase_correlate, refine_shift, translate
from engine.window_plan import CORE

BORDER = 16
LUMA_BINS = np.linspace(0.0, 256.0, 5121)
"""Bins of 0.05 grey levels for the luma difference's percentiles."""
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
    luma_counts = np.zeros(len(LUMA_BINS) - 1, dtype=np.int64)
    luma_sum = 0.0
    for i, frame in enumerate(coloured):
        difference = np.abs(frame.astype(np.float64) @ LUMA_BT601 - restored[i])
        luma_counts += np.histogram(difference, LUMA_BINS)[0]
        luma_sum += float(difference.sum())
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
    cumulative = np.cumsum(luma_counts)
    p99 = float(LUMA_BINS[1:][np.searchsorted(cumulative, 0.99 * cumulative[-1])])
    result = {"keyframes": keys, "mutoscope": ours.result(), "hold": hold.result(), "global": transfer.result(),
              "keyframe_delta_e": round(worst_delta_e, 3), "luma_mean_abs": round(luma_sum / cumulative[-1], 3),
              "luma_p99": round(p99, 2), "fps": round(fps, 2)}  # fmt: skip
    return result


def _ratio(a: float, b: float) -> float:
    return round(a / max(b, 1e-9), 3)


def _floors(result: dict[str, Any], clip: Clip, floors: Floors) -> dict[str, Any]:
    """The floors of one clip's judgement with suggested keyframes, recorded in ``floors``."""
    m, h, g = result["mutoscope"], result["hold"], result["global"]
    draw = clip.draw is not None
    figures: list[tuple[str, float, Any, float]] = [
        ("ab_error_vs_hold", _ratio(m["ab_error"], h["ab_error"]), "<=", 0.6),
        ("ab_error_vs_global", _ratio(m["ab_error"], g["ab_error"]), "<", 1.0),
        ("temporal_vs_hold", _ratio(m["temporal"], h["temporal"]), "<=", 1.0),
        ("keyframe_delta_e", result["keyframe_delta_e"], "<", 1.0),
        ("luma_mean_abs", result["luma_mean_abs"], "<=", 1.0),
        ("luma_p99", result["luma_p99"], "<=", 4.0),
    ]
    return {
        name: floors.check(name, clip.name, value, op, limit, draw=draw) for name, value, op, limit in figures
    }


def _clip(clip: Clip, folder: Path, floors: Floors) -> dict[str, Any]:
    """One clip restored, coloured from suggested keyframes (and, for a named clip, from the
    keyframes it was made with) and judged; its floors recorded."""
    began = time.perf_counter()
    source = make(clip, folder)
    meter = ChangeMeter()
    job = open_job(source.scan, BUILTIN_PRESETS["standard"], device="cpu", watch=meter.see)
    restored = np.stack([r for _, r in job.frames()])
    truth = list(read_frames(source.truth))
    suggested = [s.index for s in suggest(job, meter.thumbnails)]
    report: dict[str, Any] = {"frames": len(restored)}
    if clip.draw is not None:
        report["film"] = "clean" if clip.clean else f"draw_params({clip.draw})"
    work = folder / f"{clip.name}-work"
    report["suggested"] = _judge(restored, truth, job.motion.shot, suggested, work / "s")
    report["floors"] = _floors(report["suggested"], clip, floors)
    if clip.draw is None and not clip.clean and not clip.real:
        authored = sorted(json.loads(source.record.read_text())["keyframes"])
        report["authored"] = _judge(restored, truth, job.motion.shot, authored, work / "a")
    report["seconds"] = round(time.perf_counter() - began, 1)
    return report


def run() -> dict[str, Any]:
    """Every clip and draw: suggested (and authored) keyframes, Mutoscope against both
    baselines, the floors on each and their summary."""
    began = time.perf_counter()
    report: dict[str, Any] = {
        "preset": "standard", "scale": 2, "threads": torch.get_num_threads(), "quick": quick(),
    }  # fmt: skip
    floors = Floors()
    with tempfile.TemporaryDirectory() as tmp:
        for clip in [*clips(), *draws()]:
            report[clip.name] = _clip(clip, Path(tmp), floors)
            print(clip.name, report[clip.name], flush=True)
    report["seconds"] = round(time.perf_counter() - began, 1)
    report["floors"] = floors.summary()
    return report
