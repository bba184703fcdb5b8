"""The figures one document states: table cells with their row, column and unit, and
sentences that give an item's amount, change and reason. Build stage "figures".

Every record carries the verbatim span it comes from (offsets into the document's raw
text, with line and page), so an answer or an audit finding quotes the document itself.
"""
from __future__ import annotations

import bisect
import functools
import re

from assistant.answering.amounts import broken
from assistant.figures.prose import _term, measure_only, stated_in
from assistant.figures.records import Figure
from assistant.figures.tables import Row, rows_of
from assistant.records import Chunk, Document

_WAN = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}
# "单位：万元", "金额单位：元", or a header cell "预算金额（万元）".
UNIT = re.compile(r"单位[:：]\s*(亿元|万元|千元|元)|金额\s*[（(]\s*(亿元|万元|千元|元)\s*[）)]")
_MONEY = re.compile(r"([\d,]+(?:\.\d+)?)\s*(亿元|万元|千元|元)")
_SENT = re.compile(r"[^。；！？!?;]+[。；！？!?;]?")
_TABLE_TITLE = re.compile(r"表$|表[（(]|一览")


def extract_figures(doc: Document, chunks: list[Chunk]) -> list[Figure]:
    """Every figure of doc, tables and prose, in document order."""
    lines = _line_starts(doc.text)
    out: list[Figure] = []
    for chunk in chunks:
        title = _table_title(chunk)
        if chunk.kind == "table" or title:
            unit = unit_above(doc.text, chunk)
            for row in rows_of(chunk.text, title or (chunk.section[-1] if chunk.section else ""), unit):
                out += _row_figures(doc, chunk, row, lines)
        # Sentences too, wherever they stand: a chunk may hold a table and the note after
        # it, or the prose of a section that also holds a small table.
        pos = 0
        named = ""  # a short sentence naming an item whose figure the next one gives
        for line in chunk.text.split("\n"):
            if "\t" not in line:
                for m in _SENT.finditer(line):
                    stated = [] if broken(m.group()) else stated_in(m.group(), doc.meta.department)
                    if named and stated and measure_only(stated[0].said):
                        # "（一）因公出国（境）费用。2026 年预算数 141.63 万元": the item is the one
                        # just named, not "2026年预算数".
                        stated[0].item = stated[0].said = named
                    for st in stated:
                        out.append(_prose_figure(doc, chunk, pos + m.start(), m.group(), st, lines))
                    term = _term(m.group())
                    named = term if term and not stated and len(m.group()) <= 40 else ""
            pos += len(line) + 1
    return out


def _table_title(chunk: Chunk) -> str:
    for h in reversed(chunk.section):
        if _TABLE_TITLE.search(h):
            return h
    return ""


def unit_above(text: str, chunk: Chunk, at: int = 0, reach: int = 3000) -> str:
    """The unit a table states: "单位：万元" or a header "预算金额（万元）". For the row at
    chunk offset ``at`` the nearest one above it wins (西安市气象局 2022: a "（万元）" table
    after several "金额单位：元" ones); without ``at``, the last one up to the chunk's end."""
    if not chunk.segments:
        return ""
    start = chunk.raw_span(0, 1)[0]
    found = []
    if at:
        found = list(UNIT.finditer(text, max(0, start - reach), chunk.raw_span(at, at + 1)[0] + 1))
    found = found or list(UNIT.finditer(text, max(0, start - reach), start + len(chunk.text)))
    return next(g for g in found[-1].groups() if g) if found else ""


def _row_figures(doc: Document, chunk: Chunk, row: Row, lines: list[int]) -> list[Figure]:
    ra, rb = chunk.raw_span(row.start, row.end) if chunk.segments else (row.start, row.end)
    quote = doc.text[ra:rb]
    out = []
    for k, value in enumerate(row.values):
        number = _number(value)
        wan = number * _WAN[row.unit] if number is not None and row.unit in _WAN and not value.endswith("%") else None
        out.append(_figure(doc, chunk, "table", row.label or ("合计" if row.is_total else ""), value,
                           "%" if value.endswith("%") else row.unit, wan, ra, rb, quote, lines,
                           code=row.code, table_title=row.title, column=row.column(k)))
    return out


def _prose_figure(doc: Document, chunk: Chunk, offset: int, sentence: str, st, lines: list[int]) -> Figure:
    a, b = offset, offset + len(sentence.rstrip())
    ra, rb = chunk.raw_span(a, b) if chunk.segments else (a, b)
    m = _MONEY.search(st.value)
    number = _number(m.group(1)) if m else None
    unit = m.group(2) if m else ""
    change_wan = None
    if st.change and st.direction in ("增加", "减少"):
        c = _MONEY.search(st.change)
        if c:
            change_wan = _number(c.group(1)) * _WAN[c.group(2)] * (-1 if st.direction == "减少" else 1)
    return _figure(doc, chunk, "prose", st.item, m.group(1) if m else st.value, unit,
                   number * _WAN[unit] if number is not None else None,
                   ra, rb, doc.text[ra:rb], lines, column=st.said, measure=st.measure, change_text=st.change,
                   change_wan=change_wan, pct=st.pct, direction=st.direction, reason=st.reason)


def _figure(doc, chunk, origin, item, value, unit, wan, ra, rb, quote, lines, **extra) -> Figure:
    return Figure(doc_id=doc.doc_id, origin=origin, item=item, value_text=value, unit=unit,
                  value_wan=None if wan is None else round(wan, 6), section=chunk.section_path,
                  line_start=bisect.bisect_right(lines, ra), line_end=bisect.bisect_right(lines, max(ra, rb - 1)),
                  page=bisect.bisect_right(_feeds(doc.text), ra) + 1, span_start=ra, span_end=rb, quote=quote,
                  department=doc.meta.department, region=doc.meta.region, year=doc.meta.year,
                  doc_kind=doc.meta.kind, **extra)


@functools.lru_cache(maxsize=4)
def _feeds(text: str) -> list[int]:
    """Offsets of the page breaks of a document, once per document: counting them for every
    figure was quadratic (a 16 MB compiled volume)."""
    return [i for i, ch in enumerate(text) if ch == "\f"]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return None


def _line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
