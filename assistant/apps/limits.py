"""Bounded work per request (issue 9): field lengths, page sizes, request bodies, a pool
of request slots, and log lines that stay one short line whatever a client sends.

The checks run at the HTTP and UI boundary, before any answering work starts: a
100,000-character question is refused in microseconds instead of taking 46 s and 2 GB.
"""
from __future__ import annotations

import json
import logging
import threading
from contextlib import contextmanager
from typing import Iterator

log = logging.getLogger("budget_qa.web")

MAX_LOG_CHARS = 300  # one log line; a client's input never floods the log
QUEUE_WAIT_S = 30.0  # a request waits this long for a slot before "busy, try again"
MAX_FILTER_CHARS = 60  # a department, region or kind filter
MAX_PAGE = 10_000


class RequestError(Exception):
    """A request the server refuses; status is the HTTP status, the message one line that
    says what to change."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def text_field(value: str | None, name: str, limit: int, required: bool = True) -> str:
    """value stripped, or RequestError when it is missing or longer than limit characters."""
    text = (value or "").strip()
    if required and not text:
        raise RequestError(400, f"{name}为空：请输入{name}")
    if len(text) > limit:
        raise RequestError(413, f"{name}有 {len(text)} 字，超过 {limit} 字的上限：请缩短后再试")
    return text


def int_field(value: int | str | None, name: str, low: int, high: int, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RequestError(400, f"{name}应为整数（{low}–{high}），收到 {str(value)[:20]!r}") from None
    if not low <= number <= high:
        raise RequestError(400, f"{name}应在 {low}–{high} 之间，收到 {number}")
    return number


class RequestPool:
    """At most ``size`` questions and searches computed at once, from the UI and the API
    alike; the rest wait (up to QUEUE_WAIT_S) instead of piling onto the CPU. A slow
    request holds one slot, never the others."""

    def __init__(self, size: int, wait_s: float = QUEUE_WAIT_S):
        self.size = size
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_s):
            raise RequestError(503, f"服务器繁忙（{self.size} 个请求正在处理）：请稍后再试")
        try:
            yield
        finally:
            self._slots.release()


def one_line(text: object, limit: int = MAX_LOG_CHARS) -> str:
    """A message cut to one line of at most limit characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


class ShortLines(logging.Filter):
    """Cuts every record of a logger to one short line (uvicorn's access log repeats the
    request line, which a client can make 16 KB long)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            # uvicorn's access formatter unpacks its five arguments (client, method, path,
            # version, status): cut each one, keep them apart.
            record.args = tuple(one_line(a, MAX_LOG_CHARS // 2) if isinstance(a, str) else a for a in record.args)
        else:
            record.msg = one_line(record.getMessage())
            record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def short_logs() -> None:
    """Install ShortLines on the web server's loggers."""
    for name in ("uvicorn.access", "uvicorn.error", "budget_qa.web"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ShortLines) for f in logger.filters):
            logger.addFilter(ShortLines())


def app_path(scope) -> str:
    """The request path inside the app: without the proxy's sub-path (root_path), which
    servers following the current ASGI spec include in ``path``."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] or "/" if root and path.startswith(root) else path


class BodyLimit:
    """ASGI middleware: refuse a request body over its limit with 413 and one log line,
    before the application reads it. ``limits`` maps path prefixes to their own limits
    (uploads, Gradio's event posts); the first that matches wins, else ``limit``."""

    def __init__(self, app, limit: int, limits: tuple[tuple[str, int], ...] = ()):
        self.app = app
        self.limit = limit
        self.limits = limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = app_path(scope)
        limit = next((n for prefix, n in self.limits if path.startswith(prefix)), self.limit)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                return await _refuse(send, 400, "Content-Length 无效")
            if size > limit:
                log.warning("refused %s %s: body %d bytes over %d", scope.get("method"), one_line(path, 80), size, limit)
                return await _refuse(send, 413, f"请求内容 {size // 1024} KB 超过 {limit // 1024} KB 的上限")
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a body sent without Content-Length: stop reading it
                    log.warning("refused %s %s: streamed body over %d", scope.get("method"), one_line(path, 80), limit)
                    return {"type": "http.disconnect"}
            return message

        return await self.app(scope, counted, send)


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
