"""FFmpeg's own restoration filters, run through PyAV's filter graph: the baselines an archive
would otherwise reach for."""

from __future__ import annotations

import time
from fractions import Fraction

import av
import av.filter
import numpy as np

CHAINS = {
    "ffmpeg_deflicker_tmedian_nlmeans": "deflicker,tmedian,nlmeans",
    "ffmpeg_deshake_deflicker_tmedian_nlmeans_unsharp": "deshake,deflicker,tmedian,nlmeans,unsharp",
}


def run_chain(chain: str, frames: np.ndarray, fps: Fraction) -> tuple[np.ndarray, float]:
    """Filter ``frames`` ``(T, H, W)`` ``uint8`` grey through the comma-separated ``chain`` (each
    filter with FFmpeg's defaults). Returns the filtered frames (same count) and frames per
    second of the filtering. Frames a filter does not give back (``tmedian`` at the ends) are
    the input frames."""
    t, h, w = frames.shape
    graph = av.filter.Graph()
    source = graph.add(
        "buffer",
        f"video_size={w}x{h}:pix_fmt=gray:time_base={fps.denominator}/{fps.numerator}:pixel_aspect=1/1",
    )
    node = source
    for name in chain.split(","):
        following = graph.add(name)
        node.link_to(following)
        node = following
    sink = graph.add("buffersink")
    node.link_to(sink)
    graph.configure()
    out: dict[int, np.ndarray] = {}
    began = time.perf_counter()

    def drain() -> None:
        while True:
            try:
                frame = sink.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            out[int(frame.pts)] = frame.to_ndarray(format="gray")

    for i, image in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(image, format="gray")
        frame.pts = i
        frame.time_base = Fraction(1) / fps
        source.push(frame)
        drain()
    source.push(None)
    drain()
    seconds = time.perf_counter() - began
    if len(out) < t - 4:
        raise RuntimeError(f"{chain}: {len(out)} frames out for {t} in")
    # tmedian gives nothing for the clip's first and last frames: those stay as they came in
    return np.stack([out.get(i, frames[i]) for i in range(t)]), t / seconds
