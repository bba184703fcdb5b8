"""Headings, the section tree, and chunks that carry their heading path.

Disclosures number their parts in a fixed hierarchy: 第一部分 > 一、 > （一） > 1、/1. ;
table titles ("2025年部门“三公”经费和机关运行经费预算表", "…绩效目标表") sit below
whatever heading precedes them. A chunk never spans two sections and never cuts a
sentence, so no boundary can fall inside a number or a code.
"""
from __future__ import annotations

import bisect
import re
from typing import Callable

from assistant.ingest.clean import PROGRESS_STEPS, Para, paragraphs
from assistant.records import Chunk

CN_NUM = "一二三四五六七八九十百零〇"
# (rank, pattern); lower rank = higher level.
_HEADINGS = [
    (1, re.compile(rf"^第[{CN_NUM}\d]+部分")),
    (2, re.compile(rf"^[{CN_NUM}]+[、．.]")),
    (3, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    (4, re.compile(r"^\d{1,2}[、．.](?!\d)")),
    # "（1）" items stand under "1." items: "4.北方工业大学延庆新校区建设项目" > "（3）预算安排"
    (5, re.compile(r"^[（(]\d{1,2}[）)]")),
]
# "…基本支出明细表（按支出功能分类科目-不含上年结转）", "…预算表（单位：万元）"
_TABLE_TITLE = re.compile(r"(表|附表\d*)([（(][^）)]{1,40}[）)])?$")
# "（2）绩效目标：满足学校师生教学、住宿…": a labelled sentence cut by a line break, not a heading.
_LABELLED = re.compile(r"[：:]\s*\S{6,}")
# "项目名称:北京市第四次全国农业普查" opens a project's block ("政策依据:…", "预算安排:7000万元"):
# the lines under it are that project's, so it heads them, under "（四）…" and above "（1）…".
_PROJECT_NAME = re.compile(r"^项目名称\s*[：:]\s*\S{2,}")
PROJECT_RANK = 4.5
_MAX_HEADING = 40
_MAX_TABLE_TITLE = 64
TABLE_RANK = 6
PROSE_CHARS = 300  # target length of a prose chunk
TABLE_CHARS = 400


def heading_rank(s: str) -> float | None:
    """The rank of a heading line, or None when the line is body text."""
    s = s.strip()
    if not s or len(s) > _MAX_TABLE_TITLE or s[-1] in "。；，;,：:":
        return None
    if len(s) > _MAX_HEADING:  # only a table title runs this long ("…明细表（按支出功能分类科目）")
        return TABLE_RANK if _TABLE_TITLE.search(s) and not re.search(r"\d{3,}\.\d", s) else None
    if _PROJECT_NAME.match(s) and not re.search(r"[，。；]", s):
        return PROJECT_RANK
    for rank, pat in _HEADINGS:
        if pat.match(s):
            # "1、收入说明：2020年收入预算共计1284.11万元" is a numbered sentence, not a heading.
            if re.search(r"\d+(\.\d+)?\s*(万元|亿元|元|%)|\d\.\d|\d,\d{3}", s) or _LABELLED.search(s):
                return None
            return rank
    if _TABLE_TITLE.search(s) and not re.search(r"\d{3,}\.\d", s):
        return TABLE_RANK
    return None


def is_heading(s: str) -> bool:
    return heading_rank(s) is not None


def section_paras(text: str, progress: Callable[[int, int], None] | None = None) -> list[tuple[list[str], Para]]:
    """Each body paragraph with the heading path above it (progress: of clean.paragraphs).

    Short numbered lines that follow a line opening a list, one after another with nothing
    under them, are the list's items, not headings: "烟台市商务局部门预算包括：。" then
    "1.烟台市商务局", "2.烟台市会展业服务中心", … (2026 烟台市商务局 部门预算)."""
    stack: list[tuple[int, str]] = []
    out: list[tuple[list[str], Para]] = []
    pending: list[tuple[float, Para]] = []  # headings right after a list opener, not yet placed
    opener = False  # the last body paragraph ends with "：" (…包括：)

    def place(run: list[tuple[float, Para]], as_items: bool) -> None:
        for rank, h in run:
            if as_items:
                h.kind = "prose"
                out.append(([t for _, t in stack], h))
                continue
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, h.text))

    for p in paragraphs(text, is_heading, progress):
        if p.kind == "heading":
            rank = heading_rank(p.text) or TABLE_RANK
            if opener and (not pending or pending[0][0] == rank):
                pending.append((rank, p))
                continue
            place(pending, len(pending) >= 2)
            pending, opener = [], False
            place([(rank, p)], False)
            continue
        place(pending, len(pending) >= 2)
        pending = []
        opener = bool(_LIST_OPENER.search(p.text))
        out.append(([h for _, h in stack], p))
    place(pending, len(pending) >= 2)
    return out


_LIST_OPENER = re.compile(r"[：:][\s。]*$")


def _sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end; never inside a number (。 and ； only)."""
    return [m.end() for m in re.finditer(r"[。；！？!?;]+[”」』）)]?", text)]


def _split_long(p: Para, limit: int) -> list[tuple[int, int]]:
    """Cut a long paragraph at sentence ends into pieces of about ``limit`` chars."""
    if len(p.text) <= limit:
        return [(0, len(p.text))]
    pieces, start = [], 0
    ends = _sentence_ends(p.text) + [len(p.text)]
    last = 0
    for e in ends:
        if e - start > limit and last > start:
            pieces.append((start, last))
            start = last
        last = e
    if start < len(p.text):
        pieces.append((start, len(p.text)))
    return pieces


def _piece(p: Para, a: int, b: int, seg_starts: list[int]) -> tuple[str, list[tuple[int, int, int]]]:
    """Text and segments of p.text[a:b], re-based to 0.

    ``seg_starts`` are the segments' offsets in p.text (ascending): a table paragraph of
    a compiled volume has tens of thousands of segments, and scanning them all for each
    of its hundreds of pieces made chunking quadratic.
    """
    segs = []
    for k in range(max(0, bisect.bisect_right(seg_starts, a) - 1), len(p.segments)):
        pos, raw, n = p.segments[k]
        if pos >= b:
            break
        lo, hi = max(pos, a), min(pos + n, b)
        if lo < hi:
            segs.append((lo - a, raw + lo - pos, hi - lo))
    return p.text[a:b], segs


def _table_header(p: Para) -> str:
    """Leading rows of a table that hold no figures: its column headers."""
    head = []
    for row in p.text.split("\n")[:6]:
        if re.search(r"\d+\.\d+|\d{4,}", row):
            break
        head.append(row)
    return " ".join(head)


class _Positions:
    """Line and page of raw offsets, by bisecting precomputed breaks: counting "\n"
    from the start of the text for every chunk made a 12 MB 汇编 take hours."""

    def __init__(self, text: str) -> None:
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.feeds = [m.start() for m in re.finditer("\f", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def page(self, offset: int) -> int:
        return bisect.bisect_left(self.feeds, offset) + 1


Progress = Callable[[str, int, int], None]  # (unit, done, total)


def chunk_document(doc_id: str, text: str, progress: Progress | None = None) -> list[Chunk]:
    """Chunks of one document: prose merged up to PROSE_CHARS within a section,
    tables in row groups that repeat the section path and column headers as context.

    Time grows linearly with the text. ``progress(unit, done, total)``, when given, hears
    of "lines" cleaned and then "paragraphs" sectioned (for a 12 MB 汇编, minutes' work).
    """
    chunks: list[Chunk] = []
    open_chunk: Chunk | None = None
    where = _Positions(text)
    paras = section_paras(text, (lambda done, total: progress("lines", done, total)) if progress else None)
    step = max(1, len(paras) // PROGRESS_STEPS)
    for done, (path, p) in enumerate(paras):
        if progress is not None and done % step == 0:
            progress("paragraphs", done, len(paras))
        limit = TABLE_CHARS if p.kind == "table" else PROSE_CHARS
        header = _table_header(p) if p.kind == "table" else ""
        seg_starts = [pos for pos, _, _ in p.segments]
        for a, b in (_split_rows(p, limit) if p.kind == "table" else _split_long(p, limit)):
            piece, segs = _piece(p, a, b, seg_starts)
            if not piece.strip():
                continue
            line_start, line_end = _line_range(where, segs, p)
            if (open_chunk is not None and open_chunk.section == path
                    and len(open_chunk.text) + len(piece) <= limit):
                # Same section and still short: one chunk, tables and their notes together.
                base = len(open_chunk.text) + 1
                if p.kind == "table":
                    open_chunk.kind = "table"
                open_chunk.text += "\n" + piece
                open_chunk.segments += [(pos + base, raw, n) for pos, raw, n in segs]
                open_chunk.line_end = max(open_chunk.line_end, line_end)
                continue
            ctx = " / ".join(path) + (" | " + header if header and not piece.startswith(header) else "")
            open_chunk = Chunk(doc_id=doc_id, section=list(path), line_start=line_start, line_end=line_end,
                               text=piece, kind=p.kind, page=where.page(segs[0][1]) if segs else 1,
                               context=ctx, segments=segs)
            chunks.append(open_chunk)
    if progress is not None:
        progress("paragraphs", len(paras), len(paras))
    return chunks


def _split_rows(p: Para, limit: int) -> list[tuple[int, int]]:
    """Row groups of a table paragraph, cut only between rows."""
    pieces, start, pos = [], 0, 0
    for row in p.text.split("\n"):
        end = pos + len(row)
        if end - start > limit and pos > start:
            pieces.append((start, pos - 1))
            start = pos
        pos = end + 1
    pieces.append((start, len(p.text)))
    return pieces


def _line_range(where: _Positions, segs: list[tuple[int, int, int]], p: Para) -> tuple[int, int]:
    if not segs:
        return p.line_start, p.line_end
    first = segs[0][1]
    last = segs[-1][1] + segs[-1][2] - 1
    return where.line(first), where.line(last)
