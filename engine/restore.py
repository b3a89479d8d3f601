"""Restore a scan into a video file: the opened :class:`engine.job.Job`'s frames, restored
window by window (and coloured from its keyframes), through the encoder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from config.presets import Preset
from content.media import LOSSLESS, EncodeSettings, VideoWriter
from engine.job import Job
from engine.progress import Progress
from engine.segments import write_windows


def restore_file(job: Job, out: Path, preset: Preset, progress: Progress | None = None) -> float:
    """Write the restored clip to ``out`` (written beside it and renamed when whole), coloured
    from the job's keyframes if it has any; returns frames per second of the whole job, decode
    and encode included."""
    width, height = job.restored_size
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    work = out.with_name(f".{out.stem}.colour-work")
    settings = EncodeSettings(crf=preset.crf, gop=preset.gop)
    began = time.perf_counter()
    try:
        with VideoWriter(partial, job.scan.fps, width, height, settings) as writer, torch.inference_mode():
            restored = (frame for _, frame in job.frames())
            if job.keyframes:
                work.mkdir(exist_ok=True)
                lumas = ({"luma": frame} for frame in restored)
                write_windows(work, job, range(job.windows), {"luma": LOSSLESS}, lumas, progress)
                restored = job.coloured(work, progress)
            for done, frame in enumerate(restored, start=1):
                writer.write(frame)
                if progress and not job.keyframes:
                    progress("restoring", done, job.frame_count)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return job.frame_count / (time.perf_counter() - began)
