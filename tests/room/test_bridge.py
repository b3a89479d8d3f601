"""The tablet page's server on real sockets of 127.0.0.1, as an attacker and a careless network
would meet it: guesses sent all at once, a shared address, a foreign page, a tablet that stops
reading, a body nested too deep."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from config.load import load_installation
from content.library import Library
from content.testcard import add_coded_clip
from room.client import Client
from room.web.bridge import PageServer
from room.web.login import PIN_TRIES
from tests.room.running import Running, free_port

PIN = "2468"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[PageServer, Running]]:
    library = Library.create(tmp_path / "lib")
    add_coded_clip(library, "relay")
    config = tmp_path / "site.toml"
    # 24 screens: every state is over ten kilobytes, as in a large room
    screens = "".join(f'[[screens]]\nid = "{name}"\n' for name in ["left", *(f"s{i}" for i in range(23))])
    config.write_text(f"""
name = "Bridge test"
library = "{library.root}"
{screens}
[conductor]
command = "tcp://127.0.0.1:{free_port()}"
publish = "tcp://127.0.0.1:{free_port()}"
web_port = {free_port()}
[security]
pin = "{PIN}"
""")
    conductor = Running(config, heartbeat_s=0.5)
    server = PageServer(load_installation(config))
    server.start()
    yield server, conductor
    server.stop()
    conductor.close()


def login_request(pin: str, port: int) -> tuple[bytes, bytes]:
    body = json.dumps({"pin": pin}).encode()
    head = (
        f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head, body


def test_guesses_sent_all_at_once_are_counted_all_the_same(page):
    server, _ = page
    port = server.installation.conductor.web_port
    connections = []
    for i in range(40):  # every request's headers first, then every body: the race of a guesser
        sock = socket.create_connection(("127.0.0.1", port))
        head, body = login_request(f"{1000 + i}", port)
        sock.sendall(head)
        connections.append((sock, body))
    time.sleep(0.3)
    for sock, body in connections:
        sock.sendall(body)
    statuses = []
    for sock, _ in connections:
        sock.settimeout(10)
        statuses.append(int(sock.recv(64).split()[1]))
        sock.close()
    assert statuses.count(401) == PIN_TRIES, statuses
    assert statuses.count(429) == 40 - PIN_TRIES


def browser() -> aiohttp.ClientSession:
    """A client that keeps cookies as a browser does (also from an IP address)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _login(session: aiohttp.ClientSession, address: str, pin: str) -> int:
    async with session.post(f"{address}login", json={"pin": pin}) as response:
        return response.status


def test_a_guesser_on_the_operators_address_cannot_lock_the_operator_out(page):
    server, _ = page

    async def run() -> tuple[int, list[int], int, int]:
        async with browser() as operator, browser() as guesser:
            first = await _login(operator, server.address, PIN)  # the tablet has logged in before
            guesses = [await _login(guesser, server.address, "0000") for _ in range(PIN_TRIES + 2)]
            again = await _login(operator, server.address, PIN)  # the same address, its own count
            async with browser() as newcomer:
                stranger = await _login(newcomer, server.address, PIN)
            return first, guesses, again, stranger

    first, guesses, again, stranger = asyncio.run(run())
    assert first == 200 and guesses == [401] * PIN_TRIES + [429, 429]
    assert again == 200, "the operator's tablet was locked out by someone else's guesses"
    assert stranger == 429  # an unknown browser on the locked address waits the minute out


async def _open_page(address: str, origin: str | None = None) -> tuple[aiohttp.ClientSession, object]:
    session = browser()
    assert await _login(session, address, PIN) == 200
    headers = {"Origin": origin} if origin else {}
    try:
        ws = await session.ws_connect(f"{address}ws", headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        await session.close()
        return session, exc.status
    return session, ws


def test_the_websocket_takes_only_pages_from_its_own_address(page):
    server, _ = page
    port = server.installation.conductor.web_port

    async def run() -> tuple[object, object]:
        foreign_session, foreign = await _open_page(server.address, "http://evil.example")
        own_session, own = await _open_page(server.address, f"http://127.0.0.1:{port}")
        assert not isinstance(own, int)
        await own.close()
        await own_session.close()
        await foreign_session.close()
        return foreign, own

    foreign, _ = asyncio.run(run())
    assert foreign == 403


def test_a_body_nested_too_deep_is_answered_and_the_page_stays(page):
    server, _ = page

    async def run() -> tuple[dict, dict]:
        session, ws = await _open_page(server.address)
        deep = '{"v": 1, "id": "deep", "cmd": "list", "args": {"a": ' + "[" * 20_000 + "]" * 20_000 + "}}"
        await ws.send_str(deep)
        await ws.send_str(json.dumps({"v": 1, "id": "after", "cmd": "status"}))
        replies = []
        while len(replies) < 2:
            message = json.loads((await ws.receive(timeout=10)).data)
            if message["type"] == "reply":
                replies.append(message["data"])
        await ws.close()
        await session.close()
        return replies[0], replies[1]

    deep, after = asyncio.run(run())
    assert deep["id"] is None and deep["error"]["code"] == "bad_json"  # its id could not be read
    assert after["id"] == "after" and after["ok"]


def test_a_page_that_stops_reading_never_holds_up_the_others(page):
    server, conductor = page
    port = server.installation.conductor.web_port

    async def run() -> tuple[bool, float, bool]:
        session, live = await _open_page(server.address)
        cookie = "; ".join(f"{c.key}={c.value}" for c in session.cookie_jar)
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", port))
        stalled.sendall(
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Cookie: {cookie}\r\n\r\n".encode()
        )
        assert stalled.recv(12) == b"HTTP/1.1 101", "the stalled page never opened its WebSocket"
        # and then it never reads again (a tablet gone off the Wi-Fi)

        def drag() -> float:
            """A long wipe drag from another tablet: every wipe is a new state for every page."""
            client = Client(conductor.command)
            for i in range(1000):
                client.call("wipe", position=(i % 100) / 100)
                time.sleep(0.002)  # at a pace the bridge keeps up with (ZeroMQ drops what it cannot)
            assert client.call("wipe", position=0.775)["ok"]
            client.close()
            return time.monotonic()

        dragging = asyncio.create_task(asyncio.to_thread(drag))
        arrivals = []
        reached = False
        deadline = time.monotonic() + 20
        while not reached and time.monotonic() < deadline:  # the live page reads all along
            try:
                message = json.loads((await live.receive(timeout=deadline - time.monotonic())).data)
            except TimeoutError:
                break
            arrivals.append(time.monotonic())
            wanted = message["data"]["screens"]["left"]["wanted"] if message["type"] == "state" else None
            reached = wanted is not None and wanted["look"]["position"] == 0.775
        await dragging
        longest = max(b - a for a, b in itertools.pairwise(arrivals))
        stalled.settimeout(1)
        dropped, until = False, time.monotonic() + 5
        while not dropped and time.monotonic() < until:  # what it has been sent, then the end
            try:
                dropped = not stalled.recv(1 << 16)  # the server closed it
            except ConnectionResetError:
                dropped = True  # the server cut it
            except TimeoutError:
                break  # still open, still queued for
        stalled.close()
        await live.close()
        await session.close()
        return reached, longest, dropped

    async def bounded() -> tuple[bool, float, bool]:
        try:
            return await asyncio.wait_for(run(), 45)
        except TimeoutError:
            pytest.fail("the page server hung behind the stalled page")

    reached, longest, dropped = asyncio.run(bounded())
    assert reached, "the live page never saw the drag's last position"
    assert longest < 1.0, f"the live page waited {longest:.1f} s behind the stalled one"
    assert dropped
