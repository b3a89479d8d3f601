"""The tablet page in headless Chromium (Debian's, driven by Playwright), against a real
conductor, its WebSocket bridge and a real player process under Xvfb."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.load import load_installation
from content.library import Library
from content.testcard import add_coded_clip
from room.client import Client
from tests.room.running import Running, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"),
    pytest.mark.usefixtures("xvfb"),  # the page's screen is a real player
]
PIN = "4321"


@pytest.fixture
def room(tmp_path: Path) -> Iterator[tuple[Path, Running]]:
    library = Library.create(tmp_path / "lib")
    # long enough (10 s) that no clip change resets the look while the test drags the wipe
    add_coded_clip(library, "relay", frames=250)
    add_coded_clip(library, "hurdles", frames=250)
    config = tmp_path / "site.toml"
    config.write_text(f"""
name = "Page test"
library = "{library.root}"
[[screens]]
id = "left"
resolution = [320, 240]
fullscreen = false
[[screens]]
id = "right"
[conductor]
command = "tcp://127.0.0.1:{free_port()}"
publish = "tcp://127.0.0.1:{free_port()}"
web_port = {free_port()}
[security]
pin = "{PIN}"
[schedule]
attract_playlist = ["hurdles"]
""")
    conductor = Running(config, heartbeat_s=0.5)
    yield config, conductor
    conductor.close()


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_operator_runs_the_room_from_the_page(room: tuple[Path, Running]) -> None:
    from playwright.sync_api import expect, sync_playwright

    from room.web.bridge import PageServer

    config, conductor = room
    installation = load_installation(config)
    page_server = PageServer(installation)
    page_server.start()
    player = subprocess.Popen(
        [sys.executable, "-m", "mutoscope", "play", "--config", str(config), "--screen", "left", "--windowed"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    client = Client(conductor.command)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1180, "height": 820})
            page.goto(page_server.address)
            page.fill("#pin", "0000")
            page.click("button[type=submit]")
            expect(page.locator("#login-error")).to_have_text("wrong PIN")
            page.fill("#pin", PIN)
            page.click("button[type=submit]")
            expect(page.locator(".clip")).to_have_count(2)
            expect(page.locator(".clip[data-clip=relay] .title")).to_have_text("Relay")

            # the player joins and shows its attract loop; the other screen is marked unreachable
            left, right = (
                page.locator(".screen[data-screen=left]"),
                page.locator(".screen[data-screen=right]"),
            )
            expect(left.locator(".now")).to_have_text("Hurdles", timeout=20000)
            expect(right).to_have_class("screen unreachable")
            expect(right.locator(".now")).to_have_text("unreachable")

            # tap a poster: every screen is told, and the player's own report comes back
            page.click(".clip[data-clip=relay]")
            expect(left.locator(".now")).to_have_text("Relay", timeout=10000)

            # drag the wipe: the player's wipe follows (as the player itself reports it)
            page.locator("#wipe").fill("0.2")
            wait_for(
                lambda: abs(client.call("status")["data"]["screens"]["left"]["look"]["position"] - 0.2) < 0.01
            )
            page.locator("#wipe").fill("0.85")
            wait_for(
                lambda: (
                    abs(client.call("status")["data"]["screens"]["left"]["look"]["position"] - 0.85) < 0.01
                )
            )

            # the conductor goes away: the page says so; it comes back: the page recovers by itself
            conductor.close()
            expect(page.locator("#conductor")).to_have_text("Conductor unreachable", timeout=10000)
            room_back = Running(config, heartbeat_s=0.5)
            try:
                expect(page.locator("#conductor")).to_have_text("Conductor connected", timeout=10000)
                expect(left.locator(".now")).not_to_have_text("unreachable", timeout=10000)
            finally:
                room_back.close()

            # wrong PINs are rate-limited
            codes = [
                page.request.post(f"{page_server.address}login", data={"pin": "9999"}).status
                for _ in range(6)
            ]
            assert codes[:4] == [401] * 4 and codes[-1] == 429  # (one wrong PIN was typed above)
            browser.close()
    finally:
        client.close()
        player.terminate()
        _, errors = player.communicate(timeout=20)
        page_server.stop()
    assert "Traceback" not in errors, errors
