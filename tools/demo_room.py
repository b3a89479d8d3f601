"""The end of ``make demo``: the room. Starts the conductor (and its tablet page), then the
screen: in a window where there is a display (close it to stop), else under Xvfb, where it
writes a contact sheet of the transitions and then shows a screen following the conductor's
commands.

    python -m tools.demo_room --config config/examples/demo.toml --capture demo-out/contact-sheet.png
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from config.load import load_installation
from player.virtual_display import virtual_display
from room.client import Client

MUTOSCOPE = [sys.executable, "-m", "mutoscope"]


def _conductor(config: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [*MUTOSCOPE, "conductor", "--config", str(config)], stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:  # its start-up lines, up to the page's address
        if line.startswith("tablet page:") or line.lower().startswith("error"):
            print(line.strip(), "(PIN in the [security] section of the config)")
            break
    # keep reading its log, so that a full pipe never stalls it
    threading.Thread(target=lambda: [None for _ in process.stderr or ()], daemon=True).start()
    return process


def _screen_status(client: Client, screen: str) -> dict[str, object]:
    reply = client.call("status")
    return reply["data"]["screens"][screen] if reply.get("ok") else {}


def _follow_headless(config: Path, screen: str) -> None:
    """A screen under Xvfb takes commands: play from frame 100, wipe to 0.3; show its report."""
    player = subprocess.Popen([*MUTOSCOPE, "play", "--config", str(config), "--screen", screen, "--windowed"],
                              stderr=subprocess.DEVNULL)  # fmt: skip
    client = Client(load_installation(config).conductor.command, timeout_s=2.0)
    try:
        deadline = time.monotonic() + 30
        while not _screen_status(client, screen).get("connected") and time.monotonic() < deadline:
            time.sleep(0.2)
        for cmd, args in (
            ("play", {"clip": "demo", "frame": 100}),
            ("wipe", {"position": 0.3, "angle": 8.0}),
        ):
            print(f"mutoscope send {cmd}", " ".join(f"{k}={v}" for k, v in args.items()), "->",
                  "ok" if client.call(cmd, **args).get("ok") else "refused")  # fmt: skip
            time.sleep(1.5)
        status = _screen_status(client, screen)
        look = status.get("look") or {}
        print(f"screen {screen}: {status.get('state')} {status.get('clip')} at frame {status.get('frame')}, "
              f"wipe at {look.get('position')}, {status.get('dropped')} dropped")  # fmt: skip
    finally:
        client.close()
        player.terminate()
        player.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--screen", default="main")
    parser.add_argument(
        "--capture", type=Path, required=True, help="the contact sheet, where there is no display"
    )
    args = parser.parse_args()
    conductor = _conductor(args.config)
    try:
        if os.environ.get("DISPLAY"):
            subprocess.run(
                [*MUTOSCOPE, "play", "--config", str(args.config), "--screen", args.screen, "--windowed"]
            )
            return
        with virtual_display("1280x720x24"):
            subprocess.run([*MUTOSCOPE, "play", "--config", str(args.config), "--screen", args.screen,
                            "--capture", str(args.capture)], check=True)  # fmt: skip
            _follow_headless(args.config, args.screen)
    finally:
        conductor.terminate()
        conductor.wait(10)


if __name__ == "__main__":
    main()
