"""``mutoscope conductor`` and ``mutoscope send``."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from config.errors import ConfigError
from config.load import load_installation

log = logging.getLogger("mutoscope.conductor")


@click.command("conductor")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
def conductor(config_path: Path, verbose: bool) -> None:
    """Hold the show state and take commands for the installation in CONFIG."""
    from room.client import SecurityError
    from room.conductor import Conductor

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        server = Conductor(config_path)
    except (ConfigError, SecurityError) as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    signal.signal(
        signal.SIGHUP, lambda *_: log.warning("SIGHUP ignored: send `reload` to read the config again")
    )
    conductor_config = server.installation.conductor
    log.info("commands on %s, state and cues on %s", conductor_config.command, conductor_config.publish)
    page = None
    if server.installation.security.pin is None:
        log.warning("no [security] pin in %s: the tablet page is not served", config_path)
    else:
        from room.web.bridge import PageServer

        page = PageServer(server.installation)
        try:
            page.start()
        except OSError as exc:
            server.close()
            raise click.ClickException(f"the tablet page cannot listen on {page.address}: {exc}") from None
        server.reloaded.append(page.reload)
        click.echo(f"tablet page: {page.address}", err=True)
    try:
        server.serve(stop)
    finally:
        if page is not None:
            page.stop()
        server.close()


def _value(text: str) -> Any:
    """A JSON value, or the text itself (so clip=demo needs no quotes)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@click.command("send")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--timeout", default=1.0, show_default=True, help="Seconds to wait for each try.")
@click.option("--retries", default=2, show_default=True, help="Tries after the first.")
@click.argument("command")
@click.argument("args", nargs=-1)
def send(config_path: Path, timeout: float, retries: int, command: str, args: tuple[str, ...]) -> None:
    """Send COMMAND with ARGS (KEY=VALUE, VALUE as JSON or plain text) to the conductor and
    print its reply as JSON; exit status 1 for an error reply, 2 if it cannot be reached.

    \b
    mutoscope send --config site.toml play clip=demo screens='["main"]'
    mutoscope send --config site.toml wipe position=0.3 angle=10
    """
    from room.client import Client, ConductorUnreachable, SecurityError, client_keys

    try:
        installation = load_installation(config_path)
        keys = client_keys(installation)
    except (ConfigError, SecurityError) as exc:
        raise click.ClickException(str(exc)) from None
    fields: dict[str, Any] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{arg!r}: expected KEY=VALUE", param_hint="ARGS")
        fields[key] = _value(value)
    client = Client(installation.conductor.command, timeout_s=timeout, retries=retries, keys=keys)
    try:
        reply = client.call(command, **fields)
    except ConductorUnreachable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    finally:
        client.close()
    click.echo(json.dumps(reply, indent=2))
    sys.exit(0 if reply.get("ok") else 1)


@click.group("keys")
def keys_group() -> None:
    """CURVE keys for a conductor that listens beyond its own PC."""


@keys_group.command("generate")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--client", "clients", multiple=True, default=("screens",), show_default=True,
              help="A client to make keys for (repeat for several); each is allowed at once.")  # fmt: skip
def generate(folder: Path, clients: tuple[str, ...]) -> None:
    """Make the conductor's keys and each client's in FOLDER, and allow the clients
    (FOLDER/authorized holds their public keys). Existing key files are never replaced."""
    import shutil

    import zmq.auth

    authorized = folder / "authorized"
    authorized.mkdir(parents=True, exist_ok=True)
    for name in ("conductor", *clients):
        if (folder / f"{name}.key_secret").exists():
            raise click.ClickException(f"{folder / name}.key_secret exists; keys are never replaced")
    for name in ("conductor", *clients):
        public, secret = zmq.auth.create_certificates(str(folder), name)
        Path(secret).chmod(0o600)
        if name != "conductor":
            shutil.copy(public, authorized / Path(public).name)
    click.echo("[security]")
    click.echo(f'server_key = "{(folder / "conductor.key_secret").absolute()}"')
    click.echo(f'client_key = "{(folder / f"{clients[0]}.key_secret").absolute()}"')
    click.echo(f'authorized_keys = "{authorized.absolute()}"')
    click.echo(
        "# on the client PCs, server_key may be the public conductor.key; copy each its own .key_secret"
    )
