"""Turn a document's raw text into clean paragraphs that still point into the raw text.

PDF-extracted disclosures wrap every line at the page width, put page numbers and
running headers between the halves of a sentence (dev question d004: "减少⏎30\\f⏎30.8 万元")
and sometimes double every glyph ("表表表表"). Retrieval and figure extraction work on the
cleaned text; quotes are cut from the raw text through ``Para.raw_span`` so that every
quote is verbatim by construction.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from assistant.textutil import CJK, ZERO_WIDTH, normalize_char

# A long document given a progress callback reports this many times per pass (lines
# cleaned, paragraphs sectioned, chunks tokenized): often enough to see it move.
PROGRESS_STEPS = 20
Progress = Callable[[int, int], None]  # (done, total)

_TERMINAL = "。！？；!?;"
# Page furniture: "- 23 -", "— 28 —", "第 3 页", "3/40".
_PAGE_NO = re.compile(r"^[-—–－\s]*(第\s*)?\d{1,3}\s*(页)?[-—–－\s]*$|^\d{1,3}\s*/\s*\d{1,3}$")
_DASHED_PAGE_NO = re.compile(r"^[-—–－]\s*\d{1,3}\s*[-—–－]$")
_TOC_LEADER = re.compile(r"(\.{4,}|…{2,}|·{4,}|\s…\s*$|^…+$)")
_BREADCRUMB = re.compile(r"(当前位置[:：]|首页\s*[>》]|微信\s*微博|QQ空间|打印本页|关闭窗口|【字体)")
_SPACE_BETWEEN = re.compile(rf"(?<=[{CJK}“”（）《》、，。：；])[ \t\u3000]+(?=[{CJK}\d“”（）《》、，。：；])"
                            rf"|(?<=[\d{CJK}“”（）《》、，。：；])[ \t\u3000]+(?=[{CJK}“”（）《》、，。：；])")
_NUMBER_CELL = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")


@dataclass
class Line:
    no: int  # 1-based line number in the raw text
    start: int  # offset of the line in the raw text
    raw: str  # without the trailing newline
    page: int
    kind: str = "text"  # text | blank | noise | table


@dataclass
class Para:
    """A run of cleaned text and, piece by piece, where it came from in the raw text."""

    kind: str = "prose"  # prose | table | heading
    line_start: int = 0
    line_end: int = 0
    page: int = 1
    # (offset in text, offset in raw, length): runs of characters copied unchanged
    # (or normalised one for one; see clean_line)
    segments: list[tuple[int, int, int]] = field(default_factory=list)
    # Pieces joined on first read of ``text``: a table of 100,000 rows is one paragraph,
    # and growing one string row by row copied it 100,000 times (minutes, not seconds).
    _parts: list[str] = field(default_factory=list, repr=False)
    _size: int = 0

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def ends_sentence(self) -> bool:
        return bool(self._parts) and self._parts[-1][-1] in _TERMINAL

    def append(self, piece: str, raw_start: int, line: Line) -> None:
        if not piece:
            return
        if not self.line_start:
            self.line_start, self.page = line.no, line.page
        self.line_end = line.no
        self.segments.append((self._size, raw_start, len(piece)))
        self._parts.append(piece)
        self._size += len(piece)

    def raw_span(self, a: int, b: int) -> tuple[int, int]:
        return raw_span(self.segments, a, b)


def raw_offset(segments: list[tuple[int, int, int]], i: int) -> int:
    """Raw offset of cleaned character i (the nearest mapped one at or before it)."""
    k = max(0, bisect.bisect_right(segments, (i, float("inf"), 0)) - 1)
    pos, raw, length = segments[k]
    return raw + min(max(i - pos, 0), length - 1)


def raw_span(segments: list[tuple[int, int, int]], a: int, b: int) -> tuple[int, int]:
    """Raw [start, end) covering cleaned characters [a, b)."""
    return raw_offset(segments, a), raw_offset(segments, max(a, b - 1)) + 1


def split_lines(text: str) -> list[Line]:
    lines, pos, page = [], 0, 1
    for no, raw in enumerate(text.split("\n"), 1):
        # A form feed at a line's start begins a new page; one at its end closes the page.
        if raw.startswith("\f"):
            page += 1
        lines.append(Line(no=no, start=pos, raw=raw, page=page))
        if raw.endswith("\f") and not raw.startswith("\f"):
            page += 1
        pos += len(raw) + 1
    return lines


def mark_noise(lines: list[Line]) -> None:
    """Mark blank lines, page numbers, TOC leaders, running headers and web breadcrumbs."""
    pages: dict[int, list[Line]] = {}
    for ln in lines:
        s = ln.raw.strip(" \t\f\u3000")
        if not s:
            ln.kind = "blank"
            continue
        pages.setdefault(ln.page, []).append(ln)
        # Only short lines are furniture: a web page collapsed into one line holds the
        # breadcrumb and the whole document (Pingtan).
        if len(s) <= 100 and (_DASHED_PAGE_NO.match(s) or _TOC_LEADER.search(s) or _BREADCRUMB.search(s)):
            ln.kind = "noise"
    edge = [ln for page in pages.values() for ln in page[:2] + page[-2:]]
    for ln in edge:
        s = ln.raw.strip(" \t\f\u3000")
        if _PAGE_NO.match(s):
            ln.kind = "noise"
    # Running headers/footers: the same short line at the edge of many pages.
    if len(pages) >= 4:
        # A header is a title, not a sentence: lines with clause punctuation never count.
        # Nor a table row with a figure: "2210202 提租补贴 1,235.41" ends several tables of
        # the 2017 江苏省委办公厅 budget, each at the foot of a page.
        counts = Counter(_squash(ln.raw) for ln in edge
                         if len(_squash(ln.raw)) <= 40 and not re.search(r"[，。；]|\d\.\d", ln.raw))
        repeated = {t for t, n in counts.items() if n >= max(3, len(pages) // 3)}
        for ln in edge:
            if _squash(ln.raw) in repeated:
                ln.kind = "noise"


def _squash(s: str) -> str:
    return re.sub(r"[\s\d]+", "", s)


def is_table_line(raw: str) -> bool:
    """A flattened table row: tab-separated cells, or several number cells in a row."""
    if raw.startswith("\t") or raw.count("\t") >= 1:
        return True
    cells = raw.split()
    if len(cells) < 3:
        return False
    numbers = sum(1 for c in cells if _NUMBER_CELL.match(c))
    # A wrapped sentence with figures ("24,169.74 万元，与上年相比…增加 2214.39") has
    # clause punctuation inside a long cell; a table row does not.
    if any(re.search(r"[，。；]", c) for c in cells):
        return False
    # "142.80 万元" is prose with a spaced-out figure; table cells carry no units.
    if any(_NUMBER_CELL.match(a) and re.match(r"(万元|元|%|％|万)", b) for a, b in zip(cells, cells[1:])):
        return False
    return numbers >= 2 and numbers >= len(cells) / 3


def row_like(raw: str) -> bool:
    """A line shaped like a table row with one figure: label cells, then a number cell
    ("家具用具 分散自行组织 48.00"). Alone it may be a wrapped sentence; in a run it is a table."""
    cells = raw.split()
    return len(cells) >= 2 and bool(_NUMBER_CELL.match(cells[-1])) \
        and not any(re.search(r"[，。；：:,]", c) for c in cells[:-1]) \
        and not re.match(r"(万元|元|%|％|万)", cells[-1])


ROW_RUN = 3  # consecutive row-like lines that make a table (a 政府采购预算表 lists one figure a row)


def table_lines(lines: list[Line]) -> list[bool]:
    """Which lines are table rows: each by its own shape, and runs of ROW_RUN or more
    one-figure rows ("台式计算机（20万以下） 分散自行组织 10.80") together."""
    flags = [ln.kind == "text" and is_table_line(ln.raw) for ln in lines]
    run: list[int] = []
    for i, ln in enumerate(lines + [Line(no=0, start=0, raw="", page=0)]):
        if ln.kind in ("noise",):
            continue
        if i < len(lines) and ln.kind == "text" and not flags[i] and row_like(ln.raw.strip(" \t\f\u3000")):
            run.append(i)
            continue
        if len(run) >= ROW_RUN:
            for j in run:
                flags[j] = True
        run = []
    return flags


def unbold(s: str) -> list[tuple[int, str]]:
    """Collapse fake-bold glyph runs ("年年年年年年部部部部部部") to one glyph each.

    Returns (index in s, char) pairs kept; a line is only touched when most of it
    repeats every glyph the same number of times, so "1000" or "……" survive.
    """
    runs = [(m.start(), m.group()) for m in re.finditer(r"(.)\1*", s)]
    lengths = Counter(len(r) for _, r in runs if not r[0].isspace())
    if not lengths:
        return list(enumerate(s))
    k, n = lengths.most_common(1)[0]
    covered = sum(len(r) for _, r in runs if len(r) % k == 0 and len(r) >= k)
    if k < 2 or n < 4 or covered < 0.7 * len(s.replace(" ", "")):
        return list(enumerate(s))
    kept = []
    for start, run in runs:
        keep = max(1, len(run) // k) if len(run) >= k else len(run)
        kept.extend((start + j, run[0]) for j in range(keep))
    return kept


def clean_line(ln: Line) -> list[tuple[int, str]]:
    """(raw offset, char) pairs of the cleaned line: glyphs de-doubled, spaces between
    Chinese characters dropped (PDF extraction spaces out titles: 江 苏 省)."""
    kept = unbold(ln.raw)
    text = "".join(ch for _, ch in kept)
    drop = {m.start() + j for m in _SPACE_BETWEEN.finditer(text) for j in range(len(m.group()))}
    out = [(ln.start + i, ch) for k, (i, ch) in enumerate(kept) if k not in drop and ch != "\f"]
    out = normalise(out)
    # Trim outer white space.
    while out and out[0][1].isspace():
        out.pop(0)
    while out and out[-1][1].isspace():
        out.pop()
    return out


_ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")


def normalise(pairs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """NFKC per character, zero-width characters dropped (textutil.normalize_char), as
    questions are normalised: "２０２０年" reads 2020年 and "2020\u200b年" reads 2020年.

    A character that becomes several ("㎡" -> "m2") gives each of them its own raw
    offset, one that becomes none leaves no pair: every cleaned character still points
    at the raw character it came from, so quotes stay verbatim slices of the original.
    """
    text = "".join(ch for _, ch in pairs)
    if unicodedata.is_normalized("NFKC", text) and not _ZERO_WIDTH_RE.search(text):
        return pairs  # most lines: nothing to do, checked in C
    return [(off, c) for off, ch in pairs for c in normalize_char(ch)]


def _add(para: Para, pairs: list[tuple[int, str]], line: Line) -> None:
    """Append cleaned (raw offset, char) pairs, grouping contiguous raw runs."""
    run_text, run_start, prev = "", None, None
    for off, ch in pairs:
        if prev is not None and off == prev + 1:
            run_text += ch
        else:
            if run_text:
                para.append(run_text, run_start, line)
            run_text, run_start = ch, off
        prev = off
    if run_text:
        para.append(run_text, run_start, line)


def paragraphs(text: str, is_heading=None, progress: Progress | None = None) -> list[Para]:
    """Cleaned paragraphs of a document, in order.

    Wrapped lines are joined until a line ends a sentence, a heading starts, or a table
    row interrupts. ``is_heading(clean_text) -> bool`` decides headings (sections.py).
    ``progress(lines done, lines)`` is called PROGRESS_STEPS times when given.
    """
    lines = split_lines(text)
    mark_noise(lines)
    width = _typical_width(lines)
    out: list[Para] = []
    cur: Para | None = None
    last_len = 0
    step = max(1, len(lines) // PROGRESS_STEPS)
    tables = table_lines(lines)
    for n, ln in enumerate(lines):
        if progress is not None and n % step == 0:
            progress(n, len(lines))
        if ln.kind in ("noise", "blank"):
            # A blank line ends a paragraph in plain text; noise (a page number between
            # the halves of a sentence) does not.
            if ln.kind == "blank" and cur is not None and cur.kind != "table":
                cur = None
            continue
        table = tables[n]
        pairs = clean_line(ln) if not table else _table_pairs(ln)
        if not pairs:
            continue
        s = "".join(ch for _, ch in pairs)
        heading = not table and is_heading is not None and is_heading(s) and not _wrapped(ln, lines, n, width)
        kind = "heading" if heading else ("table" if table else "prose")
        if heading or cur is None or cur.kind != kind or kind == "heading" or cur.ends_sentence() \
                or (kind == "prose" and (_starts_item(s) or last_len < 0.6 * width)):
            cur = Para(kind=kind)
            out.append(cur)
        elif kind == "table":
            cur.append("\n", -1, ln)
            cur.segments.pop()  # the separator maps to nothing
        _add(cur, pairs, ln)
        last_len = len(pairs)
        if heading:
            cur = None
    if progress is not None:
        progress(len(lines), len(lines))
    return [p for p in out if p.text.strip()]


FULL_LINE = 0.85  # a line this close to the page width ran to the margin: it wraps on


def _wrapped(ln: Line, lines: list[Line], n: int, width: int) -> bool:
    """A numbered line that runs to the margin and goes on in the next line is the start of
    a sentence, not a heading: "（1）科学技术支出（类）技术研究与开发（款）科技 / 成果转化与
    扩散（项）28.00 万元，主要用于…" (2026 杭州市气象局)."""
    s = ln.raw.strip()
    if not width or len(s) < FULL_LINE * width or not _ITEM.match(s) or s.endswith("表"):
        return False  # a table title is as wide as the short lines of a table volume
    nxt = next((x for x in lines[n + 1:n + 3] if x.kind == "text"), None)
    return nxt is not None and not is_table_line(nxt.raw) and not re.match(r"\s*$", nxt.raw) \
        and not _ITEM.match(nxt.raw.strip()) and not _starts_heading_word(nxt.raw.strip())


def _starts_heading_word(s: str) -> bool:
    return bool(re.match(r"第[一二三四五六七八九十\d]+部分", s))


def _typical_width(lines: list[Line]) -> int:
    """The length of a full line of body text: a shorter line ended its paragraph
    (a wrapped PDF line runs to the margin; "目 录" or "其中：" does not)."""
    lengths = sorted(len(ln.raw.strip()) for ln in lines if ln.kind == "text" and len(ln.raw.strip()) >= 8)
    # Too few lines say nothing about the page width.
    return lengths[int(len(lengths) * 0.75)] if len(lengths) >= 20 else 0


def _table_pairs(ln: Line) -> list[tuple[int, str]]:
    """Table rows keep their cells; runs of spaces/tabs become one tab."""
    out: list[tuple[int, str]] = []
    for i, ch in enumerate(ln.raw):
        if ch in " \t\u3000\f":
            if out and out[-1][1] != "\t":
                out.append((ln.start + i, "\t"))
        else:
            out.append((ln.start + i, ch))
    out = normalise(out)
    while out and out[0][1] == "\t":
        out.pop(0)
    while out and out[-1][1] == "\t":
        out.pop()
    return out


_ITEM = re.compile(r"^(（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+[、．.]|\d{1,2}[、．.](?!\d)|[①-⑳])")


def _starts_item(s: str) -> bool:
    return bool(_ITEM.match(s))
