"""The conductor on loopback: command round trips, a flood from ten clients, and the time from a
command to the first presented frame that shows it, on a real player under Xvfb.

The conductor runs as its own process (``mutoscope conductor``), as in a room; the clients and
the player run in this one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from content.library import Library
from content.testcard import add_coded_clip
from player.virtual_display import virtual_display
from room.client import Client
from room.protocol import request

ROUND_TRIPS = 10_000
FLOOD_CLIENTS, FLOOD_RATE_HZ, FLOOD_SECONDS = 10, 100, 10
"""Ten clients at 100 requests a second each: 1,000 a second, for 10 s."""
LATENCY_TRIALS = 40
FPS = 25


def _site(folder: Path, library: Path) -> Path:
    path = folder / "site.toml"
    path.write_text(f"""
name = "Bench room"
library = "{library}"
[[screens]]
id = "main"
resolution = [1280, 720]
fullscreen = false
[conductor]
command = "tcp://127.0.0.1:5755"
publish = "tcp://127.0.0.1:5756"
[schedule]
attract_playlist = ["first"]
""")
    return path


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3),
            "max_ms": round(float(ms.max()), 3), "count": len(ms)}  # fmt: skip


def _round_trips(endpoint: str) -> dict[str, Any]:
    client = Client(endpoint, timeout_s=2.0)
    result = {}
    for cmd, args in (("status", {}), ("wipe", {"position": 0.5})):
        for _ in range(200):  # warm up
            client.call(cmd, **args)
        times = []
        for _ in range(ROUND_TRIPS):
            began = time.perf_counter()
            client.call(cmd, **args)
            times.append(time.perf_counter() - began)
        result[cmd] = _percentiles(times)
    client.close()
    return result


def _flood(endpoint: str) -> dict[str, Any]:
    """Each client sends at its rate without waiting (a DEALER) and counts the replies."""
    sent, answered, latencies = [0] * FLOOD_CLIENTS, [0] * FLOOD_CLIENTS, []
    lock = threading.Lock()

    def client(n: int) -> None:
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        times: dict[str, float] = {}
        start = time.perf_counter()
        i = 0
        end = start + FLOOD_SECONDS
        while time.perf_counter() < end or (len(times) and time.perf_counter() < end + 3):
            due = start + i / FLOOD_RATE_HZ
            if time.perf_counter() >= due and due < end:
                request_id = f"c{n}-{i}"
                times[request_id] = time.perf_counter()
                sock.send_multipart([b"", request("wipe", {"position": (i % 100) / 100}, request_id)])
                sent[n] += 1
                i += 1
            if sock.poll(1):
                _, body = sock.recv_multipart()
                reply = json.loads(body)
                began = times.pop(reply["id"], None)
                if began is not None and reply["ok"]:
                    answered[n] += 1
                    with lock:
                        latencies.append(time.perf_counter() - began)
        sock.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(FLOOD_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"clients": FLOOD_CLIENTS, "requests_per_s": FLOOD_CLIENTS * FLOOD_RATE_HZ, "seconds": FLOOD_SECONDS,
            "sent": sum(sent), "answered": sum(answered), "lost": sum(sent) - sum(answered),
            "round_trip": _percentiles(latencies)}  # fmt: skip


def _command_to_screen(config: Path, library: Library) -> dict[str, Any]:
    """A player loop as ``Screen.run`` has it; commands go out from another thread, and each is
    matched with the first frame presented (after the buffer flip) that shows it."""
    import pyglet

    from config.load import load_installation
    from player.follower import Follower
    from player.screen import Screen

    installation = load_installation(config)
    window = pyglet.window.Window(1280, 720, visible=True)
    screen = Screen(window, installation, "main", library)
    follower = Follower(screen, installation.conductor)
    client = Client(installation.conductor.command, timeout_s=2.0)
    presented: list[tuple[float, float, str | None, int, int]] = []
    commands: list[tuple[str, float, Any]] = []
    done = threading.Event()

    def operator() -> None:
        rng = np.random.default_rng(1)
        time.sleep(2.0)
        for trial in range(LATENCY_TRIALS):
            time.sleep(rng.uniform(0.3, 0.6))
            position = round(float(rng.uniform(0.1, 0.9)), 4)
            commands.append(("wipe", time.perf_counter(), position))
            client.call("wipe", position=position)
            if trial % 2 == 0:
                time.sleep(rng.uniform(0.3, 0.6))
                clip = "second" if trial % 4 == 0 else "first"
                commands.append(("play", time.perf_counter(), clip))
                client.call("play", clip=clip)
        time.sleep(1.0)
        done.set()

    thread = threading.Thread(target=operator)
    screen.show.play_next()
    thread.start()
    period = 1 / installation.player.refresh_hz
    while not done.is_set():
        window.dispatch_events()
        follower.poll()
        screen.update()
        screen.draw()
        window.flip()
        status = screen.show.status
        presented.append(
            (time.perf_counter(), status.look.position, status.clip, status.frame, status.dropped)
        )
        time.sleep(max(0.0, period - (time.perf_counter() - presented[-1][0])))
    thread.join()
    follower.close()
    client.close()
    screen.close()
    window.close()

    wipe, play, dropped_after_play = [], [], []
    for kind, sent_at, value in commands:
        later = [p for p in presented if p[0] >= sent_at]
        if kind == "wipe":
            shown = next((p for p in later if abs(p[1] - value) < 1e-6), None)
            if shown:
                wipe.append(shown[0] - sent_at)
        else:
            shown = next((p for p in later if p[2] == value and p[3] == 0), None)
            if shown:
                play.append(shown[0] - sent_at)
                # frames dropped in the first 250 ms: what starting at once costs the decoders
                start = [p for p in later if p[2] == value and shown[0] <= p[0] <= shown[0] + 0.25]
                dropped_after_play.append(start[-1][4] - shown[4])
    frame_ms = 1000 / FPS
    return {
        "refresh_hz": installation.player.refresh_hz,
        "frame_period_ms": frame_ms,
        "wipe": {**_percentiles(wipe), "sent": sum(c[0] == "wipe" for c in commands)},
        "play": {
            **_percentiles(play),
            "sent": sum(c[0] == "play" for c in commands),
            "dropped_in_first_250_ms": int(sum(dropped_after_play)),
        },
    }


def run() -> dict[str, Any]:
    """All three, against one conductor process."""
    with tempfile.TemporaryDirectory() as tmp:
        library = Library.create(Path(tmp) / "library")
        for clip in ("first", "second"):
            add_coded_clip(library, clip, frames=250, fps=FPS)
        config = _site(Path(tmp), library.root)
        conductor = subprocess.Popen([sys.executable, "-m", "mutoscope", "conductor", "--config", str(config)],
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            endpoint = "tcp://127.0.0.1:5755"
            Client(endpoint, timeout_s=1.0, retries=20).call("status")  # it is up
            report: dict[str, Any] = {"round_trip": _round_trips(endpoint)}
            report["flood"] = _flood(endpoint)
            with virtual_display("1280x720x24"):
                report["command_to_screen"] = _command_to_screen(config, library)
        finally:
            conductor.terminate()
            conductor.wait(10)
    cts = report["command_to_screen"]
    two_frames = 2 * cts["frame_period_ms"]
    report["floors"] = {
        "round_trip_p99_under_2ms": max(r["p99_ms"] for r in report["round_trip"].values()) < 2.0,
        "wipe_to_screen_p99_under_two_frames": cts["wipe"]["p99_ms"] < two_frames,
        "play_to_screen_p99_under_two_frames": cts["play"]["p99_ms"] < two_frames,
        "flood_nothing_lost": report["flood"]["lost"] == 0,
    }
    return report
