"""The web app on one port: the Gradio UI at /, the JSON API at /api, its description at
/docs, the document view at /view, the login page at /login. Served by uvicorn.

Middleware, outermost first: security headers, request-body limits (limits.BodyLimit),
and the login gate (Guard): with an all-users password configured, nothing but the login
page answers without a session; Gradio's file upload route takes administrators only.
"""
from __future__ import annotations

import ipaddress
import sys
import time
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.apps.api import install_errors, router, set_session
from assistant.apps.auth import ADMIN, COOKIE
from assistant.apps.docview import CSP, ViewRequest, goto_location, missing_page, render_document
from assistant.apps.limits import BodyLimit, app_path, log, one_line, short_logs
from assistant.apps.pages import docs_page, login_page, safe_next
from assistant.apps.state import AppState

PUBLIC = ("/login", "/api/login", "/api/health", "/favicon.ico")
ADMIN_ONLY = ("/gradio_api/upload",)  # Gradio's own upload route: only the admin panel uploads
UPLOAD_PATHS = ("/api/documents", "/gradio_api/upload")
GRADIO_BODY_KB = 1024  # Gradio's event posts carry the inputs of one event
LOGIN_FAILURES = 5  # failed logins from one address within LOGIN_WINDOW_S before a pause
LOGIN_WINDOW_S = 60.0
LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


class Guard:
    """ASGI middleware: who may see what (see the module docstring)."""

    def __init__(self, app, state: AppState):
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        request = Request(scope)
        path = app_path(scope)
        role = self.state.gate.role(request.cookies, request.headers)
        if path.startswith(ADMIN_ONLY) and role != ADMIN:
            return await JSONResponse({"error": "只有管理员可以上传文件"}, status_code=403)(scope, receive, send)
        if role is None and not path.startswith(PUBLIC):
            if scope["type"] == "http" and scope.get("method") == "GET" and _is_page(path):
                target = "login?next=" + quote(path + ("?" + scope["query_string"].decode("latin-1")
                                                       if scope.get("query_string") else ""), safe="")
                return await RedirectResponse(_relative(path, target), status_code=303)(scope, receive, send)
            return await JSONResponse({"error": "需要登录：POST /api/login {\"password\": …}，或打开 /login"},
                                      status_code=401)(scope, receive, send)
        return await self.app(scope, receive, send)


def _is_page(path: str) -> bool:
    return path in ("/", "/view", "/docs", "/logout") or path.endswith((".html",))


def _relative(path: str, target: str) -> str:
    """A redirect that stays under the proxy's sub-path: relative to the requested page."""
    depth = max(0, path.count("/") - 1)
    return "../" * depth + target if depth else target


class Headers:
    """ASGI middleware adding headers every response should carry."""

    EXTRA = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
             (b"x-frame-options", b"SAMEORIGIN")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in self.EXTRA if h[0] not in names]
            await send(message)

        return await self.app(scope, receive, with_headers)


def create_app(state: AppState, mount_ui: bool = True) -> FastAPI:
    """The whole web app for state (mount_ui=False: the API and pages without Gradio)."""
    short_logs()
    app = FastAPI(title="预算公开问答 API", version="1",
                  description="问答与检索部门预算、决算公开文件。答案的数字均摘自原文并注明出处。"
                              "登录：POST /api/login；需要管理员的接口已注明。",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    install_errors(app, log)
    app.include_router(router(state))
    _pages(app, state)
    cfg = state.cfg
    if mount_ui:
        import gradio as gr

        from assistant.apps import ui

        demo = ui.make_ui(state)
        gr.mount_gradio_app(
            app, demo, path="/", auth_dependency=lambda request: state.gate.role(request.cookies, request.headers),
            css=ui.css(), theme=ui.theme(), head=ui.head(), footer_links=[], run_history=False, show_error=False,
            max_file_size=cfg.max_mb * 2**20, blocked_paths=[str(Path(cfg.corpus).resolve()),
                                                            str(Path(cfg.index).resolve())],
            root_path=cfg.root_path or None, ssr_mode=False, mcp_server=False)
    app.add_middleware(Guard, state=state)
    uploads = cfg.max_upload_mb * 2**20
    app.add_middleware(BodyLimit, limit=cfg.max_body_kb * 1024,
                       limits=tuple((p, uploads) for p in UPLOAD_PATHS) + (("/gradio_api/", GRADIO_BODY_KB * 1024),))
    app.add_middleware(Headers)
    return app


def _pages(app: FastAPI, state: AppState) -> None:
    failures: dict[str, list[float]] = {}

    @app.get("/view", include_in_schema=False)
    def view(request: Request, doc: str = Query(""), from_: int = Query(0, alias="from", ge=0),
             to: int = Query(0, ge=0), quote_: str = Query("", alias="quote"), mark: list[str] = Query([]),
             find: str = Query(""), goto: int | None = Query(None)) -> Response:
        index = state.index
        document = index.docs.get(doc)
        if document is None:
            return HTMLResponse(missing_page(doc), status_code=404, headers={"Content-Security-Policy": CSP})
        if goto is not None:
            keep = [(k, v) for k, v in request.query_params.multi_items() if k not in ("goto",)]
            n_lines = document.text.count("\n") + 1
            return RedirectResponse(goto_location(doc, goto, n_lines, keep), status_code=303)
        req = ViewRequest(doc, from_, to or from_, quote_, mark[:10], find)
        return HTMLResponse(render_document(document, req), headers={"Content-Security-Policy": CSP})

    @app.get("/login", include_in_schema=False)
    def login_form(next: str = "") -> Response:
        return HTMLResponse(login_page(next, read_only=state.gate.read_only, login_required=state.gate.login_required))

    @app.post("/login", include_in_schema=False)
    def login(request: Request, password: str = Form(""), next: str = Form("")) -> Response:
        client = request.client.host if request.client else "?"
        now = time.monotonic()
        recent = [t for t in failures.get(client, []) if now - t < LOGIN_WINDOW_S]
        if len(recent) >= LOGIN_FAILURES:
            return HTMLResponse(login_page(next, "尝试次数过多：请一分钟后再试"), status_code=429)
        who = state.gate.login(password[:200])
        if who is None:
            failures[client] = recent + [now]
            log.info("failed login from %s", one_line(client, 60))
            return HTMLResponse(login_page(next, "密码不正确", state.gate.read_only, state.gate.login_required),
                                status_code=401)
        failures.pop(client, None)
        response = RedirectResponse(safe_next(next), status_code=303)
        set_session(response, state.gate.sessions.issue(who), state)
        return response

    @app.get("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("login" if state.gate.login_required else "./", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return HTMLResponse(docs_page(app.openapi()))


# ---------------------------------------------------------------- serving

def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(state: AppState, host: str) -> str:
    """The warning printed when colleagues could reach an app that asks nobody to log in."""
    if is_loopback(host) or state.gate.login_required:
        return ""
    return (f"warning: serving on {host} without a login: anyone who can reach this address reads every "
            "indexed document. Set BUDGET_QA_USER_PASSWORD (or [auth] user_password_hash in the config file) "
            "to ask colleagues for a password, or serve on 127.0.0.1 behind a proxy that logs them in.")


def serve(state: AppState, host: str, port: int) -> None:
    import uvicorn

    warning = exposure_warning(state, host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if state.gate.read_only:
        print("note: no administrator password configured: the app is read-only "
              "(set BUDGET_QA_ADMIN_PASSWORD or [auth] admin_password_hash)", file=sys.stderr, flush=True)
    app = create_app(state)
    where = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    print(f"serving on {where}  (API: {where}docs)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", proxy_headers=True,
                            root_path=state.cfg.root_path, timeout_graceful_shutdown=5,
                            h11_max_incomplete_event_size=16 * 1024)
    uvicorn.Server(config).run()
