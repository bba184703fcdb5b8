"""Candidates for a question: exact code hits, BM25 and dense, filtered and fused.

BM25 over jieba tokens is the backbone (it answers amounts and codes); dense vectors
add the paraphrased questions. Reciprocal-rank fusion weights BM25 higher, as measured
in MODELS.md. Department and year filters come from the question (query.py,
departments.py) or from the caller (the search tab's filters).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index import Index
from assistant.answering.question import Query
from assistant.records import Hit
from assistant.tokenize import tokenize

RRF_K = 20
W_BM25, W_DENSE, W_CODE = 1.0, 0.5, 2.0


@dataclass
class Scope:
    """Which documents a question is about; ``reason`` says why it is empty."""

    doc_ids: list[int]
    reason: str = ""
    mention: str = ""  # the words that named the department


def scope(index: Index, q: Query, department: str = "", year: int | None = None) -> Scope:
    """The documents a question (or explicit filters) restricts the search to."""
    n = len(index.doc_list)
    allowed = list(range(n))
    named = False
    text = department or q.text
    match = index.departments.match(text)
    if department and not match.mention:
        # An explicit filter that names nothing we know must not silently widen the search.
        return Scope([], f"未识别部门“{department}”：请写出地区和机构，如“普陀区政府办”")
    if match.mention:
        named = True
        if not match.scores:
            return Scope([], f"语料中没有“{match.mention}”的文件")
        best = max(match.scores.values())
        allowed = [i for i, s in match.scores.items() if s >= best * 0.6]
    years = [year] if year else q.years
    if years:
        by_year = [i for i in allowed if index.doc_list[i].meta.year in years]
        if not by_year:
            who = f"“{match.mention}”" if named else "语料中"
            return Scope([], f"{who}没有{'、'.join(map(str, years))}年的文件")
        allowed = by_year
    return Scope(sorted(allowed), mention=match.mention if named else "")


def chunk_mask(index: Index, doc_ids: list[int]) -> np.ndarray:
    return np.isin(index.chunk_doc, np.asarray(doc_ids, dtype=np.int32))


def search_tokens(q: Query, mention: str = "") -> list[str]:
    """Question tokens minus those naming the department and year: inside the scope
    every chunk is about them, and BM25 would rank chunks that repeat the name highest."""
    drop = set(tokenize(mention)) if mention else set()
    drop |= {str(y) for y in q.years}
    return [t for t in q.tokens if t not in drop]


def retrieve(index: Index, q: Query, doc_ids: list[int], k: int = 12, mention: str = "") -> list[Hit]:
    """The k best chunks of the allowed documents, best first."""
    mask = chunk_mask(index, doc_ids)
    allowed = np.flatnonzero(mask)
    if allowed.size == 0:
        return []
    fused: dict[int, float] = {}
    via: dict[int, str] = {}
    tokens = search_tokens(q, mention)
    bm25 = index.bm25_scores(tokens)
    sub = bm25[allowed]
    order = allowed[np.argsort(-sub, kind="stable")[: 60]]
    for rank, i in enumerate(order):
        if bm25[i] <= 0:
            break
        fused[int(i)] = W_BM25 / (RRF_K + rank)
        via[int(i)] = "bm25"
    dense = index.dense_scores(q.text, allowed if allowed.size < len(index.chunks) else None, k=40)
    for rank, (i, _) in enumerate(sorted(dense.items(), key=lambda kv: -kv[1])):
        fused[i] = fused.get(i, 0.0) + W_DENSE / (RRF_K + rank)
        via[i] = "fused" if i in via else "dense"
    for code in q.codes:
        for i in index.code_map.get(code, []):
            if mask[i]:
                fused[i] = fused.get(i, 0.0) + W_CODE / RRF_K
                via[i] = "code"
    best = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
    return [Hit(chunk_id=i, score=s, chunk=index.chunks[i], via=via[i],
                matched=matched_terms(index.tokens[i], tokens)) for i, s in best]


def matched_terms(chunk_tokens: list[str], q_tokens: list[str]) -> list[str]:
    have = set(chunk_tokens)
    return sorted({t for t in q_tokens if t in have}, key=len, reverse=True)
