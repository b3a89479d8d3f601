"""The tablet page's server: static files, the PIN login, and a WebSocket bridge to the
conductor (browsers cannot speak ZeroMQ).

The bridge is one more client of the conductor: page requests are checked with the same
:func:`player.control.protocol.parse_request` before they are forwarded, and the conductor's
``state`` messages are passed on to every page. Wrong PINs are rate-limited per address.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio
from aiohttp import WSMsgType, web

from config.schema import Installation
from content.library import Library, LibraryError
from content.manifest import ManifestError
from player.control.protocol import ProtocolError, parse_request, reply_error
from player.control.security import client_keys

log = logging.getLogger("mutoscope.web")

STATIC = Path(__file__).parent / "static"
COOKIE = "mutoscope_session"
PIN_TRIES = 5
"""Wrong PINs allowed per address within ``PIN_WINDOW_S``; then logins wait it out."""
PIN_WINDOW_S = 60.0
PAGE_COMMANDS = {
    "list",
    "status",
    "play",
    "stop",
    "pause",
    "resume",
    "seek",
    "transition",
    "wipe",
    "playlist",
}
"""What the page may ask (``report`` is for players, ``reload`` for the technician)."""
REPLY_TIMEOUT_S = 2.0
STATE_STALE_S = 3.0
"""Without a state message for this long, the page is told the conductor is unreachable."""


class Bridge:
    """The web app for ``installation``, speaking to its conductor over ``context``."""

    def __init__(self, installation: Installation, context: zmq.asyncio.Context | None = None) -> None:
        self.installation = installation
        self.context = context or zmq.asyncio.Context.instance()
        self.keys = client_keys(installation)
        self.sessions: set[str] = set()
        self.failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self.pages: set[web.WebSocketResponse] = set()
        self.state: dict[str, Any] | None = None
        self.state_at = -float("inf")
        self.app = web.Application()
        self.app.add_routes([
            web.get("/", self.index),
            web.post("/login", self.login),
            web.get("/ws", self.websocket),
            web.get("/posters/{clip}", self.poster),
            web.static("/static", STATIC),
        ])  # fmt: skip
        self.app.on_startup.append(self._start)
        self.app.on_cleanup.append(self._stop)

    # ---- pages and login

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def login(self, request: web.Request) -> web.Response:
        """``{"pin": "1234"}`` -> a session cookie; 401 for a wrong PIN, 429 after too many."""
        address = request.remote or "?"
        now = time.monotonic()
        tries = self.failures[address]
        while tries and tries[0] < now - PIN_WINDOW_S:
            tries.popleft()
        if len(tries) >= PIN_TRIES:
            wait = round(PIN_WINDOW_S - (now - tries[0]))
            return web.json_response({"error": f"too many wrong PINs; try again in {wait} s"}, status=429)
        try:
            body = await request.json()
            pin = body.get("pin") if isinstance(body, dict) else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            pin = None
        expected = self.installation.security.pin
        if expected is None or not isinstance(pin, str) or not secrets.compare_digest(pin, expected):
            tries.append(now)
            return web.json_response({"error": "wrong PIN"}, status=401)
        token = secrets.token_urlsafe(24)
        self.sessions.add(token)
        response = web.json_response({"ok": True})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
        return response

    async def poster(self, request: web.Request) -> web.StreamResponse:
        if request.cookies.get(COOKIE) not in self.sessions:
            raise web.HTTPUnauthorized()
        library = Library(self.installation.library)
        try:
            clip = library.read().get(request.match_info["clip"])
        except (LibraryError, ManifestError):
            clip = None
        if clip is None:
            raise web.HTTPNotFound()
        return web.FileResponse(library.path_of(clip.poster))

    # ---- the WebSocket

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        if request.cookies.get(COOKIE) not in self.sessions:
            raise web.HTTPUnauthorized()
        page = web.WebSocketResponse(heartbeat=10.0, max_msg_size=64 * 1024)
        await page.prepare(request)
        self.pages.add(page)
        await page.send_json({"type": "conductor", "up": self._conductor_up()})
        if self.state is not None:
            await page.send_json({"type": "state", "data": self.state})
        try:
            async for message in page:
                if message.type == WSMsgType.TEXT:
                    await page.send_json({"type": "reply", "data": await self.forward(message.data.encode())})
        finally:
            self.pages.discard(page)
        return page

    async def forward(self, raw: bytes) -> dict[str, Any]:
        """Check a page's request as the conductor would, then ask the conductor."""
        try:
            request, _ = parse_request(raw)
            if request.cmd not in PAGE_COMMANDS:
                raise ProtocolError(
                    "unknown_command", f"cmd: {request.cmd!r} is not for the page", request.id
                )
        except ProtocolError as exc:
            return json.loads(reply_error(exc.request_id, exc.code, str(exc)))
        sock = self.context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        if self.keys is not None:
            self.keys.apply(sock)
        sock.connect(self.installation.conductor.command)
        try:
            await sock.send(raw)
            if await sock.poll(REPLY_TIMEOUT_S * 1000):
                reply: dict[str, Any] = json.loads(await sock.recv())
                return reply
        finally:
            sock.close()
        return json.loads(reply_error(request.id, "unreachable", "the conductor did not answer"))

    # ---- the conductor's state, passed on

    def _conductor_up(self) -> bool:
        return time.monotonic() - self.state_at < STATE_STALE_S

    async def _follow(self) -> None:
        sub = self.context.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"state")
        if self.keys is not None:
            self.keys.apply(sub)
        sub.connect(self.installation.conductor.publish)
        up = False
        try:
            while True:
                if await sub.poll(1000):
                    _, body = await sub.recv_multipart()
                    self.state, self.state_at = json.loads(body), time.monotonic()
                    await self._tell({"type": "state", "data": self.state})
                if self._conductor_up() != up:
                    up = not up
                    await self._tell({"type": "conductor", "up": up})
        finally:
            sub.close()

    async def _tell(self, message: dict[str, Any]) -> None:
        for page in list(self.pages):
            try:
                await page.send_json(message)
            except (ConnectionError, RuntimeError):
                self.pages.discard(page)

    async def _start(self, app: web.Application) -> None:
        app["follow"] = asyncio.create_task(self._follow())

    async def _stop(self, app: web.Application) -> None:
        app["follow"].cancel()
        for page in list(self.pages):
            await page.close()


class PageServer:
    """The page's server in a thread of its own (the conductor's loop keeps the main one)."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="tablet-page", daemon=True)

    @property
    def address(self) -> str:
        """The page's address."""
        conductor = self.installation.conductor
        return f"http://{conductor.web_host}:{conductor.web_port}/"

    def start(self) -> None:
        """Listen, or raise ``OSError`` (for example, the port is taken)."""
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Close every page and stop listening."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        runner = web.AppRunner(Bridge(self.installation).app)
        await runner.setup()
        conductor = self.installation.conductor
        try:
            await web.TCPSite(runner, conductor.web_host, conductor.web_port).start()
        except OSError as exc:
            self._error = exc
            self._ready.set()
            await runner.cleanup()
            return
        log.info("tablet page on %s", self.address)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
