"""`mutoscope conductor` as the technician runs it: a process with its tablet page, that shrugs
off SIGHUP and takes a new PIN and attract loop on `reload`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from content.library import Library
from content.testcard import add_coded_clip
from room.client import Client
from tests.room.running import free_port

SITE = """
name = "Process test"
library = "{library}"
[[screens]]
id = "main"
[conductor]
command = "{command}"
publish = "tcp://127.0.0.1:{publish}"
web_port = {web}
[security]
pin = "{pin}"
[schedule]
attract_playlist = {playlist}
"""


def login(port: int, pin: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/login", data=json.dumps({"pin": pin}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_sighup_is_survived_and_reload_takes_a_new_pin_and_attract_loop(tmp_path: Path) -> None:
    library = Library.create(tmp_path / "lib")
    add_coded_clip(library, "relay")
    add_coded_clip(library, "hurdles")
    ports = {"command": f"tcp://127.0.0.1:{free_port()}", "publish": free_port(), "web": free_port()}
    config = tmp_path / "site.toml"
    config.write_text(SITE.format(library=library.root, pin="1111", playlist='["relay"]', **ports))
    process = subprocess.Popen(
        [sys.executable, "-m", "mutoscope", "conductor", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    client = Client(ports["command"], timeout_s=0.5, retries=20)
    try:
        assert client.call("status")["data"]["playlist"] == ["relay"]
        deadline = time.monotonic() + 10
        while login(ports["web"], "1111") != 200:
            assert time.monotonic() < deadline, "the page never came up"
            time.sleep(0.1)
        process.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert process.poll() is None, "SIGHUP killed the conductor"
        assert client.call("status")["ok"]

        config.write_text(SITE.format(library=library.root, pin="2222", playlist='["hurdles"]', **ports))
        assert client.call("reload")["ok"]
        assert client.call("status")["data"]["playlist"] == ["hurdles"]
        assert login(ports["web"], "1111") == 401, "the old PIN still opens the page after reload"
        assert login(ports["web"], "2222") == 200
    finally:
        client.close()
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors
    assert "SIGHUP ignored" in errors and "Traceback" not in errors
