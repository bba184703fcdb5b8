"""Dense vector index (FAISS, inner product) and an on-disk embedding cache.

* :class:`VectorIndex` -- exact inner-product search over L2-normalised vectors, so a
  score is a cosine. Ids are the row numbers the caller gave (or explicit ids), and a
  search can be limited to a subset of ids (callers filter by department / year).
* :class:`EmbeddingCache` -- vectors keyed by sha1(model name + text), stored as
  ``vectors.npy`` + ``keys.json``, so re-indexing never embeds the same text twice.
* :func:`embed_with_cache` -- embeds only the texts the cache lacks, in batches.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import faiss
import numpy as np

from .embed import Embedder, Progress, normalise_rows
from .store import file_sha256

log = logging.getLogger(__name__)

CACHE_VECTORS = "vectors.npy"
CACHE_KEYS = "keys.json"
# 2: keys.json records the size and sha256 of vectors.npy (1 had no check: a garbled
# vectors file was reused silently).
_CACHE_FORMAT = 2
# faiss's OpenMP threads, set (process-wide) when an index is opened. On the 2-core VM a
# single-query search of 17k x 512 took 6 ms with 1 thread and 32 ms with 2, a filtered
# one 0.3 ms against 8 ms: for one query at a time, thread start-up and sync cost more
# than they save. Raise it only for large batches of queries, after measuring.
FAISS_THREADS = 1


# ---------------------------------------------------------------- vector index

class VectorIndex:
    """Exact (flat) inner-product index with explicit int64 ids.

    A flat index compares the query with every vector: ~17k x 512-d takes a few ms per
    query on 2 cores and needs no training, so it is the right choice up to ~100k
    vectors. Beyond that, swap the inner index for HNSW or IVF (same ids, same API).

    Build with :meth:`build` (or :func:`build`), reopen with :meth:`load`.
    """

    def __init__(self, index: faiss.IndexIDMap2) -> None:
        self._index = index
        faiss.omp_set_num_threads(FAISS_THREADS)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray | Sequence[int] | None = None) -> VectorIndex:
        """Index ``vectors``.

        Args:
            vectors (np.ndarray): (n, dim) embeddings; rows are re-normalised so inner
                product is cosine even if the caller forgot (zero rows stay zero).
            ids (array of int | None, default None): one distinct non-negative id per row;
                None means the row numbers 0..n-1.

        Raises:
            ValueError: wrong shapes, or ids that repeat or are negative.
        """
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[1] < 1:
            raise ValueError(f"vectors must be a 2-D (n, dim) array, got shape {vectors.shape}")
        n, dim = vectors.shape
        ids = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        if ids.shape != (n,):
            raise ValueError(f"need one id per vector: {n} vectors, ids shape {ids.shape}")
        # -1 is faiss's "no result" marker and a repeated id would make results ambiguous
        if n and (ids.min() < 0 or len(np.unique(ids)) != n):
            raise ValueError("ids must be distinct and non-negative")
        # IDMap2 (not IDMap) also keeps the id -> vector map, so vectors can be read back
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if n:
            index.add_with_ids(normalise_rows(vectors), ids)
        return cls(index)

    @property
    def dim(self) -> int:
        """Vector length."""
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """The ids in the index, in insertion order (int64)."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def search(self, query_vecs: np.ndarray, k: int,
               allowed_ids: np.ndarray | Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Find the ``k`` nearest vectors (highest cosine) to each query.

        Args:
            query_vecs (np.ndarray): (nq, dim) or a single (dim,) query; normalised here.
            k (int): results per query (>= 1).
            allowed_ids (array of int | None, default None): search only among these ids
                (e.g. the chunks of one department and year); None searches everything.
                Filtering happens inside faiss (IDSelectorBatch), so k results come back
                whenever the subset has k members, however few they are overall.

        Returns:
            (scores, ids): float32 and int64 arrays of shape (nq, k), best first. Slots
            beyond the available results have id -1 and score -inf.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        queries = normalise_rows(np.atleast_2d(np.asarray(query_vecs)))
        if queries.shape[1] != self.dim:
            raise ValueError(f"query dim {queries.shape[1]} != index dim {self.dim}")
        nq = queries.shape[0]
        params = None
        if allowed_ids is not None:
            allowed = np.ascontiguousarray(allowed_ids, dtype=np.int64).ravel()
            if allowed.size == 0:
                return _empty_results(nq, k)
            # IDSelectorBatch is a hash set (+ bloom filter): O(1) per candidate. Keep a
            # reference to the selector for the duration of the call (SWIG won't).
            selector = faiss.IDSelectorBatch(allowed)
            params = faiss.SearchParameters(sel=selector)
        if len(self) == 0:
            return _empty_results(nq, k)
        scores, ids = self._index.search(queries, k, params=params)
        scores[ids < 0] = -np.inf  # faiss pads with -3.4e38; -inf says "no result" plainly
        return scores, ids

    def add(self, vectors: np.ndarray, ids: np.ndarray | Sequence[int]) -> None:
        """Add rows under new ids (normalised as in :meth:`build`)."""
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.atleast_2d(np.asarray(vectors))
        if vectors.shape != (ids.shape[0], self.dim):
            raise ValueError(f"need one {self.dim}-d vector per id: vectors {vectors.shape}, ids {ids.shape}")
        if ids.size:
            self._index.add_with_ids(normalise_rows(vectors), ids)

    def remove(self, ids: np.ndarray | Sequence[int]) -> int:
        """Drop the rows of ``ids``; returns how many were there."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if ids.size == 0:
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored (normalised) vectors of ``ids``, shape (len(ids), dim)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, path: str | Path) -> None:
        """Write the index to one file, atomically (a reader never sees half a file).

        Args:
            path (str | Path): target file; its folder is created if needed.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path, mmap: bool = False) -> VectorIndex:
        """Read an index written by :meth:`save`.

        Args:
            path (str | Path): the index file.
            mmap (bool, default False): map the vectors read-only instead of reading
                them (a server: pages are read as searches touch them); such an index
                cannot be added to.

        Raises:
            FileNotFoundError: no such file.
            ValueError: the file is a faiss index of another kind.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no vector index at {path}; rebuild the index")
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        index = faiss.read_index(str(path), flags)
        if not isinstance(index, faiss.IndexIDMap2):
            raise ValueError(f"{path} is not a VectorIndex file ({type(index).__name__}); rebuild the index")
        return cls(index)


def build(vectors: np.ndarray, ids: np.ndarray | Sequence[int] | None = None) -> VectorIndex:
    """Shorthand for :meth:`VectorIndex.build`."""
    return VectorIndex.build(vectors, ids)


def _empty_results(nq: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((nq, k), -np.inf, dtype=np.float32), np.full((nq, k), -1, dtype=np.int64)


# ---------------------------------------------------------------- embedding cache

def content_key(model: str, text: str) -> str:
    """Cache key of ``text`` embedded by ``model``: hex sha1 of model name, NUL, text."""
    # NUL separator: ("ab", "c") and ("a", "bc") must not share a key
    return hashlib.sha1(f"{model}\0{text}".encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors of one embedding model, keyed by content hash; in memory, saved on demand.

    Args:
        model (str): the embedder's ``name``; part of every key, and checked on load.
        dim (int | None, default None): vector length; None learns it from the first put.

    Stored as two files in one folder: ``vectors.npy`` (float32, one row per key) and
    ``keys.json`` (model name, dim, hex keys in row order). Use one folder per model
    (e.g. ``cache_dir(root, embedder.name)``) so switching models back and forth keeps
    both caches.
    """

    def __init__(self, model: str, dim: int | None = None) -> None:
        self.model = model
        self.dim = dim
        self.problem = ""  # why a damaged cache on disk was not used ("" when it was fine)
        self._keys: list[str] = []
        self._row: dict[str, int] = {}
        # appended blocks, stacked lazily: put_many once per batch would otherwise copy
        # the whole matrix every time (quadratic over a 17k-chunk build)
        self._blocks: list[np.ndarray] = []

    # ---- persistence
    @classmethod
    def load(cls, folder: str | Path, model: str) -> EmbeddingCache:
        """Open the cache in ``folder`` for ``model``.

        Args:
            folder (str | Path): cache folder; need not exist yet.
            model (str): the embedder's ``name``.

        Returns an empty cache when the folder is missing or holds another model's
        vectors. A damaged cache (empty, truncated or garbled file, checked against the
        size and sha256 recorded in ``keys.json``) or one from an older version also
        starts empty, with ``problem`` saying why: vectors can always be recomputed, so a
        bad cache costs time, never a wrong vector, and the next save replaces it.
        """
        folder = Path(folder)
        keys_file, vec_file = folder / CACHE_KEYS, folder / CACHE_VECTORS
        if not keys_file.exists() and not vec_file.exists():
            return cls(model)
        try:
            meta, vectors = _read_cache(keys_file, vec_file)
        except _CacheDamaged as e:
            log.warning("embedding cache %s: %s; re-embedding", folder, e)
            cache = cls(model)
            cache.problem = f"embedding cache {folder} {e}; it is rebuilt"
            return cache
        if meta.get("model") != model:
            log.info("embedding cache %s is not for %r; starting empty", folder, model)
            return cls(model)
        cache = cls(model, int(vectors.shape[1]))
        cache._keys = list(meta["keys"])
        cache._row = {k: i for i, k in enumerate(cache._keys)}
        cache._blocks = [vectors.astype(np.float32, copy=False)]
        return cache

    def save(self, folder: str | Path) -> None:
        """Write ``vectors.npy`` then ``keys.json`` into ``folder`` (created if needed).

        Args:
            folder (str | Path): cache folder.

        Each file is replaced atomically, and keys.json records the size and sha256 of
        vectors.npy; if the process dies between the two, load sees the mismatch and
        starts empty rather than pairing keys with wrong rows.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        vectors = self._matrix()
        tmp = folder / (CACHE_VECTORS + ".tmp")
        with open(tmp, "wb") as fh:  # np.save on a path would append ".npy" to the tmp name
            np.save(fh, vectors, allow_pickle=False)
        size, digest = tmp.stat().st_size, file_sha256(tmp)
        os.replace(tmp, folder / CACHE_VECTORS)
        meta = {"format": _CACHE_FORMAT, "model": self.model, "dim": self.dim, "vectors_size": size,
                "vectors_sha256": digest, "keys": self._keys}
        tmp = folder / (CACHE_KEYS + ".tmp")
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, folder / CACHE_KEYS)

    # ---- lookups
    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.key(text) in self._row

    def key(self, text: str) -> str:
        """This cache's key for ``text``."""
        return content_key(self.model, text)

    def get_many(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Look ``texts`` up.

        Args:
            texts (Sequence[str]): texts, in any order, repeats allowed.

        Returns:
            (vectors, missing): float32 (len(texts), dim) with zero rows for the misses,
            and the indices into ``texts`` of the misses, ascending. While the cache has
            never seen a vector its dim is unknown and ``vectors`` has shape (n, 0).
        """
        rows = [self._row.get(self.key(t), -1) for t in texts]
        missing = [i for i, r in enumerate(rows) if r < 0]
        out = np.zeros((len(texts), self.dim or 0), dtype=np.float32)
        hit = np.fromiter((i for i, r in enumerate(rows) if r >= 0), dtype=np.int64)
        if hit.size:
            out[hit] = self._matrix()[np.asarray(rows, dtype=np.int64)[hit]]
        return out, missing

    # ---- updates
    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text; texts already cached are left as they are.

        Args:
            texts (Sequence[str]): the texts.
            vectors (np.ndarray): (len(texts), dim) float32 embeddings from this model.

        Raises:
            ValueError: row count or dim does not match.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ValueError(f"need one vector per text: {len(texts)} texts, vectors {vectors.shape}")
        if self.dim is None:
            self.dim = int(vectors.shape[1])
        elif vectors.shape[1] != self.dim:
            raise ValueError(f"vector dim {vectors.shape[1]} != cache dim {self.dim} (model {self.model})")
        new_rows = []
        for i, text in enumerate(texts):
            key = self.key(text)
            if key not in self._row:
                self._row[key] = len(self._keys)
                self._keys.append(key)
                new_rows.append(i)
        if new_rows:
            self._blocks.append(vectors[new_rows].copy())

    def prune(self, keep_texts: Iterable[str]) -> int:
        """Drop every vector whose text is not in ``keep_texts`` (e.g. removed documents).

        Args:
            keep_texts (Iterable[str]): the texts of the current index.

        Returns the number of vectors dropped.
        """
        keep = {self.key(t) for t in keep_texts}
        kept_rows = [r for r, k in enumerate(self._keys) if k in keep]
        dropped = len(self._keys) - len(kept_rows)
        if dropped:
            matrix = self._matrix()[kept_rows] if kept_rows else np.zeros((0, self.dim or 0), np.float32)
            self._keys = [self._keys[r] for r in kept_rows]
            self._row = {k: i for i, k in enumerate(self._keys)}
            self._blocks = [matrix]
        return dropped

    def _matrix(self) -> np.ndarray:
        if len(self._blocks) != 1:
            self._blocks = [np.concatenate(self._blocks) if self._blocks
                            else np.zeros((0, self.dim or 0), dtype=np.float32)]
        return self._blocks[0]


class _CacheDamaged(Exception):
    """What is wrong with a cache on disk (a phrase: "vectors.npy is truncated")."""


def _read_cache(keys_file: Path, vec_file: Path) -> tuple[dict, np.ndarray]:
    """keys.json and vectors.npy, checked against each other; _CacheDamaged if not."""
    for f in (keys_file, vec_file):
        if not f.is_file():
            raise _CacheDamaged(f"has no {f.name}")
    try:
        meta = json.loads(keys_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise _CacheDamaged(f"{keys_file.name} is unreadable") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("keys"), list):
        raise _CacheDamaged(f"{keys_file.name} is not a cache index")
    if meta.get("format") != _CACHE_FORMAT:
        raise _CacheDamaged(f"was written by an older version (format {meta.get('format')})")
    size = vec_file.stat().st_size
    if size != meta.get("vectors_size"):
        raise _CacheDamaged(f"{vec_file.name} is {'empty' if size == 0 else 'truncated or replaced'} "
                            f"({size:,} bytes, {meta.get('vectors_size', 0):,} written)")
    if file_sha256(vec_file) != meta.get("vectors_sha256"):
        raise _CacheDamaged(f"{vec_file.name} is garbled (checksum differs)")
    try:
        vectors = np.load(vec_file, allow_pickle=False)
    except Exception as e:  # numpy raises many kinds on a bad header
        raise _CacheDamaged(f"{vec_file.name} is unreadable ({type(e).__name__})") from None
    if vectors.ndim != 2 or len(meta["keys"]) != vectors.shape[0] or vectors.shape[1] != meta.get("dim"):
        raise _CacheDamaged("keys and vectors disagree")
    return meta, vectors


def cache_dir(root: str | Path, model: str) -> Path:
    """A per-model cache folder under ``root``: the model name made filesystem-safe."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model).strip("._") or "model"
    return Path(root) / safe


def embed_with_cache(embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache,
                     progress: Progress | None = None, batch_size: int = 32,
                     save_to: str | Path | None = None, save_every_s: float = 60.0) -> np.ndarray:
    """Embed ``texts``, computing only those ``cache`` lacks, and add them to the cache.

    Args:
        embedder (Embedder): the model; its ``name`` must be the cache's model.
        texts (Sequence[str]): texts in order; repeats are embedded once.
        cache (EmbeddingCache): looked up first, then filled with the new vectors.
        progress (Callable[[int], None] | None, default None): called with the number of
            texts done so far (cached ones count at once), out of len(texts).
        batch_size (int, default 32): texts per ``embedder.encode`` call.
        save_to (str | Path | None, default None): if given, the cache is saved there
            every ``save_every_s`` seconds and at the end, so an index build that is
            killed part-way resumes where it stopped instead of starting over.
        save_every_s (float, default 60.0): seconds between checkpoints.

    Returns:
        float32 (len(texts), dim), unit rows, in the order of ``texts``.

    Raises:
        ValueError: the cache belongs to another model.
    """
    if cache.model != embedder.name:
        raise ValueError(f"cache holds {cache.model!r} vectors, embedder is {embedder.name!r}")
    texts = list(texts)
    vectors, missing = cache.get_many(texts)
    todo_counts = Counter(texts[i] for i in missing)  # a repeat is embedded once
    todo = list(todo_counts)
    done = len(texts) - len(missing)
    if progress is not None:
        progress(done)
    last_save = time.monotonic()
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        cache.put_many(batch, embedder.encode(batch, batch_size=batch_size))
        if progress is not None:
            done += sum(todo_counts[t] for t in batch)
            progress(done)
        if save_to is not None and time.monotonic() - last_save >= save_every_s:
            cache.save(save_to)
            last_save = time.monotonic()
    if todo:
        if save_to is not None:
            cache.save(save_to)
        vectors, still = cache.get_many(texts)
        assert not still, "every missing text was just embedded"
    if not texts:
        return np.zeros((0, cache.dim or embedder.dim), dtype=np.float32)
    return vectors
