"""``mutoscope restore``: a scan restored into a video file, or its stages sheet."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from mutoscope.commands.errors import reports_errors
from mutoscope.commands.options import start_logging, verbose_option
from mutoscope.commands.progress import progress_bars
from mutoscope.commands.restoring import RestoreOptions, open_scan, preset_of, restore_options

console = Console(soft_wrap=True)  # paths stay whole, for copying


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
@restore_options()
@verbose_option
@reports_errors(interrupted="the restored clip was not written")
def restore(
    scan: Path,
    out: Path | None,
    stages_sheet: Path | None,
    sheet_frame: int | None,
    options: RestoreOptions,
    verbose: bool,
) -> None:
    """Restore SCAN into OUT: same frames and rate, SCAN's size times --scale."""
    start_logging(verbose)
    if (out is None) == (stages_sheet is None):
        raise click.UsageError("give -o OUT for the restored clip, or --stages-sheet PNG (one of them)")
    preset = preset_of(options)
    with progress_bars() as update:
        job = open_scan(scan, options, update)
        if stages_sheet is not None:
            from engine.sheet import stages_sheet as draw_sheet

            frame = job.frame_count // 2 if sheet_frame is None else sheet_frame
            try:
                draw_sheet(job, frame, stages_sheet)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--frame") from None
            console.print(f"stages sheet of frame {frame}: {stages_sheet}")
            return
        assert out is not None
        from engine.restore import restore_file

        fps = restore_file(job, out, preset, update)
    width, height = job.restored_size
    coloured = f", coloured from {len(job.keyframes)} keyframes" if job.keyframes else ""
    console.print(f"restored {job.frame_count} frames ({width}x{height}){coloured} at {fps:.1f} fps -> {out}")
    if job.damaged:
        console.print(
            f"[yellow]{len(job.damaged)} frames could not be decoded and were filled from neighbours (see the log)[/]"
        )
