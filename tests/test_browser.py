"""The web app in a real browser: Debian's headless Chromium driven by Playwright (no
browser download), against the real server on a free loopback port over a small index.

Covered: a question and its quoted figure (kept in view, copied as plain text, kept over
a reload); a citation opening the document view at the highlighted lines; a subject code
written with spaces finding every exact hit; the CSV export; an administrator's upload,
question and delete; a visitor refused in the UI and through the API; markup and script
text shown as text with no dialog, in documents and typed into every input.
Screenshots of each step go to $BUDGET_QA_ARTIFACTS (default tests/artifacts/).
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: "
                                "apt-get install -y chromium fonts-wqy-microhei (as .ci/run does)")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e .[test]")

from webapp import (ADMIN_PASSWORD, QUESTION, SUBJECT_CODE, UPLOAD_NAME, UPLOAD_TEXT, XSS_NAME,  # noqa: E402
                    XSS_STRINGS, LiveServer, make_state)

ARTIFACTS = Path(os.environ.get("BUDGET_QA_ARTIFACTS") or Path(__file__).parent / "artifacts")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 30_000
ORACLE = re.compile(r"(?<![A-Za-z0-9.,-])201[ \t-]?03[ \t-]?01(?![A-Za-z0-9.,%-])")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    state, cfg = make_state(tmp_path_factory.mktemp("browser"))
    server = LiveServer(state).start()
    yield server, state
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), args=ARGS,
            headless=True, viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield context
        context.close()


class Watch:
    """Fails the test on any dialog (alert) and records requests for the img's "x"."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.stray: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.stray.append(r.url) if re.search(r"/x$|javascript:", r.url) else None)

    def check(self) -> None:
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.stray, f"requests made by document text: {self.stray}"


@pytest.fixture()
def page(browser):
    page = browser.new_page()
    page.watch = Watch(page)
    yield page
    page.watch.check()
    page.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def open_app(page, server) -> None:
    page.goto(server.url)
    page.wait_for_selector("#qa-box textarea", timeout=WAIT_MS)
    # the page has loaded its role and the stored conversation
    page.wait_for_function("() => /访客|管理员|只读/.test(document.querySelector('#qa-who').innerText)",
                           timeout=WAIT_MS)


def tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()


def ask(page, question: str):
    count = page.locator("#qa-chat .qa-answer").count()
    page.fill("#qa-box textarea", question)
    page.click("#qa-send")
    page.wait_for_function(f"document.querySelectorAll('#qa-chat .qa-answer').length > {count}", timeout=WAIT_MS)
    return page.locator("#qa-chat .qa-answer").last


SETTLED = """(q) => {
  const status = document.querySelector('#sr-status'), results = document.querySelector('#sr-results');
  return status && status.innerText.includes(q) && !/processing/.test(status.innerText + results.innerText);
}"""


def search(page, query: str):
    page.fill("#sr-query textarea, #sr-query input", query)
    page.click("#sr-go")
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED, arg=query.strip(), timeout=WAIT_MS)


# ---------------------------------------------------------------- chat

def test_question_shows_the_quoted_figure_kept_in_view_copied_and_kept(page, app):
    server, state = app
    expected = state.ask(QUESTION)
    open_app(page, server)
    shot(page, "01-chat-empty")
    answer = ask(page, QUESTION)
    assert answer.locator(".qa-figure").inner_text() == expected["figure"]
    assert answer.locator(".qa-quote mark").first.inner_text().replace(" ", "") == expected["figure"].replace(" ", "")
    basis = answer.locator(".qa-basis").inner_text()
    assert "魏县政府办" in basis and "2020年" in basis
    # the figure is in view inside the chat, and nothing covers it
    box = page.locator("#qa-chat").bounding_box()
    fig = answer.locator(".qa-figure").bounding_box()
    assert box["y"] <= fig["y"] and fig["y"] + fig["height"] <= box["y"] + box["height"]
    center = (fig["x"] + 10, fig["y"] + fig["height"] / 2)
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.qa-figure') !== null", center)
    assert on_top
    shot(page, "02-chat-answer")
    # later answers: each opens at its figure, not scrolled to its last line
    for q in ("魏县政府办2020年支出预算共计多少？", QUESTION):
        latest = ask(page, q)
        page.wait_for_timeout(300)
        fig = latest.locator(".qa-figure").bounding_box()
        box = page.locator("#qa-chat").bounding_box()
        assert box["y"] <= fig["y"] and fig["y"] + fig["height"] <= box["y"] + box["height"], q
    shot(page, "02b-chat-third-answer")
    # copy: plain text with answer, quote, source and lines
    from assistant.apps.answer_html import answer_text

    answer.locator("button.qa-copy").click()
    copied = page.evaluate("() => window.budgetQa.lastCopied")
    assert copied == answer_text(expected) and "<" not in copied
    assert page.evaluate("() => navigator.clipboard.readText()") == copied
    # the conversation survives a reload
    page.reload()
    page.wait_for_selector("#qa-chat .qa-figure", timeout=WAIT_MS)
    assert page.locator("#qa-chat .qa-question").count() == 3
    assert page.locator("#qa-chat .qa-question").last.inner_text() == QUESTION
    assert page.locator("#qa-chat .qa-figure").last.inner_text() == expected["figure"]
    shot(page, "03-chat-after-reload")


def test_example_question_is_one_click(page, app):
    server, _ = app
    open_app(page, server)
    count = page.locator("#qa-chat .qa-answer").count()
    page.locator("#qa-examples button").first.click()
    page.wait_for_function(f"document.querySelectorAll('#qa-chat .qa-answer').length > {count}", timeout=WAIT_MS)


def test_citation_opens_the_document_at_the_highlighted_lines(page, app):
    server, state = app
    expected = state.ask(QUESTION)
    c = expected["citations"][0]
    open_app(page, server)
    answer = ask(page, QUESTION)
    with page.context.expect_page() as opened:
        answer.locator("a.qa-cite").first.click()
    view = opened.value
    view.wait_for_load_state()
    assert view.url.endswith(f"#L{c['line_start']}")
    line = view.locator(f"#L{c['line_start']}")
    assert "hl" in line.get_attribute("class")
    assert line.locator("mark.f").first.inner_text().replace(" ", "") == expected["figure"].replace(" ", "")
    assert line.locator("mark.q").count() >= 1
    top = line.bounding_box()["y"]
    assert 0 <= top < 900  # scrolled to it
    view.screenshot(path=str(ARTIFACTS / "04-document-view-citation.png"))
    view.close()


# ---------------------------------------------------------------- search and export

def test_code_with_spaces_lists_every_exact_hit_and_exports(page, app, tmp_path):
    server, state = app
    index = state.index
    expected = [c for c in index.chunks if ORACLE.search(c.text)]
    assert len(expected) >= 2
    open_app(page, server)
    tab(page, "检索")
    search(page, SUBJECT_CODE)
    status = page.locator("#sr-status").inner_text()
    assert f"共 {len(expected)} 条" in status
    rows = page.locator("#sr-results table.sr-exact tbody tr")
    assert rows.count() == len(expected)
    assert page.locator("#sr-results table.sr-related").count() == 0  # nothing padded in
    marks = page.locator("#sr-results table.sr-exact mark").all_inner_texts()
    assert marks and all(ORACLE.search(m) for m in marks)
    shot(page, "05-search-code-with-spaces")
    with page.expect_download() as download:
        page.locator("#sr-export a", has_text="CSV").click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    from assistant.apps.export import COLUMNS

    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert table[0] == COLUMNS and len(table) == len(expected) + 1
    quotes = [r[COLUMNS.index("段落原文")] for r in table[1:]]
    assert all(ORACLE.search(q) for q in quotes)


# ---------------------------------------------------------------- documents and roles

def test_visitor_cannot_upload_delete_or_rebuild(page, app):
    server, _ = app
    open_app(page, server)
    tab(page, "文件")
    page.wait_for_selector("#doc-table table", timeout=WAIT_MS)
    assert not page.locator("#doc-admin").is_visible()
    assert "管理员登录" in page.locator("#doc-note").inner_text()
    assert str(app[1].cfg.corpus) not in page.content() and str(app[1].cfg.index) not in page.content()
    shot(page, "06-documents-visitor")
    api = page.request
    up = api.post(server.url + "api/documents", multipart={
        "files": {"name": UPLOAD_NAME, "mimeType": "text/plain", "buffer": UPLOAD_TEXT.encode()}})
    assert up.status == 403
    assert api.delete(server.url + f"api/documents/{XSS_NAME}").status == 403
    assert api.post(server.url + "api/index/rebuild").status == 403
    gradio_upload = api.post(server.url + "gradio_api/upload", multipart={
        "files": {"name": "a.txt", "mimeType": "text/plain", "buffer": b"x"}})
    assert gradio_upload.status == 403


def test_admin_uploads_asks_and_deletes(page, app, tmp_path):
    server, state = app
    question = "红山县审计局2022年公务接待费预算是多少？"
    page.goto(server.url + "login")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#qa-box textarea", timeout=WAIT_MS)
    page.wait_for_function("() => document.querySelector('#qa-who').innerText.includes('管理员 ·')", timeout=WAIT_MS)
    tab(page, "文件")
    page.wait_for_selector("#doc-admin", state="visible", timeout=WAIT_MS)
    shot(page, "07-documents-admin")
    good = tmp_path / UPLOAD_NAME
    good.write_text(UPLOAD_TEXT, encoding="utf-8")
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    page.locator("#doc-upload input[type=file]").set_input_files([str(good), str(bad)])
    page.wait_for_timeout(500)
    page.click("#doc-upload-go")
    page.wait_for_selector("#doc-result table", timeout=WAIT_MS)
    result = page.locator("#doc-result").inner_text()
    assert "已收录 1 个文件" in result and "empty.pdf" in result and "空文件" in result
    shot(page, "08-upload-result")
    assert UPLOAD_NAME in page.locator("#doc-table").inner_text()
    tab(page, "问答")
    answer = ask(page, question)
    assert answer.locator(".qa-figure").inner_text().replace(" ", "") in UPLOAD_TEXT
    shot(page, "09-answer-from-upload")
    tab(page, "文件")
    target = page.locator("#doc-target input")
    target.click()
    target.fill(UPLOAD_NAME)
    page.locator("ul[role=listbox] li", has_text=UPLOAD_NAME).first.click()
    page.locator("#doc-delete-confirm input").check()
    page.click("#doc-delete-go")
    page.wait_for_function("() => document.querySelector('#doc-result').innerText.includes('已删除')",
                           timeout=WAIT_MS)
    assert UPLOAD_NAME not in page.locator("#doc-table").inner_text()
    shot(page, "10-deleted")
    tab(page, "问答")
    after = ask(page, question)
    assert after.locator(".qa-figure").count() == 0 and UPLOAD_NAME not in after.inner_text()
    tab(page, "检索")
    search(page, "HS-2022-AUD-0042")
    assert "没有段落逐字包含" in page.locator("#sr-status").inner_text()
    shot(page, "11-gone-from-search")
    assert UPLOAD_NAME not in state.index.docs


# ---------------------------------------------------------------- markup stays text

def test_markup_in_documents_and_inputs_stays_text(page, app):
    server, state = app
    typed = " ".join(XSS_STRINGS)
    open_app(page, server)
    # typed into the chat
    ask(page, typed[:480])
    assert typed[:480].strip() in page.locator("#qa-chat .qa-question").last.inner_text()
    # typed into every search input, then a search whose passages hold the document's markup
    tab(page, "检索")
    search(page, typed[:400])
    page.fill("#sr-dept input", typed[:60])
    search(page, "alert")
    status = page.locator("#sr-status").inner_text()
    assert "未检索" in status and typed[:20] in status  # the department shown as text
    page.fill("#sr-dept input", "")
    search(page, "alert")
    shot(page, "12-search-markup")
    cells = page.locator("#sr-results").inner_text()
    assert XSS_STRINGS[0] in cells and XSS_STRINGS[1] in cells  # shown as text
    assert page.locator("#sr-results script, #sr-results img, #sr-results a[href^='javascript']").count() == 0
    tab(page, "文件")
    page.fill("#doc-filter textarea, #doc-filter input", typed[:60])
    page.wait_for_timeout(500)
    # the document view: the document's markup as text, and the find box
    page.goto(server.url + f"view?doc={XSS_NAME}")
    text = page.locator("main").inner_text()
    for s in XSS_STRINGS:
        assert s in text
    page.fill("input[name=find]", XSS_STRINGS[1])
    page.locator("input[name=find]").press("Enter")
    page.wait_for_load_state()
    assert "共 1 处" in page.locator(".found").inner_text()
    assert page.locator("main img, main script").count() == 0
    shot(page, "13-document-view-markup")


# ---------------------------------------------------------------- 数据 and 审计

def test_data_tab_filters_exports_and_audit_tab_quotes_lines(page, app, tmp_path):
    server, state = app
    item = "公务接待费"
    expected = state.figures(state.figure_filter(item=item))
    assert len(expected) >= 2
    open_app(page, server)
    tab(page, "数据")
    page.fill("#fg-item textarea, #fg-item input", item)
    page.locator("#fg-item textarea, #fg-item input").press("Enter")
    page.wait_for_selector("#fg-table table.fg-table tbody tr", timeout=WAIT_MS)
    rows = page.locator("#fg-table table.fg-table tbody tr")
    assert rows.count() == len(expected)
    assert f"共 {len(expected)} 个数字" in page.locator("#fg-status").inner_text()
    first = rows.first.inner_text()
    assert expected[0].doc_id in first and expected[0].value_text in first
    shot(page, "14-data-tab")
    with page.expect_download() as download:
        page.locator("#fg-export a", has_text="CSV").click()
    path = tmp_path / "figures.csv"
    download.value.save_as(path)
    from assistant.figures.query import COLUMNS

    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert table[0] == COLUMNS and [r[COLUMNS.index("原文")] for r in table[1:]] == [f.quote for f in expected]
    tab(page, "审计")
    found = state.audit([])
    page.wait_for_selector("#au-result .au-finding", timeout=WAIT_MS)
    assert page.locator("#au-result .au-finding").count() == len(found)
    f = found[0]
    shown = page.locator("#au-result .au-finding").first
    assert f"第 {f.lines[0]} 行" in shown.inner_text() and f.quotes[0].strip() in shown.inner_text()
    assert page.locator("#au-result script, #au-result img").count() == 0
    shot(page, "15-audit-tab")
