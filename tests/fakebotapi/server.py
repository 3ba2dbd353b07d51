"""The fake Bot API HTTP server: validation, simulated chats, updates and fault injection."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from .formatting import EntityParseError, parse_html, utf16_len
from .records import (
    BUTTON_ACTIONS,
    Call,
    ChatLog,
    ChatMessage,
    UpdateTiming,
    Upload,
    WebhookDelivery,
)
from .spec import Method, Spec, default_spec_path, load_spec
from .users import SimUser

T = TypeVar("T")

# Built from parts so no token-shaped literal sits in the repository (secret scanners).
DEFAULT_TOKEN = "123456789:" + "TEST-token-for-the-fake-server-000000"
MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
#: Methods whose success counts as "the bot replied" for latency measurement.
REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendDocument",
        "sendPhoto",
        "answerCallbackQuery",
        "answerInlineQuery",
    }
)
_MEDIA_KINDS = ("photo", "document", "sticker", "voice", "audio", "video", "animation")


class ApiError(Exception):
    """A Telegram error answer; `violation=True` also records it in `FakeBotAPI.violations`."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        violation: bool = True,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.violation = violation
        self.parameters = parameters


def bad_request(description: str, *, violation: bool = True) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", violation=violation)


@dataclass(slots=True)
class _Fault:
    method: str | None  # None: any method except getUpdates
    times: int | None  # None: every matching call until `until`
    status: int  # 0 = drop the connection
    description: str
    parameters: dict[str, Any] | None = None
    until: float | None = None  # a window's end (time.monotonic()), or None for a count
    kind: str = "answer"  # "answer" (status/drop), "hang" (never performed), "late" (performed,
    # then held), "slow" (held, then performed)
    chat_id: int | None = None  # only calls for this chat
    hold: float | None = None  # hang/late: seconds to hold the answer; None until release_held()

    def matches(self, method_name: str, chat_id: int | None, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        if self.chat_id is not None and chat_id != self.chat_id:
            return False
        return self.method == method_name or (self.method is None and method_name != "getUpdates")


@dataclass(slots=True)
class HeldCall:
    """A request the fake holds open (see `FakeBotAPI.hang` and `FakeBotAPI.answer_late`)."""

    method: str
    params: dict[str, Any]
    performed: bool  # True: Telegram did it (a message exists); False: it never happened
    since: float


@dataclass(slots=True)
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None


class FakeBotAPI:
    """A strict, in-process Telegram Bot API server on 127.0.0.1 (see the package docstring)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        spec_path: Path | str | None = None,
        bot_username: str = "reconsider_test_bot",
        webhook_retries: int = 3,
        webhook_retry_delay: float = 0.05,
    ) -> None:
        self.token = token
        self.spec: Spec = load_spec(Path(spec_path) if spec_path else default_spec_path())
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Reconsider Test Bot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.webhook_retries = webhook_retries
        self.webhook_retry_delay = webhook_retry_delay
        # observations
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.method_counts: Counter[str] = Counter()
        self.uploads: list[Upload] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.update_timings: dict[int, UpdateTiming] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        """(kind: "description" or "short_description", language code or "") -> text."""
        # state
        self._chats: dict[int, ChatLog] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self.held: list[HeldCall] = []  # requests held open right now
        self._release = asyncio.Event()  # set: every held request answers (or is dropped) now
        self._pending: dict[int, dict[str, Any]] = {}  # seq -> update, not yet confirmed
        self._seq = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._callback_queries: dict[str, int] = {}  # query id -> update_id, sent, unanswered
        self._answered_queries: dict[str, int] = {}  # query id -> update_id
        self._inline_queries: dict[str, int] = {}
        self._awaiting_reply: dict[int, list[int]] = {}  # chat id -> update ids
        self._allowed_updates: list[str] | None = None
        self._webhook: _Webhook | None = None
        self._webhook_queue: asyncio.Queue[int] | None = None
        self._webhook_workers: list[asyncio.Task[None]] = []
        self._webhook_inflight = 0
        self.delivering: set[int] = set()  # update ids being POSTed to the webhook right now
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._poller: asyncio.Future[None] | None = None  # the running long poll's cancel handle
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Event()
        # server
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # lifecycle --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Bind on 127.0.0.1 at a free port."""
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._release = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        self._release.set()
        await self._stop_webhook_workers()
        if self._poller is not None and not self._poller.done():
            self._poller.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._session = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(self, timeout: float = 10) -> FakeBotAPI:
        """Run the server on its own event loop in a daemon thread; return once it listens."""
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fakebotapi", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("fake Bot API did not start")
        if failure:
            raise failure[0]
        return self

    def stop_thread(self, timeout: float = 10) -> None:
        """Stop a server started with start_in_thread()."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = None

    def run(self, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        """From another thread: run a coroutine (e.g. wait_for_message) on the server's loop."""
        assert self._loop is not None, "server not started"

        async def wrap() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrap(), self._loop).result(timeout)

    def _on_loop(self, fn: Callable[..., T], *args: Any) -> T:
        """Call fn on the server loop's thread (directly when already there)."""
        if self._thread is None or threading.current_thread() is self._thread:
            return fn(*args)
        assert self._loop is not None
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed over to the calling thread
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(call)
        return future.result(10)

    # users, updates and fault injection -------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        username: str | None = None,
        language_code: str | None = "en",
        last_name: str | None = None,
    ) -> SimUser:
        """A simulated user (is_bot false) who can send messages and press buttons."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        return SimUser(self, user)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make an update available; update_id is assigned unless given (for duplicates)."""
        return self._on_loop(self._push_update, update)

    def _push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        update_id = update["update_id"]
        chat_id = _update_chat_id(update)
        now = time.monotonic()
        self.update_timings[update_id] = UpdateTiming(update_id, chat_id, now)
        if chat_id is not None:
            self._awaiting_reply.setdefault(chat_id, []).append(update_id)
        seq = next(self._seq)  # not update_id: a test may push duplicates
        self._pending[seq] = update
        if self._webhook_queue is not None:
            self._webhook_queue.put_nowait(seq)
        self._touch()
        return update

    def block_user(self, chat_id: int) -> None:
        """Sends to this chat now fail with 403 "Forbidden: bot was blocked by the user"."""
        self._on_loop(self._blocked.add, chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._on_loop(self._blocked.discard, chat_id)

    def rate_limit(self, method: str | None = None, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls (of `method`) get 429 "Too Many Requests: retry after N"."""
        self._add_fault(
            _Fault(
                method,
                times,
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        )

    def fail_next(self, method: str | None = None, times: int = 1, *, drop: bool = False) -> None:
        """The next `times` calls fail like a network error: 502 Bad Gateway, or dropped."""
        self._add_fault(_Fault(method, times, 0 if drop else 502, "Bad Gateway"))

    def fail_with(
        self,
        method: str | None = None,
        status: int = 500,
        description: str = "Internal Server Error",
        times: int = 1,
    ) -> None:
        """The next `times` calls (of `method`) answer `status` with `description`."""
        self._add_fault(_Fault(method, times, status, description))

    # Fault windows: the Bot API failing for a while, as an outage looks from the bot's side.

    def outage(
        self, seconds: float, method: str | None = None, status: int = 502, description: str = "Bad Gateway"
    ) -> None:
        """For `seconds`, every call (of `method`) answers `status` (5xx) and does nothing."""
        self._add_fault(_Fault(method, None, status, description, until=time.monotonic() + seconds))

    def flood(self, seconds: float, method: str | None = None, retry_after: int = 1) -> None:
        """For `seconds`, every call (of `method`) answers 429 with `retry_after`."""
        self._add_fault(
            _Fault(
                method,
                None,
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
                until=time.monotonic() + seconds,
            )
        )

    def hang(
        self,
        method: str | None = None,
        times: int | None = 1,
        *,
        seconds: float | None = None,
        hold: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Calls get no answer and are not performed (the request was lost on the way): the
        next `times` calls, or all calls for `seconds`. Each is held `hold` seconds (None: until
        `release_held()` or the fake stops) and then its connection is dropped."""
        self._add_fault(
            _Fault(
                method,
                None if seconds else times,
                0,
                "hang",
                kind="hang",
                until=time.monotonic() + seconds if seconds else None,
                chat_id=chat_id,
                hold=hold,
            )
        )

    def answer_late(
        self,
        method: str | None = None,
        times: int | None = 1,
        *,
        delay: float | None = None,
        seconds: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Calls are performed at once (the message exists) but answered only after `delay`
        seconds, when the client has usually given up (None: held until `release_held()`)."""
        self._add_fault(
            _Fault(
                method,
                None if seconds else times,
                200,
                "late",
                kind="late",
                until=time.monotonic() + seconds if seconds else None,
                chat_id=chat_id,
                hold=delay,
            )
        )

    def answer_slowly(
        self,
        method: str | None = None,
        times: int | None = 1,
        *,
        delay: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Calls wait `delay` seconds (None: until `release_held()`), then are performed and
        answered: a slow Bot API, as seen by the person (the message comes late)."""
        self._add_fault(_Fault(method, times, 200, "slow", kind="slow", chat_id=chat_id, hold=delay))

    def release_held(self) -> None:
        """Let every held request finish now (hung ones are dropped, late ones answered)."""

        def release() -> None:
            self._release.set()
            self._release = asyncio.Event()

        self._on_loop(release)

    def clear_faults(self) -> None:
        """End every fault and window still in force (held requests stay held)."""
        self._on_loop(self._faults.clear)

    async def wait_held(self, method: str | None = None, timeout: float = 10) -> HeldCall:
        """The first request (of `method`) the fake holds open, once there is one."""

        def find() -> HeldCall | None:
            return next((h for h in self.held if method is None or h.method == method), None)

        return await self.wait_for(find, timeout, f"a held {method or 'request'}")

    def _add_fault(self, fault: _Fault) -> None:
        self._on_loop(self._faults.append, fault)

    # observation --------------------------------------------------------------------------------

    def chat(self, chat_id: int) -> ChatLog:
        """The transcript of a chat (created empty if never seen)."""
        log = self._chats.get(chat_id)
        if log is None:
            return ChatLog({"id": chat_id, "type": "private"})
        return log

    def unanswered_callback_queries(self) -> list[str]:
        """Ids of callback queries the fake sent that the bot never answered."""
        return list(self._callback_queries)

    def latencies(self) -> list[float]:
        """Seconds from each update's availability to the bot's first reply in its chat."""
        return [t.latency for t in self.update_timings.values() if t.latency is not None]

    def unconfirmed(self) -> list[int]:
        """Update ids waiting for the bot to confirm them (polling: a getUpdates offset past them)."""
        return [int(update["update_id"]) for update in self._pending.values()]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5, what: str = "condition"
    ) -> T:
        """Wait until predicate() is truthy (re-checked on every change); return its value."""
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [f"{c.method}->{c.status}" for c in self.calls[-8:]]
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"recent calls: {recent}; violations: {self.violations}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for_message(
        self,
        chat_id: int,
        contains: str | None = None,
        *,
        after: int = 0,
        changed_after: int | None = None,
        timeout: float = 5,
    ) -> ChatMessage:
        """The first bot message in the chat with id > `after` whose text contains `contains`;
        with `changed_after` (a chat revision), also a message edited since then."""

        def find() -> ChatMessage | None:
            log = self.chat(chat_id)
            messages = log.bot_messages if changed_after is None else log.changed_since(changed_after)
            for message in messages:
                if message.message_id > after and (contains is None or contains in message.text):
                    return message
            return None

        return await self.wait_for(find, timeout, f"a message in {chat_id} with {contains!r}")

    async def idle(self, quiet: float = 0.15, timeout: float = 10) -> None:
        """Wait until every update was taken by the bot and no request ran for `quiet` s.

        Polling: all updates confirmed by a getUpdates offset; webhook: all delivered.
        """
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            now = time.monotonic()
            busy = self._pending or self._inflight or self._webhook_inflight
            still = now - self._last_activity
            if not busy and still >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"bot not idle after {timeout}s: pending updates {list(self._pending)}, "
                    f"{self._inflight} requests in flight"
                )
            wait = min(deadline - now, quiet - still if not busy else deadline - now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), max(wait, 0.001))

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        self._changed.set()
        self._changed = asyncio.Event()

    # HTTP ------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/bot"):
            return _reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, method_name = path[4:].partition("/")
        if token != self.token:
            return _reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        started = time.monotonic()
        long_poll = method_name == "getUpdates"
        if not long_poll:
            self._inflight += 1
        params: dict[str, Any] = {}
        try:
            method = self.spec.methods.get(method_name)
            if method is None:
                raise ApiError(404, "Not Found")
            params = await self._read_params(request, method)
            self._validate(method, params)
            fault = self._take_fault(method_name, _as_int(params.get("chat_id")))
            if fault is not None and fault.kind == "hang":
                await self._hold(HeldCall(method_name, params, False, time.monotonic()), fault.hold)
                return self._drop(request)
            if fault is not None and fault.kind == "slow":
                await self._hold(HeldCall(method_name, params, False, time.monotonic()), fault.hold)
                fault = None  # then performed like any call
            if fault is not None and fault.status == 0:
                return self._drop(request)
            if fault is not None and fault.kind == "answer":
                raise ApiError(fault.status, fault.description, violation=False, parameters=fault.parameters)
            handler = getattr(self, f"_m_{method_name}", None)
            result = await (handler(params) if handler else self._generic(method, params))
            status, body = 200, {"ok": True, "result": result}
            if fault is not None:  # "late": done, but the answer waits
                await self._hold(HeldCall(method_name, params, True, time.monotonic()), fault.hold)
        except ApiError as err:
            if err.violation:
                self.violations.append(f"{method_name}: {err.description}")
            body = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            status = err.code
        finally:
            if not long_poll:
                self._inflight -= 1
        self.method_counts[method_name] += 1
        chat_id = _as_int(params.get("chat_id"))
        self.calls.append(Call(method_name, params, status, body, started, time.monotonic(), chat_id))
        if status == 200 and method_name in REPLY_METHODS:
            self._note_reply(params, chat_id)
        if not long_poll or body.get("result"):
            self._touch()
        else:
            self._changed.set()
            self._changed = asyncio.Event()
        return _reply(status, body)

    async def _hold(self, held: HeldCall, seconds: float | None) -> None:
        """Keep a request open; it no longer counts as in flight for `idle()`."""
        self.held.append(held)
        self._inflight -= 1
        self._touch()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), seconds)
        finally:
            self._inflight += 1
            self.held.remove(held)

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=502)

    async def _read_params(self, request: web.Request, method: Method) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        is_json = request.content_type == "application/json"
        raw.update(request.query)
        if request.can_read_body:
            if is_json:
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON body") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON body must be an object")
                return {**self._decode_form(raw, method), **body}
            form = await request.post()
            files: dict[str, Upload] = {}
            for key, part in form.items():
                if isinstance(part, web.FileField):
                    files[key] = Upload(key, part.filename, part.file.read(), part.content_type)
                else:
                    raw[key] = part
            params = self._decode_form(raw, method)
            texts = [v for v in raw.values() if isinstance(v, str) and "attach://" in v]
            for key, upload in files.items():
                self.uploads.append(upload)
                if not any(f"attach://{key}" in t for t in texts):
                    params[key] = upload
            return params
        return self._decode_form(raw, method)

    @staticmethod
    def _decode_form(raw: dict[str, str], method: Method) -> dict[str, Any]:
        """Form values are strings; JSON-decode them unless the parameter is a plain String."""
        params: dict[str, Any] = {}
        for key, value in raw.items():
            param = method.params.get(key)
            if param is not None and param.is_string:
                params[key] = value
                continue
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = value
            params[key] = value if isinstance(decoded, str) else decoded
        return params

    def _validate(self, method: Method, params: dict[str, Any]) -> None:
        for name, value in params.items():
            param = method.params.get(name)
            if param is None:
                raise bad_request(f'unknown parameter "{name}" for method {method.name}')
            error = self.spec.check_value(param.types, value, name)
            if error:
                raise bad_request(f"wrong parameter type: {error}")
        for name, param in method.params.items():
            if param.required and name not in params:
                if name == "text":
                    raise bad_request("message text is empty")
                raise bad_request(f'parameter "{name}" is required')

    def _take_fault(self, method_name: str, chat_id: int | None) -> _Fault | None:
        now = time.monotonic()
        self._faults = [f for f in self._faults if f.until is None or now < f.until]
        for fault in self._faults:
            if fault.matches(method_name, chat_id, now):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    # chats and messages --------------------------------------------------------------------------

    def _ensure_chat(self, chat: dict[str, Any]) -> ChatLog:
        log = self._chats.get(chat["id"])
        if log is None:
            log = self._chats[chat["id"]] = ChatLog(chat)
        return log

    def _store_message(
        self, log: ChatLog, message: dict[str, Any], *, from_bot: bool, **extra: Any
    ) -> ChatMessage:
        log.last_message_id = max(log.last_message_id, message["message_id"])
        log.revision += 1
        stored = ChatMessage(message["message_id"], from_bot, message, **extra, revision=log.revision)
        log.messages.append(stored)
        return stored

    def _target_chat(self, params: dict[str, Any], *, sending: bool = True) -> ChatLog:
        chat_id = params["chat_id"]
        log = None
        if isinstance(chat_id, int):
            log = self._chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            log = self._chats.get(int(chat_id))
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            log = next((c for c in self._chats.values() if c.chat.get("username") == chat_id[1:]), None)
        if log is None:
            raise bad_request("chat not found")
        if sending and log.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", violation=False)
        return log

    def _existing_message(self, log: ChatLog, message_id: Any, what: str) -> ChatMessage:
        message = log.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise bad_request(f"message to {what} not found")
        return message

    def _new_bot_message(
        self, log: ChatLog, params: dict[str, Any], content: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        reply = params.get("reply_parameters")
        message: dict[str, Any] = {
            "message_id": log.last_message_id + 1,
            "date": int(time.time()),
            "chat": log.chat,
            "from": self.bot_user,
            **content,
        }
        if reply:
            target = log.get(reply.get("message_id"))
            if target is not None and target.deleted:
                target = None
            if target is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
            if target is not None:
                message["reply_to_message"] = target.as_reply_target()
        markup = params.get("reply_markup")
        if markup is not None:
            _check_reply_markup(markup)
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
            elif markup.get("force_reply"):
                extra["force_reply"] = markup  # not echoed in the Message, like Telegram
        self._store_message(log, message, from_bot=True, **extra)
        return message

    def _note_reply(self, params: dict[str, Any], chat_id: int | None) -> None:
        if chat_id is None:  # answerCallbackQuery / answerInlineQuery: the asking user's chat
            query_id = str(params.get("callback_query_id") or params.get("inline_query_id"))
            update = self.update_timings.get(self._answered_queries.get(query_id, -1))
            chat_id = update.chat_id if update else None
        waiting = self._awaiting_reply.pop(chat_id, []) if chat_id is not None else []
        now = time.monotonic()
        for update_id in waiting:
            timing = self.update_timings.get(update_id)
            if timing is not None and timing.first_reply_at is None:
                timing.first_reply_at = now

    def _new_query_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._query_ids)}"

    # methods ---------------------------------------------------------------------------------------

    async def _generic(self, method: Method, params: dict[str, Any]) -> Any:
        if method.returns in ("Boolean", "True"):
            if "chat_id" in params and method.name.startswith("send"):
                self._target_chat(params)
            return True
        if method.returns == "Message" and "chat_id" in params:
            log = self._target_chat(params)
            content: dict[str, Any] = {}
            for kind in _MEDIA_KINDS:
                if kind in params:
                    content[kind] = _media_object(kind, params[kind])
            content.update(_caption_content(params))
            return self._new_bot_message(log, params, content)
        raise ApiError(
            500, f"Internal Server Error: the fake does not simulate {method.name}", violation=False
        )

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getChat(self, params: dict[str, Any]) -> Any:
        log = self._target_chat(params, sending=False)
        return {
            **log.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        log = self._target_chat(params)
        text, entities = _render(params, "text", "entities", MAX_TEXT)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._new_bot_message(log, params, content, **_source(params, "text"))

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        log = self._target_chat(params)
        document = params["document"]
        upload = document if isinstance(document, Upload) else None
        content = {"document": _media_object("document", document), **_caption_content(params)}
        return self._new_bot_message(log, params, content, upload=upload, **_source(params, "caption"))

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        text, entities = _render(params, "text", "entities", MAX_TEXT)
        return self._edit(params, {"text": text, "entities": entities}, _source(params, "text"))

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> Any:
        caption = _caption_content(params)
        return self._edit(
            params,
            {"caption": caption.get("caption"), "caption_entities": caption.get("caption_entities")},
            _source(params, "caption"),
        )

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return self._edit(params, {}, {})

    def _edit(self, params: dict[str, Any], content: dict[str, Any], source: dict[str, Any]) -> Any:
        markup = params.get("reply_markup")
        if markup is not None:
            _check_reply_markup(markup)
            if "inline_keyboard" not in markup:
                raise bad_request("only an inline keyboard can be attached to an edited message")
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("chat_id and message_id, or inline_message_id, are required")
        log = self._target_chat(params)
        message = self._existing_message(log, params["message_id"], "edit")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        replaced = {*content, "reply_markup", "edit_date"}  # no markup given: keyboard removed
        new = {k: v for k, v in message.raw.items() if k not in replaced}
        new.update((k, v) for k, v in content.items() if v)
        if markup:
            new["reply_markup"] = markup
        if "text" in content and "text" not in message.raw:
            raise bad_request("there is no text in the message to edit")
        if new == {k: v for k, v in message.raw.items() if k != "edit_date"}:
            raise bad_request(NOT_MODIFIED[len("Bad Request: ") :], violation=False)
        new["edit_date"] = int(time.time())
        message.raw = new
        message.edits += 1
        log.revision += 1
        message.revision = log.revision
        if source:
            message.html = source.get("html")
            message.parse_mode = source.get("parse_mode")
        return new

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        log = self._target_chat(params, sending=False)
        message = log.get(params["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to delete not found", violation=False)
        message.deleted = True
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = params["callback_query_id"]
        if query_id not in self._callback_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._answered_queries[query_id] = self._callback_queries.pop(query_id)
        return True

    async def _m_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        query_id = params["inline_query_id"]
        if query_id not in self._inline_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        results = params["results"]
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if any(not 1 <= len(str(i).encode()) <= 64 for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            if "reply_markup" in result:
                _check_reply_markup(result["reply_markup"])
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                _render(content, "message_text", "entities", MAX_TEXT)
        button = params.get("button")
        if button is not None:
            parameter = button.get("start_parameter")
            if parameter is not None and not START_PARAMETER.fullmatch(str(parameter)):
                raise bad_request("START_PARAM_INVALID")
        self._answered_queries[query_id] = self._inline_queries.pop(query_id)
        self.inline_answers[query_id] = results
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            valid_name = 1 <= len(name) <= 32 and all(c.islower() or c.isdigit() or c == "_" for c in name)
            if not valid_name or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_INVALID")
        self.commands[_commands_key(params)] = commands
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(_commands_key(params), [])

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(_commands_key(params), None)
        return True

    async def _m_setMyDescription(self, params: dict[str, Any]) -> Any:
        return self._set_description("description", 512, params)

    async def _m_getMyDescription(self, params: dict[str, Any]) -> Any:
        return {"description": self._get_description("description", params)}

    async def _m_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        return self._set_description("short_description", 120, params)

    async def _m_getMyShortDescription(self, params: dict[str, Any]) -> Any:
        return {"short_description": self._get_description("short_description", params)}

    def _set_description(self, kind: str, limit: int, params: dict[str, Any]) -> bool:
        text = params.get(kind) or ""
        if len(text) > limit:
            raise bad_request(f"{kind} is too long")
        code = _description_language(params)
        if text:
            self.descriptions[(kind, code)] = text
        else:
            self.descriptions.pop((kind, code), None)
        return True

    def _get_description(self, kind: str, params: dict[str, Any]) -> str:
        """Like Telegram: the language's own text, else the one for all languages."""
        code = _description_language(params)
        return self.descriptions.get((kind, code)) or self.descriptions.get((kind, ""), "")

    # updates: long polling and webhook ------------------------------------------------------------

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if self._poller is not None and not self._poller.done():
            self._poller.cancel()  # like Telegram: the older request loses
        offset = params.get("offset") or 0
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(params.get("timeout") or 0, 0)
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        confirmed = len(self._pending)
        if offset > 0:
            for seq in [s for s, u in self._pending.items() if u["update_id"] < offset]:
                del self._pending[seq]
        elif offset < 0:
            for seq in list(self._pending)[:offset]:
                del self._pending[seq]
        if len(self._pending) < confirmed:
            self._touch()  # a confirmation is news for idle() and wait_for()
        self._drop_unwanted()
        if not self._pending and timeout:
            self._poller = asyncio.get_running_loop().create_future()
            waiter = asyncio.ensure_future(self._wait_pending(timeout))
            done, _ = await asyncio.wait({waiter, self._poller}, return_when=asyncio.FIRST_COMPLETED)
            if self._poller in done:
                waiter.cancel()
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure "
                    "that only one bot instance is running",
                    violation=False,
                )
            self._poller.cancel()
            self._drop_unwanted()
        return [u for u in self._pending.values()][:limit]

    async def _wait_pending(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: self._pending, timeout)

    def _drop_pending(self) -> None:
        """Forget pending updates: the bot will never see them, so expects no reply."""
        dropped = {u["update_id"] for u in self._pending.values()}
        self._pending.clear()
        for chat_id, update_ids in list(self._awaiting_reply.items()):
            self._awaiting_reply[chat_id] = [u for u in update_ids if u not in dropped]
        for update_id in dropped:
            self.update_timings.pop(update_id, None)

    def _drop_unwanted(self) -> None:
        if not self._allowed_updates:
            return
        for seq, update in list(self._pending.items()):
            if not any(kind in update for kind in self._allowed_updates):
                del self._pending[seq]

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = params["url"]
        if not url:
            return await self._m_deleteWebhook(params)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get("secret_token")
        if secret is not None and not (
            1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        await self._stop_webhook_workers()
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self._allowed_updates = params.get("allowed_updates") or self._allowed_updates
        self._webhook = _Webhook(
            url, secret, params.get("max_connections") or 40, params.get("allowed_updates")
        )
        self._webhook_queue = asyncio.Queue()
        for seq in self._pending:
            self._webhook_queue.put_nowait(seq)
        self._webhook_workers = [
            asyncio.create_task(self._deliver_forever())
            for _ in range(min(self._webhook.max_connections, 100))
        ]
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        await self._stop_webhook_workers()
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            if self._webhook.allowed_updates:
                info["allowed_updates"] = self._webhook.allowed_updates
            failed = [d for d in self.webhook_deliveries if d.status is None or d.status >= 300]
            if failed:
                info["last_error_date"] = int(time.time())
                info["last_error_message"] = failed[-1].error or f"Wrong response: {failed[-1].status}"
        return info

    async def _stop_webhook_workers(self) -> None:
        workers, self._webhook_workers = self._webhook_workers, []
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._webhook_queue = None
        self._webhook_inflight = 0

    async def _deliver_forever(self) -> None:
        assert self._webhook_queue is not None
        queue = self._webhook_queue
        while True:
            seq = await queue.get()
            update = self._pending.get(seq)
            if update is None:
                continue
            lock = self._chat_locks.setdefault(_update_chat_id(update) or 0, asyncio.Lock())
            async with lock:
                self._webhook_inflight += 1
                try:
                    await self._deliver(seq, update)
                finally:
                    self._webhook_inflight -= 1
                    self._touch()

    async def _deliver(self, seq: int, update: dict[str, Any]) -> None:
        webhook, session = self._webhook, self._session
        assert webhook is not None and session is not None
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        body = json.dumps(update)
        for attempt in range(1, self.webhook_retries + 2):
            status: int | None = None
            error: str | None = None
            self.delivering.add(update["update_id"])
            try:
                async with session.post(webhook.url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}"
            finally:
                self.delivering.discard(update["update_id"])
            self.webhook_deliveries.append(
                WebhookDelivery(update["update_id"], attempt, status, error, time.monotonic())
            )
            if status is not None and 200 <= status < 300:
                break
            if attempt <= self.webhook_retries:
                await asyncio.sleep(self.webhook_retry_delay)
        self._pending.pop(seq, None)


# helpers --------------------------------------------------------------------------------------------


def _reply(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _update_chat_id(update: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message", "channel_post", "callback_query", "inline_query"):
        body = update.get(key)
        if not isinstance(body, dict):
            continue
        if "chat" in body:
            return int(body["chat"]["id"])
        if isinstance(body.get("message"), dict):
            return int(body["message"]["chat"]["id"])
        if "from" in body:
            return int(body["from"]["id"])
    return None


def _render(
    params: dict[str, Any], text_key: str, entities_key: str, limit: int
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities after parse_mode, with Telegram's emptiness and length checks."""
    source = params.get(text_key) or ""
    mode = params.get("parse_mode")
    entities: list[dict[str, Any]] = params.get(entities_key) or []
    if mode == "HTML":
        try:
            text, entities = parse_html(source)
        except EntityParseError as err:
            raise ApiError(400, str(err)) from None
    elif mode in (None, "", "MarkdownV2", "Markdown"):  # Markdown is passed through unparsed
        text = source
    else:
        raise bad_request("unsupported parse_mode")
    if text_key != "caption" and not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request("message is too long" if text_key != "caption" else "message caption is too long")
    return text, entities


def _caption_content(params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("caption"):
        return {}
    caption, entities = _render(params, "caption", "caption_entities", MAX_CAPTION)
    content: dict[str, Any] = {"caption": caption}
    if entities:
        content["caption_entities"] = entities
    return content


def _source(params: dict[str, Any], text_key: str) -> dict[str, Any]:
    mode = params.get("parse_mode")
    return {"parse_mode": mode, "html": params.get(text_key) if mode == "HTML" else None}


_media_ids = itertools.count(1)


def _media_object(kind: str, value: Any) -> Any:
    n = next(_media_ids)
    base: dict[str, Any] = {"file_id": f"bot-{kind}-{n}", "file_unique_id": f"bu{n}"}
    if isinstance(value, Upload):
        base.update(file_size=len(value.content))
        if kind == "document":
            base.update(file_name=value.filename, mime_type=value.mime_type)
    if kind == "photo":
        return [{**base, "width": 800, "height": 800}]
    if kind == "sticker":
        return {
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    if kind in ("voice", "audio"):
        return {**base, "duration": 1}
    if kind in ("video", "animation"):
        return {**base, "width": 640, "height": 480, "duration": 1}
    return base


#: A deep-link start parameter (also an inline answer's `button.start_parameter`).
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: The flags of a SwitchInlineQueryChosenChat; Telegram refuses the button without any of them.
CHOSEN_CHAT_KINDS = ("allow_user_chats", "allow_bot_chats", "allow_group_chats", "allow_channel_chats")


def _check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise bad_request("reply markup must be a JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        count = 0
        for row in rows:
            for button in row:
                count += 1
                if not button.get("text"):
                    raise bad_request("BUTTON_TEXT_EMPTY")
                actions = [k for k in BUTTON_ACTIONS if k in button]
                if not actions:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise bad_request(f"inline button has several actions: {actions}")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                chosen = button.get("switch_inline_query_chosen_chat")
                if chosen is not None and not any(chosen.get(kind) for kind in CHOSEN_CHAT_KINDS):
                    raise bad_request("switch_inline_query_chosen_chat must allow at least one chat type")
                url = button.get("url")
                if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                    raise bad_request(f"inline keyboard button URL '{url}' is invalid")
        if count > 100:
            raise bad_request("too many inline keyboard buttons")
    elif "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise bad_request("force_reply must be True")
        placeholder = markup.get("input_field_placeholder")
        if placeholder is not None and not 1 <= len(str(placeholder)) <= 64:
            raise bad_request("input field placeholder must be 1-64 characters")
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if not text:
                    raise bad_request("BUTTON_TEXT_EMPTY")


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code') or ''}"


def _description_language(params: dict[str, Any]) -> str:
    code = params.get("language_code") or ""
    if code and not (len(code) == 2 and code.isalpha() and code.islower()):
        raise bad_request("language code is invalid")  # a two-letter ISO 639-1 code, or empty
    return str(code)
