"""Citations: a verbatim slice of the document's raw text with source, section, lines, page.

A quote is cut from the raw text through the chunk's offset map (Chunk.raw_span), so it
is the document's own characters by construction; lines and pages count in that text.
"""
from __future__ import annotations

import re

from assistant.answering.evidence import Sentence, split_sentences
from assistant.answering.settings import ANSWER
from assistant.records import Citation, Hit


def cite(index, s: Sentence, limit: int | None = None) -> Citation:
    chunk = index.chunks[s.chunk_id]
    doc = index.docs[chunk.doc_id]
    a, b = s.start, s.end
    limit = limit or ANSWER.max_quote
    if b - a > limit:
        a, b = window(chunk.text, a, b, limit)
    ra, rb = chunk.raw_span(a, b)
    quote = doc.text[ra:rb].replace("\f", "")
    return Citation(source=doc.source, title=doc.meta.title or doc.doc_id, section=chunk.section_path,
                    line_start=index.line_of(doc, ra), line_end=index.line_of(doc, max(ra, rb - 1)),
                    quote=quote, page=index.page_of(doc, ra))


def display(index, chunk_id: int, a: int, b: int) -> str:
    """Cleaned text [a, b) of a chunk written with the document's own characters: the
    cleaned text is NFKC ("，" became ","), so each character is taken back from the raw
    text it came from; page furniture and line wraps stay out, as in the cleaned text."""
    from assistant.ingest.clean import raw_offset

    chunk = index.chunks[chunk_id]
    if not chunk.segments:
        return chunk.text[a:b]
    raw = index.docs[chunk.doc_id].text
    out, last = [], -1
    for i in range(a, min(b, len(chunk.text))):
        if chunk.text[i] in "\n\t":
            out.append(chunk.text[i])
            continue
        r = raw_offset(chunk.segments, i)
        if r != last:  # one raw character may have become several ("㎡" -> "m2")
            out.append(raw[r] if r < len(raw) else chunk.text[i])
            last = r
    return "".join(out)


def safe_end(text: str, a: int, b: int) -> int:
    """Move a cut point back so that it never falls inside a number ("2,|744.84")."""
    while a < b < len(text) and re.match(r"[\d.,%％]", text[b]) and re.match(r"[\d.,]", text[b - 1]):
        b -= 1
    return b


def window(text: str, a: int, b: int, limit: int) -> tuple[int, int]:
    """Shrink a long span to about ``limit`` characters, cutting after a comma or a line."""
    cut = a
    for m in re.finditer(r"[，,；;。\n]", text[a:b]):
        if m.end() > limit:
            break
        cut = a + m.end()
    return a, (cut if cut > a else safe_end(text, a, a + limit))


def passages(index, hits: list[Hit], n: int = 3) -> list[Citation]:
    """The opening sentence of each of the best n chunks (the nearest passages of a 未找到)."""
    out = []
    for hit in hits[:n]:
        ss = split_sentences(hit.chunk_id, hit.chunk)
        if ss:
            out.append(cite(index, ss[0]))
    return out


def label(doc) -> str:
    """"江苏省人民检察院2019年部门预算": who, which year, what kind of document."""
    m = doc.meta
    parts = [m.department or doc.doc_id, f"{m.year}年" if m.year else "", m.kind or ""]
    return "".join(p for p in parts if p)
