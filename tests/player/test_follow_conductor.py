"""A real player under Xvfb follows a real conductor over ZeroMQ on 127.0.0.1: it plays,
seeks, pauses and moves the wipe when told, reports its state, and survives bad cues."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.load import load_installation
from content.library import Library
from content.testcard import add_coded_clip, read_code
from room.client import Client
from tests.room.running import Running, site

pytestmark = pytest.mark.usefixtures("xvfb")


@pytest.fixture
def room(tmp_path: Path) -> Iterator[tuple[Running, Library]]:
    library = Library.create(tmp_path / "lib")
    add_coded_clip(library, "coded")
    add_coded_clip(library, "other")
    server = Running(site(tmp_path, library.root), heartbeat_s=0.2)
    yield server, library
    server.close()


def test_a_player_follows_the_conductor(room: tuple[Running, Library]) -> None:
    import pyglet

    from player.follower import Follower
    from player.screen import Screen

    server, library = room
    installation = load_installation(server.conductor.config_path)
    installation = installation.model_copy(
        update={"schedule": installation.schedule.model_copy(update={"attract_playlist": ["other"]})}
    )
    window = pyglet.window.Window(320, 240, visible=True)
    screen = Screen(window, installation, "left", library)
    follower = Follower(screen, installation.conductor)
    client = Client(server.command)

    def run_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
        """The player's loop (as Screen.run has it), until ``condition``."""
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            window.dispatch_events()
            follower.poll()
            screen.update()
            screen.draw()
            window.flip()
            time.sleep(0.01)
        assert condition(), screen.show.status

    try:
        screen.show.play_next()
        run_until(lambda: screen.show.status.clip == "other" and screen.show.status.frame >= 0)
        time.sleep(0.3)  # the subscription reaches the conductor
        assert client.call("play", clip="coded", frame=3, screens=["left"])["ok"]
        run_until(lambda: screen.show.status.clip == "coded" and screen.show.status.frame >= 3)
        assert client.call("pause", screens=["left"])["ok"]
        run_until(lambda: screen.show.status.state == "paused")
        assert client.call("seek", frame=17)["ok"]
        run_until(lambda: screen.show.status.frame == 17)
        assert client.call("wipe", position=0.5, angle=0)["ok"]
        run_until(lambda: screen.show.status.look.position == 0.5 and screen.show.status.look.angle == 0)
        screen.draw()
        image = screen.snapshot()  # the pixels show frame 17 of both versions, each side of the wipe
        assert (read_code(image, 0, 160, 0, 240), read_code(image, 160, 320, 0, 240)) == (17, 17)
        assert client.call("wipe", position=0.2, angle=15)["ok"]
        run_until(
            lambda: abs(screen.show.status.look.position - 0.2) < 1e-6 and screen.show.status.look.angle == 15
        )
        # the conductor sees the screen, connected, where it is
        run_until(lambda: client.call("status")["data"]["screens"]["left"].get("frame") == 17, seconds=5)
        status = client.call("status")["data"]["screens"]
        assert status["left"]["connected"] and status["left"]["state"] == "paused"
        assert not status["right"]["connected"]
        # a cue it cannot read is reported, and the screen goes on
        follower.apply(b'{"cmd": "play", "screens": ["left"], "args": {"clip": 7}, "at": 1}')
        follower.apply(b"not json at all")
        follower.apply(b'{"cmd": "dance", "screens": ["right"], "args": {"tempo": 2}, "at": 1}')  # not ours
        assert sum("could not be read" in e for e in screen.show.status.errors) == 2
        assert client.call("resume")["ok"]
        run_until(lambda: screen.show.status.state == "playing" and screen.show.status.frame > 17)
        # the attract loop off: stopped, the screen rests black; on again: it plays at once
        assert client.call("playlist", clips=["coded"], attract=False)["ok"]
        assert client.call("stop")["ok"]
        run_until(lambda: screen.show.status.state == "idle")
        screen.draw()
        image = screen.snapshot()
        assert image.max() < 10
        assert client.call("playlist", clips=["coded"], attract=True)["ok"]
        run_until(lambda: screen.show.status.clip == "coded" and screen.show.status.frame >= 0)
    finally:
        follower.close()
        client.close()
        screen.close()
        window.close()


def test_a_screen_shrugs_off_sighup(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    library = Library.create(tmp_path / "lib")
    add_coded_clip(library, "coded", frames=250)
    config = site(tmp_path, library.root)
    config.write_text(
        config.read_text().replace('attract_playlist = ["relay"]', 'attract_playlist = ["coded"]')
    )
    player = subprocess.Popen(
        [sys.executable, "-m", "mutoscope", "play", "--config", str(config), "--screen", "left", "--windowed"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert player.stderr is not None
        deadline = time.monotonic() + 30
        while "playing coded" not in player.stderr.readline():
            assert time.monotonic() < deadline and player.poll() is None, "the screen never started"
        player.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert player.poll() is None, "SIGHUP killed the screen"
    finally:
        player.terminate()
        _, errors = player.communicate(timeout=20)
    assert "SIGHUP ignored" in errors and "Traceback" not in errors
