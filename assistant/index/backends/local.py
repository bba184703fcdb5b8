"""The local backend: bm25s for keywords, FAISS for vectors, files in the generation folder.

Both keep a :class:`RowTable` (key, document and its metadata per row) for filters and
deletes. Loading memory-maps the large arrays (``mmap=True``): a server touches only
the pages its queries read, and a second start reads almost nothing.

bm25s has no incremental add, so :class:`Bm25Keyword` keeps each row's (token, count)
pairs and lays bm25s's score matrix out itself, vectorised (``_lucene_matrix``): the
same Lucene formula bm25s ``index()`` computes, bit for bit (a test checks), but in
0.3 s for the 24,000 chunks of the shared corpus instead of 2 s of Python loops. bm25s
then scores queries, saves and memory-maps the matrix as always.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from assistant.index.backends.base import Filters, Found, Row, RowMeta

# bm25s's defaults, the values every index so far was built with.
K1 = 1.5
B = 0.75
ROWS_FILE = "rows.json"
# (token, row) pairs scored at once when the matrix is laid out: bounds the float64
# temporaries to ~200 MB however large the corpus (160 million pairs at 100×).
MATRIX_BLOCK = 8_000_000


class RowTable:
    """Per row: its key, its document (an index into a small table of documents with
    their metadata). Arrays, so a million rows cost 12 bytes each, not a Python object."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.doc = np.zeros(0, dtype=np.int32)
        self.doc_ids: list[str] = []
        self.metas: list[RowMeta] = []
        self._doc_pos: dict[str, int] = {}

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    def append(self, rows: Sequence[Row]) -> None:
        docs = np.empty(len(rows), dtype=np.int32)
        for i, r in enumerate(rows):
            pos = self._doc_pos.get(r.doc_id)
            if pos is None:
                pos = self._doc_pos[r.doc_id] = len(self.doc_ids)
                self.doc_ids.append(r.doc_id)
                self.metas.append(r.meta)
            docs[i] = pos
        keys = np.fromiter((r.key for r in rows), dtype=np.int64, count=len(rows))
        self.keys = np.concatenate([self.keys, keys])
        self.doc = np.concatenate([self.doc, docs])

    def rows_of(self, doc_ids: Iterable[str]) -> np.ndarray:
        """A mask of the rows of these documents."""
        wanted = [self._doc_pos[d] for d in doc_ids if d in self._doc_pos]
        return np.isin(self.doc, np.asarray(wanted, dtype=np.int32))

    def keep(self, mask: np.ndarray) -> None:
        self.keys = np.asarray(self.keys[mask])
        self.doc = np.asarray(self.doc[mask])

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """Rows passing filters (None: all rows); decided per document, then spread."""
        if filters is None or filters.is_empty():
            return None
        ok = np.fromiter((filters.matches(d, m) for d, m in zip(self.doc_ids, self.metas)), dtype=bool,
                         count=len(self.doc_ids))
        return ok[self.doc] if len(self.doc_ids) else np.zeros(len(self), dtype=bool)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        _save_npy(folder / "keys.npy", self.keys)
        _save_npy(folder / "doc.npy", self.doc)
        (folder / ROWS_FILE).write_text(json.dumps(
            {"doc_ids": self.doc_ids, "metas": [[m.department, m.region, m.kind, m.year] for m in self.metas]},
            ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool) -> RowTable:
        table = cls()
        mode = "r" if mmap else None
        table.keys = np.load(folder / "keys.npy", mmap_mode=mode)
        table.doc = np.load(folder / "doc.npy", mmap_mode=mode)
        data = json.loads((folder / ROWS_FILE).read_text(encoding="utf-8"))
        table.doc_ids = list(data["doc_ids"])
        table.metas = [RowMeta(d, r, k, int(y)) for d, r, k, y in data["metas"]]
        table._doc_pos = {d: i for i, d in enumerate(table.doc_ids)}
        return table


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:  # np.save on a path would add ".npy" to a tmp name
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)


def _top(scores: np.ndarray, keys: np.ndarray, k: int, mask: np.ndarray | None, positive: bool) -> list[Found]:
    if mask is not None:
        idx = np.flatnonzero(mask)
        scores = scores[idx]
    else:
        idx = None
    if positive:
        good = np.flatnonzero(scores > 0)
    else:
        good = np.flatnonzero(np.isfinite(scores))
    if good.size == 0:
        return []
    k = min(k, good.size)
    part = good[np.argpartition(-scores[good], k - 1)[:k]]
    part = part[np.lexsort((part, -scores[part]))]  # best first; ties in row order, as a stable sort
    rows = part if idx is None else idx[part]
    return [Found(int(keys[r]), float(scores[p])) for r, p in zip(rows, part)]


# ---------------------------------------------------------------- keywords: bm25s

class Bm25Keyword:
    """BM25 (Lucene) over rows' tokens with bm25s; add and delete rebuild the matrix
    from the stored (token, count) pairs, which needs no tokenizing and no Python loop."""

    def __init__(self) -> None:
        self.table = RowTable()
        self.vocab: list[str] = [""]  # id 0: bm25s's empty token, in no row
        self._vocab_ids: dict[str, int] | None = {"": 0}
        self.tids = np.zeros(0, dtype=np.int32)  # per row, its distinct token ids …
        self.tfs = np.zeros(0, dtype=np.int32)  # … and how often each occurs
        self.pair_end = np.zeros(0, dtype=np.int64)  # row r's pairs end here (cumulative)
        self.length = np.zeros(0, dtype=np.int32)  # tokens per row, repeats counted
        self._bm25 = None  # bm25s.BM25, rebuilt when rows changed

    # ---- the protocol
    def add(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        ids = self._ids()
        tids, tfs, counts, lengths = [], [], [], []
        for r in rows:
            row_ids = np.fromiter((ids.setdefault(t, len(ids)) for t in r.tokens), dtype=np.int32,
                                  count=len(r.tokens))
            u, c = np.unique(row_ids, return_counts=True)
            tids.append(u)
            tfs.append(c.astype(np.int32))
            counts.append(u.size)
            lengths.append(len(r.tokens))
        self.vocab.extend(list(ids)[len(self.vocab):])
        self.table.append(rows)
        start = int(self.pair_end[-1]) if self.pair_end.size else 0
        self.tids = np.concatenate([self.tids, *tids])
        self.tfs = np.concatenate([self.tfs, *tfs])
        self.pair_end = np.concatenate([self.pair_end, start + np.cumsum(counts, dtype=np.int64)])
        self.length = np.concatenate([self.length, np.asarray(lengths, dtype=np.int32)])
        self._bm25 = None

    def delete(self, doc_ids: Iterable[str]) -> int:
        gone = self.table.rows_of(doc_ids)
        n = int(gone.sum())
        if n:
            keep = ~gone
            per_row = np.diff(self.pair_end, prepend=0)
            pair_keep = np.repeat(keep, per_row)
            self.tids, self.tfs = self.tids[pair_keep], self.tfs[pair_keep]
            self.pair_end = np.cumsum(per_row[keep], dtype=np.int64)
            self.length = np.asarray(self.length[keep])
            self.table.keep(keep)
            self._bm25 = None
        return n

    def search(self, tokens: list[str], k: int, filters: Filters | None = None) -> list[Found]:
        return _top(self.scores(tokens), self.table.keys, k, self.table.mask(filters), positive=True)

    def count(self) -> int:
        return len(self.table)

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._model().save(str(folder / "bm25"), show_progress=False)
        self.table.save(folder)
        for name in ("tids", "tfs", "pair_end", "length"):
            _save_npy(folder / f"{name}.npy", getattr(self, name))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> Bm25Keyword:
        """Open a saved index; ``mmap`` maps the arrays read-only (a server), else they are
        read into memory (a build about to add and delete)."""
        import bm25s

        folder = Path(folder)
        kw = cls()
        kw._folder = folder
        kw.table = RowTable.load(folder, mmap)
        mode = "r" if mmap else None
        for name in ("tids", "tfs", "pair_end", "length"):
            setattr(kw, name, np.load(folder / f"{name}.npy", mmap_mode=mode))
        kw.vocab, kw._vocab_ids = [], None  # read when a build adds rows (_ids)
        kw._bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False, mmap=mmap)
        return kw

    # ---- beyond the protocol: what the loaded Index uses
    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 of every row, in row order (bm25s ``get_scores``)."""
        model = self._model()
        if not tokens or not len(self.table):
            return np.zeros(len(self.table), dtype=np.float32)
        return model.get_scores(list(tokens))

    def frequency(self, token: str) -> int:
        """Rows that hold ``token`` (what IDF is computed from): the length of its column
        in the score matrix, so nothing is counted or parsed."""
        model = self._model()
        i = model.vocab_dict.get(token)
        if i is None:
            return 0
        indptr = model.scores["indptr"]
        return int(indptr[i + 1] - indptr[i]) if i + 1 < len(indptr) else 0

    # ---- internals
    def _ids(self) -> dict[str, int]:
        if self._vocab_ids is None:
            folder = getattr(self, "_folder", None)
            if folder is not None and not self.vocab:
                self.vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
            self._vocab_ids = {t: i for i, t in enumerate(self.vocab)}
        return self._vocab_ids

    def _model(self):
        if self._bm25 is None:
            import bm25s

            self._ids()
            model = bm25s.BM25(k1=K1, b=B, method="lucene", idf_method="lucene")
            model.scores = _lucene_matrix(self.tids, self.tfs, self.pair_end, self.length, len(self.vocab))
            model.vocab_dict = dict(self._vocab_ids)
            model.unique_token_ids_set = set(model.vocab_dict.values())
            model.nonoccurrence_array = None
            self._bm25 = model
        return self._bm25


def _lucene_matrix(tids: np.ndarray, tfs: np.ndarray, pair_end: np.ndarray, length: np.ndarray,
                   n_vocab: int) -> dict:
    """bm25s's score matrix (CSC over tokens), as bm25s ``index()`` builds it for
    ``method="lucene"``: idf = log(1 + (N - df + 0.5) / (df + 0.5)) in float32, times
    tf / (k1 (1 - b + b dl / avgdl) + tf) in float64, stored as float32."""
    n = int(length.shape[0])
    per_row = np.diff(np.asarray(pair_end), prepend=0)
    tids = np.asarray(tids)
    df = np.bincount(tids, minlength=n_vocab)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    avgdl = np.asarray(length, dtype=np.int64).mean() if n else 1.0
    norm = K1 * ((1 - B) + B * np.asarray(length, dtype=np.float64) / avgdl)  # per row
    row = np.repeat(np.arange(n, dtype=np.int32), per_row)
    data = np.empty(tids.shape[0], dtype=np.float32)
    for a in range(0, tids.shape[0], MATRIX_BLOCK):  # blocks: float64 temporaries stay small
        b = a + MATRIX_BLOCK
        tf = np.asarray(tfs[a:b], dtype=np.float32)
        data[a:b] = idf[tids[a:b]] * (tf / (norm[row[a:b]] + tf))
    order = np.argsort(tids, kind="stable")  # by token, rows ascending within each
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return {"data": data[order], "indices": row[order], "indptr": indptr, "num_docs": n}


# ---------------------------------------------------------------- vectors: FAISS

class FaissVectors:
    """Exact inner product (FAISS flat) keyed by row key; see vectors.VectorIndex."""

    FILE = "vectors.faiss"

    def __init__(self, index=None) -> None:
        self.table = RowTable()
        self._index = index  # vectors.VectorIndex, made at the first add

    def add(self, rows: Sequence[Row]) -> None:
        rows = [r for r in rows if r.vector is not None]
        if not rows:
            return
        from assistant.index.vectors import VectorIndex

        matrix = np.stack([np.asarray(r.vector, dtype=np.float32) for r in rows])
        keys = np.fromiter((r.key for r in rows), dtype=np.int64, count=len(rows))
        if self._index is None:
            self._index = VectorIndex.build(matrix, keys)
        else:
            self._index.add(matrix, keys)
        self.table.append(rows)

    def delete(self, doc_ids: Iterable[str]) -> int:
        gone = self.table.rows_of(doc_ids)
        n = int(gone.sum())
        if n:
            self._index.remove(np.asarray(self.table.keys[gone]))
            self.table.keep(~gone)
        return n

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Found]:
        if self._index is None or not len(self.table):
            return []
        mask = self.table.mask(filters)
        allowed = None if mask is None else self.table.keys[mask]
        scores, ids = self._index.search(vector, k, allowed_ids=allowed)
        return [Found(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]

    def count(self) -> int:
        return len(self.table)

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self._index is not None:
            self._index.save(folder / self.FILE)
        self.table.save(folder)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> FaissVectors:
        from assistant.index.vectors import VectorIndex

        folder = Path(folder)
        path = folder / cls.FILE
        store = cls(VectorIndex.load(path, mmap=mmap) if path.exists() else None)
        store.table = RowTable.load(folder, mmap)
        return store


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) if os.path.isdir(folder) else 0
