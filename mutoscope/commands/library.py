"""``mutoscope library ...``: list, inspect, verify and edit a clip library."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from content.library import Library, LibraryError
from content.manifest import Clip
from mutoscope.commands.errors import fail, reports_errors, stderr
from mutoscope.commands.options import library_option, replace_hint, replace_option
from mutoscope.commands.progress import progress_bars

console = Console(soft_wrap=True)


def _duration(clip: Clip) -> str:
    minutes, seconds = divmod(clip.duration, 60)
    return f"{int(minutes)}:{seconds:04.1f}"


@click.group("library")
def library_group() -> None:
    """List, inspect, verify and edit a clip library."""


@library_group.command("list")
@library_option
@click.option("--json", "as_json", is_flag=True, help="Print the clips as JSON.")
@reports_errors()
def list_clips(library_path: Path, as_json: bool) -> None:
    """List the clips in a library."""
    manifest = Library(library_path).read()
    if as_json:
        click.echo(json.dumps([clip.model_dump(mode="json") for clip in manifest.clips], indent=2))
        return
    table = Table(title=escape(f"{library_path} ({len(manifest.clips)} clips)"))
    for column in ("id", "title", "year", "duration", "frames", "fps", "size", "restored by"):
        table.add_column(column)
    for clip in manifest.clips:
        table.add_row(
            *(escape(text) for text in (clip.id, clip.title)),  # a title is text, never markup
            str(clip.year or ""),
            _duration(clip),
            str(clip.frame_count),
            f"{float(Fraction(clip.fps)):g}",
            f"{clip.original.width}x{clip.original.height} -> {clip.restored.width}x{clip.restored.height}",
            clip.provenance.restoration,
        )
    console.print(table)


@library_group.command("show")
@library_option
@click.argument("clip_id")
@reports_errors()
def show_clip(library_path: Path, clip_id: str) -> None:
    """Print everything the library records about one clip, as JSON."""
    library = Library(library_path)
    clip = library.read().get(clip_id)
    if clip is None:
        raise LibraryError(f"{library.root}: no clip {clip_id!r} in the library")
    click.echo(clip.model_dump_json(indent=2))


@library_group.command("verify")
@library_option
@reports_errors()
def verify(library_path: Path) -> None:
    """Check every clip: files present, hashes, both versions decodable and in step.

    Reports every bad clip and file, then exits with status 1 if any were found."""
    from content.verify import verify_library

    library = Library(library_path)
    problems = verify_library(library)
    for problem in problems:
        stderr.print(f"[bold red]bad:[/] {escape(str(problem))}", highlight=False)
    if problems:
        bad = len({p.clip_id for p in problems})
        fail(f"{bad} bad clip(s), {len(problems)} problem(s) in {library.root}")
    for folder in library.orphans():
        stderr.print(f"note: {escape(str(folder))} is left from an interrupted write", highlight=False)
    console.print(escape(f"{library.root}: all {len(library.read().clips)} clips verified"))


@library_group.command("remove")
@library_option
@click.argument("clip_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors()
def remove(library_path: Path, clip_id: str, yes: bool) -> None:
    """Remove a clip from the library (the manifest first, then its files)."""
    library = Library(library_path)
    if not yes:
        click.confirm(f"Remove clip {clip_id!r} from {library.root}?", abort=True)
    clip = library.remove(clip_id)
    console.print(escape(f"removed {clip.id} ({clip.title})"))


@library_group.command("add")
@library_option
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--id", "clip_id", required=True, help="Clip id: a-z, 0-9, '-' and '_'.")
@click.option("--title", required=True, help="The title shown with the clip.")
@click.option("--year", type=click.IntRange(1870, 2200), help="The year the film was made.")
@click.option(
    "--restored",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A restored version made by another tool, frame for frame with SCAN.",
)
@replace_option("a clip that has the same id")
@reports_errors(interrupted="nothing was added to the library")
def add(
    library_path: Path,
    scan: Path,
    clip_id: str,
    title: str,
    year: int | None,
    restored: Path | None,
    replace: bool,
) -> None:
    """Add SCAN without Mutoscope's engine: beside a restored version made elsewhere
    (--restored), or beside a plain re-encode of itself. The provenance says which."""
    from content.importer import add_scan, doubts
    from content.media import probe

    for doubt in doubts(scan, probe(scan)):
        stderr.print(f"[yellow]warning:[/] {escape(doubt)}; adding it all the same", highlight=False)
    library = Library.create(library_path)
    with replace_hint():
        if not replace:
            library.refuse_taken(clip_id)  # before the encoding, not after
        with progress_bars() as update:
            clip = add_scan(
                library, scan, clip_id, title, year, replace=replace, restored=restored,
                on_frame=lambda done, total: update(f"adding {clip_id}", done, total),
            )  # fmt: skip
    console.print(
        escape(
            f"added {clip.id}: {clip.frame_count} frames at {clip.fps} fps -> {library.root / clip.folder}"
        )
    )
