"""The Bot API HTTP client: PTB's `BaseRequest` on aiohttp instead of httpx.

The bot's CPU goes mostly into Bot API requests, and per request aiohttp's client (C HTTP
parser, one keep-alive pool) costs less than httpx/httpcore. PTB hands us the URL, the
form fields and any files; we return the status and the body, and turn network failures
into PTB's `NetworkError` / `TimedOut` so its retries and our `RetryingRateLimiter` apply.
A failure after the request left (no answer in time, the connection dropped) is
`OutcomeUnknown`: Telegram may have done it, so a send is not blindly retried.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import metrics

CONNECTION_LIMIT = 256
"""Open connections to the Bot API at most (PTB's own default for its httpx client)."""
DEFAULT_TIMEOUT = 5.0
"""Seconds for connecting, and for reading or writing when PTB gives no timeout."""
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
MEDIA_WRITE_TIMEOUT = 20.0
"""Seconds to send a request that uploads files."""


def _seconds(value: Any, default: float | None) -> float | None:
    """PTB passes a DefaultValue when the caller set no timeout."""
    return default if isinstance(value, DefaultValue) else value


class OutcomeUnknown(TimedOut):
    """The request went out, but no answer came (a read timeout, a connection dropped after
    sending): Telegram may or may not have performed it. Retrying a send could repeat it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"no answer, the request may have been performed ({reason})")


NOT_SENT = (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError)
"""Failures before the request left: safe to retry whatever the method."""


def without_lone_surrogates(value: Any) -> Any:
    """`value` (parsed JSON) with each lone surrogate in its strings as U+FFFD.

    JSON may escape half of a UTF-16 pair ("\\ud800"); Python then holds a string that
    cannot be encoded, and the first encode (the database, the next request, a length in
    UTF-16) fails the whole turn. Cleaned where updates enter, it costs one character.
    """
    if isinstance(value, str):
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
        return value
    if isinstance(value, dict):
        return {key: without_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    return value


def may_hold_surrogates(payload: bytes) -> bool:
    """Cheap test on the raw JSON: only an escaped \\uD800-\\uDFFF can produce one."""
    lowered = payload.lower()
    return any(f"\\ud{digit}".encode() in lowered for digit in "89abcdef")


class AiohttpRequest(BaseRequest):
    """One aiohttp session per PTB request object (PTB keeps one for getUpdates, one for
    everything else)."""

    def __init__(
        self, connection_limit: int = CONNECTION_LIMIT, read_timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        self.connection_limit = connection_limit
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        parsed = BaseRequest.parse_json_payload(payload)
        return without_lone_surrogates(parsed) if may_hold_surrogates(payload) else parsed

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connection_limit, use_dns_cache=True)
            headers = {"User-Agent": self.USER_AGENT}
            self._session = aiohttp.ClientSession(connector=connector, headers=headers)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        data: Any = None
        headers = None
        if fields and not files:  # encoded here: given a dict, aiohttp builds a multipart writer first
            # errors="replace": a lone surrogate in some text must cost one character, not the turn
            data = urlencode(fields, errors="replace").encode()
            headers = FORM_HEADERS
        if files:
            form = aiohttp.FormData(fields or {})
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            data = form
        read = _seconds(read_timeout, self._read_timeout)
        write = _seconds(write_timeout, MEDIA_WRITE_TIMEOUT if files else DEFAULT_TIMEOUT)
        connect = _seconds(connect_timeout, DEFAULT_TIMEOUT)
        pool = _seconds(pool_timeout, 1.0)
        # aiohttp has no separate write timeout: the whole request may take connect + write + read;
        # its `connect` is waiting for a pooled connection plus connecting.
        total = None if read is None or write is None else (connect or 0) + write + read
        acquire = None if pool is None or connect is None else pool + connect
        timeout = aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect, sock_read=read)
        api_method = metrics.api_method(url)
        started = time.perf_counter()
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                body = await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            metrics.api_failed(api_method, "timeout")
            raise TimedOut from error
        except NOT_SENT as error:
            metrics.api_failed(api_method, "network")
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            metrics.api_failed(api_method, "timeout")
            raise OutcomeUnknown("timed out") from error
        except aiohttp.ClientError as error:
            metrics.api_failed(api_method, "network")
            raise OutcomeUnknown(f"aiohttp.{error.__class__.__name__}") from error
        metrics.api_answered(api_method, response.status, time.perf_counter() - started)
        return response.status, body
