"""The web UI: 问答 (chat with quoted answers), 检索 (search for auditors), 文件 (documents).

The formatting is pure functions over core records (render_answer, search_rows,
document_rows, ...) so it is tested without a browser; make_ui only wires them to
Gradio. The core never imports this module.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from assistant.records import Answer, Citation

if TYPE_CHECKING:  # gradio and the index are heavy; imported where they are used
    import gradio as gr

    from assistant.index import Index
    from assistant.answering.search import Result

TITLE = "预算公开问答"

EXAMPLES = [
    "魏县政府办2020年公务接待费预算是多少？",
    "魏县政府办2020年支出预算共计多少？",
    "2020年财政拨款预算比2019年增加了多少？",
    "434-1601-JXN-0UT4 项目预算数是多少？",
]

SEARCH_EXAMPLES = [
    ["434-1601-JXN-0UT4", "", ""],
    ["公务接待费", "魏县政府办", ""],
    ["2010301", "", ""],
]

VIA_LABELS = {"code": "编码精确命中", "bm25": "关键词", "dense": "语义相近", "fused": "关键词+语义"}

SEARCH_HEADERS = ["#", "命中方式", "部门", "年度", "文件", "章节", "行", "段落（【】为命中词）"]
DOC_HEADERS = ["文件", "标题", "部门", "地区", "年度", "类别", "格式", "段落数"]

CODE_HINT = ("**精确编码**：输入项目编码（如 `434-1601-JXN-0UT4`）或功能分类科目编码"
             "（如 `2010301`、`201 03 01`）可逐字定位；含该编码的段落标为「编码精确命中」，排在最前。"
             "部门可填简称，但要带地区（如“魏县政府办”“江苏高院”）；年度留空为全部。")

# Chinese-first system fonts: the default theme pulls fonts from Google, which an office
# network behind a firewall (or no network at all) cannot reach.
FONTS = ["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
         "sans-serif"]
MONO_FONTS = ["ui-monospace", "Menlo", "Consolas", "Noto Sans Mono CJK SC", "monospace"]

CSS = """
.qa-figure { font-size: 1.5em; font-weight: 700; margin: 0 0 .2em 0; }
.qa-label { font-size: .85em; opacity: .75; margin: .6em 0 .2em 0; }
.qa-quote { margin: .2em 0; padding: .4em .8em; border-left: 4px solid #f59e0b;
            background: rgba(245, 158, 11, .08); font-size: .95em; }
.qa-near { margin: .2em 0; padding: .4em .8em; border-left: 4px solid #9ca3af;
           background: rgba(156, 163, 175, .10); font-size: .92em; opacity: .9; }
.qa-quote mark, .qa-text mark { background: #fde047; color: #111827; padding: 0 .15em; border-radius: 2px; }
.qa-source { font-size: .85em; margin: .2em 0 .6em 0; }
.qa-source summary { cursor: pointer; opacity: .8; }
.qa-source ul { margin: .3em 0 0 1.2em; padding: 0; }
.qa-notfound-head { font-weight: 700; }
.qa-warn { font-size: .85em; font-weight: 600; color: #b45309; margin: .6em 0 .2em 0; }
"""


# ---------------------------------------------------------------- answer rendering (pure)

def figure_spans(text: str, figure: str | None) -> list[tuple[int, int]]:
    """Where the figure occurs in text, ignoring whitespace ("116.5 万元" for "116.5万元").

    A figure that starts or ends with a digit must not sit inside a longer number
    ("50万元" is not the end of "150万元").
    """
    chars = [c for c in (figure or "") if not c.isspace()]
    if not chars:
        return []
    body = r"\s*".join(re.escape(c) for c in chars)
    head = r"(?<![\d.,])" if chars[0].isdigit() else ""
    tail = r"(?![\d])" if chars[-1].isdigit() else ""
    return [m.span() for m in re.finditer(head + body + tail, text)]


def mark_html(text: str, spans: list[tuple[int, int]], tag: str = "mark") -> str:
    """Escaped text with each span wrapped in <tag>: escaping piece by piece keeps the
    spans' offsets valid and never lets document text become markup."""
    out, pos = [], 0
    for a, b in spans:
        out.append(html.escape(text[pos:a]))
        out.append(f"<{tag}>{html.escape(text[a:b])}</{tag}>")
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def quote_html(quote: str, figure: str | None = None) -> str:
    """A verbatim quote as HTML: the figure marked, line breaks kept, blank lines dropped.

    The chat renders markdown, where a blank line would end our HTML block and let
    document text be read as markdown; so the result never contains a blank line.
    """
    body = mark_html(quote.replace("\t", " "), figure_spans(quote.replace("\t", " "), figure))
    lines = [ln.strip() for ln in body.split("\n")]
    return "<br>".join(ln for ln in lines if ln)


def source_html(c: Citation) -> str:
    """A collapsed <details> with where the quote stands: document, section, lines, page."""
    lines = _lines(c)
    summary = f"出处：{html.escape(c.source)}｜{lines}"
    items = [("文件", c.source), ("标题", c.title), ("章节", c.section or "（无标题）"), ("行", lines)]
    if c.page:
        items.append(("页", f"第 {c.page} 页"))
    lis = "".join(f"<li>{k}：{html.escape(str(v))}</li>" for k, v in items)
    return f'<details class="qa-source"><summary>{summary}</summary><ul>{lis}</ul></details>'


def _lines(c: Citation) -> str:
    if c.line_start == c.line_end:
        return f"第 {c.line_start} 行"
    return f"第 {c.line_start}–{c.line_end} 行"


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def render_answer(a: Answer) -> str:
    """One chat reply as HTML: the answer and its figure, each quote, each source."""
    return _render_found(a) if a.found else _render_not_found(a)


def _render_found(a: Answer) -> str:
    parts = ['<div class="qa-answer">']
    if a.figure:
        parts.append(f'<div class="qa-figure">{html.escape(a.figure)}</div>')
    text = _one_line(a.answer)
    spans = figure_spans(text, a.figure)[:1]  # the answer opens with the figure; bold it once
    parts.append(f'<div class="qa-text">{mark_html(text, spans, "strong")}</div>')
    for i, c in enumerate(a.citations):
        label = "原文" if i == 0 else "相关原文"
        parts.append(f'<div class="qa-label">{label}</div>')
        # The first citation holds the figure (core contract); where a later one states
        # the same figure, marking it there too helps the reader cross-check.
        parts.append(f'<blockquote class="qa-quote">{quote_html(c.quote, a.figure)}</blockquote>')
        parts.append(source_html(c))
    parts.append("</div>")
    return "\n".join(parts)


def _render_not_found(a: Answer) -> str:
    # The core appends "以下是最接近的段落，供参考。"; the UI says it itself, more plainly.
    head = _one_line(a.answer).split("以下是最接近的段落")[0]
    parts = ['<div class="qa-notfound">',
             f'<div class="qa-text qa-notfound-head">{html.escape(head)}</div>']
    if a.citations:
        parts.append('<div class="qa-warn">以下是最接近的段落，不是答案，仅供参考：</div>')
        for c in a.citations:
            parts.append(f'<blockquote class="qa-near">{quote_html(c.quote)}</blockquote>')
            parts.append(source_html(c))
    else:
        parts.append('<div class="qa-label">可在「文件」页查看已收录的文件。</div>')
    parts.append("</div>")
    return "\n".join(parts)


# ---------------------------------------------------------------- search and documents (pure)

def search_rows(results: list[Result]) -> list[list[Any]]:
    """Rows for the search table, in the order search() ranked them (code hits first)."""
    rows = []
    for r in results:
        c = r.citation
        rows.append([r.rank, VIA_LABELS.get(r.via, r.via), r.department, r.year or "", c.source,
                     c.section or "—", _lines(c).replace("第 ", "").replace(" 行", ""), _one_line(r.marked)])
    return rows


def search_status(query: str, results: list[Result], reason: str = "", note: str = "") -> str:
    """One line above the table: how many results, how many exact code hits, or why none."""
    from assistant.answering.question import parse

    codes = parse(query).codes
    n_code = sum(r.via == "code" for r in results)
    if not results:
        line = f"未找到匹配的段落{('：' + reason) if reason else ''}。"
    else:
        line = f"共 {len(results)} 条结果"
        if codes:
            shown = "、".join(f"`{c}`" for c in codes)
            line += (f"；识别到编码 {shown}，精确命中 {n_code} 条（排在最前）" if n_code
                     else f"；识别到编码 {shown}，但没有段落逐字包含它，以下为相近结果")
        line += "。"
    return f"{line}\n\n{note}" if note else line


def department_note(index: Index, department: str) -> str:
    """A warning when the department filter names no known organisation and so filters nothing."""
    if department and not index.departments.match(department).mention:
        return (f"⚠ 未识别部门“{html.escape(department)}”，结果未按部门筛选。"
                "请带上地区，如“魏县政府办”“江苏高院”。")
    return ""


def year_choices(index: Index) -> list[tuple[str, str]]:
    years = sorted({d.meta.year for d in index.doc_list if d.meta.year}, reverse=True)
    return [("全部年份", "")] + [(f"{y}年", str(y)) for y in years]


def document_rows(index: Index) -> list[list[Any]]:
    per_doc = Counter(c.doc_id for c in index.chunks)
    return [[d.source, d.meta.title, d.meta.department, d.meta.region, d.meta.year or "", d.meta.kind,
             d.format, per_doc[d.doc_id]] for d in index.doc_list]


def document_summary(index: Index) -> str:
    docs = index.doc_list
    depts = {d.meta.department for d in docs if d.meta.department}
    years = sorted({d.meta.year for d in docs if d.meta.year})
    span = f"{years[0]}–{years[-1]} 年" if len(years) > 1 else (f"{years[0]} 年" if years else "年份不详")
    kinds = Counter(d.meta.kind or "其他" for d in docs)
    kind_s = "，".join(f"{k} {n} 份" for k, n in kinds.most_common())
    return (f"共 **{len(docs)}** 份文件（{kind_s}），**{len(index.chunks)}** 个段落，"
            f"**{len(depts)}** 个部门，{span}。检索模型：`{index.embedder_spec}`；索引位置：`{index.path}`。")


# ---------------------------------------------------------------- the app

class _Shared:
    """The one loaded index all sessions read; a rebuild swaps it in one assignment."""

    def __init__(self, index: Index):
        self.index = index


def make_ui(index_path: Path, corpus: Path, embedder: str, index: Index | None = None) -> gr.Blocks:
    """The Blocks app over the index at index_path (loaded here unless given).

    corpus and embedder are what the 文件 tab's 更新索引 button rebuilds from.
    Raises assistant.index.store.IndexMissing when there is no index (app.py builds one first).
    """
    import gradio as gr

    from assistant.index import Index

    shared = _Shared(index if index is not None else Index.load(Path(index_path)))
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\n部门预算、部门决算公开文件的问答与检索。"
                    "答案中的每个数字都摘自原文，并注明出处（文件、章节、行号）。")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                _chat_tab(gr, shared)
            with gr.Tab("检索", id="search"):
                year_box = _search_tab(gr, shared)
            with gr.Tab("文件", id="docs"):
                _docs_tab(gr, shared, Path(index_path), Path(corpus), embedder, year_box)
    return demo


def _chat_tab(gr, shared: _Shared) -> None:
    chat = gr.Chatbot(label="问答", height="62vh", min_height=420, latex_delimiters=[], buttons=["copy"],
                      feedback_options=None,
                      placeholder="请输入关于部门预算、决算的问题，例如某部门某年的公务接待费。")
    with gr.Row():
        box = gr.Textbox(show_label=False, placeholder="例如：魏县政府办2020年公务接待费预算是多少？",
                         scale=6, submit_btn=False, autofocus=True)
        send = gr.Button("发送", variant="primary", scale=1, min_width=80)
        clear = gr.Button("清空", scale=1, min_width=80)
    examples = gr.Dataset(components=[box], samples=[[q] for q in EXAMPLES], label="示例问题（点击即问）")
    ask = _asker(shared)
    # One public API endpoint per action ("/ask", "/search", "/update_index"); the
    # duplicate triggers of the same action stay out of the API page.
    box.submit(ask, [box, chat], [chat, box], api_name="ask")
    send.click(ask, [box, chat], [chat, box], api_visibility="private")
    # Clicking an example asks it at once: one click, one answer.
    examples.click(lambda sample, history: ask(sample[0], history), [examples, chat], [chat, box],
                   api_visibility="private")
    clear.click(lambda: ([], ""), None, [chat, box], api_visibility="private")


def _asker(shared: _Shared) -> Callable[[str, list], tuple[list, str]]:
    def ask(message: str, history: list) -> tuple[list, str]:
        from assistant.answering.answer import answer

        message = (message or "").strip()
        if not message:
            return history, ""
        reply = render_answer(answer(shared.index, message))
        history = list(history or []) + [{"role": "user", "content": html.escape(message)},
                                         {"role": "assistant", "content": reply}]
        return history, ""

    return ask


def _search_tab(gr, shared: _Shared):
    with gr.Row():
        query = gr.Textbox(label="检索词", placeholder="公务接待费、434-1601-JXN-0UT4、2010301 …", scale=4)
        dept = gr.Textbox(label="部门（可填简称）", placeholder="如：魏县政府办、江苏高院", scale=2)
        year = gr.Dropdown(choices=year_choices(shared.index), value="", label="年度", scale=1)
        k = gr.Dropdown(choices=[10, 20, 50], value=10, label="结果数", scale=1, min_width=90)
    go = gr.Button("检索", variant="primary")
    gr.Markdown(CODE_HINT)
    status = gr.Markdown()
    table = gr.Dataframe(headers=SEARCH_HEADERS, value=[], interactive=False, wrap=True,
                         column_widths=["4%", "9%", "10%", "6%", "14%", "15%", "7%", "35%"])
    gr.Examples(SEARCH_EXAMPLES, inputs=[query, dept, year], label="示例")

    def run(q: str, d: str, y: str, n: float) -> tuple[list, str]:
        from assistant.answering.question import parse
        from assistant.answering.retrieve import scope
        from assistant.answering.search import search

        q, d = (q or "").strip(), (d or "").strip()
        if not q:
            return [], "请输入检索词。"
        yr = int(y) if y else None
        results = search(shared.index, q, department=d, year=yr, k=int(n))
        # search() returns [] without saying why; scope() knows (unknown department, no such year).
        reason = "" if results else scope(shared.index, parse(q), department=d, year=yr).reason
        return search_rows(results), search_status(q, results, reason, department_note(shared.index, d))

    go.click(run, [query, dept, year, k], [table, status], api_name="search")
    for trigger in (query.submit, dept.submit):
        trigger(run, [query, dept, year, k], [table, status], api_visibility="private")
    return year


def _docs_tab(gr, shared: _Shared, index_path: Path, corpus: Path, embedder: str, year_box) -> None:
    summary = gr.Markdown(document_summary(shared.index))
    table = gr.Dataframe(headers=DOC_HEADERS, value=document_rows(shared.index), interactive=False,
                         wrap=True, show_search="search",
                         column_widths=["24%", "24%", "18%", "9%", "6%", "8%", "5%", "6%"])
    with gr.Row(equal_height=True):
        rebuild = gr.Button("更新索引", scale=0, min_width=120)
        note = gr.Markdown(f"从 `{corpus}` 更新：只读入新增或改动过的文件，已删除的文件从索引中移除。")

    def update(progress=gr.Progress()) -> tuple:
        from assistant.index.build import build
        from assistant.index import Index

        errors: list[str] = []
        try:
            report = build([corpus], index_path, embedder_spec=embedder, on_error=errors.append,
                           report=lambda stage, done, total, eta: progress((done, total), desc=stage))
        except (FileNotFoundError, ValueError) as e:  # folder gone or emptied: the old index stays
            raise gr.Error(str(e)) from None
        shared.index = Index.load(index_path)
        msg = (f"已更新：{report.documents} 份文件（新读入 {report.read}，未变 {report.reused}，"
               f"移除 {report.removed}），{report.chunks} 个段落。")
        if errors:
            msg += "\n\n有问题的文件：\n" + "\n".join(f"- {html.escape(e)}" for e in errors)
        return (document_summary(shared.index), document_rows(shared.index), msg,
                gr.Dropdown(choices=year_choices(shared.index), value=""))

    rebuild.click(update, None, [summary, table, note, year_box], concurrency_limit=1,
                  api_name="update_index")


def launch(demo: gr.Blocks, host: str, port: int, **kwargs: Any):
    """Serve demo with this UI's theme and CSS (Gradio 6 takes both at launch)."""
    import gradio as gr

    theme = gr.themes.Soft(primary_hue="amber", font=FONTS, font_mono=MONO_FONTS)
    return demo.launch(server_name=host, server_port=port, css=CSS, theme=theme, **kwargs)
