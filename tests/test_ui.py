"""The web UI over a real index of corpus/ (the founding example), built by app.py's
first-start path with the hashing fake embedder: render functions, Blocks, a live server.

Expected values come from the document itself (its text, the answer's own citation),
never from hard-coded figures.
"""
from __future__ import annotations

import html
import importlib.util
import os
import re
import socket
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network calls from tests

from assistant.apps import ui  # noqa: E402
from assistant.answering.answer import answer  # noqa: E402
from assistant.records import Answer, Citation  # noqa: E402
from assistant.answering.search import search  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEMO = CORPUS / "2020_weixian_govoffice_budget.txt"
QUESTION = "魏县政府办2020年公务接待费预算是多少？"
CODE = "434-1601-JXN-0UT4"


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
def built(tmp_path_factory, app):
    """(index path, Index): no index yet, so app.load_index builds one from corpus/."""
    path = tmp_path_factory.mktemp("ui-index") / "index"
    args = app.parse_args(["--index", str(path), "--corpus", str(CORPUS), "--embedder", "hash"])
    return path, app.load_index(args)


@pytest.fixture(scope="module")
def index(built):
    return built[1]


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DEMO.read_text(encoding="utf-8")


# ---------------------------------------------------------------- answers

def test_found_answer_marks_the_figure_inside_the_quote(index, doc_text):
    a = answer(index, QUESTION)
    assert a.found and a.figure and a.citations
    assert _flat(a.figure) in _flat(doc_text)
    out = ui.render_answer(a)
    marked = re.findall(r"<mark>(.*?)</mark>", out, flags=re.S)
    assert marked and all(_flat(m.replace("<br>", "")) == _flat(html.escape(a.figure)) for m in marked)
    # The whole first quote is shown (escaped, whitespace aside) around the mark.
    quote = re.search(r'<blockquote class="qa-quote">(.*?)</blockquote>', out, flags=re.S).group(1)
    shown = re.sub(r"<br>|</?mark>", "", quote)
    assert _flat(shown) == _flat(html.escape(a.citations[0].quote))


def test_found_answer_has_collapsible_source(index):
    a = answer(index, QUESTION)
    c = a.citations[0]
    out = ui.render_answer(a)
    details = re.search(r"<details.*?</details>", out, flags=re.S).group()
    assert "<summary>" in details
    assert html.escape(c.source) in details
    assert html.escape(c.section) in details
    assert f"第 {c.line_start}" in details
    if c.page:
        assert f"第 {c.page} 页" in details
    # The quoted line really is that line of the document.
    lines = DEMO.read_text(encoding="utf-8").split("\n")
    assert _flat(c.quote)[:10] in _flat("".join(lines[c.line_start - 1:c.line_end]))


def test_answer_text_is_one_html_block():
    """A blank line would end the HTML block in the chat's markdown and expose document text."""
    c = Citation(source="a.txt", title="t", section="s", line_start=1, line_end=3,
                 quote="公务接待费\n\n\t116.5 万元。", page=2)
    out = ui.render_answer(Answer(question="q", found=True, answer="116.5万元。", citations=[c],
                                  figure="116.5万元"))
    assert "\n\n" not in out
    assert "<mark>116.5 万元</mark>" in out


def test_document_text_is_escaped():
    c = Citation(source="<b>x</b>.txt", title="<i>t</i>", section="<script>s</script>", line_start=4,
                 line_end=4, quote="<script>alert(1)</script>费用 7 万元 & 更多", page=None)
    out = ui.render_answer(Answer(question="q", found=True, answer="7万元。<img src=x>", citations=[c],
                                  figure="7万元"))
    assert "<script>" not in out and "<img" not in out and "<b>x" not in out and "<i>t" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<mark>7 万元</mark>" in out and "&amp; 更多" in out


def test_figure_is_not_marked_inside_a_longer_number():
    text = "合计150万元，其中接待费50万元"
    start = text.rindex("50万元")
    assert ui.figure_spans(text, "50万元") == [(start, start + 4)]
    assert ui.figure_spans("no figure here", None) == []


def test_not_found_for_a_department_not_in_the_corpus(index, doc_text):
    assert "北京市财政局" not in doc_text
    a = answer(index, "北京市财政局2020年公务接待费预算是多少？")
    assert not a.found
    out = ui.render_answer(a)
    assert "未找到" in out and "<mark>" not in out


def test_nearest_passages_are_labelled_not_an_answer(index):
    near = [r.citation for r in search(index, "公务接待费")[:2]]
    assert near
    out = ui.render_answer(Answer(question="q", found=False, answer="未找到：文件中没有足够相关的段落。",
                                  citations=near))
    assert "未找到" in out and "不是答案" in out
    assert out.count('class="qa-near"') == len(near) and "<mark>" not in out


# ---------------------------------------------------------------- search and documents

def test_code_hits_come_first(index, doc_text):
    assert CODE in doc_text
    results = search(index, CODE)
    rows = ui.search_rows(results)
    assert rows and rows[0][1] == ui.VIA_LABELS["code"]
    vias = [r.via for r in results]
    assert vias == sorted(vias, key=lambda v: v != "code")  # no code hit after another kind
    assert f"【{CODE}】" in rows[0][-1]
    assert rows[0][4] == DEMO.name
    assert all(len(row) == len(ui.SEARCH_HEADERS) for row in rows)
    assert "精确命中" in ui.search_status(CODE, results)


def test_search_status_without_results_gives_the_reason():
    assert "没有" in ui.search_status("公务接待费", [], reason="语料中没有“北京市财政局”的文件")


def test_department_note_warns_only_for_unknown_names(index):
    assert ui.department_note(index, "") == ""
    assert ui.department_note(index, index.doc_list[0].meta.department) == ""
    assert "未识别" in ui.department_note(index, "不存在的单位名")


def test_document_rows_and_counts(index, doc_text):
    rows = ui.document_rows(index)
    assert len(rows) == len(index.doc_list) == 1
    source, title, department, region, year, kind, fmt, chunks = rows[0]
    assert source == DEMO.name and fmt == "txt"
    assert department and _flat(department) in _flat(doc_text)
    assert str(year) in doc_text
    assert chunks == len(index.chunks)
    summary = ui.document_summary(index)
    assert f"**{len(index.doc_list)}**" in summary and f"**{len(index.chunks)}**" in summary
    assert ui.year_choices(index) == [("全部年份", ""), (f"{year}年", str(year))]


# ---------------------------------------------------------------- the app

def test_chat_handler_appends_question_and_rendered_answer(index):
    ask = ui._asker(ui._Shared(index))
    history, box = ask(QUESTION, [])
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    assert "<mark>" in history[1]["content"]
    assert ask("   ", history) == (history, "")


def test_make_ui_and_serve_root(built):
    import gradio as gr

    path, index = built
    demo = ui.make_ui(path, CORPUS, "hash")  # loads the index itself
    assert isinstance(demo, gr.Blocks)
    port = _free_port()
    ui.launch(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            assert r.status == 200
            assert ui.TITLE in r.read().decode("utf-8")
    finally:
        demo.close()


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
