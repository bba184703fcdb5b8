"""The JSON API beside the UI: /api/ask, /api/search, /api/documents, … (OpenAPI at /docs).

Answers are Answer.to_json() and search results dataclasses.asdict(Result), the JSON the
command line prints with --json. Errors are {"error": "<one line>"} with a fitting status:
400 bad input, 401 login needed, 403 administrators only, 404 unknown document, 413 too
long or too large, 503 busy. Handlers are plain functions: FastAPI runs them in its
thread pool, and AppState's request pool bounds how many compute at once.

A new endpoint is one more function here, calling one more AppState method. The figures
and audit endpoints take every parameter as text and check it in AppState, so that an
unknown parameter or a bad value is a 400 with a one-line message, as in the 数据 tab.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from assistant.apps import export
from assistant.apps.auth import ADMIN, COOKIE
from assistant.apps.library import MAX_FILES, Change, LibraryError
from assistant.apps.limits import RequestError
from assistant.apps.state import FIGURES_PAGE, MAX_FIGURES_PAGE, AppState, findings_json, search_json
from assistant.figures.query import COLUMNS, figure_row

ANSWER_EXAMPLE = {"question": "魏县政府办2020年公务接待费预算是多少？", "found": True,
                  "answer": "50万元。魏县政府办2020年部门预算：“公务接待费50万元。”", "figure": "50万元",
                  "citations": [{"source": "2020_weixian_govoffice_budget.txt", "title": "魏县政府办2020年部门预算",
                                 "section": "四、财政拨款“三公”经费预算情况", "line_start": 87, "line_end": 87,
                                 "quote": "公务接待费50万元。", "page": 1}]}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_PARAMS = {"department", "year", "item", "code", "region", "kind", "origin"}
FILTER_HELP = {
    "department": "department, short names work (魏县政府办, 江苏高院)",
    "year": "document year (2020)",
    "item": "item, everyday words work (招待费 finds 公务接待费)",
    "code": "subject or project code in any written form (2010301, 201 03 01)",
    "region": "region (上海市普陀区)",
    "kind": "部门预算, 单位预算, 部门决算 or 其他",
    "origin": "table (表格) or prose (正文); leave out for both",
}


def _filter(name: str):
    """A figures filter parameter: text, checked by AppState.figure_filter (a fresh
    Query each time: FastAPI keeps per-parameter state on it)."""
    return Query("", description=FILTER_HELP[name])


class AskBody(BaseModel):
    question: str = Field(description="the question in Chinese (at most max_question_chars, default 500)",
                          examples=["魏县政府办2020年公务接待费预算是多少？"])


class LoginBody(BaseModel):
    password: str = Field(description="the administrator's or the all-users password")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _json(data: Any) -> Response:
    """JSON written by orjson, skipping FastAPI's re-validation of an already plain dict:
    a third of the time of a short answer under load."""
    import orjson

    return Response(orjson.dumps(data), media_type="application/json")


def router(state: AppState) -> APIRouter:
    api = APIRouter(prefix="/api")

    def role(request: Request) -> str:
        # The middleware has refused requests that need a login and lack one.
        return state.gate.role(request.cookies, request.headers) or "visitor"

    def admin(request: Request) -> str:
        if state.gate.read_only:
            raise RequestError(403, "本实例只读：未配置管理员密码（BUDGET_QA_ADMIN_PASSWORD 或配置文件 [auth] admin_password_hash）")
        if role(request) != ADMIN:
            raise RequestError(403, "需要管理员登录：POST /api/login {\"password\": …}")
        return ADMIN

    # ------------------------------------------------------------------ questions and search

    @api.post("/ask", summary="Answer a question", tags=["questions"],
              responses={200: {"content": {"application/json": {"example": ANSWER_EXAMPLE}}}})
    def ask(body: AskBody) -> Response:
        """The answer with its figure and verbatim quotes (the JSON of `ask --json`):
        question, found, answer, figure (when found), citations[source, title, section,
        line_start, line_end, quote, page]. found=false is 未找到 with the nearest passages."""
        return _json(state.ask(body.question))

    @api.get("/ask", summary="Answer a question (GET)", tags=["questions"])
    def ask_get(q: str = Query(description="the question")) -> Response:
        """Same as POST /api/ask, for a link or a quick test."""
        return _json(state.ask(q))

    @api.get("/search", summary="Exact search for auditors", tags=["search"])
    def search(q: str = Query(description="codes (2010301, 201 03 01, 434-1601-JXN-0UT4) and/or words"),
               department: str = Query("", description="department, short names work (魏县政府办, 江苏高院)"),
               region: str = Query("", description="region (上海市普陀区)"),
               year: int | None = Query(None, description="document year"),
               kind: str = Query("", description="部门预算, 单位预算, 部门决算 or 其他"),
               page: int = Query(1, ge=1, description="page of the exact hits"),
               per_page: int = Query(20, ge=1, le=100, description="exact hits per page"),
               sort: Literal["relevance", "department", "year", "source", "line"] = "relevance",
               order: Literal["asc", "desc"] = "desc",
               related: bool = Query(False, description="also list related passages (not exact hits)")) -> Response:
        """Every passage holding all the query's codes (any written form) and words:
        `total` is the true count, `results` one page of them (each as `search --json`
        prints it), `related` a separate list when asked for, `reason` why nothing was
        searched (unknown department, no such year) with `suggestions`."""
        args = state.search_args(q, department, region, year, kind, page, per_page, sort, order, related or None)
        return _json(search_json(state.search(args)))

    @api.get("/search/export", summary="Download every exact hit", tags=["search"],
             responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
    def search_export(q: str, format: Literal["csv", "xlsx"] = "csv", department: str = "", region: str = "",
                      year: int | None = None, kind: str = "",
                      sort: Literal["relevance", "department", "year", "source", "line"] = "relevance",
                      order: Literal["asc", "desc"] = "desc") -> Response:
        """All exact hits (not one page) with a header row and whole passages; CSV is UTF-8
        with a byte-order mark so that Excel reads the Chinese."""
        args = state.search_args(q, department, region, year, kind, 1, 1, sort, order)
        page, rows = state.search_all(args, export.MAX_EXPORT_ROWS)
        if format == "csv":
            data, mime = export.to_csv(rows), "text/csv; charset=utf-8"
        else:
            data, mime = export.to_xlsx(rows, page), XLSX
        return _download(data, mime, export.filename(page, format), f"search.{format}")

    # ------------------------------------------------------------------ figures and audit

    @api.get("/figures", summary="The figures table, filtered", tags=["figures"])
    def figures(request: Request, department: str = _filter("department"), year: str = _filter("year"),
                item: str = _filter("item"), code: str = _filter("code"), region: str = _filter("region"),
                kind: str = _filter("kind"), origin: str = _filter("origin"),
                limit: str = Query("", description=f"rows to return, 1–{MAX_FIGURES_PAGE} (default {FIGURES_PAGE})"),
                offset: str = Query("", description="rows to skip (default 0)")) -> Response:
        """Every figure the documents state that passes the filters (the filters of
        `python -m assistant figures`): `total` is the true count, `rows` one page of them,
        each as `figures --json` prints it (doc_id, item, column, value_text, unit,
        value_wan, line_start, line_end, page, quote, …)."""
        _only(request, FIGURE_PARAMS | {"limit", "offset"})
        f = state.figure_filter(department, year, item, code, region, kind, origin)
        return _json(state.figures_page(f, limit, offset))

    @api.get("/figures/export", summary="Download every matching figure", tags=["figures"],
             responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
    def figures_export(request: Request, format: str = Query("csv", description="csv or xlsx"),
                       department: str = _filter("department"), year: str = _filter("year"),
                       item: str = _filter("item"), code: str = _filter("code"),
                       region: str = _filter("region"), kind: str = _filter("kind"),
                       origin: str = _filter("origin")) -> Response:
        """All matching figures (not one page) with a header row, the columns of
        `figures --csv`; at most export.MAX_EXPORT_ROWS (413 beyond: add a filter)."""
        _only(request, FIGURE_PARAMS | {"format"})
        if format not in ("csv", "xlsx"):
            raise RequestError(400, f"format 应为 csv 或 xlsx，收到 {format[:20]!r}")
        f = state.figure_filter(department, year, item, code, region, kind, origin)
        rows = [figure_row(x) for x in state.figures_all(f, export.MAX_EXPORT_ROWS)]
        if format == "csv":
            data, mime = export.table_csv(COLUMNS, rows), "text/csv; charset=utf-8"
        else:
            data, mime = export.table_xlsx(COLUMNS, rows, "数据"), XLSX
        return _download(data, mime, export.figures_filename(f, format), f"figures.{format}")

    @api.get("/figures/series", summary="One item across departments or years (for a chart)", tags=["figures"])
    def figures_series(request: Request, item: str = Query("", description="the item (required): 公务接待费, 三公经费"),
                       department: str = _filter("department"), year: str = _filter("year"),
                       code: str = _filter("code"), region: str = _filter("region"),
                       kind: str = _filter("kind"), origin: str = _filter("origin")) -> Response:
        """The item's first figure per department (bar) or, when the figures are of one
        department, per year (line), in 万元, each with its document and lines: `type`,
        `unit`, `rows[label, figure, value, source, line_start, line_end]`."""
        _only(request, FIGURE_PARAMS)
        f = state.figure_filter(department, year, item, code, region, kind, origin)
        return _json(state.figure_series(f))

    @api.get("/audit", summary="Consistency findings", tags=["figures"])
    def audit(request: Request, doc: list[str] = Query([], description="a document (repeat for several); "
                                                                       "leave out for the whole index")) -> Response:
        """What `python -m assistant audit [DOC…] --json` prints: figures that do not add
        up, each with its check (and `label`), the lines involved, what was expected and
        what was found, and the verbatim lines (`quotes`)."""
        _only(request, {"doc"})
        return _json(findings_json(state.audit(doc)))

    # ------------------------------------------------------------------ documents

    @api.get("/documents", summary="List the indexed documents", tags=["documents"])
    def documents() -> dict[str, Any]:
        """Each document as `index info --json` lists it (source, department, region, year,
        kind, title, format) with its number of chunks."""
        docs = state.documents()
        return {"count": len(docs), "documents": docs, "read_only": state.gate.read_only}

    @api.get("/documents/{doc_id:path}", summary="One document with its text", tags=["documents"])
    def document(doc_id: str, text: bool = Query(True, description="include the full text")) -> dict[str, Any]:
        """The document's metadata, line and page counts and (text=true) its full text;
        citations' line numbers count lines of this text, pages are separated by \\f."""
        return state.document(doc_id, text)

    @api.post("/documents", summary="Upload documents (administrator)", tags=["documents"])
    def upload(files: list[UploadFile] = File(description=f"one or more files, at most {MAX_FILES}"),
               _: str = Depends(admin)) -> dict[str, Any]:
        """Add new documents; each file gets its own outcome (ok and message), and a bad
        file never affects the others or the index. The index reflects the change when
        this returns."""
        with _saved(files) as saved:
            return _change(state.library.add(saved))

    @api.put("/documents/{doc_id:path}", summary="Replace a document (administrator)", tags=["documents"])
    def replace(doc_id: str, file: UploadFile = File(description="the new version, same format"),
                _: str = Depends(admin)) -> dict[str, Any]:
        with _saved([file]) as saved:
            return _change(state.library.replace(doc_id, saved[0]))

    @api.delete("/documents/{doc_id:path}", summary="Delete a document (administrator)", tags=["documents"])
    def delete(doc_id: str, _: str = Depends(admin)) -> dict[str, Any]:
        """Removes the file from the documents folder and the index: it no longer appears
        in answers or search."""
        return _change(state.library.delete(doc_id))

    @api.post("/index/rebuild", summary="Update the index from the documents folder (administrator)",
              tags=["documents"])
    def rebuild(_: str = Depends(admin)) -> dict[str, Any]:
        """Reads new and changed files, drops removed ones (incremental)."""
        return _change(state.library.rebuild())

    # ------------------------------------------------------------------ login

    @api.post("/login", summary="Log in", tags=["login"])
    def login(body: LoginBody, request: Request) -> Response:
        """Sets the session cookie; the returned token also works as
        `Authorization: Bearer <token>` for programs."""
        who = state.gate.login(body.password[:200])
        if who is None:
            return _error(401, "密码不正确")
        token = state.gate.sessions.issue(who)
        response = JSONResponse({"role": who, "token": token})
        set_session(response, token, state)
        return response

    @api.post("/logout", summary="Log out", tags=["login"])
    def logout() -> Response:
        response = JSONResponse({"role": None})
        response.delete_cookie(COOKIE, path="/")
        return response

    @api.get("/me", summary="Who am I", tags=["login"])
    def me(request: Request) -> dict[str, Any]:
        return {"role": role(request), "read_only": state.gate.read_only,
                "login_required": state.gate.login_required}

    @api.get("/health", summary="Liveness for a proxy", tags=["login"])
    def health() -> dict[str, Any]:
        return {"ok": True, "documents": len(state.index.doc_list), "generation": state.live.generation}

    return api


def _only(request: Request, known: set[str]) -> None:
    """A 400 naming the first parameter the endpoint does not take (a typo such as
    `departmnet=` would otherwise widen the result silently)."""
    extra = sorted(set(request.query_params) - known)
    if extra:
        raise RequestError(400, f"未知参数 {extra[0][:40]!r}：可用参数为 {', '.join(sorted(known))}（见 /docs）")


def _download(data: bytes, mime: str, name: str, ascii_name: str) -> Response:
    """A file download: an ASCII filename for old clients, the Chinese one (RFC 5987) for others."""
    from urllib.parse import quote

    return Response(data, media_type=mime, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"})


def set_session(response: Response, token: str, state: AppState) -> None:
    response.set_cookie(COOKIE, token, max_age=int(state.cfg.session_hours * 3600), httponly=True,
                        samesite="lax", secure=state.cfg.secure_cookies, path="/")


def _change(change: Change) -> dict[str, Any]:
    return {"message": change.message, "documents": change.documents, "chunks": change.chunks,
            "files": [{"name": f.name, "ok": f.ok, "message": f.message, "source": f.doc_id} for f in change.files]}


class _saved:
    """Uploaded files written to a private temporary folder under their own names."""

    def __init__(self, files: list[UploadFile]):
        self.files = files
        self.folder = Path(tempfile.mkdtemp(prefix="budget-qa-upload-"))

    def __enter__(self) -> list[tuple[str, Path]]:
        out = []
        for n, f in enumerate(self.files):
            name = f.filename or ""
            path = self.folder / f"{n}.upload"
            with open(path, "wb") as dst:
                shutil.copyfileobj(f.file, dst, 1 << 20)
            out.append((name, path))
        return out

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def install_errors(app, log) -> None:
    """One-line JSON errors, and one short log line each (never the request's content)."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from assistant.apps.limits import one_line

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, e: RequestError):
        return _error(e.status, e.message)

    @app.exception_handler(LibraryError)
    async def _library_error(request: Request, e: LibraryError):
        return _error(400, str(e))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "request"
        message = one_line(f"{where}: {first.get('msg', 'invalid')}", 160)
        log.info("invalid request %s %s: %s", request.method, one_line(request.url.path, 80), message)
        return _error(422, f"请求格式不对（{message}）；见 /docs")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, e: HTTPException):
        return _error(e.status_code, one_line(e.detail, 200))

    @app.exception_handler(Exception)
    async def _crash(request: Request, e: Exception):
        log.error("error in %s %s: %s: %s", request.method, one_line(request.url.path, 80), type(e).__name__,
                  one_line(e, 200))
        return _error(500, "服务器内部错误：已记录，请稍后再试")
