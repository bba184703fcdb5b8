"""One chat answer as HTML and as plain text: figure, what it was based on, each quote
with its source linked to the document view, and a copy button holding the plain text.

Rendering works on the answer's JSON (Answer.to_json()), the shape stored in the
browser and returned by /api/ask, and keeps to the keys it knows: fields the answering
core adds later are ignored until shown here; "parts" (several answers to one question)
are rendered one after another. Every piece of text is escaped; document text never
becomes markup.
"""
from __future__ import annotations

import html
import re
from typing import Any, Mapping
from urllib.parse import urlencode

from assistant.records import Answer

VIEW = "view"  # the document view, relative to the app's root (works behind a sub-path proxy)
MAX_LINK_QUOTE = 300  # characters of a quote carried in a link (a quote is at most 300)


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
    text = quote.replace("\t", " ")
    body = mark_html(text, figure_spans(text, figure))
    lines = [ln.strip() for ln in body.split("\n")]
    return "<br>".join(ln for ln in lines if ln)


def view_link(source: str, line_start: int, line_end: int | None = None, quote: str = "",
              marks: list[str] | None = None) -> str:
    """The document view's address, opened at line_start with the lines highlighted."""
    params: list[tuple[str, Any]] = [("doc", source), ("from", line_start), ("to", line_end or line_start)]
    if quote:
        params.append(("quote", quote[:MAX_LINK_QUOTE]))
    params += [("mark", m) for m in (marks or []) if m]
    return f"{VIEW}?{urlencode(params)}#L{line_start}"


def lines_label(line_start: int, line_end: int) -> str:
    return f"第 {line_start} 行" if line_start == line_end else f"第 {line_start}–{line_end} 行"


def source_html(c: Mapping[str, Any], figure: str | None = None) -> str:
    """Where a quote stands, as a link to the document view at its lines, then the details."""
    lines = lines_label(c["line_start"], c["line_end"])
    href = view_link(c["source"], c["line_start"], c["line_end"], c.get("quote", ""), [figure or ""])
    page = f"｜第 {c['page']} 页" if c.get("page") else ""
    section = c.get("section") or "（无标题）"
    return (f'<div class="qa-source"><a class="qa-cite" href="{html.escape(href)}" target="_blank" '
            f'rel="noopener">{html.escape(c["source"])}｜{lines}{page}</a>'
            f'<span class="qa-section">　{html.escape(section)}</span></div>')


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def as_json(a: Answer | Mapping[str, Any]) -> dict[str, Any]:
    return a.to_json() if isinstance(a, Answer) else dict(a)


def basis(a: Mapping[str, Any], docs: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Department, year, kind and document the answer used: the answer's own fields when
    the core gives them, else the first citation's document in the index."""
    cites = a.get("citations") or []
    source = a.get("document") or a.get("source") or (cites[0]["source"] if cites else "")
    meta = getattr(docs.get(source), "meta", None) if docs is not None and source else None
    out = {
        "department": a.get("department") or (meta.department if meta else ""),
        "year": str(a.get("year") or (meta.year if meta and meta.year else "") or ""),
        "kind": a.get("kind") or (meta.kind if meta else ""),
        "document": (meta.title if meta and meta.title else "") or (cites[0].get("title", "") if cites else ""),
        "source": source,
    }
    return {k: str(v) for k, v in out.items()}


def render_answer(a: Answer | Mapping[str, Any], docs: Mapping[str, Any] | None = None) -> str:
    """One chat reply as HTML (one block without blank lines; see quote_html)."""
    data = as_json(a)
    parts = data.get("parts")
    if isinstance(parts, list) and parts:
        body = "\n".join(_render_one(p, docs) for p in parts if isinstance(p, Mapping))
    else:
        body = _render_one(data, docs)
    return (f'<div class="qa-answer">\n{body}\n{copy_button(answer_text(data, docs))}</div>')


def _render_one(a: Mapping[str, Any], docs) -> str:
    return _render_found(a, docs) if a.get("found") else _render_not_found(a)


def _render_found(a: Mapping[str, Any], docs) -> str:
    figure = a.get("figure")
    parts = []
    if figure:
        parts.append(f'<div class="qa-figure">{html.escape(figure)}</div>')
    text = _one_line(a.get("answer", ""))
    spans = figure_spans(text, figure)[:1]  # the answer opens with the figure; bold it once
    parts.append(f'<div class="qa-text">{mark_html(text, spans, "strong")}</div>')
    used = basis(a, docs)
    shown = [used["department"], f"{used['year']}年" if used["year"] else "", used["kind"],
             f"《{used['document']}》" if used["document"] else ""]
    if any(shown) and not a.get("table"):
        parts.append(f'<div class="qa-basis">依据：{html.escape("｜".join(s for s in shown if s))}</div>')
    rows = a.get("table")
    if isinstance(rows, list) and rows:
        parts.append(table_html(rows))
        parts.append(chart_svg(rows, a.get("chart") if isinstance(a.get("chart"), Mapping) else {}))
    for i, c in enumerate(a.get("citations") or []):
        label = "原文" if i == 0 else "相关原文"
        parts.append(f'<div class="qa-label">{label}</div>')
        # The first citation holds the figure (core contract); where a later one states
        # the same figure, marking it there too helps the reader cross-check.
        parts.append(f'<blockquote class="qa-quote">{quote_html(c.get("quote", ""), figure)}</blockquote>')
        parts.append(source_html(c, figure))
    return "\n".join(parts)


def table_html(rows: list) -> str:
    """An answer across documents as a small table: label, figure, source and lines."""
    body = []
    for r in rows:
        if not isinstance(r, Mapping):
            continue
        where = f"{r.get('source', '')}｜{lines_label(int(r.get('line_start') or 0), int(r.get('line_end') or 0))}"
        body.append(f"<tr><td>{html.escape(str(r.get('label', '')))}</td>"
                    f"<td class=\"qa-num\">{html.escape(str(r.get('figure', '')))}</td>"
                    f"<td>{html.escape(where)}</td></tr>")
    return ('<table class="qa-table"><thead><tr><th>部门/年度</th><th>数字（原文）</th><th>出处</th></tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


CHART_W, CHART_BAR, CHART_LABEL = 560, 18, 190  # pixels: width, bar height, label column


def chart_svg(rows: list, chart: Mapping[str, Any]) -> str:
    """A bar chart (departments) or a line chart (years) of the rows' values, as inline SVG
    with escaped labels: nothing loaded from elsewhere, nothing for a script to run."""
    pts = [(str(r.get("label", "")), float(r["value"])) for r in rows
           if isinstance(r, Mapping) and isinstance(r.get("value"), (int, float))]
    if len(pts) < 2:
        return ""
    top = max(v for _, v in pts) or 1.0
    unit = html.escape(str(chart.get("unit", "")))
    title = html.escape(str(chart.get("title", "")))
    if chart.get("type") == "line":
        w, h, pad = CHART_W, 200, 40
        step = (w - 2 * pad) / (len(pts) - 1)
        xy = [(pad + k * step, h - pad - (v / top) * (h - 2 * pad)) for k, (_, v) in enumerate(pts)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/><text x="{x:.1f}" y="{h - pad + 16}" '
                        f'text-anchor="middle">{html.escape(lab)}</text><text x="{x:.1f}" y="{y - 8:.1f}" '
                        f'text-anchor="middle">{v:,.2f}</text>' for (x, y), (lab, v) in zip(xy, pts))
        return (f'<svg class="qa-chart" role="img" aria-label="{title}" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
                f'<polyline fill="none" stroke="currentColor" points="{path}"/>{marks}'
                f'<text x="{pad}" y="14">{title}（{unit}）</text></svg>')
    h = CHART_BAR * len(pts) + 30
    span = CHART_W - CHART_LABEL - 80
    bars = "".join(
        f'<text x="{CHART_LABEL - 6}" y="{24 + k * CHART_BAR + 12}" text-anchor="end">{html.escape(lab[:16])}</text>'
        f'<rect x="{CHART_LABEL}" y="{24 + k * CHART_BAR + 2}" width="{max(1.0, v / top * span):.1f}" '
        f'height="{CHART_BAR - 5}"/><text x="{CHART_LABEL + max(1.0, v / top * span) + 4:.1f}" '
        f'y="{24 + k * CHART_BAR + 12}">{v:,.2f}</text>'
        for k, (lab, v) in enumerate(pts))
    return (f'<svg class="qa-chart" role="img" aria-label="{title}" viewBox="0 0 {CHART_W} {h}" width="{CHART_W}" '
            f'height="{h}"><text x="4" y="14">{title}（{unit}）</text>{bars}</svg>')


def _render_not_found(a: Mapping[str, Any]) -> str:
    # The core appends "以下是最接近的段落，供参考。"; the UI says it itself, more plainly.
    head = _one_line(a.get("answer", "")).split("以下是最接近的段落")[0]
    parts = [f'<div class="qa-text qa-notfound-head">{html.escape(head)}</div>']
    cites = a.get("citations") or []
    if cites:
        parts.append('<div class="qa-warn">以下是最接近的段落，不是答案，仅供参考：</div>')
        for c in cites:
            parts.append(f'<blockquote class="qa-near">{quote_html(c.get("quote", ""))}</blockquote>')
            parts.append(source_html(c))
    else:
        parts.append('<div class="qa-label">可在「文件」页查看已收录的文件。</div>')
    return "\n".join(parts)


def answer_text(a: Answer | Mapping[str, Any], docs: Mapping[str, Any] | None = None) -> str:
    """The answer as plain text for the clipboard: answer, then each quote with its source
    and lines, as one would paste it into a report."""
    data = as_json(a)
    parts = data.get("parts") if isinstance(data.get("parts"), list) and data.get("parts") else [data]
    out = []
    for p in parts:
        out.append(_one_line(p.get("answer", "")))
        for c in p.get("citations") or []:
            where = f"{c['source']}｜{c.get('section') or '（无标题）'}｜{lines_label(c['line_start'], c['line_end'])}"
            if c.get("page"):
                where += f"｜第 {c['page']} 页"
            out.append(f"原文：“{_one_line(c.get('quote', ''))}”\n出处：{where}")
    return "\n\n".join(out)


def copy_button(text: str) -> str:
    """A button that copies text via the app's script; the text sits escaped in a hidden
    element beside it (the chat's sanitizer drops data- attributes). Line breaks are
    character references: a blank line would end the chat's HTML block (see quote_html)."""
    kept = html.escape(text).replace("\n", "&#10;")
    return (f'<span class="qa-copy-text">{kept}</span>'
            '<button type="button" class="qa-copy" title="复制答案、原文、出处和行号（纯文本）">复制</button>')


def question_html(question: str) -> str:
    return f'<div class="qa-question">{html.escape(question)}</div>'
