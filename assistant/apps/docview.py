"""The document view: one indexed document as escaped text with line numbers and page
marks, opened at a citation's lines with the quote and figure highlighted; search within
it and jump to a line.

A plain server-rendered page with no script at all (its Content-Security-Policy forbids
them), so document text that looks like markup or a link stays text. The jump form
answers with a redirect to ``#L<n>``; a search lists and marks every occurrence.
"""
from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from assistant.records import Document

MAX_FIND_LIST = 200  # occurrences listed at the top of the page (all are marked)
MAX_PARAM = 300  # characters kept of a quote, mark or search term

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'self'")

# priority when spans overlap: a search hit shows over the quote, the figure over both
_QUOTE, _FIND, _FIGURE = 1, 2, 3
_CLASS = {_QUOTE: "q", _FIND: "s", _FIGURE: "f"}

STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
       margin: 0; color: #111827; background: #fff; }
header { position: sticky; top: 0; background: #fffbeb; border-bottom: 1px solid #f59e0b;
         padding: .5em 1em; z-index: 2; }
header h1 { font-size: 1.1em; margin: 0 0 .2em 0; }
header .meta { font-size: .85em; opacity: .8; }
header form { display: inline-block; margin: .3em 1em .1em 0; }
header input { font-size: .9em; padding: .15em .3em; }
.found { font-size: .85em; padding: .3em 1em; background: #f9fafb; border-bottom: 1px solid #e5e7eb;
         max-height: 8em; overflow: auto; }
.found a { margin-right: .6em; }
main { font-family: ui-monospace, Menlo, Consolas, "Noto Sans Mono CJK SC", monospace; font-size: .9em;
       padding: .5em 0 40vh 0; }
.ln { display: flex; white-space: pre-wrap; word-break: break-all; scroll-margin-top: 9em; }
.ln .n { flex: 0 0 4.5em; text-align: right; padding-right: .8em; color: #9ca3af; text-decoration: none;
         user-select: none; }
.ln .t { flex: 1; padding-right: 1em; }
.ln.hl { background: #fef3c7; }
.ln:target { outline: 2px solid #f59e0b; }
mark.q { background: #fde68a; color: inherit; }
mark.s { background: #bfdbfe; color: inherit; }
mark.f { background: #fde047; color: #111827; font-weight: 700; }
.pg { margin: .6em 0; padding: .1em 1em; color: #6b7280; font-size: .8em; border-top: 1px dashed #d1d5db; }
.missing { padding: 2em; }
"""


@dataclass
class ViewRequest:
    doc: str
    line_from: int = 0
    line_to: int = 0
    quote: str = ""
    marks: list[str] = field(default_factory=list)
    find: str = ""


def page_of_lines(text: str) -> list[int]:
    """Page number of each line (form feeds start pages)."""
    pages, page = [], 1
    for line in text.split("\n"):
        if line.startswith("\f"):
            page += line.count("\f")
        pages.append(page)
    return pages


def loose_pattern(term: str, ignore_case: bool = False) -> re.Pattern | None:
    """term matched with any whitespace (and page breaks) between its characters."""
    chars = [re.escape(c) for c in term if not c.isspace()]
    if not chars:
        return None
    return re.compile(r"[\s\f]*".join(chars), re.IGNORECASE if ignore_case else 0)


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _spans(doc: Document, req: ViewRequest, starts: list[int]) -> tuple[list[tuple[int, int, int]], list[int]]:
    """(start, end, kind) of every highlighted span in doc.text, and the lines of find hits."""
    text = doc.text
    n = len(starts)
    out: list[tuple[int, int, int]] = []
    region = (0, len(text))
    if req.line_from:
        a = starts[min(req.line_from, n) - 1]
        b = starts[req.line_to] if req.line_to < n else len(text)
        region = (a, b)
        pat = loose_pattern(req.quote[:MAX_PARAM]) if req.quote else None
        m = pat.search(text, max(0, a - 200), min(len(text), b + 200)) if pat else None
        if m:
            out.append((m.start(), m.end(), _QUOTE))
            region = (min(a, m.start()), max(b, m.end()))
    for term in req.marks:
        pat = loose_pattern(term[:MAX_PARAM])
        if pat:
            out += [(m.start(), m.end(), _FIGURE) for m in pat.finditer(text, *region)]
    found_lines: list[int] = []
    pat = loose_pattern(req.find[:MAX_PARAM], ignore_case=True) if req.find else None
    if pat:
        for m in pat.finditer(text):
            out.append((m.start(), m.end(), _FIND))
            found_lines.append(bisect.bisect_right(starts, m.start()))
    return out, found_lines


def _line_html(line: str, offset: int, spans: list[tuple[int, int, int]]) -> str:
    """One line escaped, with the parts covered by spans wrapped in <mark class=…>."""
    text = line.replace("\f", "")
    shift = len(line) - len(text)  # form feeds lead the line
    kinds = [0] * len(text)
    for a, b, kind in spans:
        for i in range(max(a - offset - shift, 0), min(b - offset - shift, len(text))):
            kinds[i] = max(kinds[i], kind)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and kinds[j] == kinds[i]:
            j += 1
        piece = html.escape(text[i:j])
        out.append(f'<mark class="{_CLASS[kinds[i]]}">{piece}</mark>' if kinds[i] else piece)
        i = j
    return "".join(out)


def render_document(doc: Document, req: ViewRequest) -> str:
    """The whole page for one document."""
    text = doc.text
    lines = text.split("\n")
    starts = _line_starts(text)
    spans, found_lines = _spans(doc, req, starts)
    by_line: dict[int, list[tuple[int, int, int]]] = {}
    for a, b, kind in spans:
        first, last = bisect.bisect_right(starts, a), bisect.bisect_right(starts, max(a, b - 1))
        for n in range(first, last + 1):
            by_line.setdefault(n, []).append((a, b, kind))
    pages = page_of_lines(text)
    hl = range(req.line_from, (req.line_to or req.line_from) + 1) if req.line_from else range(0)
    body: list[str] = []
    if pages[-1] > 1:
        body.append('<div class="pg" id="P1">第 1 页</div>')
    for n, line in enumerate(lines, 1):
        if n > 1 and pages[n - 1] != pages[n - 2]:
            body.append(f'<div class="pg" id="P{pages[n - 1]}">第 {pages[n - 1]} 页</div>')
        shown = _line_html(line, starts[n - 1], by_line[n]) if n in by_line else html.escape(line.replace("\f", ""))
        cls = "ln hl" if n in hl else "ln"
        body.append(f'<div class="{cls}" id="L{n}"><a class="n" href="#L{n}">{n}</a><span class="t">{shown}</span></div>')
    return _page(doc, req, "\n".join(body), len(lines), pages[-1], found_lines)


def _page(doc: Document, req: ViewRequest, body: str, n_lines: int, n_pages: int, found: list[int]) -> str:
    m = doc.meta
    title = m.title or doc.source
    facts = [m.department, m.region, f"{m.year}年" if m.year else "", m.kind, doc.format.upper(),
             f"{n_lines} 行", f"{n_pages} 页" if n_pages > 1 else ""]
    meta = "｜".join(html.escape(f) for f in facts if f)
    keep = [("doc", doc.source)]
    if req.line_from:
        keep += [("from", req.line_from), ("to", req.line_to or req.line_from)]
    hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(str(v), quote=True)}">' for k, v in keep)
    found_html = ""
    if req.find:
        head = f"“{html.escape(req.find[:MAX_PARAM])}”：共 {len(found)} 处" if found else \
            f"本文件中没有“{html.escape(req.find[:MAX_PARAM])}”"
        links = " ".join(f'<a href="#L{n}">第 {n} 行</a>' for n in found[:MAX_FIND_LIST])
        more = f" …（另 {len(found) - MAX_FIND_LIST} 处已在正文中标出）" if len(found) > MAX_FIND_LIST else ""
        found_html = f'<div class="found">{head}{"：" if found else ""}{links}{more}</div>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} — 原文</title><style>{STYLE}</style></head>
<body><header><h1>{html.escape(title)}</h1>
<div class="meta">{html.escape(doc.source)}｜{meta}　<a href="./">返回问答</a></div>
<form method="get" action="view">{hidden}<input name="find" value="{html.escape(req.find[:MAX_PARAM], quote=True)}" placeholder="在本文件中查找" aria-label="在本文件中查找"> <button>查找</button></form>
<form method="get" action="view">{hidden}<input name="goto" type="number" min="1" max="{n_lines}" placeholder="行号" aria-label="跳到行号" style="width:6em"> <button>跳到该行</button></form>
</header>{found_html}
<main>
{body}
</main></body></html>"""


def goto_location(doc: str, goto: int, n_lines: int, keep: list[tuple[str, str]]) -> str:
    """Where the jump form sends the browser: the same view, at line goto (clamped)."""
    line = max(1, min(goto, n_lines))
    return f"view?{urlencode([('doc', doc)] + [kv for kv in keep if kv[0] != 'doc'])}#L{line}"


def missing_page(doc: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>文件不在索引中</title><style>{STYLE}</style></head>
<body><div class="missing"><h1>文件不在索引中</h1><p>“{html.escape(doc[:MAX_PARAM])}”不在当前索引中：
它可能已被删除或改名。请在<a href="./">问答页</a>的「文件」中查看已收录的文件。</p></div></body></html>"""
