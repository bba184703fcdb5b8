"""The Gradio UI: 问答 (chat with quoted answers), 检索 (exact search for auditors), 数据
(the figures table: filters, a chart of one item, CSV/XLSX export), 审计 (the consistency
findings with their quoted lines), 文件 (documents, and for an administrator upload /
replace / delete / rebuild).

The HTML comes from pure functions (answer_html, search_html, docview) tested without a
browser; this module wires them to Gradio. Every action goes through AppState, as the
JSON API's do, so both obey the same limits and the same roles. The browser keeps the
conversation (gr.BrowserState) as answer JSON, re-rendered on load.

A new tab is one more ``with gr.Tab(...)`` and a function like _search_tab.
"""
from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answering.search import KINDS, departments, regions
from assistant.apps import figures_html, search_html
from assistant.apps.answer_html import question_html, render_answer
from assistant.apps.auth import ADMIN
from assistant.apps.library import Change, LibraryError
from assistant.apps.limits import MAX_FILTER_CHARS, RequestError
from assistant.apps.state import AppState
from assistant.ingest import READERS

TITLE = "预算公开问答"
STATIC = Path(__file__).resolve().parent / "static"
MAX_TURNS = 50  # conversation turns kept in the browser

EXAMPLES = [
    "魏县政府办2020年公务接待费预算是多少？",
    "魏县政府办2020年支出预算共计多少？",
    "2020年财政拨款预算比2019年增加了多少？",
    "434-1601-JXN-0UT4 项目预算数是多少？",
]
SEARCH_EXAMPLES = [["434-1601-JXN-0UT4"], ["201 03 01"], ["公务接待费"]]
PER_PAGE_CHOICES = [10, 20, 50, 100]

# Chinese-first system fonts: the default theme pulls fonts from Google, which an office
# network behind a firewall (or no network at all) cannot reach.
FONTS = ["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "sans-serif"]
MONO_FONTS = ["ui-monospace", "Menlo", "Consolas", "Noto Sans Mono CJK SC", "monospace"]


def css() -> str:
    return (STATIC / "ui.css").read_text(encoding="utf-8")


def head() -> str:
    return f"<script>\n{(STATIC / 'ui.js').read_text(encoding='utf-8')}\n</script>"


def theme():
    return gr.themes.Soft(primary_hue="amber", font=FONTS, font_mono=MONO_FONTS)


def make_ui(state: AppState) -> gr.Blocks:
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        who = gr.HTML(elem_id="qa-who")
        gr.HTML(f'<div class="qa-head"><h2>{TITLE}</h2><p>部门预算、部门决算公开文件的问答与检索。'
                "答案中的每个数字都摘自原文，并注明出处（文件、章节、行号），点击出处可查看原文。</p></div>")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat_parts = _chat_tab(state)
            with gr.Tab("检索", id="search"):
                search_parts = _search_tab(state)
            with gr.Tab("数据", id="figures"):
                data_parts = _data_tab(state)
            with gr.Tab("审计", id="audit") as audit_tab:
                audit_parts = _audit_tab(state, audit_tab)
            with gr.Tab("文件", id="docs"):
                docs_parts = _docs_tab(state, search_parts)
        _api_endpoints(state)

        def on_load(stored: list | None, request: gr.Request):
            role = state.gate.role(request.cookies, request.headers)
            turns = _valid_turns(stored)
            return (_who_html(state, role), _chat_messages(state, turns), turns,
                    *docs_parts["on_load"](role), *search_parts["on_load"](), *data_parts["on_load"](),
                    *audit_parts["on_load"]())

        demo.load(on_load, [chat_parts["stored"]],
                  [who, chat_parts["chat"], chat_parts["turns"], *docs_parts["load_outputs"],
                   *search_parts["load_outputs"], *data_parts["load_outputs"], *audit_parts["load_outputs"]],
                  api_visibility="private")
    demo.queue(default_concurrency_limit=state.cfg.request_workers, max_size=MAX_QUEUE)
    return demo


MAX_QUEUE = 500  # events waiting in Gradio's queue before it answers "queue full"


def _who_html(state: AppState, role: str | None) -> str:
    if role == ADMIN:
        return '<div class="qa-who">管理员 · <a href="logout">退出</a></div>'
    if state.gate.read_only:
        note = "只读（未配置管理员）"
        link = ' · <a href="logout">退出</a>' if state.gate.login_required else ""
        return f'<div class="qa-who">{note}{link}</div>'
    extra = ' · <a href="logout">退出</a>' if state.gate.login_required else ""
    return f'<div class="qa-who">访客{extra} · <a href="login">管理员登录</a></div>'


# ---------------------------------------------------------------- 问答

def _secret(state: AppState) -> str:
    # The browser's copy of the chat is encrypted with a key derived from the configured
    # secret, so it survives a server restart; without one, from the index path.
    seed = state.cfg.secret or str(Path(state.cfg.index).resolve())
    return hashlib.sha256(b"budget-qa-chat\0" + seed.encode("utf-8")).hexdigest()[:32]


def _valid_turns(stored: Any) -> list[dict]:
    if not isinstance(stored, list):
        return []
    out = [t for t in stored if isinstance(t, dict) and isinstance(t.get("q"), str) and isinstance(t.get("a"), dict)]
    return out[-MAX_TURNS:]


def _chat_messages(state: AppState, turns: list[dict]) -> list[dict]:
    docs = state.index.docs
    out = []
    for t in turns:
        out.append({"role": "user", "content": question_html(t["q"])})
        try:
            out.append({"role": "assistant", "content": render_answer(t["a"], docs)})
        except (KeyError, TypeError, AttributeError):  # an answer stored by an older version
            out.append({"role": "assistant", "content": '<div class="qa-warn">（此条记录无法显示）</div>'})
    return out


def _chat_tab(state: AppState) -> dict:
    chat = gr.Chatbot(show_label=False, height="64vh", min_height=380, autoscroll=False, buttons=[],
                      latex_delimiters=[], feedback_options=None, elem_id="qa-chat",
                      placeholder="请输入关于部门预算、决算的问题，例如某部门某年的公务接待费。")
    turns = gr.State([])
    stored = gr.BrowserState([], storage_key="budget_qa_chat_v1", secret=_secret(state))
    with gr.Row():
        box = gr.Textbox(show_label=False, placeholder="例如：魏县政府办2020年公务接待费预算是多少？", scale=6,
                         max_length=state.cfg.max_question_chars, autofocus=True, elem_id="qa-box")
        send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="qa-send")
        clear = gr.Button("清空对话", scale=1, min_width=80)
    examples = gr.Dataset(components=[box], samples=[[q] for q in EXAMPLES], label="示例问题（点击即问）",
                          elem_id="qa-examples")

    def chat_turn(message: str, history: list) -> tuple:
        try:
            question = state.question(message)
        except RequestError as e:
            if not (message or "").strip():
                return gr.skip(), "", gr.skip(), gr.skip()
            raise gr.Error(e.message) from None
        try:
            answer = state.ask(question)
        except RequestError as e:
            raise gr.Error(e.message) from None
        history = _valid_turns(list(history or []) + [{"q": question, "a": answer}])
        return _chat_messages(state, history), "", history, history

    outputs = [chat, box, turns, stored]
    scroll = "() => window.budgetQa && window.budgetQa.showLatest()"
    for trigger in (box.submit, send.click):
        trigger(chat_turn, [box, turns], outputs, api_visibility="private", concurrency_id="answer").then(
            None, None, None, js=scroll)
    examples.click(lambda sample, history: chat_turn(sample[0], history), [examples, turns], outputs,
                   api_visibility="private", concurrency_id="answer").then(None, None, None, js=scroll)
    clear.click(lambda: ([], "", [], []), None, outputs, api_visibility="private")
    chat.clear(lambda: ([], []), None, [turns, stored], api_visibility="private")
    return {"chat": chat, "turns": turns, "stored": stored}


# ---------------------------------------------------------------- 检索

def _year_choices(state: AppState) -> list[tuple[str, str]]:
    years = sorted({d.meta.year for d in state.index.doc_list if d.meta.year}, reverse=True)
    return [("全部年份", "")] + [(f"{y}年", str(y)) for y in years]


def _search_tab(state: AppState) -> dict:
    with gr.Row():
        query = gr.Textbox(label="检索词", placeholder="公务接待费、434-1601-JXN-0UT4、201 03 01 …", scale=4,
                           max_length=state.cfg.max_question_chars, elem_id="sr-query")
        go = gr.Button("检索", variant="primary", scale=1, min_width=90, elem_id="sr-go")
    with gr.Row():
        dept = gr.Dropdown(label="部门（可填简称，如 魏县政府办、江苏高院）", choices=[""], value="",
                           allow_custom_value=True, scale=3, elem_id="sr-dept")
        region = gr.Dropdown(label="地区", choices=[("全部地区", "")], value="", scale=2, elem_id="sr-region")
        year = gr.Dropdown(label="年度", choices=[("全部年份", "")], value="", scale=1, elem_id="sr-year")
        kind = gr.Dropdown(label="类别", choices=[("全部类别", "")] + [(k, k) for k in KINDS], value="", scale=1,
                           elem_id="sr-kind")
    with gr.Row():
        sort = gr.Dropdown(label="排序", choices=search_html.sort_choices(), value="relevance", scale=1,
                           elem_id="sr-sort")
        order = gr.Radio(label="顺序", choices=[("降序", "desc"), ("升序", "asc")], value="desc", scale=1)
        per_page = gr.Dropdown(label="每页条数", choices=PER_PAGE_CHOICES, value=20, scale=1)
        related = gr.Checkbox(label="同时列出相关段落（非精确命中，单独一节）", value=False, scale=2,
                              elem_id="sr-related")
    gr.Markdown(search_html.CODE_HINT)
    status = gr.HTML(elem_id="sr-status")
    links = gr.HTML(elem_id="sr-export")
    with gr.Row():
        prev = gr.Button("上一页", size="sm", scale=0, min_width=80, elem_id="sr-prev")
        page = gr.Number(label="页码", value=1, precision=0, minimum=1, scale=0, min_width=90, elem_id="sr-page")
        nxt = gr.Button("下一页", size="sm", scale=0, min_width=80, elem_id="sr-next")
    table = gr.HTML(elem_id="sr-results")
    gr.Examples(SEARCH_EXAMPLES, inputs=[query], label="示例")

    def search_page(q: str, d: str, r: str, y: str, k: str, s: str, o: str, n: int, rel: bool, p: float) -> tuple:
        try:
            args = state.search_args(q, d, r, y, k, int(p or 1), n, s, o, True if rel else None)
            result = state.search(args)
        except RequestError as e:
            return (f'<div class="sr-status sr-refused">{html.escape(e.message)}</div>', "", "", gr.skip())
        return (search_html.status_html(result), search_html.export_links(result),
                search_html.results_html(result), result.page)

    inputs = [query, dept, region, year, kind, sort, order, per_page, related, page]
    outputs = [status, links, table, page]
    first = [query, dept, region, year, kind, sort, order, per_page, related]

    def from_first(*values):
        return search_page(*values, 1)

    for trigger in (go.click, query.submit, dept.change, region.change, year.change, kind.change, sort.change,
                    order.change, per_page.change, related.change):
        trigger(from_first, first, outputs, api_visibility="private", concurrency_id="answer")
    prev.click(lambda *v: search_page(*v[:-1], max(1, int(v[-1] or 1) - 1)), inputs, outputs, api_visibility="private",
               concurrency_id="answer")
    nxt.click(lambda *v: search_page(*v[:-1], int(v[-1] or 1) + 1), inputs, outputs, api_visibility="private",
              concurrency_id="answer")
    page.submit(search_page, inputs, outputs, api_visibility="private", concurrency_id="answer")

    def on_load():
        return (gr.Dropdown(choices=[""] + departments(state.index)),
                gr.Dropdown(choices=[("全部地区", "")] + [(x, x) for x in regions(state.index)]),
                gr.Dropdown(choices=_year_choices(state)))

    return {"on_load": on_load, "load_outputs": [dept, region, year], "year": year, "dept": dept,
            "region": region}


# ---------------------------------------------------------------- 数据

def _data_tab(state: AppState) -> dict:
    gr.Markdown("**数据**：各文件表格和正文中写明的每一个数字（项目、列、数值、单位、折合万元、所在行）。"
                "按部门、年度、项目或编码筛选；填写项目后画出它在各部门（选一个年度）或各年度（选一个部门）的数值。")
    with gr.Row():
        dept = gr.Dropdown(label="部门（可填简称）", choices=[""], value="", allow_custom_value=True, scale=3,
                           elem_id="fg-dept")
        year = gr.Dropdown(label="年度", choices=[("全部年份", "")], value="", scale=1, elem_id="fg-year")
        region = gr.Dropdown(label="地区", choices=[("全部地区", "")], value="", scale=2, elem_id="fg-region")
        kind = gr.Dropdown(label="类别", choices=[("全部类别", "")] + [(k, k) for k in KINDS], value="", scale=1,
                           elem_id="fg-kind")
    with gr.Row():
        item = gr.Textbox(label="项目/科目（如 公务接待费、基本支出；常用说法亦可，如 招待费）", scale=3,
                          max_length=MAX_FILTER_CHARS, elem_id="fg-item")
        code = gr.Textbox(label="编码（科目或项目编码，如 2010301、201 03 01）", scale=2, max_length=MAX_FILTER_CHARS,
                          elem_id="fg-code")
        origin = gr.Radio(label="来源", choices=[("全部", ""), ("表格", "table"), ("正文", "prose")], value="",
                          scale=2, elem_id="fg-origin")
        go = gr.Button("查询", variant="primary", scale=1, min_width=90, elem_id="fg-go")
    status = gr.HTML(elem_id="fg-status")
    links = gr.HTML(elem_id="fg-export")
    chart = gr.HTML(elem_id="fg-chart")
    table = gr.HTML(elem_id="fg-table")

    def show(d: str, y: str, r: str, k: str, i: str, c: str, o: str) -> tuple:
        try:
            f = state.figure_filter(d, y, i, c, r, k, o)
            rows = state.figures(f)
            picture = ""
            if f.item:  # a chart needs one year (bars) or one department (a line); else a hint
                chartable = f.year or f.department
                picture = figures_html.chart_html(state.figure_series(f, rows)) if chartable else figures_html.CHART_HINT
        except RequestError as e:
            return (f'<div class="sr-status sr-refused">{html.escape(e.message)}</div>', "", "", "")
        shown = rows[:figures_html.SHOWN_ROWS]
        return (figures_html.status_html(f, len(rows), len(shown)), figures_html.export_links(f, len(rows)),
                picture, figures_html.figures_table(shown))

    inputs = [dept, year, region, kind, item, code, origin]
    for trigger in (go.click, item.submit, code.submit, dept.change, year.change, region.change, kind.change,
                    origin.change):
        trigger(show, inputs, [status, links, chart, table], api_visibility="private", concurrency_id="answer")

    def on_load():
        return (gr.Dropdown(choices=[""] + departments(state.index)), gr.Dropdown(choices=_year_choices(state)),
                gr.Dropdown(choices=[("全部地区", "")] + [(x, x) for x in regions(state.index)]))

    return {"on_load": on_load, "load_outputs": [dept, year, region]}


# ---------------------------------------------------------------- 审计

def _audit_tab(state: AppState, tab) -> dict:
    gr.Markdown("**审计**：建索引时逐份文件检查的前后不一致之处（合计与分项、增减与百分比、单位、年份、"
                "正文与表格、同一公开的不同版本）。每条写明应为多少、实为多少，并引用所在行。")
    with gr.Row():
        doc = gr.Dropdown(label="文件", choices=[("全部文件", "")], value="", scale=4, elem_id="au-doc")
        go = gr.Button("查看", variant="primary", scale=1, min_width=90, elem_id="au-go")
    result = gr.HTML(elem_id="au-result")

    def show(name: str | None) -> str:
        try:
            found = state.audit([name] if name else [])
        except RequestError as e:
            return f'<div class="sr-status sr-refused">{html.escape(e.message)}</div>'
        return figures_html.audit_html(found, state.index.docs, name or "")

    def choices():
        index = state.index
        return gr.Dropdown(choices=figures_html.audit_choices(index.findings_by_doc() or {},
                                                              [d.doc_id for d in index.doc_list]))

    go.click(show, [doc], [result], api_visibility="private", concurrency_id="answer")
    doc.change(show, [doc], [result], api_visibility="private", concurrency_id="answer")
    # Opening the tab shows the findings of the chosen document (all at first) and
    # refreshes the list, which uploads and deletes change.
    tab.select(lambda name: (choices(), show(name)), [doc], [doc, result], api_visibility="private",
               concurrency_id="answer")
    return {"on_load": lambda: (choices(),), "load_outputs": [doc]}


# ---------------------------------------------------------------- 文件

def _change_html(change: Change) -> str:
    rows = "".join(f'<tr class="{"ok" if f.ok else "bad"}"><td>{html.escape(f.name)}</td>'
                   f'<td>{"✓" if f.ok else "✗"}</td><td>{html.escape(f.message)}</td></tr>' for f in change.files)
    table = f'<table class="sr-table"><tr><th>文件</th><th></th><th>结果</th></tr>{rows}</table>' if rows else ""
    return f'<div class="sr-status">{html.escape(change.message)}</div>{table}'


def _docs_tab(state: AppState, search_parts: dict) -> dict:
    summary = gr.HTML(elem_id="doc-summary")
    doc_filter = gr.Textbox(label="筛选文件（名称、标题、部门、地区、年度）", elem_id="doc-filter")
    table = gr.HTML(elem_id="doc-table")
    note = gr.HTML(elem_id="doc-note")
    with gr.Group(visible=False, elem_id="doc-admin") as admin_box:
        gr.HTML('<h4 class="qa-admin-head">管理文件（管理员）</h4>')
        with gr.Row():
            files = gr.File(label="上传文件（可多选）：" + " ".join(sorted(READERS)), file_count="multiple",
                            file_types=sorted(READERS), elem_id="doc-upload", scale=3)
            upload = gr.Button("上传并收录", variant="primary", scale=1, elem_id="doc-upload-go")
        with gr.Row():
            target = gr.Dropdown(label="选择文件", choices=[], scale=3, elem_id="doc-target")
            new_version = gr.File(label="替换为（同一格式）", file_count="single", file_types=sorted(READERS),
                                  scale=2, elem_id="doc-replace-file")
        with gr.Row():
            replace = gr.Button("替换所选文件", scale=1, elem_id="doc-replace-go")
            confirm = gr.Checkbox(label="确认删除所选文件", value=False, scale=1, elem_id="doc-delete-confirm")
            delete = gr.Button("删除所选文件", variant="stop", scale=1, elem_id="doc-delete-go")
            rebuild = gr.Button("从文档目录更新索引", scale=1, elem_id="doc-rebuild")
        result = gr.HTML(elem_id="doc-result")

    def refreshed(role: str | None, text: str = ""):
        index = state.index
        return (search_html.documents_summary(index, admin=role == ADMIN), search_html.documents_html(index, text),
                gr.Dropdown(choices=[d.source for d in index.doc_list], value=None))

    def note_html(role: str | None) -> str:
        if role == ADMIN:
            return ""
        if state.gate.read_only:
            return '<div class="qa-label">本实例只读：未配置管理员密码，不能在网页上增删文件。</div>'
        return '<div class="qa-label">上传、替换、删除文件和更新索引需要<a href="login">管理员登录</a>。</div>'

    def on_load(role: str | None):
        return (*refreshed(role), note_html(role), gr.Group(visible=role == ADMIN))

    def admin_only(request: gr.Request) -> None:
        if state.gate.read_only:
            raise gr.Error("本实例只读：未配置管理员密码")
        if state.gate.role(request.cookies, request.headers) != ADMIN:
            raise gr.Error("需要管理员登录")

    def run_change(action, request: gr.Request, progress: gr.Progress):
        admin_only(request)

        def step(what: str, done: int, total: int) -> None:
            progress((done, max(total, 1)), desc=what)

        try:
            change = action(step)
        except (LibraryError, RequestError) as e:
            raise gr.Error(str(e)) from None
        return (_change_html(change), *refreshed(ADMIN), gr.Dropdown(choices=_year_choices(state)),
                gr.Dropdown(choices=[""] + departments(state.index)))

    outputs = [result, summary, table, target, search_parts["year"], search_parts["dept"]]

    def do_upload(paths: list | None, request: gr.Request, progress=gr.Progress()):
        uploads = [(Path(p).name, Path(p)) for p in (paths or [])]
        return (*run_change(lambda step: state.library.add(uploads, step), request, progress), None)

    def do_replace(doc: str | None, path: str | None, request: gr.Request, progress=gr.Progress()):
        if not doc or not path:
            raise gr.Error("请先选择要替换的文件，并选择新版本文件")
        return (*run_change(lambda step: state.library.replace(doc, (Path(path).name, Path(path)), step),
                            request, progress), None)

    def do_delete(doc: str | None, sure: bool, request: gr.Request, progress=gr.Progress()):
        if not doc:
            raise gr.Error("请先选择要删除的文件")
        if not sure:
            raise gr.Error("请先勾选“确认删除所选文件”")
        return (*run_change(lambda step: state.library.delete(doc, step), request, progress), False)

    def do_rebuild(request: gr.Request, progress=gr.Progress()):
        return run_change(lambda step: state.library.rebuild(step), request, progress)

    upload.click(do_upload, [files], outputs + [files], api_visibility="private", concurrency_limit=1,
                 concurrency_id="library")
    replace.click(do_replace, [target, new_version], outputs + [new_version], api_visibility="private",
                  concurrency_limit=1, concurrency_id="library")
    delete.click(do_delete, [target, confirm], outputs + [confirm], api_visibility="private", concurrency_limit=1,
                 concurrency_id="library")
    rebuild.click(do_rebuild, None, outputs, api_visibility="private", concurrency_limit=1,
                  concurrency_id="library")
    doc_filter.change(lambda text: search_html.documents_html(state.index, (text or "")[:60]), [doc_filter], [table],
                      api_visibility="private")
    return {"on_load": on_load, "load_outputs": [summary, table, target, note, admin_box]}


# ---------------------------------------------------------------- typed Gradio API

def _api_endpoints(state: AppState) -> None:
    """Gradio-client endpoints with clear names and types (the JSON API at /api is the
    one to prefer; these exist for gradio_client users)."""
    from assistant.apps.state import findings_json, search_json

    def ask(question: str) -> dict:
        """Answer a budget question: the JSON of /api/ask."""
        try:
            return state.ask(question)
        except RequestError as e:
            raise gr.Error(e.message) from None

    def search(query: str, department: str = "", region: str = "", year: int = 0, kind: str = "",
               page: int = 1, per_page: int = 20) -> dict:
        """Exact search: the JSON of /api/search (total, results, related)."""
        try:
            args = state.search_args(query, department, region, year or None, kind, page, per_page)
            return search_json(state.search(args))
        except RequestError as e:
            raise gr.Error(e.message) from None

    def documents() -> dict:
        """The indexed documents: the JSON of /api/documents."""
        docs = state.documents()
        return {"count": len(docs), "documents": docs}

    def figures(department: str = "", year: int = 0, item: str = "", code: str = "", region: str = "",
                kind: str = "", origin: str = "", limit: int = 100, offset: int = 0) -> dict:
        """The figures table, filtered: the JSON of /api/figures (total, rows)."""
        try:
            f = state.figure_filter(department, year or None, item, code, region, kind, origin)
            return state.figures_page(f, limit, offset)
        except RequestError as e:
            raise gr.Error(e.message) from None

    def audit(document: str = "") -> dict:
        """Consistency findings of one document ("" for all): the JSON of /api/audit."""
        try:
            return findings_json(state.audit([document] if document else []))
        except RequestError as e:
            raise gr.Error(e.message) from None

    gr.api(ask, api_name="ask", concurrency_id="answer")
    gr.api(search, api_name="search", concurrency_id="answer")
    gr.api(documents, api_name="documents")
    gr.api(figures, api_name="figures", concurrency_id="answer")
    gr.api(audit, api_name="audit", concurrency_id="answer")
