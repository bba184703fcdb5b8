"""A built index loaded for querying: documents, chunks, BM25, vectors, code map."""
from __future__ import annotations

import bisect
import math
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.index import segments, store
from assistant.records import Chunk, Document


class LazyIdf(dict):
    """word -> IDF, computed on first lookup from a document-frequency function; "__max__"
    is the IDF of a word in no chunk. A dict, as evidence.py's cache is one."""

    def __init__(self, n: int, frequency) -> None:
        super().__init__()
        self._n, self._frequency = n, frequency
        dict.__setitem__(self, "__max__", math.log(1 + (n + 0.5) / 0.5))

    def _lookup(self, word: str) -> float | None:
        if dict.__contains__(self, word):
            return dict.__getitem__(self, word)
        df = self._frequency(word)
        if df <= 0:
            return None
        value = math.log(1 + (self._n - df + 0.5) / (df + 0.5))
        dict.__setitem__(self, word, value)
        return value

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __getitem__(self, word: str) -> float:
        value = self._lookup(word)
        if value is None:
            raise KeyError(word)
        return value

    def get(self, word: str, default=None):
        value = self._lookup(word)
        return default if value is None else value


class Index:
    """A generation loaded for answering. Documents are read at once; chunks and tokens
    are parsed when first asked for (segments.LazyRows); the keyword index and vectors
    are memory-mapped (local) or a connection (Milvus)."""

    def __init__(self, path: Path, docs: list[Document], live: list[segments.LiveDoc],
                 segs: dict[int, segments.Segment], stores=None, embedder_spec: str = "none",
                 generation: str = "") -> None:
        self.path = Path(path)
        # The generation folder this was loaded from ("gen-20261201-…"); answers carry it
        # so a reader of the JSON knows which build it came from.
        self.generation = generation
        self.docs = {d.doc_id: d for d in docs}
        self.doc_list = docs
        self.stores = stores
        self.embedder_spec = embedder_spec
        self.doc_index = {d.doc_id: i for i, d in enumerate(docs)}
        self._segments = segs
        counts = np.fromiter((d.count for d in live), dtype=np.int64, count=len(live))
        self.doc_first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(live) else counts
        # Per chunk position: its document, its segment and row there, its key.
        self.chunk_doc = np.repeat(np.arange(len(live), dtype=np.int32), counts)
        seg_of = np.repeat(np.fromiter((d.segment for d in live), dtype=np.int64, count=len(live)), counts)
        starts = np.repeat(np.fromiter((d.first for d in live), dtype=np.int64, count=len(live)), counts)
        row_of = starts + (np.arange(len(self.chunk_doc), dtype=np.int64) - np.repeat(self.doc_first, counts))
        self.keys = (seg_of << 32) | row_of
        self._sorter = np.argsort(self.keys, kind="stable")
        self.chunks = segments.LazyRows(segs, seg_of, row_of, "chunks")
        self.tokens = segments.LazyRows(segs, seg_of, row_of, "tokens")
        self._live = live

    @classmethod
    def load(cls, path: Path) -> Index:
        """Load the live generation, checked against its manifest.

        Raises store.IndexMissing (no index) or store.IndexDamaged (a file that does not
        match the manifest, another format), each one line that says to run index build.
        """
        path = Path(path)
        gen = store.live_generation(path)
        try:
            return cls._load_generation(path, gen)
        except FileNotFoundError:
            # A build published a newer generation and removed this one while we read it
            # (only after two quick builds; store.KEEP_GENERATIONS): load the newer one.
            newer = store.live_generation(path)
            if newer == gen:
                raise store.IndexDamaged(f"index at {path} is damaged ({gen.name} lost files while loading); "
                                         f"repair it with {store.build_hint(path)}") from None
            return cls._load_generation(path, newer)

    @classmethod
    def _load_generation(cls, path: Path, gen: Path) -> Index:
        from assistant.index import backends

        manifest = store.verified(gen)
        try:
            live = segments.load_live(gen)
            segs = {n: segments.Segment(gen / segments.name(n)) for n in sorted({d.segment for d in live})}
            rows = {n: s.docs() for n, s in segs.items()}
            docs = [rows[d.segment][d.doc_row] for d in live]
            spec = backends.parse_spec(manifest.get("store"), path)
            stores = backends.open_stores(spec, gen, mmap=True)
            index = cls(path, docs, live, segs, stores, manifest.get("embedder", "none"), generation=gen.name)
            index.generation_path = gen  # figures are read from here when first asked
            index._seed_idf()
            return index
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as e:  # JSON errors are ValueErrors
            # The checksums matched, so the writer itself wrote something this version
            # cannot read: still one line, still repaired by a rebuild.
            raise store.IndexDamaged(f"index at {path} cannot be read ({gen.name}: {type(e).__name__}: "
                                     f"{str(e)[:120]}); rebuild it with "
                                     f"{store.build_hint(path, manifest.get('sources'))}") from None

    @cached_property
    def code_map(self) -> dict[str, list[int]]:
        """code -> chunk positions, from each segment's stored map (dead rows left out)."""
        out: dict[str, list[int]] = {}
        for number, seg in self._segments.items():
            for code, rows in seg.codes().items():
                pos = self.positions(((number << 32) | np.asarray(rows, dtype=np.int64)))
                pos = pos[pos >= 0]
                if pos.size:
                    out.setdefault(code, []).extend(int(p) for p in pos)
        for code in out:
            out[code].sort()
        return out

    def _seed_idf(self) -> None:
        """Give answering/evidence.py's IDF cache a table that looks words up in the keyword
        index when asked.

        evidence._idf counts every chunk's tokens on the first question: a second here,
        minutes and gigabytes at 100× (every token list parsed and kept). Its formula,
        Lucene's log(1 + (N - df + 0.5) / (df + 0.5)), over the keyword index's own
        document frequencies gives the same numbers (tests/test_segments.py)."""
        kw = self.stores.keyword if self.stores is not None else None
        if kw is not None and hasattr(kw, "frequency"):
            self.__dict__["_idf"] = LazyIdf(len(self.chunk_doc), kw.frequency)

    def positions(self, keys: np.ndarray) -> np.ndarray:
        """Chunk positions of row keys; -1 for keys this generation does not hold (a
        deleted document's rows that a shared Milvus collection still returns)."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(self.keys):
            return np.full(keys.shape, -1, dtype=np.int64)
        at = np.searchsorted(self.keys, keys, sorter=self._sorter)
        at = np.minimum(at, len(self.keys) - 1)
        pos = self._sorter[at]
        return np.where(self.keys[pos] == keys, pos, -1)

    def chunk_counts(self) -> dict[str, int]:
        """doc_id -> chunks, from the live table (no chunk parsed; the web app's documents
        list counts ``c.doc_id for c in index.chunks``, which parses them all)."""
        return {d.doc_id: d.count for d in self._live}

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        i = self.doc_index[doc_id]
        first = int(self.doc_first[i])
        return self.chunks[first:first + self._live[i].count]

    @cached_property
    def embedder(self):
        from assistant.index.embed import get_embedder

        return get_embedder(self.embedder_spec) if self.stores is not None else None

    @cached_property
    def metas(self):
        return [d.meta for d in self.doc_list]

    @cached_property
    def resolver(self):
        """Department names typed in questions, resolved against this index's documents."""
        from assistant.answering.departments import DepartmentResolver

        return DepartmentResolver(self.metas)

    @cached_property
    def versions(self) -> dict[str, dict]:
        """Documents that are versions of one disclosure (figures.audit.version_groups): doc_id ->
        {"others": [doc_ids], "findings": n, "preferred": bool}. The version whose figures
        add up (fewest audit findings) is preferred; an answer from another one says so."""
        from assistant.figures.audit import audit_document, version_groups

        stored = self.findings_by_doc()
        out: dict[str, dict] = {}
        for group in version_groups(self.doc_list):
            ids = [d.doc_id for d in group]
            counts = {}
            for doc_id in ids:
                if stored is not None:
                    counts[doc_id] = sum(f.check != "version" for f in stored.get(doc_id, []))
                else:  # an index built before findings were stored
                    counts[doc_id] = len(audit_document(self.docs[doc_id], self.chunks_of(doc_id),
                                                        self.figures_of(doc_id)))
            best = min(counts.values())
            for doc_id in ids:
                out[doc_id] = {"others": [i for i in ids if i != doc_id], "findings": counts[doc_id],
                               "preferred": counts[doc_id] == best and list(counts.values()).count(best) == 1}
        return out

    def findings_by_doc(self) -> dict[str, list] | None:
        """The audit's findings by document, as the build stored them: each document's
        in its segment, those across versions in versions.sqlite (None: not stored)."""
        cache = self.__dict__.get("_findings")
        if cache is None:
            from assistant.figures import store as figures_store
            from assistant.index.write import VERSIONS_FILE

            gen = getattr(self, "generation_path", None)
            if gen is None or not (gen / VERSIONS_FILE).exists():
                return None
            cache = {}
            for seg in self._segments.values():
                for doc_id, found in figures_store.read_findings_by_doc(seg.folder / figures_store.FILENAME).items():
                    if doc_id in self.doc_index and self._live[self.doc_index[doc_id]].segment == seg.number:
                        cache.setdefault(doc_id, []).extend(found)
            for doc_id, found in figures_store.read_findings_by_doc(gen / VERSIONS_FILE).items():
                cache.setdefault(doc_id, []).extend(found)
            self.__dict__["_findings"] = cache
        return cache

    def figures_of(self, doc_id: str):
        """The figures table rows of one document (from its segment's figures.sqlite, one
        indexed query; else extracted from the stored chunks once and kept)."""
        cache = self.__dict__.setdefault("_figures", {})
        if doc_id not in cache:
            d = self._live[self.doc_index[doc_id]]
            seg = self._segments[d.segment]
            from assistant.figures import store as figures_store

            if (seg.folder / figures_store.FILENAME).exists():
                cache[doc_id] = seg.figures_of([doc_id])[doc_id]
            else:
                from assistant.figures.extract import extract_figures

                cache[doc_id] = extract_figures(self.docs[doc_id], self.chunks_of(doc_id))
        return cache[doc_id]

    def bm25_scores(self, tokens: list[str], allowed: np.ndarray | None = None, k: int | None = None) -> np.ndarray:
        """BM25 of every chunk position (0 where not scored).

        The local keyword index scores every chunk (bm25s); a Milvus one returns the best
        ``k`` among the documents of ``allowed`` (chunk positions; None: all) and the rest
        stay 0, which is all the ranking code reads."""
        out = np.zeros(len(self.chunk_doc), dtype=np.float32)
        kw = self.stores.keyword if self.stores is not None else None
        if not tokens or kw is None:
            return out
        if hasattr(kw, "scores"):  # local: a score per row, rows in the store's order
            out[self._row_positions(kw)] = kw.scores(tokens)
            return out
        from assistant.index.backends.milvus import MAX_LIMIT

        hits = kw.search(list(tokens), min(k or MAX_LIMIT, MAX_LIMIT), self._doc_filter(allowed))
        self._scatter(out, hits, allowed)
        return out

    def dense_scores(self, question: str, allowed: np.ndarray | None, k: int = 50) -> dict[int, float]:
        """Cosine of the question with the best k chunks (among allowed chunk positions)."""
        if self.embedder is None or self.stores is None:
            return {}
        vs = self.stores.vectors
        q = self.embedder.encode([question])[0]
        if hasattr(vs, "table"):  # local FAISS: filter by the allowed rows themselves
            from assistant.index.backends.base import Found

            if vs._index is None:
                return {}
            ids = None if allowed is None else self.keys[np.asarray(allowed, dtype=np.int64)]
            scores, keys = vs._index.search(q, k, allowed_ids=ids)
            hits = [Found(int(i), float(s)) for s, i in zip(scores[0], keys[0]) if i >= 0]
        else:
            hits = vs.search(q, k, self._doc_filter(allowed))
        pos = self.positions(np.fromiter((h.key for h in hits), dtype=np.int64, count=len(hits)))
        ok = None if allowed is None else set(np.asarray(allowed).tolist())
        return {int(p): h.score for p, h in zip(pos, hits) if p >= 0 and (ok is None or int(p) in ok)}

    def _row_positions(self, kw) -> np.ndarray:
        cached = self.__dict__.get("_kw_positions")
        if cached is None:
            cached = self.__dict__["_kw_positions"] = self.positions(np.asarray(kw.table.keys))
        return cached

    def _doc_filter(self, allowed: np.ndarray | None):
        from assistant.index.backends.base import Filters

        if allowed is None:
            return None
        docs = np.unique(self.chunk_doc[np.asarray(allowed, dtype=np.int64)])
        if len(docs) == len(self.doc_list):
            return None
        return Filters(doc_ids=frozenset(self.doc_list[int(i)].doc_id for i in docs))

    def _scatter(self, out: np.ndarray, hits, allowed: np.ndarray | None) -> None:
        pos = self.positions(np.fromiter((h.key for h in hits), dtype=np.int64, count=len(hits)))
        scores = np.fromiter((h.score for h in hits), dtype=np.float32, count=len(hits))
        keep = pos >= 0
        out[pos[keep]] = scores[keep]
        if allowed is not None:  # a filter by documents may hold rows outside allowed
            mask = np.zeros(len(out), dtype=bool)
            mask[np.asarray(allowed, dtype=np.int64)] = True
            out[~mask] = 0

    def line_of(self, doc: Document, offset: int) -> int:
        starts = self._line_starts(doc.doc_id)
        return bisect.bisect_right(starts, offset)

    def page_of(self, doc: Document, offset: int) -> int:
        return doc.text.count("\f", 0, offset) + 1

    def _line_starts(self, doc_id: str) -> list[int]:
        cache = self.__dict__.setdefault("_starts", {})
        if doc_id not in cache:
            text = self.docs[doc_id].text
            cache[doc_id] = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        return cache[doc_id]
