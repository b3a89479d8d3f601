"""``mutoscope play``: one exhibition screen, following the room's conductor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from config.load import load_installation
from config.schema import ScreenOutput
from content.errors import ContentError
from content.library import Library
from mutoscope.commands.errors import keys_hint, reports_errors
from mutoscope.commands.options import config_option, verbose_option
from mutoscope.commands.services import start_service
from player.follower import Follower
from player.memory import limit_malloc_arenas
from room.client import SecurityError, client_keys

if TYPE_CHECKING:
    from logging import Logger

    from pyglet.window import Window


def _window(output: ScreenOutput, windowed: bool, title: str, log: Logger) -> Window:
    """A pyglet window for ``output``: fullscreen on its monitor, or a plain window."""
    import pyglet

    if windowed or not output.fullscreen:
        return pyglet.window.Window(*output.resolution, caption=title)
    outputs = pyglet.display.get_display().get_screens()
    index = output.output if isinstance(output.output, int) else 0
    if isinstance(output.output, str):
        log.warning("output %r: connector names are not resolved yet; using the first output", output.output)
    if index >= len(outputs):
        log.warning("output %d does not exist (%d outputs); using the first", index, len(outputs))
        index = 0
    window = pyglet.window.Window(fullscreen=True, screen=outputs[index], caption=title)
    window.set_mouse_visible(False)
    return window


@click.command("play")
@config_option("The installation's TOML file.")
@click.option("--screen", "screen_id", required=True, help="Which [[screens]] entry this PC shows.")
@click.option("--windowed", is_flag=True, help="A window instead of fullscreen (for setting up).")
@click.option(
    "--capture",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Play one pass of the first clip, write a contact sheet (PNG) of its transitions, and exit.",
)
@verbose_option
@reports_errors(interrupted="the screen was closed")
def play(config_path: Path, screen_id: str, windowed: bool, capture: Path | None, verbose: bool) -> None:
    """Play the installation's clips on one screen, original and restored in sync."""
    log = start_service("player", verbose)
    installation = load_installation(config_path)
    output = installation.screen(screen_id)
    library = Library(installation.library)
    try:
        library.read()
    except ContentError as exc:  # not mounted yet, or a bad manifest: the slate, and tries again
        log.error("%s", exc)

    from player.screen import Screen  # pyglet connects to the display as it loads: only now

    limit_malloc_arenas()
    window = _window(
        output, windowed or capture is not None, f"Mutoscope: {installation.name} / {screen_id}", log
    )
    screen = Screen(window, installation, screen_id, library)
    try:
        if capture is None:
            try:
                keys = client_keys(installation)
            except SecurityError as exc:
                keys_hint(exc)
            follower = Follower(screen, installation.conductor, keys=keys)
            try:
                screen.run(on_tick=follower.poll)
            finally:
                follower.close()
            return
        from player.capture import capture_sheet

        result = capture_sheet(screen, capture)
        click.echo(f"contact sheet: {capture}")
        click.echo(
            f"{result.clip}: {result.shown} frames shown, {result.dropped} dropped of {result.frame_count}"
            + (f"; errors: {'; '.join(result.errors)}" if result.errors else "")
        )
    finally:
        screen.close()
        window.close()
