"""The search page's HTML: one status line, the exact hits (a real table, so a copied
selection keeps its header row), the related passages in their own section, and the
documents list. Every piece of user or document text is escaped here.
"""
from __future__ import annotations

import html
from collections import Counter
from urllib.parse import urlencode

from assistant.answering.search import SORTS, Result, SearchPage
from assistant.apps.answer_html import lines_label, mark_html, view_link

VIA_LABELS = {"code": "编码精确命中", "text": "原文包含", "bm25": "关键词相近", "dense": "语义相近",
              "fused": "关键词+语义"}
HEADERS = ["#", "命中方式", "部门", "地区", "年度", "类别", "文件", "章节", "行", "段落（黄色为命中处）"]
DOC_HEADERS = ["文件", "标题", "部门", "地区", "年度", "类别", "格式", "段落数"]

CODE_HINT = ("**精确检索**：项目编码（如 `434-1601-JXN-0UT4`，大小写均可）、功能分类科目编码"
             "（`2010301`、`201 03 01`、`201-03-01` 写法等同）或任意词语；列出逐字包含它们的全部段落，"
             "总数为真实条数，可翻页、排序、导出。勾选“相关段落”另列不含检索词原文的相近段落。")


def status_html(page: SearchPage) -> str:
    """One consistent status line for a search (never two that disagree)."""
    q = html.escape(page.query)
    if page.reason:
        line = f"“{q}”未检索：{html.escape(page.reason)}。"
        if page.suggestions:
            line += "可选的部门：" + "、".join(html.escape(s) for s in page.suggestions) + "。"
        return f'<div class="sr-status sr-refused">{line}</div>'
    scope = _scope_text(page)
    if not (page.codes or page.words):
        return (f'<div class="sr-status">“{q}”只指定了{scope or "范围"}，没有要逐字查找的词或编码；'
                f'下方为相关段落。</div>')
    what = []
    if page.codes:
        what.append("编码 " + "、".join(f"<code>{html.escape(c)}</code>" for c in page.codes)
                    + "（各种写法均计入）")
    if page.words:
        what.append("词语 " + "、".join(f"“{html.escape(w)}”" for w in page.words))
    terms = "，".join(what)
    where = f"在{scope}的 {page.documents} 份文件中" if scope else f"在 {page.documents} 份文件中"
    if page.total:
        a = (page.page - 1) * page.per_page + 1
        b = a + len(page.results) - 1
        line = (f"“{q}”：{where}，逐字包含{terms}的段落共 <b>{page.total}</b> 条；"
                f"当前第 {a}–{b} 条（第 {page.page}/{page.pages} 页）。")
    else:
        line = f"“{q}”：{where}，没有段落逐字包含{terms}。"
        if page.related:
            line += "下方“相关段落”不含这些检索词原文，仅供参考。"
    return f'<div class="sr-status">{line}</div>'


def _scope_text(page: SearchPage) -> str:
    f = page.filters
    parts = [x for x in (f.region, f.department, f"{f.year}年" if f.year else "", f.kind) if x]
    if page.scope_note:
        parts.append(page.scope_note + "（取自检索词）")
    return html.escape("、".join(parts))  # filters are typed by the user


def results_html(page: SearchPage) -> str:
    """The exact hits of this page, then the related passages under their own heading."""
    out = []
    if page.results:
        out.append(_table(page.results, "sr-exact"))
    if page.related:
        out.append('<h4 class="sr-related-head">相关段落（不是精确命中：不含全部检索词原文，按相关度排列）</h4>')
        out.append(_table(page.related, "sr-related"))
    return "\n".join(out)


def _table(rows: list[Result], cls: str) -> str:
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    body = "".join(_row(r) for r in rows)
    return f'<table class="sr-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _row(r: Result) -> str:
    c = r.citation
    marks = list(dict.fromkeys(r.window[a:b] for a, b in r.spans))
    href = view_link(c.source, c.line_start, c.line_end, marks=marks)
    # open at the hit's own line; the whole passage stays highlighted
    href = href.rsplit("#", 1)[0] + f"#L{r.line or c.line_start}"
    passage = mark_html(r.window, r.spans)
    whole = ""
    if len(c.quote) > len(r.window):
        whole = f'<details class="sr-whole"><summary>全文</summary>{html.escape(c.quote)}</details>'
    cells = [str(r.rank), VIA_LABELS.get(r.via, r.via), html.escape(r.department), html.escape(r.region),
             str(r.year or ""), html.escape(r.kind),
             f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(c.source)}</a>',
             html.escape(c.section or "—"),
             f"{r.line}" + (f"<br><small>{lines_label(c.line_start, c.line_end)}</small>" if c.line_end != c.line_start else ""),
             f'<div class="sr-passage">{passage}</div>{whole}']
    return "<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>"


def export_links(page: SearchPage) -> str:
    """Links to download every exact hit (not just this page) as CSV and XLSX."""
    if page.reason or not page.total:
        return ""
    f = page.filters
    params = [("q", page.query), ("department", f.department), ("region", f.region),
              ("year", f.year or ""), ("kind", f.kind), ("sort", page.sort),
              ("order", "desc" if page.descending else "asc")]
    qs = urlencode([(k, v) for k, v in params if v != ""])
    return (f'<div class="sr-export">导出全部 {page.total} 条：'
            f'<a href="api/search/export?format=csv&amp;{html.escape(qs)}" download>CSV</a>　'
            f'<a href="api/search/export?format=xlsx&amp;{html.escape(qs)}" download>Excel (XLSX)</a></div>')


def sort_choices() -> list[tuple[str, str]]:
    return [(label, key) for key, label in SORTS.items()]


# ---------------------------------------------------------------- documents list

def documents_html(index, filter_text: str = "") -> str:
    """Every indexed document (or those whose name, title or department holds filter_text),
    each linked to its document view."""
    per_doc = Counter(c.doc_id for c in index.chunks)
    needle = filter_text.strip().lower()
    rows = []
    for d in index.doc_list:
        m = d.meta
        cells = [d.source, m.title, m.department, m.region, str(m.year or ""), m.kind, d.format]
        if needle and not any(needle in x.lower() for x in cells):
            continue
        href = f"view?{urlencode([('doc', d.source)])}"
        shown = [f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(d.source)}</a>']
        shown += [html.escape(x) for x in cells[1:]] + [str(per_doc[d.doc_id])]
        rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in shown) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in DOC_HEADERS)
    if not rows:
        return f'<div class="sr-status">没有文件的名称、标题或部门包含“{html.escape(filter_text)}”。</div>'
    return f'<table class="sr-table doc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def documents_summary(index, admin: bool = False) -> str:
    """Counts of what is indexed; the server's folders only for an administrator."""
    docs = index.doc_list
    depts = {d.meta.department for d in docs if d.meta.department}
    years = sorted({d.meta.year for d in docs if d.meta.year})
    span = f"{years[0]}–{years[-1]} 年" if len(years) > 1 else (f"{years[0]} 年" if years else "年份不详")
    kinds = Counter(d.meta.kind or "其他" for d in docs)
    kind_s = "，".join(f"{html.escape(k)} {n} 份" for k, n in kinds.most_common())
    line = (f"共 <b>{len(docs)}</b> 份文件（{kind_s}），<b>{len(index.chunks)}</b> 个段落，"
            f"<b>{len(depts)}</b> 个部门，{span}。检索模型：<code>{html.escape(index.embedder_spec)}</code>。")
    if admin:
        line += f"<br>索引位置：<code>{html.escape(str(index.path))}</code>"
    return f'<div class="sr-status">{line}</div>'


def lines_of(r: Result) -> str:
    return lines_label(r.citation.line_start, r.citation.line_end)
