"""Restoration quality and speed on every clip of :mod:`bench.clips` (synthetic scenes, real
excerpts, the clean film, the family's draws), against plain bicubic upscaling and FFmpeg filter
chains run in the same process; the speed of the whole ``mutoscope restore`` command; and peak
memory against the clip's length and the frame's size. Every floor is checked on every clip
(:mod:`bench.floors`) and summed up in the section's ``floors``.

Floors, per clip (a film with defects): PSNR at least 3 dB over bicubic and over the best
FFmpeg chain, SSIM at least 0.08 over the best chain, flicker index at most a third of the
input's, smooth error fraction (:mod:`bench.quality`) at most 0.25. The clean film instead must
come out nearly untouched: PSNR against the truth no more than 0.5 dB under bicubic's, and the
restoration within 35 dB PSNR of the plain bicubic of the scan. Once: ``mutoscope restore``
(a subprocess: start, decode, both passes, encode) at least as fast as the deshake chain on a
clip of 200 frames or more; peak RSS of the demo's first shot twice over within 10 % of the shot's; peak RSS
under 4096 MB for a 2048x1556 scan at scale 1 and for a 720x540 scan at scale 2, and output
megapixels per second at 2K no fewer than at 1440x1080. The large scans run under an address
space limit of :data:`MEMORY_LIMIT_MB`; a run that dies there is reported ``"exceeded"``.

``MUTOSCOPE_BENCH_QUICK=1 python -m bench.run --only engine`` runs a quick version (few frames,
two draws: see :mod:`bench.clips`) to check the suite end to end; its figures mean nothing.
"""

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
from PIL import Image

from bench.clips import SYNTHETIC, Clip, clips, draws, make, quick, truth_luma
from bench.ffmpeg_chains import CHAINS, run_chain
from bench.floors import Floors
from bench.quality import BORDER, measure
from config.presets import BUILTIN_PRESETS
from content.demo.source import SCENES, render_frame, write_source
from content.media import LOSSLESS, VideoWriter, probe, read_frames
from engine.job import open_job
from engine.motion import blur

DESHAKE = list(CHAINS)[-1]
MEMORY_LIMIT_MB = 8192
"""The address space the large-frame runs may take: enough to tell a miss, not the machine."""
SIZE_FRAMES = 30
LENGTH_FRAMES = 108
"""Peak RSS against length: the demo's first shot, and the same twice over."""
SIZES = {
    # name: (scan width, scan height, scale): the same output megapixels per frame, near enough
    "scan_720x540_scale2": (720, 540, 2),
    "scan_2048x1556_scale1": (2048, 1556, 1),
}


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


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR of ``a`` against ``b`` (same shape, [0, 1]), the border left out, no alignment."""
    crop = (slice(None), slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    return float(10 * np.log10(1.0 / max(float(np.mean((a[crop] - b[crop]) ** 2)), 1e-12)))


def _mutoscope(scan: Path) -> tuple[np.ndarray, float]:
    """Restored frames (float, [0, 1]) and end-to-end frames per second (decode, both passes,
    every stage; no encode, as for the FFmpeg chains)."""
    began = time.perf_counter()
    job = open_job(scan, BUILTIN_PRESETS["standard"], device="cpu")
    frames = [restored for _, restored in job.frames()]
    fps = len(frames) / (time.perf_counter() - began)
    return np.stack(frames).astype(np.float64) / 255.0, fps


def _clip(clip: Clip, folder: Path, floors: Floors, *, unsharp: bool = False) -> dict[str, Any]:
    """One clip: each method's quality and speed, and its floors checked."""
    began = time.perf_counter()
    source = make(clip, folder)
    truth = truth_luma(source)
    scan = np.stack(list(read_frames(source.scan, "gray")))
    fps = probe(source.scan).fps
    report: dict[str, Any] = {"frames": len(scan), "scan_size": list(scan.shape[:0:-1])}
    if clip.draw is not None:
        report["film"] = "clean" if clip.clean else f"draw_params({clip.draw})"
    bicubic = _bicubic(scan)
    report["input_bicubic"] = measure(bicubic, truth).as_dict()
    for name, chain in CHAINS.items():
        filtered, speed = run_chain(chain, scan, fps)
        report[name] = {**measure(_bicubic(filtered), truth).as_dict(), "fps": round(speed, 2)}
    restored, speed = _mutoscope(source.scan)
    ours = report["mutoscope"] = {**measure(restored, truth).as_dict(), "fps": round(speed, 2)}
    if unsharp:
        report["mutoscope_with_unsharp_0.6"] = measure(_unsharp(restored), truth).as_dict()
    best = max(CHAINS, key=lambda c: report[c]["psnr_db"])
    plain = report["input_bicubic"]
    draw = clip.draw is not None

    def check(floor: str, value: float, op: Any, limit: float) -> dict[str, Any]:
        return floors.check(floor, clip.name, value, op, limit, draw=draw)

    if clip.clean:
        report["floors"] = {
            "clean_psnr_over_bicubic_db": check("clean_psnr_over_bicubic_db", round(ours["psnr_db"] - plain["psnr_db"], 2), ">=", -0.5),
            "clean_psnr_to_bicubic_db": check("clean_psnr_to_bicubic_db", round(_psnr(restored, bicubic), 2), ">=", 35.0),
            "smooth_error_fraction": check("smooth_error_fraction", ours["smooth_error_fraction"], "<=", 0.25),
        }  # fmt: skip
    else:
        report["floors"] = {
            "psnr_over_bicubic_db": check("psnr_over_bicubic_db", round(ours["psnr_db"] - plain["psnr_db"], 2), ">=", 3.0),
            "psnr_over_best_ffmpeg_db": check("psnr_over_best_ffmpeg_db", round(ours["psnr_db"] - report[best]["psnr_db"], 2), ">=", 3.0),
            "ssim_over_best_ffmpeg": check("ssim_over_best_ffmpeg", round(ours["ssim"] - max(report[c]["ssim"] for c in CHAINS), 4), ">=", 0.08),
            "flicker_vs_input": check("flicker_vs_input", round(ours["flicker_index"] / max(plain["flicker_index"], 1e-9), 3), "<=", round(1 / 3, 3)),
            "smooth_error_fraction": check("smooth_error_fraction", ours["smooth_error_fraction"], "<=", 0.25),
        }  # fmt: skip
    report["seconds"] = round(time.perf_counter() - began, 1)
    report["scan"] = source.scan  # for the runs below; removed from the report
    return report


def _command_speed(scan: Path, out: Path) -> dict[str, Any]:
    """Frames per second of the whole ``mutoscope restore`` command in a fresh interpreter:
    start, decode, both passes, every stage, encode."""
    frames = probe(scan).frame_count
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mutoscope", "restore", str(scan), "-o", str(out), "--device", "cpu"],
        check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    return {"frames": frames, "seconds": round(seconds, 2), "fps": round(frames / seconds, 2)}


# The child reports its own high-water mark (VmHWM, which starts afresh at exec); ru_maxrss
# would carry over the parent's peak, which Linux keeps across fork and exec. With a limit it
# caps its own address space first, so that a run that would take the machine fails instead.
PEAK_RSS = """
import resource, sys, time
from pathlib import Path
limit = int(sys.argv[3]) * 2**20
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from config.presets import BUILTIN_PRESETS
from engine.job import open_job
began = time.perf_counter()
job = open_job(Path(sys.argv[1]), BUILTIN_PRESETS["standard"], scale=int(sys.argv[2]) or None, device="cpu")
frames = sum(1 for _ in job.frames())
seconds = time.perf_counter() - began
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), frames / seconds)
"""


def _peak_rss(scan: Path, scale: int = 0, limit_mb: int = 0) -> dict[str, Any]:
    """Peak RSS (MB) and frames per second restoring ``scan`` in a fresh process (``scale`` 0:
    the preset's), its address space capped at ``limit_mb`` (0: no cap). A child that dies
    is reported with ``peak_rss_mb`` ``"exceeded"``, its exit status and last line."""
    run = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(scan), str(scale), str(limit_mb)], capture_output=True, text=True
    )
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or [""])[-1][:300]
        return {"peak_rss_mb": "exceeded", "fps": None, "exit_status": run.returncode, "error": last}
    kb, fps = run.stdout.split()[-2:]
    return {"peak_rss_mb": round(int(kb) / 1024, 1), "fps": round(float(fps), 3)}


def _lengths(scan: Path, folder: Path, frames: int) -> tuple[Path, Path]:
    """The first ``frames`` frames of ``scan`` and the same frames twice over, written losslessly."""
    kept = [f for i, f in enumerate(read_frames(scan, "gray")) if i < frames]
    h, w = kept[0].shape
    fps = probe(scan).fps
    paths = folder / "once.mkv", folder / "twice.mkv"
    for path, run in zip(paths, (kept, kept + kept), strict=True):
        with VideoWriter(path, fps, w, h, LOSSLESS) as writer:
            for frame in run:
                writer.write(frame)
    return paths


def _size_scans(folder: Path, frames: int) -> dict[str, Path]:
    """The scans of :data:`SIZES`: the demo's first shot aged at 1440x1080 (a 720x540 scan), and
    that scan resized to 2048x1556 (bicubic) and written losslessly."""
    shot = SCENES["demo"].shots[0]
    small = write_source(
        folder / "size-720x540", (render_frame(shot, i, (1440, 1080)) for i in range(frames)), frames,
        fps=Fraction(18), seed=1896, strength=1.0, keyframes=(), record={"scene": "demo", "cuts": []},
    ).scan  # fmt: skip
    large = folder / "size-2048x1556.mkv"
    with VideoWriter(large, Fraction(18), 2048, 1556, LOSSLESS) as writer:
        for frame in read_frames(small, "gray"):
            writer.write(np.asarray(Image.fromarray(frame).resize((2048, 1556), Image.Resampling.BICUBIC)))
    return {"scan_720x540_scale2": small, "scan_2048x1556_scale1": large}


def _memory(first: Path, folder: Path, floors: Floors) -> dict[str, Any]:
    """Peak RSS against length (:data:`LENGTH_FRAMES` of the first clip, and the same twice
    over) and against frame size (:data:`SIZES`), with their floors."""
    once, twice = (_peak_rss(p) for p in _lengths(first, folder, LENGTH_FRAMES))
    a, b = once["peak_rss_mb"], twice["peak_rss_mb"]
    ratio = round(b / a, 3) if isinstance(a, float) and isinstance(b, float) else "exceeded"
    length: dict[str, Any] = {"clip": a, "clip_twice_as_long": b, "ratio": ratio}
    length["floor"] = floors.check("peak_rss_twice_as_long_ratio", "length", length["ratio"], "<=", 1.1)
    frames = 6 if quick() else SIZE_FRAMES
    sizes: dict[str, Any] = {"frames": frames, "address_space_limit_mb": MEMORY_LIMIT_MB}
    for name, scan in _size_scans(folder, frames).items():
        w, h, scale = SIZES[name]
        run = _peak_rss(scan, scale, MEMORY_LIMIT_MB)
        megapixels = w * scale * h * scale / 1e6
        run["output_megapixels_per_s"] = None if run["fps"] is None else round(run["fps"] * megapixels, 3)
        run["floor"] = floors.check(f"peak_rss_mb_{name}", name, run["peak_rss_mb"], "<", 4096.0)
        sizes[name] = run
    rates = [sizes[n]["output_megapixels_per_s"] for n in SIZES]
    ratio = "exceeded" if None in rates else round(rates[1] / rates[0], 3)
    sizes["megapixels_per_s_2k_vs_1080"] = floors.check(
        "megapixels_per_s_2k_vs_1080", "size", ratio, ">=", 1.0
    )
    return {"length": length, "size": sizes}


def run() -> dict[str, Any]:
    """Every clip: quality of each method, speeds and their ratios, floors; then the command's
    speed, peak RSS and the floors' summary."""
    began = time.perf_counter()
    report: dict[str, Any] = {
        "preset": "standard", "scale": 2, "threads": torch.get_num_threads(), "quick": quick(),
    }  # fmt: skip
    floors = Floors()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scans: list[Path] = []
        for clip in clips():
            report[clip.name] = _clip(clip, folder, floors, unsharp=clip in SYNTHETIC[:3])
            scans.append(report[clip.name].pop("scan"))
            print(clip.name, report[clip.name], flush=True)
        for clip in draws():
            report[clip.name] = _clip(clip, folder, floors)
            report[clip.name].pop("scan")
            print(clip.name, report[clip.name], flush=True)
        first = clips()[0].name
        speed = _command_speed(scans[0], folder / "restored.mp4")
        speed["clip"] = first
        speed["deshake_chain_fps"] = report[first][DESHAKE]["fps"]
        speed["ratio"] = round(speed["fps"] / speed["deshake_chain_fps"], 2)
        speed["floor"] = floors.check(
            "restore_command_speed_vs_deshake_chain", first, speed["ratio"], ">=", 1.0
        )
        if speed["frames"] < 200:
            speed["note"] = "fewer than 200 frames (quick): start-up dominates"
        report["restore_command_speed"] = speed
        report["peak_rss_mb"] = _memory(scans[0], folder, floors)
    report["self_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["seconds"] = round(time.perf_counter() - began, 1)
    report["floors"] = floors.summary()
    return report
