"""The Bot API HTTP client: PTB's `BaseRequest` on aiohttp instead of httpx.

The bot's CPU goes mostly into Bot API requests, and per request aiohttp's client (C HTTP
parser, one keep-alive pool) costs less than httpx/httpcore. PTB hands us the URL, the
form fields and any files; we return the status and the body, and turn network failures
into PTB's `NetworkError` / `TimedOut` so its retries and our `RetryingRateLimiter` apply.
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


class AiohttpRequest(BaseRequest):
    """One aiohttp session per PTB request object (PTB keeps one for getUpdates, one for
    everything else)."""

    def __init__(self, connection_limit: int = CONNECTION_LIMIT, read_timeout: float | None = DEFAULT_TIMEOUT
                 ) -> None:
        self.connection_limit = connection_limit
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

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
            data = urlencode(fields).encode()
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
            async with self._session.request(method, url, data=data, headers=headers,
                                             timeout=timeout) as response:
                body = await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            metrics.api_failed(api_method, "timeout")
            raise TimedOut from error
        except aiohttp.ClientError as error:
            metrics.api_failed(api_method, "network")
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        metrics.api_answered(api_method, response.status, time.perf_counter() - started)
        return response.status, body
