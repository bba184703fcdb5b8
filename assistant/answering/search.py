"""Auditor search: ranked passages with the matched terms marked, exact code hits first."""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.answer import cite, safe_end, split_sentences
from assistant.index import Index
from assistant.answering.question import parse
from assistant.records import Citation
from assistant.answering.retrieve import retrieve, scope


@dataclass
class Result:
    rank: int
    score: float
    via: str  # code | bm25 | dense | fused
    department: str
    year: int | None
    kind: str
    citation: Citation
    marked: str  # the passage with matched terms wrapped in 【】


def search(index: Index, query: str, department: str = "", year: int | None = None,
           k: int = 10) -> list[Result]:
    q = parse(query)
    sc = scope(index, q, department=department, year=year)
    if not sc.doc_ids:
        return []
    hits = retrieve(index, q, sc.doc_ids, k=k, mention=sc.mention)
    hits.sort(key=lambda h: (h.via != "code", -h.score))
    out = []
    for rank, hit in enumerate(hits, 1):
        sentences = split_sentences(hit.chunk_id, hit.chunk)
        if not sentences:
            continue
        # The passage: the whole chunk, cut to the quote limit, as a verbatim slice.
        whole = sentences[0]
        whole.end = safe_end(hit.chunk.text, whole.start, min(len(hit.chunk.text), whole.start + 300))
        c = cite(index, whole)
        doc = index.docs[hit.chunk.doc_id]
        out.append(Result(rank, round(hit.score, 4), hit.via, doc.meta.department, doc.meta.year,
                          doc.meta.kind, c, mark(_window(hit.chunk.text, hit.matched + q.codes), hit.matched + q.codes)))
    return out


def _window(text: str, terms: list[str], size: int = 300) -> str:
    """About ``size`` characters of text around the first matched term."""
    hits = [i for t in terms if len(t) >= 2 and (i := text.find(t)) >= 0]
    start = max(0, min(hits) - size // 3) if hits else 0
    piece = text[start:start + size]
    return ("…" if start else "") + piece + ("…" if start + size < len(text) else "")


def mark(text: str, terms: list[str]) -> str:
    """Wrap each occurrence of a matched term in 【】 (longest terms first)."""
    terms = sorted({t for t in terms if len(t) >= 2 or t.isdigit()}, key=len, reverse=True)
    if not terms:
        return text
    pattern = re.compile("|".join(re.escape(t) for t in terms))
    return pattern.sub(lambda m: f"【{m.group()}】", text)
