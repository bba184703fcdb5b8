"""A built index loaded for querying: documents, chunks, BM25, vectors, code map."""
from __future__ import annotations

import bisect
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.index import store
from assistant.records import Chunk, Document
from assistant.tokenize import codes_in


class Index:
    def __init__(self, path: Path, docs: list[Document], chunks: list[Chunk], tokens: list[list[str]],
                 bm25, vectors=None, embedder_spec: str = "none", generation: str = ""):
        self.path = Path(path)
        # The generation folder this was loaded from ("gen-20261201-…"); answers carry it
        # so a reader of the JSON knows which build it came from.
        self.generation = generation
        self.docs = {d.doc_id: d for d in docs}
        self.doc_list = docs
        self.chunks = chunks
        self.tokens = tokens
        self.bm25 = bm25
        self.vectors = vectors
        self.embedder_spec = embedder_spec
        self.doc_index = {d.doc_id: i for i, d in enumerate(docs)}
        self.chunk_doc = np.array([self.doc_index[c.doc_id] for c in chunks], dtype=np.int32)
        self.code_map: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            for code in set(codes_in(c.text)):
                self.code_map.setdefault(code, []).append(i)

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
        import bm25s

        manifest = store.verified(gen)
        try:
            vectors = None
            if "vectors" in manifest["files"]:
                from assistant.index.vectors import VectorIndex

                vectors = VectorIndex.load(gen / "vectors")
            index = cls(path, store.load_docs(gen), store.load_chunks(gen), store.load_tokens(gen),
                        bm25s.BM25.load(str(gen / "bm25"), show_progress=False), vectors,
                        manifest.get("embedder", "none"), generation=gen.name)
            index.generation_path = gen  # figures.sqlite is read from here when first asked
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
    def embedder(self):
        from assistant.index.embed import get_embedder

        return get_embedder(self.embedder_spec) if self.vectors is not None else None

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
        """Documents that claim to be the same disclosure (department, year, kind): doc_id ->
        {"others": [doc_ids], "findings": n, "preferred": bool}. The version whose figures
        add up (fewest audit findings) is preferred; an answer from another one says so."""
        from assistant.figures.audit import audit_document

        stored = self.findings_by_doc()
        groups: dict[tuple, list[str]] = {}
        for d in self.doc_list:
            m = d.meta
            if m.department and m.year and m.kind in ("部门预算", "单位预算", "部门决算"):
                groups.setdefault((m.department, m.year, m.kind), []).append(d.doc_id)
        out: dict[str, dict] = {}
        for ids in groups.values():
            if len(ids) < 2:
                continue
            counts = {}
            for doc_id in ids:
                if stored is not None:
                    counts[doc_id] = sum(f.check != "version" for f in stored.get(doc_id, []))
                else:  # an index built before findings were stored
                    chunks = [c for c in self.chunks if c.doc_id == doc_id]
                    counts[doc_id] = len(audit_document(self.docs[doc_id], chunks, self.figures_of(doc_id)))
            best = min(counts.values())
            for doc_id in ids:
                out[doc_id] = {"others": [i for i in ids if i != doc_id], "findings": counts[doc_id],
                               "preferred": counts[doc_id] == best and list(counts.values()).count(best) == 1}
        return out

    def findings_by_doc(self) -> dict[str, list] | None:
        """The audit's findings by document, as the build stored them (None: not stored)."""
        cache = self.__dict__.get("_findings")
        if cache is None:
            from assistant.figures import store as figures_store

            path = getattr(self, "generation_path", None)
            path = path / figures_store.FILENAME if path is not None else None
            cache = figures_store.read_findings_by_doc(path) if path is not None and path.exists() else {}
            self.__dict__["_findings"] = cache if path is not None and path.exists() else None
            cache = self.__dict__["_findings"]
        return cache

    def figures_of(self, doc_id: str):
        """The figures table rows of one document (figures.sqlite when the build wrote it,
        else extracted from the stored chunks once and kept)."""
        cache = self.__dict__.setdefault("_figures", {})
        if doc_id in cache:
            return cache[doc_id]
        if getattr(self, "generation_path", None) is not None:
            from assistant.figures import store as figures_store

            stored = figures_store.read_doc(self.generation_path / figures_store.FILENAME, doc_id)
            if stored is not None:
                cache[doc_id] = stored
        if doc_id not in cache:
            from assistant.figures.extract import extract_figures

            doc = self.docs[doc_id]
            cache[doc_id] = extract_figures(doc, [c for c in self.chunks if c.doc_id == doc_id])
        return cache[doc_id]

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        if not tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return self.bm25.get_scores(tokens)

    def dense_scores(self, question: str, allowed: np.ndarray | None, k: int = 50) -> dict[int, float]:
        """Cosine of the question with the best k chunks (among allowed chunk ids)."""
        if self.embedder is None or self.vectors is None:
            return {}
        q = self.embedder.encode([question])
        scores, ids = self.vectors.search(q, k, allowed_ids=allowed)
        return {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}

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
