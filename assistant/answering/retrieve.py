"""Candidates for a question: exact code hits, BM25 and dense, filtered and fused.

BM25 over jieba tokens is the backbone (it answers amounts and codes); dense vectors
add the paraphrased questions. Reciprocal-rank fusion weights BM25 higher, as measured
in MODELS.md (RetrievalSettings). The documents come from answering/scope.py.
"""
from __future__ import annotations

import numpy as np

from assistant.answering.settings import RETRIEVAL
from assistant.records import Hit
from assistant.tokenize import tokenize


def chunk_mask(index, doc_ids: list[int]) -> np.ndarray:
    return np.isin(index.chunk_doc, np.asarray(doc_ids, dtype=np.int32))


def part_tokens(part, codes: list[str]) -> list[str]:
    """BM25 tokens of one part of a question: its words and the document terms they map to."""
    text = " ".join(a for c in part.concepts for a in c.alts)
    return tokenize(text) + [c for c in codes if c not in text]


def retrieve(index, tokens, doc_ids: list[int], k: int = 12, codes: list[str] = (),
             dense_text: str = "", mention: str = "") -> list[Hit]:
    """The k best chunks of the allowed documents, best first.

    ``tokens`` are BM25 tokens, or a parsed Question (auditor search): then its tokens
    without the department's and year's words, its codes, and its text for the vectors."""
    s = RETRIEVAL
    if hasattr(tokens, "tokens"):
        q = tokens
        tokens, codes, dense_text = search_tokens(q, mention), q.codes, q.text
    mask = chunk_mask(index, doc_ids)
    allowed = np.flatnonzero(mask)
    if allowed.size == 0:
        return []
    fused: dict[int, float] = {}
    via: dict[int, str] = {}
    bm25 = index.bm25_scores(tokens, allowed=allowed, k=s.bm25_pool)  # a server store searches only these
    sub = bm25[allowed]
    order = allowed[np.argsort(-sub, kind="stable")[: s.bm25_pool]]
    for rank, i in enumerate(order):
        if bm25[i] <= 0:
            break
        fused[int(i)] = s.w_bm25 / (s.rrf_k + rank)
        via[int(i)] = "bm25"
    if dense_text:
        dense = index.dense_scores(dense_text, allowed if allowed.size < len(index.chunks) else None,
                                   k=s.dense_pool)
        for rank, (i, _) in enumerate(sorted(dense.items(), key=lambda kv: -kv[1])):
            fused[i] = fused.get(i, 0.0) + s.w_dense / (s.rrf_k + rank)
            via[i] = "fused" if i in via else "dense"
    for code in codes:
        for i in index.code_map.get(code, []):
            if mask[i]:
                fused[i] = fused.get(i, 0.0) + s.w_code / s.rrf_k
                via[i] = "code"
    best = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
    return [Hit(chunk_id=i, score=sc, chunk=index.chunks[i], via=via[i],
                matched=matched_terms(index.tokens[i], tokens)) for i, sc in best]


def search_tokens(q, mention: str = "") -> list[str]:
    """A parsed query's BM25 tokens without the words naming its department and years:
    inside the scope every chunk is about them, and BM25 would rank chunks that repeat the
    name highest."""
    drop = set(tokenize(mention)) if mention else set()
    drop |= {str(y.year) for y in q.years}
    return [t for t in q.tokens if t not in drop]


def matched_terms(chunk_tokens: list[str], q_tokens: list[str]) -> list[str]:
    have = set(chunk_tokens)
    return sorted({t for t in q_tokens if t in have}, key=len, reverse=True)
