"""Player throughput under Xvfb (Mesa's llvmpipe, no GPU): paired playback with the wipe moving
every frame, against mpv playing the restored file alone in the same Xvfb.

Both versions are full-screen 16:9 at the case's size, the original with the degradation
model's film grain (a high bitrate), so this is the worst case: a kiosk with any GPU does far
better.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from config.load import load_installation
from config.look import Look
from config.schema import Schedule, ScreenOutput
from config.sequences import Step
from content.demo.degrade import DegradationParams
from content.library import Library
from content.manifest import Provenance, SourceInfo
from content.media import EncodeSettings, PairWriter
from player.virtual_display import virtual_display


@dataclass(frozen=True)
class Case:
    """A screen ``width`` x ``height`` at ``fps``; the restored version fills it and the original
    is ``original_scale`` of it (0.5: the scan as the engine stores it, beside a 2x restoration)."""

    name: str
    width: int
    height: int
    fps: int
    seconds: int
    original_scale: float = 0.5

    @property
    def clip_id(self) -> str:
        return self.name.lower().replace("_", "-")

    @property
    def original_size(self) -> tuple[int, int]:
        return (
            round(self.width * self.original_scale) // 2 * 2,
            round(self.height * self.original_scale) // 2 * 2,
        )


CASES = (
    Case("720p25", 1280, 720, 25, 10),
    Case("1080p25", 1920, 1080, 25, 10),
    Case("1080p25_both_full", 1920, 1080, 25, 10, original_scale=1.0),
    Case("1080p30", 1920, 1080, 30, 10),
    Case("2160p25", 3840, 2160, 25, 4),
)

REPO = Path(__file__).resolve().parents[1]
WARM_UP_S = 60.0
"""RSS is also taken this long into a run, after one-time allocations (rings, decoder pools,
several clip changes); the soak runs this long plus its minutes, and its growth is counted over
those minutes."""


def _unit(noise: np.ndarray) -> np.ndarray:
    return noise / noise.std()


def _frames(case: Case) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A slow pan over a photograph: (grainy grey original, clean colour restored) per frame."""
    from skimage import data

    photo = Image.fromarray(data.astronaut())
    rng = np.random.default_rng(0)
    params = DegradationParams()  # grain as the project's degradation model makes it
    amplitude = 255 * params.grain
    grain = [
        (
            amplitude
            * _unit(ndimage.gaussian_filter(rng.normal(size=(case.height, case.width)), params.grain_size_px))
        )
        .round()
        .astype(np.int16)
        for _ in range(6)
    ]
    for i in range(case.fps * case.seconds):
        t = i / (case.fps * case.seconds)
        scale = 0.6 * photo.width / case.width
        affine = (scale, 0, 40 + 60 * t, 0, scale, 60 + 40 * t)
        restored = np.asarray(photo.transform((case.width, case.height), Image.Transform.AFFINE, affine))
        grey = restored @ np.array([0.299, 0.587, 0.114])
        original = np.clip(grey + grain[i % len(grain)], 0, 255).astype(np.uint8)
        scan = Image.fromarray(original).resize(case.original_size, Image.Resampling.BOX)
        yield np.repeat(np.asarray(scan)[..., None], 3, axis=2), restored


def _clip(library: Library, case: Case) -> Path:
    with library.stage(case.clip_id) as staging:
        settings = EncodeSettings(crf=20, gop=case.fps // 2, preset="veryfast")
        size = (case.width, case.height)
        with PairWriter(
            staging.original, staging.restored, Fraction(case.fps), case.original_size, size, settings
        ) as pair:
            for original, restored in _frames(case):
                pair.write(original, restored)
        Image.fromarray(original).save(staging.poster)
        source = SourceInfo(filename="bench", sha256="0" * 64)
        provenance = Provenance(
            source=source, restoration="engine", engine_version="bench", created=datetime.now(UTC)
        )
        clip = staging.commit(case.name, None, provenance, replace=True)
    return library.path_of(clip.restored)


def _rss_mb() -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def _play(library: Library, case: Case, seconds: float) -> dict[str, Any]:
    """Play ``case`` looping for ``seconds`` with the wipe moving every presentation."""
    import pyglet

    from player.clock import MonotonicClock
    from player.screen import Screen

    installation = load_installation(REPO / "config/examples/demo.toml").model_copy(
        update={
            "library": library.root,
            "screens": [
                ScreenOutput(
                    id="bench", resolution=(case.width, case.height), fullscreen=False, caption=False
                )
            ],
            "schedule": Schedule(attract_playlist=[case.clip_id]),
            "sequences": {"default": [Step(at=0.0, mode="wipe", position=0.5, duration=0.0)]},
        }
    )
    window = pyglet.window.Window(case.width, case.height, visible=True)
    screen = Screen(window, installation, "bench", library, MonotonicClock())
    start = time.monotonic()
    cpu0, rss0 = os.times(), _rss_mb()

    warm: list[float] = []
    by_minute: list[float] = []

    def move_wipe() -> None:
        t = time.monotonic() - start
        if not warm and t >= WARM_UP_S:
            warm.append(_rss_mb())
        if t >= 60 * (len(by_minute) + 1):
            by_minute.append(round(_rss_mb(), 1))
        screen.director.animator.go(
            Look(mode="wipe", position=0.5 + 0.35 * math.sin(t), handle=1.0), 0.0, screen.clock.now()
        )

    screen.run(until=lambda: time.monotonic() - start >= seconds, on_frame=move_wipe)
    wall = time.monotonic() - start
    cpu1 = os.times()
    runs = [*screen.show.finished, screen.show.status]
    shown, dropped = sum(s.shown for s in runs), sum(s.dropped for s in runs)
    result = {
        "presented_fps": round(shown / wall, 2),
        "frames_shown": shown,
        "frames_dropped": dropped,
        "dropped_percent": round(100 * dropped / max(shown + dropped, 1), 2),
        "cpu_percent_of_one_core": round(100 * (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / wall, 1),
        "rss_mb_start": round(rss0, 1),
        "rss_mb_end": round(_rss_mb(), 1),
        "rss_mb_warm": round(warm[0], 1) if warm else None,
        "rss_mb_by_minute": by_minute,
        "seconds": round(wall, 1),
        "errors": screen.show.status.errors,
    }
    screen.close()
    window.close()
    return result


def _mpv(path: Path, case: Case, seconds: int) -> dict[str, Any]:
    """mpv playing the restored file alone in the same Xvfb: the anchor.

    With no audio clock mpv slows down rather than counting a late frame as dropped, so beside
    its drop counters this reports ``realtime_ratio``: seconds of video played per second of
    wall time (1.0 keeps up)."""
    script = Path(tempfile.mkdtemp()) / "report.lua"
    script.write_text(
        "local played, last = 0, 0\n"
        "mp.observe_property('playback-time', 'number', function(_, t)\n"
        "  if t == nil then return end\n"
        "  if t < last then played = played + last end\n"
        "  last = t\nend)\n"
        f"mp.add_timeout({seconds}, function()\n"
        "  print(string.format('REPORT %d %d %.3f', mp.get_property_number('frame-drop-count', 0),"
        " mp.get_property_number('vo-drop-frame-count', 0), played + last))\n"
        "  mp.command('quit')\nend)\n"
    )
    command = ["mpv", "--no-config", "--no-audio", "--vo=gpu", "--gpu-api=opengl", "--gpu-context=x11egl",
               "--hwdec=no", "--loop-file=inf", f"--geometry={case.width}x{case.height}", f"--script={script}",
               "--msg-level=all=error,report=info", str(path)]  # fmt: skip
    env = {**os.environ, "XDG_RUNTIME_DIR": str(script.parent)}
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, env=env)
    match = re.search(r"REPORT (\d+) (\d+) ([0-9.]+)", run.stdout + run.stderr)
    if not match:
        return {"error": (run.stdout + run.stderr)[-300:]}
    decoder_drops, vo_drops, played = int(match.group(1)), int(match.group(2)), float(match.group(3))
    return {
        "decoder_dropped": decoder_drops,
        "vo_dropped": vo_drops,
        "dropped_percent": round(100 * (decoder_drops + vo_drops) / (case.fps * seconds), 2),
        "realtime_ratio": round(played / seconds, 3),
    }


def run(seconds: int = 60, soak_minutes: float = 10.0, cases: list[str] | None = None) -> dict[str, Any]:
    """Each case (``cases`` by name, or all) for ``seconds``, mpv beside it, and a soak of
    ``soak_minutes`` at 720p25 (none if 0)."""
    from player.memory import limit_malloc_arenas

    report: dict[str, Any] = {
        "renderer": "Xvfb + Mesa llvmpipe",
        "seconds_per_case": seconds,
        "malloc_arenas_capped": limit_malloc_arenas(),
    }
    with tempfile.TemporaryDirectory() as tmp, virtual_display("3840x2160x24"):
        library = Library.create(Path(tmp) / "library")
        for case in CASES:
            if cases and case.name not in cases:
                continue
            restored = _clip(library, case)
            report[case.name] = {
                "mutoscope_paired": _play(library, case, seconds),
                "mpv_restored_alone": _mpv(restored, case, seconds),
            }
            print(case.name, report[case.name], flush=True)
        if soak_minutes <= 0:
            return report
        if cases and CASES[0].name not in cases:
            _clip(library, CASES[0])
        soak = _play(library, CASES[0], WARM_UP_S + soak_minutes * 60)
        report["soak_720p25"] = {
            "minutes_after_warm_up": soak_minutes,
            "warm_up_s": WARM_UP_S,
            "rss_mb_start": soak["rss_mb_start"],
            "rss_mb_end": soak["rss_mb_end"],
            "rss_mb_warm": soak["rss_mb_warm"],
            "rss_growth_mb": round(soak["rss_mb_end"] - soak["rss_mb_start"], 1),
            "rss_growth_after_warm_up_mb": round(soak["rss_mb_end"] - soak["rss_mb_warm"], 1),
            "rss_mb_by_minute": soak["rss_mb_by_minute"],
            "frames_dropped": soak["frames_dropped"],
            "dropped_percent": soak["dropped_percent"],
        }
    return report
