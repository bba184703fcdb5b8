"""The 数据 and 审计 tabs' HTML: the matching figures as a table linked to the document view,
a chart of one item, export links; the audit's findings grouped by document, each with
what was expected, what was found and the quoted lines.

Pure functions over figures.query's results, tested without a browser. Every piece of
document or user text is escaped here: a disclosure's row label can read "<i>行政运行</i>".
"""
from __future__ import annotations

import html
from typing import Any, Mapping
from urllib.parse import urlencode

from assistant.apps.answer_html import chart_svg, lines_label, table_html, view_link
from assistant.figures.audit import Finding
from assistant.figures.query import CHECK_LABELS, FigureFilter
from assistant.figures.records import Figure

SHOWN_ROWS = 200  # figures the tab lists; the export holds every one (like `figures` on a terminal)
HEADERS = ["文件", "行", "项目", "列", "数值", "单位", "万元", "原文"]
CHART_HINT = ('<div class="qa-label fg-chart-note">图表需要同一项目的两个以上数值：填写“项目”，'
              "再选一个年度（按部门比较）或一个部门（按年度比较）。</div>")
MAX_LINK_QUOTES = 4  # quoted lines shown per finding (the audit stores at most four)


def filter_text(f: FigureFilter) -> str:
    """The filters in words, escaped: 魏县政府办、2020年、项目“公务接待费”."""
    parts = [f.region, f.department, f"{f.year}年" if f.year else "", f.kind,
             f"项目“{f.item}”" if f.item else "", f"编码 {f.code}" if f.code else "",
             {"table": "表格", "prose": "正文"}.get(f.origin, "")]
    return html.escape("、".join(p for p in parts if p))


def status_html(f: FigureFilter, total: int, shown: int) -> str:
    """One line: how many figures match and how many are listed."""
    scope = filter_text(f) or "全部文件"
    if not total:
        return f'<div class="sr-status fg-status">{scope}：没有符合条件的数字。</div>'
    more = f"；下表列出前 {shown} 条，导出可得全部" if shown < total else ""
    return f'<div class="sr-status fg-status">{scope}：共 <b>{total}</b> 个数字{more}。</div>'


def figures_table(figures: list[Figure]) -> str:
    """The figures as a table: document (linked to its lines), line, item, column, value as
    printed, unit, 万元, and the verbatim row or sentence."""
    if not figures:
        return ""
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    return (f'<table class="sr-table fg-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(_row(x) for x in figures)}</tbody></table>')


def _row(x: Figure) -> str:
    href = view_link(x.doc_id, x.line_start, x.line_end, x.quote, [x.value_text])
    item = x.item + (f"（{x.code}）" if x.code else "")
    column = x.column if x.origin == "table" else "正文" + (f"·{x.measure}" if x.measure else "")
    wan = "" if x.value_wan is None else f"{x.value_wan:,.2f}"
    where = x.table_title if x.origin == "table" else x.section
    cells = [f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(x.doc_id)}</a>'
             + (f'<br><small>{html.escape(where)}</small>' if where else ""),
             str(x.line_start) if x.line_end == x.line_start else f"{x.line_start}–{x.line_end}",
             html.escape(item), html.escape(column), html.escape(x.value_text), html.escape(x.unit), wan,
             f'<div class="sr-passage">{html.escape(x.quote)}</div>']
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def chart_html(data: Mapping[str, Any]) -> str:
    """A series (query.series, AppState.figure_series) as a chart and a table of its values
    with their sources; a note instead when there is nothing to compare."""
    rows = data.get("rows") or []
    item = str(data.get("item", ""))
    if len(rows) < 2:
        return CHART_HINT
    across = "各年度" if data.get("type") == "line" else "各部门"
    title = f"{item}（{across}；取各文件正文写明的数，无则取表格）"
    return (f'<div class="fg-chart">{chart_svg(rows, {**data, "title": title})}{table_html(rows)}</div>')


def filter_params(f: FigureFilter) -> list[tuple[str, str]]:
    """The filter as the query parameters of /api/figures (empty ones left out)."""
    pairs = [("department", f.department), ("year", str(f.year or "")), ("item", f.item), ("code", f.code),
             ("region", f.region), ("kind", f.kind), ("origin", f.origin)]
    return [(k, v) for k, v in pairs if v]


def export_links(f: FigureFilter, total: int) -> str:
    """Buttons downloading every matching figure (not just the rows shown) as CSV and XLSX."""
    if not total:
        return ""
    qs = html.escape(urlencode(filter_params(f)))
    sep = "&amp;" if qs else ""
    return (f'<div class="sr-export fg-export">导出全部 {total} 个数字：'
            f'<a class="fg-button" href="api/figures/export?format=csv{sep}{qs}" download>CSV</a>　'
            f'<a class="fg-button" href="api/figures/export?format=xlsx{sep}{qs}" download>Excel (XLSX)</a></div>')


# ---------------------------------------------------------------- 审计

def audit_html(found: list[Finding], docs: Mapping[str, Any], scope: str = "") -> str:
    """The findings grouped by document, each with its check, what was expected and found,
    and its quoted lines linked to the document view."""
    where = f"“{html.escape(scope)}”" if scope else "全部文件"
    by_doc: dict[str, list[Finding]] = {}
    for f in found:
        by_doc.setdefault(f.doc_id, []).append(f)
    if not found:
        return f'<div class="sr-status au-status">{where}：没有发现前后不一致的数字。</div>'
    head = (f'<div class="sr-status au-status">{where}：共 <b>{len(found)}</b> 条发现，'
            f"涉及 {len(by_doc)} 份文件。每条引用原文行，点击行号查看原文。</div>")
    return head + "".join(_doc_section(doc_id, fs, docs.get(doc_id)) for doc_id, fs in by_doc.items())


def _doc_section(doc_id: str, found: list[Finding], doc) -> str:
    meta = getattr(doc, "meta", None)
    about = [meta.department, f"{meta.year}年" if meta.year else "", meta.kind] if meta else []
    href = f"view?{urlencode([('doc', doc_id)])}"
    title = (f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(doc_id)}</a>'
             f' <span class="au-about">{html.escape("｜".join(a for a in about if a))}（{len(found)} 条）</span>')
    items = "".join(_finding(f) for f in found)
    return f'<section class="au-doc"><h4>{title}</h4><ol class="au-list">{items}</ol></section>'


def _finding(f: Finding) -> str:
    label = CHECK_LABELS.get(f.check, f.check)
    quotes = []
    for n, q in zip(f.lines, f.quotes[:MAX_LINK_QUOTES]):
        marks = [f.found] if f.found and f.found in q else []
        href = view_link(f.doc_id, n, n, marks=marks)
        quotes.append(f'<div class="au-line"><a href="{html.escape(href)}" target="_blank" rel="noopener">'
                      f'第 {n} 行</a><div class="au-quote">{html.escape(q)}</div></div>')
    if len(f.lines) > len(quotes):
        href = view_link(f.doc_id, f.lines[0], f.lines[-1])
        quotes.append(f'<div class="au-line"><a href="{html.escape(href)}" target="_blank" rel="noopener">'
                      f'查看全部 {lines_label(f.lines[0], f.lines[-1])}</a></div>')
    return (f'<li class="au-finding"><span class="au-check">{html.escape(label)}</span> '
            f'<span class="au-message">{html.escape(f.message)}</span>'
            f'<div class="au-evidence">应为：<b>{html.escape(f.expected)}</b>　实为：<b>{html.escape(f.found)}</b></div>'
            f'{"".join(quotes)}</li>')


def audit_choices(found_by_doc: Mapping[str, list], doc_ids: list[str]) -> list[tuple[str, str]]:
    """The 审计 tab's document choices: all, then documents with findings first (with their
    count), then the others."""
    counted = sorted((d for d in doc_ids if found_by_doc.get(d)), key=lambda d: (-len(found_by_doc[d]), d))
    rest = [d for d in doc_ids if not found_by_doc.get(d)]
    return ([("全部文件", "")] + [(f"{d}（{len(found_by_doc[d])} 条）", d) for d in counted]
            + [(f"{d}（无）", d) for d in rest])
