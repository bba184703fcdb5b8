"""The JSON API and the pages beside it, through HTTP (Starlette's test client) over a real
index of the demo disclosure and a document full of markup: same JSON as the command
line, complete search, roles, uploads, limits, one-line errors, the document view.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from webapp import (ADMIN_PASSWORD, CODE, QUESTION, UPLOAD_NAME, UPLOAD_TEXT, USER_PASSWORD, XSS_NAME,
                    XSS_STRINGS, make_state)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from assistant.apps.server import create_app

    state, cfg = make_state(tmp_path_factory.mktemp("api"))
    return TestClient(create_app(state, mount_ui=False)), state, cfg


@pytest.fixture()
def client(setup):
    c = setup[0]
    c.cookies.clear()
    return c


def _admin(client) -> None:
    r = client.post("/api/login", json={"password": ADMIN_PASSWORD})
    assert r.status_code == 200 and r.json()["role"] == "admin"


# ---------------------------------------------------------------- same JSON as the command line

def test_ask_returns_the_command_line_json(client, setup, capsys):
    from assistant.apps import cli

    state, cfg = setup[1], setup[2]
    assert cli.main(["ask", QUESTION, "--index", str(cfg.index), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert client.post("/api/ask", json={"question": QUESTION}).json() == expected
    assert client.get("/api/ask", params={"q": QUESTION}).json() == expected
    assert expected["found"] and expected["figure"]


def test_search_results_are_the_command_line_rows(client, setup, capsys):
    from assistant.apps import cli

    cfg = setup[2]
    assert cli.main(["search", CODE.lower(), "--index", str(cfg.index), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    body = client.get("/api/search", params={"q": CODE.lower()}).json()
    assert body["results"] == lines and body["total"] == len(lines) == 1
    assert body["codes"] == [CODE] and body["related"] == []


def test_search_total_is_true_and_pages_cover_it(client, setup):
    index = setup[1].index
    word = "公务接待费"
    expected = sum(word in re.sub(r"\s+", "", c.text) for c in index.chunks)
    first = client.get("/api/search", params={"q": word, "per_page": 2}).json()
    assert first["total"] == expected > 2 and first["pages"] == -(-expected // 2)
    seen = []
    for n in range(1, first["pages"] + 1):
        seen += client.get("/api/search", params={"q": word, "per_page": 2, "page": n}).json()["results"]
    assert len(seen) == expected
    assert len({(r["citation"]["source"], r["citation"]["line_start"]) for r in seen}) == expected


def test_search_filters_and_reasons(client):
    # "政府" names no department (a word every government body shares): a reason and the
    # departments it may mean, no results.
    body = client.get("/api/search", params={"q": "公务接待费", "department": "政府"}).json()
    assert body["total"] == 0 and body["reason"] and "政府" in body["reason"]
    assert "魏县政府办" in body["suggestions"]
    # The one 政府办 of this index is the one the filter names.
    body = client.get("/api/search", params={"q": "公务接待费", "department": "政府办"}).json()
    assert body["total"] >= 1 and {r["department"] for r in body["results"]} == {"魏县政府办"}
    body = client.get("/api/search", params={"q": "公务接待费", "year": 2021}).json()
    assert body["total"] >= 1 and {r["year"] for r in body["results"]} == {2021}
    assert client.get("/api/search", params={"q": "公务接待费", "kind": "部门决算"}).json()["total"] == 0


def test_export_csv_and_xlsx_hold_every_hit_with_a_header(client, setup):
    from openpyxl import load_workbook

    from assistant.apps.export import COLUMNS

    index = setup[1].index
    total = client.get("/api/search", params={"q": "公务接待费"}).json()["total"]
    r = client.get("/api/search/export", params={"q": "公务接待费", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS and len(rows) - 1 == total
    for row in rows[1:]:  # whole passages, verbatim
        doc = index.docs[row[COLUMNS.index("文件")]]
        assert row[-1] in doc.text.replace("\f", "") and "公务接待费" in re.sub(r"\s+", "", row[-1])
    x = client.get("/api/search/export", params={"q": "公务接待费", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = list(sheet.values)
    assert list(values[0]) == COLUMNS and len(values) - 1 == total


# ---------------------------------------------------------------- documents

def test_documents_list_and_one_document(client, setup):
    docs = client.get("/api/documents").json()
    sources = {d["source"] for d in docs["documents"]}
    assert docs["count"] == len(setup[1].index.doc_list) and XSS_NAME in sources
    one = client.get(f"/api/documents/{XSS_NAME}").json()
    assert one["text"] == setup[1].index.docs[XSS_NAME].text and one["lines"] == one["text"].count("\n") + 1
    missing = client.get("/api/documents/nope.txt")
    assert missing.status_code == 404 and list(missing.json()) == ["error"]


def test_visitor_cannot_change_anything(client):
    files = {"files": (UPLOAD_NAME, UPLOAD_TEXT.encode(), "text/plain")}
    for r in (client.post("/api/documents", files=files), client.delete(f"/api/documents/{XSS_NAME}"),
              client.put(f"/api/documents/{XSS_NAME}", files={"file": files["files"]}),
              client.post("/api/index/rebuild")):
        assert r.status_code == 403 and "管理员" in r.json()["error"]
    assert client.post("/api/login", json={"password": "wrong"}).status_code == 401
    assert client.get(f"/api/documents/{XSS_NAME}").status_code == 200


def test_upload_answer_replace_delete(client, setup):
    state = setup[1]
    _admin(client)
    files = [("files", (UPLOAD_NAME, UPLOAD_TEXT.encode(), "text/plain")),
             ("files", ("empty.txt", b"", "text/plain")),
             ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
             ("files", ("../escape.txt", b"x", "text/plain")),
             ("files", ("broken.pdf", b"%PDF-1.4 not really", "application/pdf"))]
    r = client.post("/api/documents", files=files)
    assert r.status_code == 200
    outcome = {f["name"]: f for f in r.json()["files"]}
    assert outcome[UPLOAD_NAME]["ok"] and outcome[UPLOAD_NAME]["source"] == UPLOAD_NAME
    for bad in ("empty.txt", "tool.exe", "../escape.txt", "broken.pdf"):
        assert not outcome[bad]["ok"] and outcome[bad]["message"]
        assert str(state.cfg.corpus) not in outcome[bad]["message"]  # no server path
    assert not (state.cfg.corpus.parent / "escape.txt").exists()
    # the index reflects it at once: asked, searched, listed
    a = client.post("/api/ask", json={"question": "红山县审计局2022年公务接待费预算是多少？"}).json()
    assert a["found"] and a["figure"] and a["figure"].replace(" ", "") in UPLOAD_TEXT
    assert a["citations"][0]["source"] == UPLOAD_NAME
    hit = client.get("/api/search", params={"q": "hs-2022-aud-0042"}).json()
    assert hit["total"] == 1 and hit["results"][0]["citation"]["source"] == UPLOAD_NAME
    # the same name again is refused, replace works
    again = client.post("/api/documents", files={"files": (UPLOAD_NAME, UPLOAD_TEXT.encode(), "text/plain")})
    assert not again.json()["files"][0]["ok"] and "替换" in again.json()["files"][0]["message"]
    newer = UPLOAD_TEXT.replace("7.25万元", "9.75万元")
    r = client.put(f"/api/documents/{UPLOAD_NAME}", files={"file": (UPLOAD_NAME, newer.encode(), "text/plain")})
    assert r.status_code == 200 and r.json()["files"][0]["ok"]
    a = client.post("/api/ask", json={"question": "红山县审计局2022年公务接待费预算是多少？"}).json()
    assert a["found"] and "9.75" in a["answer"] and "7.25" not in a["answer"]
    # delete: no trace in answers, search or the list
    r = client.delete(f"/api/documents/{UPLOAD_NAME}")
    assert r.status_code == 200 and r.json()["files"][0]["ok"]
    assert not (state.cfg.corpus / UPLOAD_NAME).exists()
    a = client.post("/api/ask", json={"question": "红山县审计局2022年公务接待费预算是多少？"}).json()
    assert not a["found"] and all(c["source"] != UPLOAD_NAME for c in a["citations"])
    assert client.get("/api/search", params={"q": "hs-2022-aud-0042"}).json()["total"] == 0
    assert client.get("/api/search", params={"q": "红山县审计局"}).json()["total"] == 0
    assert UPLOAD_NAME not in {d["source"] for d in client.get("/api/documents").json()["documents"]}


def test_deleting_the_last_document_keeps_the_index(tmp_path):
    from assistant.apps.library import LibraryError

    state, cfg = make_state(tmp_path)
    for doc in list(state.index.docs)[1:]:
        state.library.delete(doc)
    last = next(iter(state.index.docs))
    with pytest.raises(LibraryError, match="索引未更新"):
        state.library.delete(last)
    assert (cfg.corpus / last).is_file() and last in state.index.docs


def test_read_only_without_admin_password(tmp_path):
    from assistant.apps.server import create_app

    state, _ = make_state(tmp_path, admin=False)
    c = TestClient(create_app(state, mount_ui=False))
    assert c.get("/api/me").json() == {"role": "visitor", "read_only": True, "login_required": False}
    r = c.post("/api/index/rebuild")
    assert r.status_code == 403 and "只读" in r.json()["error"]


def test_login_for_all_users(tmp_path):
    from assistant.apps.server import create_app

    state, _ = make_state(tmp_path, users=True)
    c = TestClient(create_app(state, mount_ui=False))
    assert c.get("/api/search", params={"q": CODE}).status_code == 401
    page = c.get("/view", params={"doc": XSS_NAME}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("login?next=")
    assert c.get("/login").status_code == 200
    token = c.post("/api/login", json={"password": USER_PASSWORD}).json()["token"]
    c.cookies.clear()
    ok = c.get("/api/search", params={"q": CODE}, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["total"] == 1
    # a colleague is no administrator
    r = c.post("/api/index/rebuild", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    # the form login sets the cookie and returns to the page asked for
    r = c.post("/login", data={"password": USER_PASSWORD, "next": "/view?doc=x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "./view?doc=x" and c.cookies.get("budget_qa_session")
    assert c.get("/api/me").json()["role"] == "user"


# ---------------------------------------------------------------- limits and errors

def test_limits_are_enforced_with_one_line_errors(client, caplog):
    caplog.set_level(logging.INFO)
    long_q = "公务接待费" * 20_000  # 100,000 characters
    r = client.post("/api/ask", json={"question": long_q[:600]})
    assert r.status_code == 413 and "500" in r.json()["error"]
    r = client.post("/api/ask", content=json.dumps({"question": long_q}), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "KB" in r.json()["error"]
    assert client.get("/api/search", params={"q": long_q[:501]}).status_code == 413
    r = client.get("/api/search", params={"q": CODE, "per_page": 1000})
    assert r.status_code == 422 and len(r.json()["error"]) < 200
    r = client.post("/api/ask", content=b"{not json" + b"x" * 30_000, headers={"content-type": "application/json"})
    assert r.status_code == 422 and len(r.text) < 300
    assert client.post("/api/ask", json={"question": "   "}).status_code == 400
    server = [rec.getMessage() for rec in caplog.records if rec.name.startswith(("budget_qa", "uvicorn"))]
    assert server and all(len(m) <= 300 and "\n" not in m for m in server)


def test_docs_page_describes_the_api_offline(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/search", "/api/documents", "/api/documents/{doc_id}"} <= set(spec["paths"])
    page = client.get("/docs").text
    assert "/api/search/export" in page and "<script" not in page and "cdn" not in page.lower()


# ---------------------------------------------------------------- document view

def test_document_view_escapes_and_highlights(client, setup):
    doc = setup[1].index.docs[XSS_NAME]
    lines = doc.text.split("\n")
    n = next(i for i, ln in enumerate(lines, 1) if "12.5万元" in ln)
    r = client.get("/view", params={"doc": XSS_NAME, "from": n, "to": n, "quote": lines[n - 1][:20],
                                    "mark": "12.5万元"})
    page = r.text
    assert r.status_code == 200 and "script-src" not in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    for s in XSS_STRINGS[:2]:  # markup is shown escaped; the others are text in any HTML
        assert s not in page
    assert not re.search(r"href=\"javascript", page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page and "<img" not in page
    row = re.search(rf'<div class="ln hl" id="L{n}">.*?</div>', page).group()
    assert '<mark class="f">12.5万元</mark>' in row and '<mark class="q">' in row
    assert len(re.findall(r'class="ln"|class="ln hl"', page)) == len(lines)
    found = client.get("/view", params={"doc": XSS_NAME, "find": "公务"}).text
    assert "共 2 处" in found and found.count('<mark class="s">') == 2
    jump = client.get("/view", params={"doc": XSS_NAME, "goto": 9999}, follow_redirects=False)
    assert jump.status_code == 303 and jump.headers["location"].endswith(f"#L{len(lines)}")
    assert client.get("/view", params={"doc": "<b>nope</b>"}).status_code == 404


def _format_files(tmp) -> dict[str, bytes]:
    """One small disclosure per supported format, each with its own project code."""
    from docx import Document as Docx
    from openpyxl import Workbook

    from test_ingest_formats import cjk, make_pdf, text_at

    def line(fmt: str) -> str:
        return f"项目编码 FMT-{fmt.upper()}-0001 预算数 12.5万元。"

    out = {
        "fmt_txt.txt": ("青山县统计局2023年部门预算\n" + line("txt") + "\n").encode("gb18030"),
        "fmt_html.html": f"<html><body><h1>青山县统计局2023年部门预算</h1><p>{line('html')}</p></body></html>".encode(),
        "fmt_htm.htm": f"<html><body><h1>青山县统计局2023年部门预算</h1><p>{line('htm')}</p></body></html>".encode(),
        "fmt_pdf.pdf": make_pdf([text_at(72, 760, [("F1", cjk("青山县统计局2023年部门预算"))])
                                 + text_at(72, 740, [("F2", "(FMT-PDF-0001)")])]),
    }
    doc = Docx()
    doc.add_heading("青山县统计局2023年部门预算")
    doc.add_paragraph(line("docx"))
    path = tmp / "d.docx"
    doc.save(path)
    out["fmt_docx.docx"] = path.read_bytes()
    wb = Workbook()
    wb.active.append(["青山县统计局2023年部门预算"])
    wb.active.append(["项目编码", "FMT-XLSX-0001", "预算数", 12.5])
    path = tmp / "x.xlsx"
    wb.save(path)
    out["fmt_xlsx.xlsx"] = path.read_bytes()
    return out


def test_upload_every_supported_format_at_once(tmp_path):
    from assistant.apps.server import create_app
    from assistant.ingest import READERS
    from conftest import SHARED_ORIG

    state, _ = make_state(tmp_path / "s")
    c = TestClient(create_app(state, mount_ui=False))
    _admin(c)
    files = _format_files(tmp_path)
    xls = sorted(SHARED_ORIG.glob("*.xls")) if SHARED_ORIG.is_dir() else []
    if xls:  # no writer for the old binary format here: a real one from ../shared
        files["fmt_real.xls"] = xls[0].read_bytes()
    r = c.post("/api/documents", files=[("files", (name, data, "application/octet-stream"))
                                        for name, data in files.items()])
    outcome = {f["name"]: f for f in r.json()["files"]}
    assert all(f["ok"] for f in outcome.values()), outcome
    assert {n.rsplit(".", 1)[1] for n in outcome} >= {e.lstrip(".") for e in READERS} - ({"xls"} if not xls else set())
    for name in files:
        fmt = name.split("_")[1].split(".")[0]
        if fmt == "real":
            continue
        hits = c.get("/api/search", params={"q": f"fmt-{fmt}-0001"}).json()
        assert hits["total"] == 1 and hits["results"][0]["citation"]["source"] == name, name


def test_behind_a_proxy_sub_path(tmp_path):
    from assistant.apps.limits import app_path
    from assistant.apps.server import create_app

    assert app_path({"path": "/budget/login", "root_path": "/budget"}) == "/login"
    assert app_path({"path": "/login", "root_path": "/budget"}) == "/login"
    state, _ = make_state(tmp_path, users=True)
    c = TestClient(create_app(state, mount_ui=False), root_path="/budget")
    assert c.get("/login").status_code == 200  # the login page itself needs no login
    assert c.get("/api/health").status_code == 200
    assert c.get("/api/documents").status_code == 401


def test_access_log_lines_are_cut_and_still_formatted():
    # uvicorn's access formatter unpacks five arguments; the filter that cuts long request
    # lines must keep them (clearing them printed a "Logging error" traceback per request).
    from uvicorn.logging import AccessFormatter

    from assistant.apps.limits import MAX_LOG_CHARS, ShortLines

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/search?q=" + "x" * 20000, "1.1", 200), None)
    assert ShortLines().filter(record)
    line = AccessFormatter(fmt="%(client_addr)s - \"%(request_line)s\" %(status_code)s", use_colors=False).format(record)
    assert line.startswith('127.0.0.1:5000 - "GET /api/search?q=xxx') and line.endswith("200 OK")
    assert len(line) < MAX_LOG_CHARS and "\n" not in line
