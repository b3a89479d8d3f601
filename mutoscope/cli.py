"""The ``mutoscope`` command. Subcommands are named by import path (modules of
:mod:`mutoscope.commands`) and loaded on first use, so ``mutoscope play`` never imports torch
and ``mutoscope --help`` imports nothing heavy."""

from __future__ import annotations

import importlib
from importlib.metadata import version

import click

# name -> ("module:attribute" of the click command, one-line help shown by --help, the extra it needs)
SUBCOMMANDS: dict[str, tuple[str, str, str | None]] = {
    "config": ("mutoscope.commands.config:config_group", "Check an installation's TOML configuration.", None),
    "library": ("mutoscope.commands.library:library_group", "List, inspect, verify and edit a clip library.", None),
    "demo-source": (
        "mutoscope.commands.demo:demo_source", "Make an archive-like demo scan and its ground truth.", "demo",
    ),
    "play": ("mutoscope.commands.play:play", "Play the installation's clips on one screen.", "player"),
    "conductor": (
        "mutoscope.commands.room:conductor", "Hold the show state and take the operator's commands.", "player",
    ),
    "send": ("mutoscope.commands.room:send", "Send one command to the conductor and print its reply.", "player"),
    "keys": ("mutoscope.commands.room:keys_group", "Make CURVE keys for a conductor beyond its own PC.", "player"),
    "restore": (
        "mutoscope.commands.restore:restore", "Restore a scan into a video file, or draw its stages sheet.", "engine",
    ),
    "ingest": (
        "mutoscope.commands.ingest:ingest_command", "Restore a scan and add it to a library beside its original.",
        "engine",
    ),
    "keyframes": (
        "mutoscope.commands.keyframes:keyframes_group", "Choose and export the frames an archivist colours by hand.",
        "engine",
    ),
}  # fmt: skip


OURS = {"mutoscope", "content", "config", "engine", "player", "room"}


def _missing_extra(name: str, exc: ModuleNotFoundError) -> str | None:
    """What to install for command ``name``, where ``exc`` is a package of its extra missing
    (``None`` for a module of ours, or a command that needs no extra: a bug, not a setup)."""
    extra = SUBCOMMANDS[name][2] if name in SUBCOMMANDS else None
    if extra is None or (exc.name or "").split(".")[0] in OURS:
        return None
    return f"mutoscope {name} needs the {extra} extra: pip install 'mutoscope[{extra}]' ({exc})"


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when one of them runs. A command whose
    extra is not installed, found as it loads or as it runs, says what to install."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[cmd_name][0].split(":")
        try:
            command = getattr(importlib.import_module(module_name), attribute)
        except ModuleNotFoundError as exc:
            message = _missing_extra(cmd_name, exc)
            if message is None:
                raise

            def explain() -> None:
                raise click.ClickException(message)

            return click.Command(
                cmd_name, callback=explain, help=message, short_help=SUBCOMMANDS[cmd_name][1]
            )
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:  # an extra's package imported as the command runs
            message = _missing_extra(ctx.invoked_subcommand or "", exc)
            if message is None:
                raise
            raise click.ClickException(message) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("mutoscope"), prog_name="mutoscope")
def main() -> None:
    """Mutoscope: restore archive film ahead of time, then play the original and the restored
    version in frame-exact sync on exhibition screens."""
