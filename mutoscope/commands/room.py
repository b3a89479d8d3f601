"""``mutoscope conductor``, ``mutoscope send`` and ``mutoscope keys generate``: the room."""

from __future__ import annotations

import json
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

import click
import zmq.auth

from config.load import load_installation
from mutoscope.commands.errors import fail, keys_hint, reports_errors
from mutoscope.commands.options import config_option, verbose_option
from mutoscope.commands.services import start_service
from room.client import Client, ConductorUnreachable, SecurityError, client_keys
from room.conductor import Conductor
from room.protocol import loads
from room.web.bridge import PageServer


@click.command("conductor")
@config_option("The installation's TOML file.")
@verbose_option
@reports_errors(interrupted="the conductor stopped")
def conductor(config_path: Path, verbose: bool) -> None:
    """Hold the show state and take commands for the installation in --config; serve the
    tablet page where the installation has a [security] pin."""
    log = start_service("conductor", verbose)
    try:
        server = Conductor(config_path)
    except SecurityError as exc:
        keys_hint(exc)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    endpoints = server.installation.conductor
    log.info("commands on %s, state and cues on %s", endpoints.command, endpoints.publish)
    page = None
    if server.installation.security.pin is None:
        log.warning("no [security] pin in %s: the tablet page is not served", config_path)
    else:
        page = PageServer(server.installation)
        try:
            page.start()
        except OSError as exc:
            server.close()
            fail(f"the tablet page cannot listen on {page.address}: {exc}")
        server.reloaded.append(page.reload)
        click.echo(f"tablet page: {page.address}", err=True)
    try:
        server.serve(stop)
    finally:
        if page is not None:
            page.stop()
        server.close()


def _value(text: str) -> Any:
    """A JSON value as the wire reads it, or the text itself (so clip=demo needs no quotes, and
    NaN stays the text the conductor refuses)."""
    try:
        return loads(text)
    except (ValueError, RecursionError):
        return text


@click.command("send")
@config_option("The installation's TOML file (where its conductor listens).")
@click.option("--timeout", default=1.0, show_default=True, help="Seconds to wait for each try.")
@click.option("--retries", default=2, show_default=True, help="Tries after the first.")
@click.argument("command")
@click.argument("args", nargs=-1)
@reports_errors()
def send(config_path: Path, timeout: float, retries: int, command: str, args: tuple[str, ...]) -> None:
    """Send COMMAND with ARGS (KEY=VALUE, VALUE as JSON or plain text) to the conductor and
    print its reply as JSON; exit status 1 for an error reply, 2 if it cannot be reached.

    \b
    mutoscope send --config site.toml play clip=demo screens='["main"]'
    mutoscope send --config site.toml wipe position=0.3 angle=10
    """
    installation = load_installation(config_path)
    fields: dict[str, Any] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{arg!r}: expected KEY=VALUE", param_hint="ARGS")
        fields[key] = _value(value)
    client = Client(
        installation.conductor.command, timeout_s=timeout, retries=retries, keys=client_keys(installation)
    )
    try:
        reply = client.call(command, **fields)
    except ConductorUnreachable as exc:
        fail(str(exc), status=2)
    finally:
        client.close()
    click.echo(json.dumps(reply, indent=2))
    raise SystemExit(0 if reply.get("ok") else 1)


@click.group("keys")
def keys_group() -> None:
    """CURVE keys for a conductor that listens beyond its own PC."""


@keys_group.command("generate")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--client", "clients", multiple=True, default=("screens",), show_default=True,
              help="A client to make keys for (repeat for several); each is allowed at once.")  # fmt: skip
@reports_errors()
def generate(folder: Path, clients: tuple[str, ...]) -> None:
    """Make the conductor's keys and each client's in FOLDER, and allow the clients
    (FOLDER/authorized holds their public keys). Existing key files are never replaced.

    Prints the [security] lines for the installation file: the first client's key is set, and
    each other client's is given as the line to use on its own PC."""
    authorized = folder / "authorized"
    for name in ("conductor", *clients):
        if (folder / f"{name}.key_secret").exists():
            fail(f"{folder / name}.key_secret exists; keys are never replaced")
    authorized.mkdir(parents=True, exist_ok=True)
    for name in ("conductor", *clients):
        public, secret = zmq.auth.create_certificates(str(folder), name)
        Path(secret).chmod(0o600)
        if name != "conductor":
            shutil.copy(public, authorized / Path(public).name)
    secret_of = {name: (folder / f"{name}.key_secret").absolute() for name in clients}
    click.echo("[security]")
    click.echo(f'server_key = "{(folder / "conductor.key_secret").absolute()}"')
    click.echo(f'client_key = "{secret_of[clients[0]]}"  # {clients[0]}')
    for name in clients[1:]:
        click.echo(f'# client_key = "{secret_of[name]}"  # {name}: on its own PC, instead of the line above')
    click.echo(f'authorized_keys = "{authorized.absolute()}"')
    click.echo(
        "# on the client PCs, server_key may be the public conductor.key; copy each its own .key_secret"
    )
