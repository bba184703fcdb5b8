"""Saved web pages (.html/.htm): the visible text, one block element per line.

Parsed with beautifulsoup4 and the stdlib html.parser (no lxml needed). Bytes are decoded
with the charset the page declares when it really decodes, else with the detection in
text.decode (many 政务公开 pages are GBK without saying so). Table rows become TAB-joined
lines like in the other readers.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from assistant.ingest.text import decode
from assistant.ingest.xlsx import clean_cell, row_lines
from assistant.records import SourceText

# Page furniture and non-text; <nav> is menus, which would otherwise open every document.
_DROP = {"script", "style", "nav", "noscript", "template", "head", "iframe", "svg", "canvas",
         "object", "embed", "select", "button"}
_BLOCK = {"address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog",
          "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
          "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "section", "summary", "table",
          "tbody", "thead", "tfoot", "ul", "body", "html"}
_SPACE = re.compile(r"[ \t\r\n\f\v\xa0]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def read(path: Path) -> SourceText:
    path = Path(path)
    data = path.read_bytes()
    text, encoding = decode_html(data, str(path))
    return SourceText(path=str(path), text=html_to_text(text), format="html", encoding=encoding)


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration is wrong (common after a re-save); detect instead
    return decode(data, name)


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    # Pages labelled gb2312/gbk routinely use characters only GB18030 has (e.g. 堃, 赟).
    return "gb18030" if name in ("gb2312", "gbk", "hz") else name


def html_to_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_is_invisible):
        tag.decompose()
    out: list[str] = []
    _walk(soup, out)
    lines = (ln.strip(" \u3000") for ln in "".join(out).split("\n"))
    return "\n".join(ln for ln in lines if ln.strip("\t \u3000"))


def _is_invisible(tag: Any) -> bool:
    if tag.name in _DROP:
        return True
    attrs = getattr(tag, "attrs", None) or {}
    return "hidden" in attrs or bool(_HIDDEN.search(str(attrs.get("style", ""))))


def _walk(node: Any, out: list[str]) -> None:
    from bs4 import NavigableString
    from bs4.element import PreformattedString

    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                out.append(_SPACE.sub(" ", str(child)))
        elif child.name == "br":
            out.append("\n")
        elif child.name == "pre":
            out.append("\n" + child.get_text().replace("\t", " ") + "\n")
        elif child.name == "table":
            out.append("\n" + "\n".join(table_lines(child)) + "\n")
        elif child.name == "tr":  # a row outside any table (broken markup)
            out.append("\n" + "\t".join(_cell(td) for td in child.find_all(["td", "th"], recursive=False)) + "\n")
        elif child.name in _BLOCK:
            out.append("\n")
            _walk(child, out)
            out.append("\n")
        else:
            _walk(child, out)


def table_lines(table: Any) -> list[str]:
    """Caption, then one TAB-joined line per row, with colspan/rowspan kept as empty cells
    so that every value stays under its column header."""
    lines: list[str] = []
    caption = table.find("caption", recursive=False)
    if caption is not None:
        lines.append(_cell(caption))
    grid: list[list[str]] = []
    covered: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            grid.append(_grid_row(tr, covered))
    return [ln for ln in lines if ln] + row_lines(grid)


def _grid_row(tr: Any, covered: dict[int, int]) -> list[str]:
    row: list[str] = []
    col = 0

    def skip_covered() -> None:
        nonlocal col
        while covered.get(col, 0) > 0:
            covered[col] -= 1
            row.append("")
            col += 1

    for td in tr.find_all(["td", "th"], recursive=False):
        skip_covered()
        across, down = _span(td.get("colspan")), _span(td.get("rowspan"))
        row.extend([_cell(td)] + [""] * (across - 1))
        for c in range(col, col + across):
            if down > 1:
                covered[c] = down - 1
        col += across
    for c in [c for c, n in covered.items() if c >= col and n > 0]:
        covered[c] -= 1  # covered columns after the last cell: nothing to print
    return row


def _span(value: Any) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def _cell(td: Any) -> str:
    parts: list[str] = []
    _walk(td, parts)
    return clean_cell("".join(parts))
