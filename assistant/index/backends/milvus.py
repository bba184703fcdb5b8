"""The Milvus backend: one collection per index, reached through pymilvus.

``milvus:/path/to/file.db`` runs milvus-lite inside this process (embedded, a folder on
disk: for trying it and for tests); ``milvus:http://host:19530`` points the same code
at a Milvus standalone or cluster. One collection holds per chunk:

    key (INT64, primary)     segments.row_key: stable while the chunk lives
    doc_id, department, region, kind (VARCHAR), year (INT64)   what filters read
    text (VARCHAR, analyzer jieba) -> bm25 (SPARSE, Milvus's own BM25 function)
    terms (SPARSE, inner product)   BM25 over *our* tokens: Lucene weights, see below
    length (INT64)           tokens in the chunk
    dense (FLOAT_VECTOR), has_vector (BOOL)   tables have no vector: a zero row, skipped

Two keyword fields on purpose. ``bm25`` is Milvus's own: its jieba analyzer cuts
"434-1601-JXN-0UT4" into pieces and knows none of the budget dictionary, so the
answers it leads to are not the local backend's (README, "Storage backends").
``terms`` carries our tokens (codes and amounts whole, synonyms) with the document
side of Lucene's BM25, tf / (tf + k1 (1 - b + b dl / avgdl)), and the query side is
idf(t) from document frequencies kept beside the generation: the inner product is then
the BM25 score bm25s computes, and the answering code ranks exactly as with the local
backend. ``hybrid_search`` is Milvus's own: dense + ``bm25`` fused by its RRF ranker.

avgdl is fixed when the collection is filled by a full build; rows added later are
weighted with it (a few added documents move the true average by well under 1%).
"""
from __future__ import annotations

import json
import logging
import math
import threading
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from assistant.index.backends.base import Filters, Found, Row

K1 = 1.5  # as bm25s (local.py)
B = 0.75
DEFAULT_COLLECTION = "budget_qa_chunks"
STATE_FILE = "milvus.json"
# Milvus caps one search at 16,384 results and a VARCHAR at 65,535 bytes.
MAX_LIMIT = 16384
MAX_TEXT_BYTES = 65535
# Rows per insert call: large enough to amortise a round trip, small enough for gRPC's
# 64 MB message limit with 512-d vectors and long table chunks.
INSERT_BATCH = 2000
# Ids per "doc_id in [...]" expression when deleting or reading back many documents.
EXPR_BATCH = 500
NO_VECTOR_DIM = 2  # keyword-only index: Milvus still wants a dense field


def _client(uri: str):
    from pymilvus import MilvusClient

    if uri.endswith(".db"):
        # pymilvus 3 asks every server for AllocTimestamp, which milvus-lite does not
        # implement: the call is optional and falls back, but the in-process gRPC server
        # logs a traceback each time. Quiet that logger only.
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    return MilvusClient(uri)


class MilvusCollection:
    """The collection and the keyword statistics the ``terms`` field needs."""

    def __init__(self, uri: str, name: str = DEFAULT_COLLECTION, state: dict | None = None) -> None:
        self.uri, self.name = uri, name
        self.client = _client(uri)
        state = state or {}
        self.vocab: list[str] = state.get("vocab", [])
        self._ids = {t: i for i, t in enumerate(self.vocab)}
        self.df = np.asarray(state.get("df", []), dtype=np.int64)
        self.rows = int(state.get("rows", 0))
        self.total_length = int(state.get("total_length", 0))
        self.avgdl = float(state.get("avgdl", 0.0))
        self.dim = int(state.get("dim", 0))
        self._lock = threading.Lock()

    # ---- schema
    def ensure(self, dim: int) -> None:
        """Create the collection (dim: the vector length; 0 = no vectors)."""
        if self.client.has_collection(self.name):
            if not self.dim:
                self.dim = dim or NO_VECTOR_DIM
            self.client.load_collection(self.name)
            return
        from pymilvus import DataType, Function, FunctionType

        self.dim = dim or NO_VECTOR_DIM
        s = self.client.create_schema(auto_id=False)
        s.add_field("key", DataType.INT64, is_primary=True)
        s.add_field("doc_id", DataType.VARCHAR, max_length=2048)
        s.add_field("department", DataType.VARCHAR, max_length=1024)
        s.add_field("region", DataType.VARCHAR, max_length=1024)
        s.add_field("kind", DataType.VARCHAR, max_length=64)
        s.add_field("year", DataType.INT64)
        s.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, enable_analyzer=True,
                    analyzer_params={"tokenizer": "jieba"})
        s.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("terms", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("length", DataType.INT64)
        s.add_field("has_vector", DataType.BOOL)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        s.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                input_field_names=["text"], output_field_names=["bm25"]))
        index = self.client.prepare_index_params()
        index.add_index("dense", index_type="FLAT", metric_type="IP")
        index.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        index.add_index("terms", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self.client.create_collection(self.name, schema=s, index_params=index)
        self.client.load_collection(self.name)

    def reset(self) -> None:
        """Drop every row (a full build refills the collection)."""
        if self.client.has_collection(self.name):
            self.client.drop_collection(self.name)
        self.vocab, self._ids, self.df = [], {}, np.zeros(0, dtype=np.int64)
        self.rows = self.total_length = 0
        self.avgdl = 0.0

    # ---- rows
    def add(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        dim = next((int(np.asarray(r.vector).shape[-1]) for r in rows if r.vector is not None), 0)
        self.ensure(dim)
        with self._lock:
            if not self.avgdl:  # the first fill fixes the average length (module docstring)
                self.avgdl = max(1.0, sum(len(r.tokens) for r in rows) / len(rows))
            counted = [self._count(r.tokens) for r in rows]
            data = [self._entity(r, c) for r, c in zip(rows, counted)]
        for start in range(0, len(data), INSERT_BATCH):
            self.client.insert(self.name, data[start:start + INSERT_BATCH])
        with self._lock:
            for c in counted:
                np.add.at(self.df, list(c), 1)
            self.rows += len(rows)
            self.total_length += sum(len(r.tokens) for r in rows)

    def delete(self, doc_ids: Iterable[str]) -> int:
        doc_ids = sorted(set(doc_ids))
        if not doc_ids or not self.client.has_collection(self.name):
            return 0
        gone = 0
        for start in range(0, len(doc_ids), EXPR_BATCH):
            expr = f"doc_id in {_list(doc_ids[start:start + EXPR_BATCH])}"
            old = self.client.query(self.name, filter=expr, output_fields=["terms", "length"])
            with self._lock:
                for row in old:
                    ids = [int(i) for i in _sparse_keys(row["terms"])]
                    np.subtract.at(self.df, ids, 1)
                    self.total_length -= int(row["length"])
                self.rows -= len(old)
            self.client.delete(self.name, filter=expr)
            gone += len(old)
        return gone

    def count(self) -> int:
        if not self.client.has_collection(self.name):
            return 0
        res = self.client.query(self.name, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def drop_from(self, key: int) -> None:
        """Delete rows keyed ``key`` or above: a build that failed after adding them left
        them, and its statistics were never saved, so none are adjusted."""
        if self.client.has_collection(self.name):
            self.client.delete(self.name, filter=f"key >= {int(key)}")

    def save(self, folder: Path) -> None:
        """Write where the collection is and its keyword statistics into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / STATE_FILE).write_text(json.dumps(
            {"uri": self.uri, "collection": self.name, "vocab": self.vocab, "df": self.df.tolist(),
             "rows": self.rows, "total_length": self.total_length, "avgdl": self.avgdl, "dim": self.dim},
            ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, uri: str | None = None) -> MilvusCollection:
        state = json.loads((Path(folder) / STATE_FILE).read_text(encoding="utf-8"))
        col = cls(uri or state["uri"], state.get("collection", DEFAULT_COLLECTION), state)
        if col.client.has_collection(col.name):
            col.client.load_collection(col.name)
        return col

    # ---- searches
    def search(self, field: str, data, k: int, filters: Filters | None, metric: str,
               extra: str = "") -> list[Found]:
        if not self.client.has_collection(self.name) or k < 1:
            return []
        expr = " and ".join(e for e in (filter_expr(filters), extra) if e)
        res = self.client.search(self.name, data=[data], anns_field=field, limit=min(k, MAX_LIMIT),
                                 filter=expr, output_fields=[], search_params={"metric_type": metric})
        return [Found(int(h["key"] if "key" in h else h["id"]), _score(h["distance"], metric)) for h in res[0]]

    def query_vector(self, tokens: list[str]) -> dict[int, float]:
        """idf(t) per query token (repeats count, as in bm25s): the query side of ``terms``."""
        out: dict[int, float] = {}
        n = max(self.rows, 0)
        for t in tokens:
            i = self._ids.get(t)
            if i is None or i >= self.df.size or self.df[i] <= 0:
                continue
            df = int(self.df[i])
            idf = float(np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5))))
            out[i] = out.get(i, 0.0) + idf
        return out

    def frequency(self, token: str) -> int:
        i = self._ids.get(token)
        return int(self.df[i]) if i is not None and i < self.df.size else 0

    # ---- internals
    def _count(self, tokens: list[str]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for t in tokens:
            i = self._ids.get(t)
            if i is None:
                i = self._ids[t] = len(self.vocab)
                self.vocab.append(t)
            counts[i] = counts.get(i, 0) + 1
        if len(self.vocab) > self.df.size:
            self.df = np.concatenate([self.df, np.zeros(len(self.vocab) - self.df.size, dtype=np.int64)])
        return counts

    def _entity(self, r: Row, counts: dict[int, int]) -> dict:
        dl = len(r.tokens)
        norm = K1 * ((1 - B) + B * dl / self.avgdl)
        terms = {i: float(tf / (norm + tf)) for i, tf in counts.items()}
        vector = (np.zeros(self.dim, dtype=np.float32) if r.vector is None
                  else np.asarray(r.vector, dtype=np.float32).ravel())
        return {"key": int(r.key), "doc_id": r.doc_id, "department": r.meta.department,
                "region": r.meta.region, "kind": r.meta.kind, "year": int(r.meta.year or 0),
                "text": _clip(r.text or " ".join(r.tokens)), "terms": terms or {0: 0.0}, "length": dl,
                "has_vector": r.vector is not None, "dense": vector.tolist()}


class _View:
    """What both interfaces share: rows go to (and leave) the one collection."""

    def __init__(self, collection: MilvusCollection) -> None:
        self.collection = collection

    def add(self, rows: Sequence[Row]) -> None:
        self.collection.add(rows)

    def delete(self, doc_ids: Iterable[str]) -> int:
        return self.collection.delete(doc_ids)

    def save(self, folder: Path) -> None:
        self.collection.save(folder)


class MilvusKeyword(_View):
    """KeywordIndex over the ``terms`` field (our tokens, Lucene BM25)."""

    def search(self, tokens: list[str], k: int, filters: Filters | None = None) -> list[Found]:
        query = self.collection.query_vector(tokens)
        if not query:
            return []
        return [f for f in self.collection.search("terms", query, k, filters, "IP") if f.score > 0]

    def count(self) -> int:
        return self.collection.count()

    def frequency(self, token: str) -> int:
        return self.collection.frequency(token)

    def search_text(self, text: str, k: int, filters: Filters | None = None) -> list[Found]:
        """Milvus's own BM25: ``text`` cut by its jieba analyzer."""
        return self.collection.search("bm25", text, k, filters, "BM25")

    def hybrid_search(self, text: str, vector: np.ndarray, k: int, filters: Filters | None = None,
                      rrf_k: int = 60) -> list[Found]:
        """Milvus's own hybrid search: dense and its BM25, fused by its RRF ranker."""
        from pymilvus import AnnSearchRequest, RRFRanker

        col = self.collection
        if not col.client.has_collection(col.name):
            return []
        expr = filter_expr(filters)
        dense_expr = " and ".join(e for e in (expr, "has_vector == true") if e)
        vec = np.asarray(vector, dtype=np.float32).ravel().tolist()
        requests = [AnnSearchRequest(data=[vec], anns_field="dense", param={"metric_type": "IP"}, limit=k,
                                     expr=dense_expr),
                    AnnSearchRequest(data=[text], anns_field="bm25", param={"metric_type": "BM25"}, limit=k,
                                     expr=expr)]
        res = col.client.hybrid_search(col.name, requests, ranker=RRFRanker(rrf_k), limit=k, output_fields=[])
        return [Found(int(h["key"] if "key" in h else h["id"]), float(h["distance"])) for h in res[0]]


class MilvusVectors(_View):
    """VectorStore over the ``dense`` field (rows without a vector never match)."""

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Found]:
        vec = np.asarray(vector, dtype=np.float32).ravel()
        if vec.size != self.collection.dim:
            return []
        return self.collection.search("dense", vec.tolist(), k, filters, "IP", extra="has_vector == true")

    def count(self) -> int:
        col = self.collection
        if not col.client.has_collection(col.name):
            return 0
        res = col.client.query(col.name, filter="has_vector == true", output_fields=["count(*)"])
        return int(res[0]["count(*)"])


# ---------------------------------------------------------------- helpers

def filter_expr(filters: Filters | None) -> str:
    """Filters as a Milvus boolean expression (strings quoted as JSON, which it reads)."""
    if filters is None or filters.is_empty():
        return ""
    parts = []
    if filters.department:
        parts.append(f"department == {_q(filters.department)}")
    if filters.year:
        parts.append(f"year == {int(filters.year)}")
    if filters.kind:
        parts.append(f"kind == {_q(filters.kind)}")
    if filters.region:
        parts.append(f"region like {_q('%' + filters.region.replace('%', '') + '%')}")
    if filters.doc_ids is not None:
        parts.append(f"doc_id in {_list(sorted(filters.doc_ids))}" if filters.doc_ids else "key < 0")
    return " and ".join(parts)


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _clip(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES:
        return text
    return data[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore")


def _score(distance: float, metric: str) -> float:
    # milvus-lite reports BM25 as a negative distance (smaller is better); a Milvus
    # server reports the score itself. Either way the score is its magnitude.
    return abs(float(distance)) if metric == "BM25" else float(distance)


def _sparse_keys(value) -> Iterable[int]:
    if isinstance(value, dict):
        return value.keys()
    if hasattr(value, "tocoo"):  # scipy sparse row
        return value.tocoo().col
    return []
