"""The web UI's HTML (answers, search, documents) and app.py, over a real index of corpus/
built by app.py's first-start path with the hashing fake embedder.

Expected values come from the document itself (its text, the answer's own citation),
never from hard-coded figures. The browser itself is driven in test_browser.py.
"""
from __future__ import annotations

import html
import importlib.util
import re
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.answering.answer import answer
from assistant.answering.search import Filters, find
from assistant.apps import answer_html, search_html
from assistant.records import Answer, Citation
from webapp import CODE, QUESTION

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEMO = CORPUS / "2020_weixian_govoffice_budget.txt"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _load_app():
    spec = importlib.util.spec_from_file_location("budget_qa_app", REPO / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def app():
    return _load_app()


@pytest.fixture(scope="module")
def index(tmp_path_factory, app):
    """No index yet, so app.load_index builds one from corpus/."""
    path = tmp_path_factory.mktemp("ui-index") / "index"
    cfg, embedder = app.settings(app.parse_args(["--index", str(path), "--corpus", str(CORPUS), "--embedder", "hash"]))
    return app.load_index(cfg, embedder)


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DEMO.read_text(encoding="utf-8")


# ---------------------------------------------------------------- answers

def test_found_answer_marks_the_figure_inside_the_quote(index, doc_text):
    a = answer(index, QUESTION)
    assert a.found and a.figure and a.citations
    assert _flat(a.figure) in _flat(doc_text)
    out = answer_html.render_answer(a, index.docs)
    marked = re.findall(r"<mark>(.*?)</mark>", out, flags=re.S)
    assert marked and all(_flat(m.replace("<br>", "")) == _flat(html.escape(a.figure)) for m in marked)
    quote = re.search(r'<blockquote class="qa-quote">(.*?)</blockquote>', out, flags=re.S).group(1)
    assert _flat(re.sub(r"<br>|</?mark>", "", quote)) == _flat(html.escape(a.citations[0].quote))


def test_answer_shows_what_it_used_and_links_each_citation(index):
    a = answer(index, QUESTION)
    c = a.citations[0]
    meta = index.docs[c.source].meta
    out = answer_html.render_answer(a, index.docs)
    basis = re.search(r'<div class="qa-basis">(.*?)</div>', out).group(1)
    assert html.escape(meta.department) in basis and f"{meta.year}年" in basis and meta.kind in basis
    href = html.unescape(re.search(r'<a class="qa-cite" href="([^"]+)"', out).group(1))
    url = urlsplit(href)
    q = parse_qs(url.query)
    assert url.path == "view" and url.fragment == f"L{c.line_start}"
    assert q["doc"] == [c.source] and q["from"] == [str(c.line_start)] and q["to"] == [str(c.line_end)]
    assert q["quote"] == [c.quote] and q["mark"] == [a.figure]
    lines = DEMO.read_text(encoding="utf-8").split("\n")
    assert _flat(c.quote)[:10] in _flat("".join(lines[c.line_start - 1:c.line_end]))


def test_copy_text_is_plain(index):
    a = answer(index, QUESTION)
    text = answer_html.answer_text(a)
    c = a.citations[0]
    assert "<" not in text and text.startswith(_first_line(a.answer))
    assert c.source in text and f"第 {c.line_start}" in text and _flat(c.quote) in _flat(text)
    out = answer_html.render_answer(a, index.docs)
    held = re.search(r'<span class="qa-copy-text">(.*?)</span>', out, flags=re.S).group(1)
    assert html.unescape(held) == text


def _first_line(s: str) -> str:
    return re.sub(r"\s*\n\s*", " ", s).strip()


def test_answer_html_is_one_block_and_escaped():
    """A blank line would end the HTML block in the chat's markdown and expose document text."""
    c = Citation(source="<b>x</b>.txt", title="<i>t</i>", section="<script>s</script>", line_start=4,
                 line_end=4, quote="<script>alert(1)</script>费用 7 万元 & 更多\n\n\tnext", page=None)
    out = answer_html.render_answer(Answer(question="q", found=True, answer="7万元。<img src=x>", citations=[c],
                                           figure="7万元"))
    assert "\n\n" not in out
    assert "<script>" not in out and "<img" not in out and "<b>x" not in out and "<i>t" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "<mark>7 万元</mark>" in out and "&amp; 更多" in out


def test_renderer_takes_added_fields_and_parts():
    c = {"source": "a.txt", "title": "t", "section": "s", "line_start": 1, "line_end": 1, "quote": "接待费5万元",
         "page": None, "future_field": 1}
    part = {"question": "q", "found": True, "answer": "5万元。", "figure": "5万元", "citations": [c],
            "department": "某局", "year": 2024}
    out = answer_html.render_answer({"question": "q", "found": True, "answer": "", "parts": [part, part]})
    assert out.count('class="qa-figure"') == 2 and "某局｜2024年" in out


def test_figure_is_not_marked_inside_a_longer_number():
    text = "合计150万元，其中接待费50万元"
    start = text.rindex("50万元")
    assert answer_html.figure_spans(text, "50万元") == [(start, start + 4)]
    assert answer_html.figure_spans("no figure here", None) == []


def test_not_found_shows_nearest_passages_as_not_an_answer(index, doc_text):
    assert "北京市财政局" not in doc_text
    out = answer_html.render_answer(answer(index, "北京市财政局2020年公务接待费预算是多少？"))
    assert "未找到" in out and "<mark>" not in out
    near = [r.citation for r in find(index, "公务接待费", per_page=2).results]
    out = answer_html.render_answer(Answer(question="q", found=False, answer="未找到：文件中没有足够相关的段落。",
                                           citations=near))
    assert "不是答案" in out and out.count('class="qa-near"') == len(near) and "<mark>" not in out


# ---------------------------------------------------------------- search and documents

def test_search_table_has_a_header_and_links_to_the_hit_line(index, doc_text):
    page = find(index, CODE.lower())
    out = search_html.results_html(page)
    assert "<thead>" in out and all(f"<th>{h}</th>" in out for h in search_html.HEADERS)
    r = page.results[0]
    assert f"<mark>{CODE}</mark>" in out and search_html.VIA_LABELS["code"] in out
    href = html.unescape(re.search(r'<a href="([^"]+)"', out).group(1))
    assert href.endswith(f"#L{r.line}") and CODE in doc_text.split("\n")[r.line - 1]


def test_status_line_is_one_and_consistent(index):
    page = find(index, "公务接待费", per_page=3)
    status = search_html.status_html(page)
    assert status.count("sr-status") == 1 and f"<b>{page.total}</b>" in status and "第 1–3 条" in status
    # The one 政府办 of this index is what the filter names; what was typed is shown escaped.
    typed = search_html.status_html(find(index, "公务接待费", Filters(department="<img src=x>政府办")))
    assert typed.count("sr-status") == 1 and "<img" not in typed and "&lt;img src=x&gt;" in typed
    refused = search_html.status_html(find(index, "公务接待费", Filters(department="<img src=x>审计局")))
    assert refused.count("sr-status") == 1 and "未检索" in refused and "<img" not in refused
    none = search_html.status_html(find(index, "不存在的词组"))
    assert "没有段落逐字包含" in none and "共" not in none


def test_export_links_carry_the_filters(index):
    page = find(index, "公务接待费", Filters(year=2020))
    link = html.unescape(re.search(r'href="([^"]+format=csv[^"]*)"', search_html.export_links(page)).group(1))
    q = parse_qs(urlsplit(link).query)
    assert q["q"] == ["公务接待费"] and q["year"] == ["2020"]


def test_documents_list_and_summary_hide_server_paths_from_visitors(index, doc_text):
    out = search_html.documents_html(index)
    assert "view?doc=" + DEMO.name in out and out.count("<tr>") == len(index.doc_list) + 1
    assert search_html.documents_html(index, "没有这样的文件").count("<tr>") == 0
    visitor = search_html.documents_summary(index)
    assert str(index.path) not in visitor and f"<b>{len(index.chunks)}</b>" in visitor
    assert str(index.path) in search_html.documents_summary(index, admin=True)


# ---------------------------------------------------------------- the app

def test_app_serves_the_ui_api_and_pages(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.apps import ui
    from assistant.apps.server import create_app
    from webapp import make_state

    state, _ = make_state(tmp_path)
    with TestClient(create_app(state)) as c:
        root = c.get("/")
        assert root.status_code == 200 and ui.TITLE in root.text
        info = c.get("/gradio_api/info").json()
        assert {"/ask", "/search", "/documents", "/figures", "/audit"} <= set(info["named_endpoints"])
        config = c.get("/config").json()
        tabs = {x["props"].get("label") for x in config["components"] if x["type"] == "tabitem"}
        assert {"问答", "检索", "数据", "审计", "文件"} <= tabs
        params = {p["parameter_name"]: p["python_type"]["type"] for p in info["named_endpoints"]["/search"]["parameters"]}
        assert params["query"] == "str" and params["year"] == "int" and params["per_page"] == "int"
        r = c.post("/gradio_api/upload", files={"files": ("a.txt", b"x", "text/plain")})
        assert r.status_code == 403  # Gradio's upload route: administrators only


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_exits_2_on_missing_or_empty_corpus(app, tmp_path, capsys):
    port = str(_free_port())
    missing = tmp_path / "nowhere"
    assert app.main(["--index", str(tmp_path / "i1"), "--corpus", str(missing), "--port", port]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert app.main(["--index", str(tmp_path / "i2"), "--corpus", str(empty), "--port", port]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("error: ") for line in err)
    assert str(missing) in err[0] and "empty" in err[1]


def test_app_exits_2_when_the_port_is_taken(app, tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        assert app.main(["--index", str(tmp_path / "i"), "--corpus", str(CORPUS), "--port", port]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and port in err[0]


def test_app_exits_2_on_a_bad_config_file(app, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = \"many\"\n", encoding="utf-8")
    assert app.main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "port" in err[0]
