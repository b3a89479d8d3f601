"""The tablet page's server: static files, the PIN login, and a WebSocket bridge to the
conductor (browsers cannot speak ZeroMQ).

The bridge is one more client of the conductor: page requests are checked with the same
:func:`room.protocol.parse_request` before they are forwarded, and the conductor's
``state`` messages are passed on to every page, each through a bounded queue of its own, so a
page that stops reading is dropped and never holds up the others. Wrong PINs are limited
(:mod:`room.web.login`); the WebSocket takes only pages served from its own address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import zmq
import zmq.asyncio
from aiohttp import WSMsgType, web

from config.schema import Installation
from content.library import Library, LibraryError
from content.manifest import ManifestError
from room.client import client_keys
from room.protocol import ProtocolError, dumps, loads, parse_request, reply_error
from room.web.login import PinGuard

log = logging.getLogger("mutoscope.web")

STATIC = Path(__file__).parent / "static"
COOKIE = "mutoscope_session"
DEVICE_COOKIE = "mutoscope_device"
DEVICE_COOKIE_S = 365 * 24 * 3600
MAX_LOGIN_BYTES = 1024
PAGE_QUEUE = 64
"""Messages waiting for one page; a page this far behind has stopped reading and is dropped."""
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
FOLLOW = web.AppKey("follow", asyncio.Task[None])
Outgoing = tuple[str, bool]
"""A message for a page, as JSON text, and whether the page is closed after it."""


def _text(message: dict[str, Any]) -> str:
    """A message for the pages as JSON text (encoded once however many pages it goes to)."""
    return dumps(message).decode()


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
        self.guard = PinGuard(installation.security.pin)
        self.pages: dict[asyncio.Queue[Outgoing], web.Request] = {}
        """Every open page: its queue of messages, and its request (whose connection is cut if
        it stops reading)."""
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
        """``{"pin": "1234"}`` -> a session cookie (and a device cookie); 401 for a wrong PIN,
        429 after too many (:class:`room.web.login.PinGuard`)."""
        try:
            body = loads(await request.content.read(MAX_LOGIN_BYTES))
            pin = body.get("pin") if isinstance(body, dict) else None
        except (ValueError, RecursionError):
            pin = None
        key = self.guard.key(request.cookies.get(DEVICE_COOKIE), request.remote or "?")
        verdict = self.guard.judge(key, pin)  # judged and counted at once: nothing awaited between
        if verdict.outcome == "locked":
            wait = max(1, round(verdict.wait_s))
            return web.json_response({"error": f"too many wrong PINs; try again in {wait} s"}, status=429)
        if verdict.outcome == "wrong":
            return web.json_response({"error": "wrong PIN"}, status=401)
        token = secrets.token_urlsafe(24)
        self.sessions.add(token)
        response = web.json_response({"ok": True})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
        response.set_cookie(
            DEVICE_COOKIE, self.guard.new_device(), max_age=DEVICE_COOKIE_S, httponly=True, samesite="Strict"
        )
        return response

    def take(self, installation: Installation) -> None:
        """A reloaded installation: a new PIN logs every page and device out."""
        self.installation = installation
        if self.guard.change(installation.security.pin):
            log.info("the tablet page's PIN changed: every page must log in again")
            self.sessions.clear()
            self._log_out_every_page("The PIN has changed: log in again.")

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

    def _same_origin(self, request: web.Request) -> bool:
        """Whether the page that opens the WebSocket was served from this address (a browser
        always sends ``Origin`` here; other clients may leave it out)."""
        origin = request.headers.get("Origin")
        return origin is None or urlsplit(origin).netloc == request.host

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        if request.cookies.get(COOKIE) not in self.sessions:
            raise web.HTTPUnauthorized()
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="the page must come from this server")
        page = web.WebSocketResponse(heartbeat=10.0, max_msg_size=64 * 1024)
        await page.prepare(request)
        queue: asyncio.Queue[Outgoing] = asyncio.Queue(PAGE_QUEUE)
        self.pages[queue] = request
        sender = asyncio.create_task(self._send(page, queue))
        self._queue(queue, _text({"type": "conductor", "up": self._conductor_up()}))
        if self.state is not None:
            self._queue(queue, _text({"type": "state", "data": self.state}))
        try:
            async for message in page:
                if message.type == WSMsgType.TEXT:
                    reply = await self.forward(message.data.encode())
                    self._queue(queue, _text({"type": "reply", "data": reply}))
        finally:
            self.pages.pop(queue, None)
            sender.cancel()
        return page

    async def _send(self, page: web.WebSocketResponse, queue: asyncio.Queue[Outgoing]) -> None:
        """Send ``page`` its messages in order; close it after the one that says so."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                text, then_close = await queue.get()
                await page.send_str(text)
                if then_close:
                    await page.close()
                    return

    def _queue(self, queue: asyncio.Queue[Outgoing], text: str, *, then_close: bool = False) -> None:
        """Queue ``text`` for one page; a page whose queue is full has stopped reading."""
        try:
            queue.put_nowait((text, then_close))
        except asyncio.QueueFull:
            request = self.pages.pop(queue, None)
            if request is not None and request.transport is not None:
                log.warning("a tablet page at %s stopped reading: its connection is closed", request.remote)
                request.transport.abort()

    async def forward(self, raw: bytes) -> dict[str, Any]:
        """Check a page's request as the conductor would, then ask the conductor."""
        try:
            request, _ = parse_request(raw)
            if request.cmd not in PAGE_COMMANDS:
                raise ProtocolError(
                    "unknown_command", f"cmd: {request.cmd!r} is not for the page", request.id
                )
        except ProtocolError as exc:
            return loads(reply_error(exc.request_id, exc.code, str(exc)))
        sock = self.context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        if self.keys is not None:
            self.keys.apply(sock)
        sock.connect(self.installation.conductor.command)
        try:
            await sock.send(raw)
            if await sock.poll(REPLY_TIMEOUT_S * 1000):
                reply: dict[str, Any] = loads(await sock.recv())
                return reply
        finally:
            sock.close()
        return loads(reply_error(request.id, "unreachable", "the conductor did not answer"))

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
                    self.state, self.state_at = loads(body), time.monotonic()
                    self._tell(_text({"type": "state", "data": self.state}))
                if self._conductor_up() != up:
                    up = not up
                    self._tell(_text({"type": "conductor", "up": up}))
        finally:
            sub.close()

    def _tell(self, text: str, *, then_close: bool = False) -> None:
        """Queue ``text`` (encoded once) for every page; none of them waits for another."""
        for queue in list(self.pages):
            self._queue(queue, text, then_close=then_close)

    def _log_out_every_page(self, reason: str) -> None:
        """Tell every page why it must log in again, then close it."""
        self._tell(_text({"type": "logout", "reason": reason}), then_close=True)

    async def _start(self, app: web.Application) -> None:
        app[FOLLOW] = asyncio.create_task(self._follow())

    async def _stop(self, app: web.Application) -> None:
        app[FOLLOW].cancel()
        self._log_out_every_page("The conductor stopped: log in again when it is back.")


class PageServer:
    """The page's server in a thread of its own (the conductor's loop keeps the main one)."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._bridge: Bridge | None = None
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

    def reload(self, installation: Installation) -> None:
        """Take a reloaded installation (its PIN); safe to call from any thread."""
        self.installation = installation
        if self._loop is not None and self._bridge is not None:
            self._loop.call_soon_threadsafe(self._bridge.take, installation)

    def stop(self) -> None:
        """Close every page and stop listening."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._bridge = Bridge(self.installation)
        runner = web.AppRunner(self._bridge.app)
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
