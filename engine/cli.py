"""``mutoscope restore`` and ``mutoscope ingest``: the archivist's commands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from config.errors import ConfigError
from config.load import load_installation
from config.presets import BUILTIN_PRESETS, Preset
from content.library import Library, LibraryError
from content.manifest import UnsafeClipIdError
from content.media import MediaError
from engine.device import GPU_INSTALL, DeviceError
from engine.errors import EngineError
from engine.ingest import ClipIdTakenError, IngestRequest, ingest
from engine.job import Job, Watcher, open_job, parse_frames
from engine.job import Progress as ProgressCallback
from engine.restore import restore_file

console = Console(soft_wrap=True)  # paths stay whole, for copying
errors = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(function: F) -> F:
    """Expected failures become one clear line on stderr and exit status 1."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (EngineError, LibraryError, MediaError, ConfigError, UnsafeClipIdError) as exc:
            errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise SystemExit(1) from exc
        except KeyboardInterrupt:
            errors.print("[bold red]interrupted:[/] nothing was written to the library; run again to resume")
            raise SystemExit(130) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar() -> Iterator[ProgressCallback]:
    """Bars for the two passes: frames analysed, then frames restored with fps and time left."""
    columns = (
        TextColumn("{task.description:10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames {task.fields[fps]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=errors) as bars:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=total or None, fps="")
            task = tasks[phase]
            speed = bars.tasks[task].speed
            bars.update(task, completed=done, total=total or None, fps=f"{speed:5.1f} fps" if speed else "")

        yield update


def _preset(name: str, config: Path | None) -> Preset:
    if config is not None:
        try:
            preset = load_installation(config).preset(name)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="--preset") from None
    elif name in BUILTIN_PRESETS:
        preset = BUILTIN_PRESETS[name]
    else:
        raise click.BadParameter(
            f"no preset {name!r}; built in: {', '.join(BUILTIN_PRESETS)}", param_hint="--preset"
        )
    return preset


def _frames(spec: str | None) -> tuple[int, int | None]:
    """``--frames A:B`` as :func:`engine.job.parse_frames` reads it, or a usage error."""
    try:
        return parse_frames(spec)
    except ValueError as exc:
        raise click.BadParameter(f"--frames {exc}", param_hint="--frames") from None


def open_scan(
    scan: Path,
    preset: Preset,
    progress: ProgressCallback,
    scale: str | None = None,
    device: str = "auto",
    frames: tuple[int, int | None] = (0, None),
    keyframes: Path | None = None,
    watch: Watcher | None = None,
) -> Job:
    """:func:`engine.job.open_job` from the options as click gives them (``--scale`` as
    its text, ``--device`` one of its choices); a device that cannot run is reported in terms
    of ``--device``."""
    try:
        return open_job(
            scan, preset, scale=int(scale) if scale else None, device=device, frames=frames,  # type: ignore[arg-type]
            keyframes=keyframes, progress=progress, watch=watch,
        )  # fmt: skip
    except DeviceError as exc:
        raise DeviceError(
            f"--device {device}: {exc.problem}; {GPU_INSTALL}, or run with --device cpu", exc.problem
        ) from exc


def common(function: F) -> F:
    """Options shared by restore and ingest."""
    options = [
        click.option(
            "--preset",
            "preset_name",
            default="standard",
            show_default=True,
            help="gentle, standard, strong, or one from --config.",
        ),
        click.option(
            "--config",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            help="An installation TOML whose [presets] to use.",
        ),
        click.option(
            "--scale", type=click.Choice(["1", "2", "4"]), help="Upscale factor (default: the preset's)."
        ),
        click.option(
            "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True
        ),
        click.option("--frames", "frame_range", metavar="A:B", help="Only frames A to B-1."),
        click.option(
            "--keyframes",
            type=click.Path(path_type=Path),
            help="A folder of coloured keyframes (PNG or TIFF named by frame index) to colour the clip from.",
        ),
        click.option("-v", "--verbose", is_flag=True, help="Log what each pass does."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@click.command("restore")
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o", "--out", type=click.Path(path_type=Path, dir_okay=False), help="The restored clip (.mp4 or .mkv)."
)
@click.option(
    "--stages-sheet",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Draw one frame after each stage into this PNG instead.",
)
@click.option(
    "--frame", "sheet_frame", type=int, help="The frame the stages sheet shows (default: the middle)."
)
@common
@reports_errors
def restore(
    scan: Path,
    out: Path | None,
    stages_sheet: Path | None,
    sheet_frame: int | None,
    preset_name: str,
    config: Path | None,
    scale: str | None,
    device: str,
    frame_range: str | None,
    keyframes: Path | None,
    verbose: bool,
) -> None:
    """Restore SCAN into OUT: same frames and rate, SCAN's size times --scale."""
    _logging(verbose)
    if (out is None) == (stages_sheet is None):
        raise click.UsageError("give -o OUT for the restored clip, or --stages-sheet PNG (one of them)")
    preset = _preset(preset_name, config)
    frames = _frames(frame_range)
    with progress_bar() as update:
        job = open_scan(scan, preset, update, scale, device, frames, keyframes)
        if stages_sheet is not None:
            from engine.sheet import stages_sheet as draw_sheet

            frame = job.frame_count // 2 if sheet_frame is None else sheet_frame
            try:
                draw_sheet(job, frame, stages_sheet)
            except ValueError as exc:
                raise click.BadParameter(f"--frame {exc}", param_hint="--frame") from None
            console.print(f"stages sheet of frame {frame}: {stages_sheet}")
            return
        assert out is not None
        fps = restore_file(job, out, preset, update)
    width, height = job.restored_size
    coloured = f", coloured from {len(job.keyframes)} keyframes" if job.keyframes else ""
    console.print(f"restored {job.frame_count} frames ({width}x{height}){coloured} at {fps:.1f} fps -> {out}")
    if job.damaged:
        console.print(
            f"[yellow]{len(job.damaged)} frames could not be decoded and were filled from neighbours (see the log)[/]"
        )


@click.command("ingest")
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--library", "library_path", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--id", "clip_id", required=True, help="Clip id: a-z, 0-9, '-' and '_'.")
@click.option("--title", required=True)
@click.option("--year", type=click.IntRange(1870, 2200))
@click.option("--replace", is_flag=True, help="Replace a clip that has the same id.")
@common
@reports_errors
def ingest_command(
    scan: Path,
    library_path: Path,
    clip_id: str,
    title: str,
    year: int | None,
    replace: bool,
    preset_name: str,
    config: Path | None,
    scale: str | None,
    device: str,
    frame_range: str | None,
    keyframes: Path | None,
    verbose: bool,
) -> None:
    """Restore SCAN and add it, beside its original, to the library in one commit. A run that
    was stopped resumes at its last finished window."""
    _logging(verbose)
    preset = _preset(preset_name, config)
    frames = _frames(frame_range)
    try:
        library = Library.create(library_path)
    except OSError as exc:
        raise LibraryError(
            f"{library_path}: cannot create or write the library ({exc.strerror or exc})"
        ) from exc
    with progress_bar() as update:
        job = open_scan(scan, preset, update, scale, device, frames, keyframes)
        request = IngestRequest(library, job, preset, preset_name, clip_id, title, year, replace)
        try:
            clip = ingest(request, update)
        except ClipIdTakenError as exc:
            raise LibraryError(f"{exc}; pass --replace to replace it") from exc
    console.print(
        f"ingested {clip.id}: {clip.frame_count} frames, {clip.original.width}x{clip.original.height} -> "
        f"{clip.restored.width}x{clip.restored.height} at {float(Fraction(clip.fps)):g} fps -> {library.root / clip.folder}"
    )
