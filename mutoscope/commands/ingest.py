"""``mutoscope ingest``: a scan restored and added to a library beside its original."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import click
from rich.console import Console

from content.library import Library
from engine.ingest import IngestRequest, ingest
from mutoscope.commands.errors import reports_errors
from mutoscope.commands.options import (
    library_option,
    replace_hint,
    replace_option,
    start_logging,
    verbose_option,
)
from mutoscope.commands.progress import progress_bars
from mutoscope.commands.restoring import RestoreOptions, open_scan, preset_of, restore_options

console = Console(soft_wrap=True)


@click.command("ingest")
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@library_option
@click.option("--id", "clip_id", required=True, help="Clip id: a-z, 0-9, '-' and '_'.")
@click.option("--title", required=True, help="The title shown with the clip.")
@click.option("--year", type=click.IntRange(1870, 2200), help="The year the film was made.")
@replace_option("a clip that has the same id")
@restore_options()
@verbose_option
@reports_errors(interrupted="nothing was written to the library; run the same command again to resume")
def ingest_command(
    scan: Path,
    library_path: Path,
    clip_id: str,
    title: str,
    year: int | None,
    replace: bool,
    options: RestoreOptions,
    verbose: bool,
) -> None:
    """Restore SCAN and add it, beside its original, to the library in one commit. A run that
    was stopped resumes at its last finished window."""
    start_logging(verbose)
    preset = preset_of(options)
    library = Library.create(library_path)
    with replace_hint():
        if not replace:
            library.refuse_taken(clip_id)  # before the long work, not after
        with progress_bars() as update:
            job = open_scan(scan, options, update)
            request = IngestRequest(library, job, preset, options.preset, clip_id, title, year, replace)
            clip = ingest(request, update)
    console.print(
        f"ingested {clip.id}: {clip.frame_count} frames, {clip.original.width}x{clip.original.height} -> "
        f"{clip.restored.width}x{clip.restored.height} at {float(Fraction(clip.fps)):g} fps -> {library.root / clip.folder}"
    )
