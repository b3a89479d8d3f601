"""``mutoscope play``: run one exhibition screen."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from config.errors import ConfigError
from config.load import load_installation
from config.schema import ScreenOutput
from content.library import Library, LibraryError
from content.manifest import ManifestError

if TYPE_CHECKING:
    from pyglet.window import Window

log = logging.getLogger("mutoscope.player")


def _window(screen: ScreenOutput, windowed: bool, title: str) -> Window:
    """A pyglet window for ``screen``: fullscreen on its output, or a plain window."""
    import pyglet

    if windowed or not screen.fullscreen:
        return pyglet.window.Window(*screen.resolution, caption=title)
    outputs = pyglet.display.get_display().get_screens()
    index = screen.output if isinstance(screen.output, int) else 0
    if isinstance(screen.output, str):
        log.warning("output %r: connector names are not resolved yet; using the first output", screen.output)
    if index >= len(outputs):
        log.warning("output %d does not exist (%d outputs); using the first", index, len(outputs))
        index = 0
    window = pyglet.window.Window(fullscreen=True, screen=outputs[index], caption=title)
    window.set_mouse_visible(False)
    return window


@click.command("play")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--screen", "screen_id", required=True, help="Which [[screens]] entry this PC shows.")
@click.option("--windowed", is_flag=True, help="A window instead of fullscreen (for setting up).")
@click.option(
    "--capture",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Play one pass of the first clip, write a contact sheet (PNG) of its transitions, and exit.",
)
def play(config_path: Path, screen_id: str, windowed: bool, capture: Path | None) -> None:
    """Play the installation's clips on one screen, original and restored in sync."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        installation = load_installation(config_path)
        screen_config = installation.screen(screen_id)
        library = Library(installation.library)
        library.read()
    except (ConfigError, LibraryError, ManifestError) as exc:
        raise click.ClickException(str(exc)) from exc

    from player.memory import limit_malloc_arenas
    from player.screen import Screen

    limit_malloc_arenas()
    signal.signal(
        signal.SIGHUP, lambda *_: log.warning("SIGHUP ignored: restart the player to read the config again")
    )

    window = _window(
        screen_config, windowed or capture is not None, f"Mutoscope: {installation.name} / {screen_id}"
    )
    screen = Screen(window, installation, screen_id, library)
    try:
        if capture is None:
            from player.follower import Follower
            from room.client import SecurityError, client_keys

            try:
                keys = client_keys(installation)
            except SecurityError as exc:
                raise click.ClickException(str(exc)) from None
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
