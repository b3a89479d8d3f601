"""Restoration quality and speed on clips from the degradation model, against plain bicubic
upscaling and FFmpeg filter chains run in the same process, and peak memory for a clip and for
the same clip twice as long."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from bench.ffmpeg_chains import CHAINS, run_chain
from bench.quality import measure
from config.presets import BUILTIN_PRESETS
from content.demo.degrade import LUMA_BT601
from content.demo.source import make_demo_source
from content.media import LOSSLESS, VideoWriter, read_frames
from engine.job import open_job
from engine.motion import blur

CLIPS = (
    # (scene, seed, strength): different photographs, seeds and strengths
    ("demo", 1896, 1.0),
    ("cat", 7, 0.7),
    ("table", 42, 1.3),
)


def _bicubic(frames: np.ndarray, scale: int = 2) -> np.ndarray:
    """``(T, h, w)`` ``uint8`` -> ``(T, h * scale, w * scale)`` float in [0, 1]."""
    tensor = torch.from_numpy(frames.astype(np.float32) / 255.0)[:, None]
    large = F.interpolate(tensor, scale_factor=scale, mode="bicubic", align_corners=False)
    return large[:, 0].clamp(0, 1).numpy().astype(np.float64)


def _unsharp(frames: np.ndarray, amount: float = 0.6, sigma: float = 2.0) -> np.ndarray:
    """An unsharp mask over ``(T, H, W)`` float frames: what the upscale stage did before the
    benchmark showed it cost quality (kept here as the evidence)."""
    tensor = torch.from_numpy(frames).float()[:, None]
    sharp = tensor + amount * (tensor - blur(tensor, sigma))
    return sharp[:, 0].clamp(0, 1).numpy().astype(np.float64)


def _mutoscope(scan: Path) -> tuple[np.ndarray, float]:
    """Restored frames (float, [0, 1]) and end-to-end frames per second (decode, both passes,
    every stage; no encode, as for the FFmpeg chains)."""
    began = time.perf_counter()
    job = open_job(scan, BUILTIN_PRESETS["standard"], device="cpu")
    frames = [restored for _, restored in job.frames()]
    fps = len(frames) / (time.perf_counter() - began)
    return np.stack(frames).astype(np.float64) / 255.0, fps


# The child reports its own high-water mark (VmHWM, which starts afresh at exec); ru_maxrss
# would carry over the parent's peak, which Linux keeps across fork and exec.
PEAK_RSS = """
import sys
from pathlib import Path
from config.presets import BUILTIN_PRESETS
from engine.job import open_job
job = open_job(Path(sys.argv[1]), BUILTIN_PRESETS["standard"], device="cpu")
for _ in job.frames():
    pass
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def _peak_rss_mb(scan: Path) -> float:
    run = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(scan)], capture_output=True, text=True, check=True
    )
    return int(run.stdout.split()[-1]) / 1024


def _doubled(scan: Path, out: Path, fps: Fraction) -> Path:
    frames = list(read_frames(scan, "gray"))
    h, w = frames[0].shape
    with VideoWriter(out, fps, w, h, LOSSLESS) as writer:
        for frame in frames + frames:
            writer.write(frame)
    return out


def run() -> dict[str, Any]:
    """Every clip: quality of each method, speeds and their ratios; then peak RSS."""
    report: dict[str, Any] = {"preset": "standard", "scale": 2, "threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for scene, seed, strength in CLIPS:
            name = f"{scene}-seed{seed}-x{strength}"
            source = make_demo_source(Path(tmp) / name, scene=scene, seed=seed, strength=strength)
            sources.append(source)
            truth = np.stack([f @ LUMA_BT601 / 255.0 for f in read_frames(source.truth)])
            scan = np.stack(list(read_frames(source.scan, "gray")))
            fps = Fraction(18)
            clip: dict[str, Any] = {"frames": len(scan), "scan_size": list(scan.shape[:0:-1])}
            clip["input_bicubic"] = measure(_bicubic(scan), truth).as_dict()
            for chain_name, chain in CHAINS.items():
                filtered, speed = run_chain(chain, scan, fps)
                clip[chain_name] = {**measure(_bicubic(filtered), truth).as_dict(), "fps": round(speed, 2)}
            restored, speed = _mutoscope(source.scan)
            clip["mutoscope"] = {**measure(restored, truth).as_dict(), "fps": round(speed, 2)}
            clip["mutoscope_with_unsharp_0.6"] = measure(_unsharp(restored), truth).as_dict()
            best = max(CHAINS, key=lambda c: clip[c]["psnr_db"])
            ours = clip["mutoscope"]
            clip["floors"] = {
                "psnr_over_bicubic_db": round(ours["psnr_db"] - clip["input_bicubic"]["psnr_db"], 2),
                "psnr_over_best_ffmpeg_db": round(ours["psnr_db"] - clip[best]["psnr_db"], 2),
                "ssim_over_best_ffmpeg": round(ours["ssim"] - max(clip[c]["ssim"] for c in CHAINS), 4),
                "flicker_vs_input": round(ours["flicker_index"] / clip["input_bicubic"]["flicker_index"], 3),
                "speed_vs_deshake_chain": round(ours["fps"] / clip[list(CHAINS)[-1]]["fps"], 2),
            }
            report[name] = clip
            print(name, clip, flush=True)
        single = sources[0].scan
        double = _doubled(single, Path(tmp) / "double.mkv", Fraction(18))
        once, twice = _peak_rss_mb(single), _peak_rss_mb(double)
        report["peak_rss_mb"] = {
            "clip": round(once, 1),
            "clip_twice_as_long": round(twice, 1),
            "ratio": round(twice / once, 3),
        }
    report["self_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report
