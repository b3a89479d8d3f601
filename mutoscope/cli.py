"""The ``mutoscope`` command. Subcommands are named by import path and loaded on first use, so
``mutoscope play`` never imports torch and ``mutoscope --help`` imports nothing heavy."""

from __future__ import annotations

import importlib
from importlib.metadata import version

import click

# name -> ("module:attribute" of the click command, one-line help shown by --help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "config": ("config.cli:config_group", "Check an installation's TOML configuration."),
    "library": ("content.cli:library_group", "List, inspect, verify and edit a clip library."),
    "demo-source": ("content.cli:demo_source", "Make an archive-like demo scan and its ground truth."),
    "play": ("player.cli:play", "Play the installation's clips on one screen."),
    "conductor": ("room.cli:conductor", "Hold the show state and take the operator's commands."),
    "send": ("room.cli:send", "Send one command to the conductor and print its reply."),
    "keys": ("room.cli:keys_group", "Make CURVE keys for a conductor beyond its own PC."),
    "restore": ("engine.cli:restore", "Restore a scan into a video file, or draw its stages sheet."),
    "ingest": ("engine.cli:ingest_command", "Restore a scan and add it to a library beside its original."),
    "keyframes": (
        "engine.colour.cli:keyframes_group",
        "Choose and export the frames an archivist colours by hand.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when one of them runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("mutoscope"), prog_name="mutoscope")
def main() -> None:
    """Mutoscope: restore archive film ahead of time, then play the original and the restored
    version in frame-exact sync on exhibition screens."""
