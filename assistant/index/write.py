"""Stage write: a new generation from the documents of a build, touching only what changed.

    documents new or changed  -> one new segment (segments.py): docs, chunks, tokens,
                                 codes, figures and their audit
    documents unchanged       -> their segments hard-linked from the live generation
    documents gone or changed -> deleted from the stores (backends/), new rows added
    every document            -> live.json (where each one's chunks are), files.json,
                                 versions.sqlite (the audit across versions), and
                                 figures.sqlite: the one figures table of every live
                                 document (segments' rows copied inside SQLite)
    last                      -> manifest.json (entries of linked files reused, not re-hashed)

Adding, replacing or deleting one document of the shared corpus therefore writes about
a megabyte instead of the whole index (benchmarks/start_and_update.py). A compaction
(``full``, another store or embedder, too many dead rows or segments) writes every live
document into one segment and refills the stores, as a first build does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.figures import store as figure_store
from assistant.figures.audit import audit_versions
from assistant.index import backends, segments, store
from assistant.progress import Progress, Report

VERSIONS_FILE = "versions.sqlite"  # findings across versions of one disclosure
FILE_STATS = "files.json"

Note = Callable[[str], None]


@dataclass
class Written:
    embedded: int  # texts that needed a new vector
    compacted: bool
    segment: int  # the new segment's number (0: none written)


def write_generation(gen: Path, index_dir: Path, builds: list, prev, embedder_spec: str, report: Report | None,
                     info: dict, note: Note, full: bool) -> Written:
    """Write generation ``gen`` from ``builds`` (build.DocBuild, in scan order; those with
    ``stored`` are unchanged and live in ``prev``'s segments)."""
    spec = backends.spec_from_env(index_dir)
    same_store = (prev.stores_ok and prev.manifest.get("store") == str(spec)
                  and prev.manifest.get("embedder") == embedder_spec)
    kept = [b for b in builds if b.stored is not None]
    compact = full or not same_store or _needs_compaction(prev, kept)
    if compact:
        for b in kept:  # every document goes into the new segment
            b.chunks, b.tokens = prev.chunks_of(b.stored)
            b.figures = prev.figures_of(b.stored)
            b.findings = prev.findings_of(b.stored)
            b.stored = None
        kept = []
    fresh = [b for b in builds if b.stored is None]
    # Segment numbers only grow, so a key (segment, row) is never given to two chunks.
    number = prev.last_segment + 1
    new_live = {}
    if fresh:
        for d in segments.write_segment(gen, number, [b.doc for b in fresh], [b.chunks for b in fresh],
                                        [b.tokens for b in fresh]):
            new_live[d.doc_id] = d
        figure_store.write(segments.figures_path(gen, number), (f for b in fresh for f in b.figures),
                           [f for b in fresh for f in b.findings])
    known: dict[str, dict] = {}
    for seg in sorted({b.stored.segment for b in kept}):
        for rel in segments.link_segment(prev.gen / segments.name(seg), gen):
            known[rel] = prev.manifest["files"][rel]
    live = [b.stored if b.stored is not None else new_live[b.doc.doc_id] for b in builds]
    segments.save_live(gen, live)
    store.save_json(gen, FILE_STATS, {b.doc.doc_id: b.signature for b in builds})
    version_findings = _write_versions(gen, builds, prev, fresh)
    # The one figures table a reader opens (README "The figures table"): every live
    # document's figures and findings; the segments' own files also hold dead rows.
    fresh_figures = (f for b in fresh for f in b.figures)
    fresh_findings = [f for b in fresh for f in b.findings] + version_findings
    previous = prev.gen / figure_store.FILENAME if prev.gen is not None else None
    if not compact and previous is not None and previous.exists():
        changed_now = {d for d in prev.live if d not in {b.doc.doc_id for b in kept}} | {b.doc.doc_id for b in fresh}
        figure_store.patch(gen / figure_store.FILENAME, previous, changed_now, fresh_figures, fresh_findings,
                           drop_check="version")
    else:
        figure_store.publish(gen / figure_store.FILENAME, fresh_figures, fresh_findings, _kept_by_file(gen, kept))
    kept_ids = {b.doc.doc_id for b in kept}
    changed = {d for d in prev.live if d not in kept_ids}  # replaced or removed
    embedded = _write_stores(gen, index_dir, spec, fresh, new_live, kept, changed, compact, prev,
                             embedder_spec, report, note, known, number)
    store.write_manifest(gen, {**info, "embedder": embedder_spec, "store": str(spec), "documents": len(builds),
                               "chunks": sum(d.count for d in live)}, known=known)
    return Written(embedded, compact, number if fresh else 0)


def _needs_compaction(prev, kept: list) -> bool:
    if not kept:
        return False
    segs = {b.stored.segment for b in kept}
    if len(segs) + 1 > segments.MAX_SEGMENTS:
        return True
    total = sum(prev.segment_rows(s) for s in segs)
    live = sum(b.stored.count for b in kept)
    return total > 0 and (total - live) / total > segments.DEAD_SHARE


def _kept_by_file(gen: Path, kept: list) -> dict[Path, list[str]]:
    out: dict[Path, list[str]] = {}
    for b in kept:
        out.setdefault(segments.figures_path(gen, b.stored.segment), []).append(b.doc.doc_id)
    return out


def _write_versions(gen: Path, builds: list, prev, fresh: list) -> list:
    """The audit across versions of one disclosure (figures of other documents are read
    from their segment, and only for documents that have a second version)."""
    new = {b.doc.doc_id: b.figures for b in fresh}
    stored = {b.doc.doc_id: b.stored for b in builds if b.stored is not None}
    cache: dict[str, list] = {}

    def figures_of(doc_id: str) -> list:
        if doc_id in new:
            return new[doc_id]
        if doc_id not in cache:
            cache[doc_id] = prev.figures_of(stored[doc_id])
        return cache[doc_id]

    findings = audit_versions([b.doc for b in builds], figures_of)
    figure_store.write(gen / VERSIONS_FILE, [], findings)
    return findings


def _write_stores(gen: Path, index_dir: Path, spec, fresh: list, new_live: dict, kept: list, changed: set[str],
                  compact: bool, prev, embedder_spec: str, report: Report | None, note: Note,
                  known: dict[str, dict], number: int) -> int:
    """Add the new rows to the keyword index and vector store (deleting what changed),
    or, when nothing changed and the store is local, link its files."""
    if not compact and not fresh and not changed and spec.kind == "local":
        for folder in backends.saved_files(spec):
            for p in sorted((prev.gen / folder).rglob("*")):
                if p.is_file():
                    rel = p.relative_to(prev.gen).as_posix()
                    (gen / rel).parent.mkdir(parents=True, exist_ok=True)
                    segments.link_file(p, gen / rel)
                    known[rel] = prev.manifest["files"][rel]
        return 0
    stores = (backends.new_stores(spec, version=f"s{number}") if compact  # Milvus names: letters, digits, _
              else backends.open_stores(spec, prev.gen, mmap=False))
    if not compact:
        stores.delete(sorted(changed))
        if spec.kind == "milvus" and fresh:  # rows a failed build left behind under these keys
            stores.keyword.collection.drop_from(segments.row_key(new_live[fresh[0].doc.doc_id].segment, 0))
    rows = _rows(fresh, new_live)
    embedded = _vectors(index_dir, rows, fresh, embedder_spec, report, note, prune=compact)
    stores.add(rows)
    stores.save(gen)
    if compact and spec.kind == "milvus":  # collections older than the live generation's
        keep = {stores.keyword.collection.name}
        if prev.gen is not None and (prev.gen / "milvus").is_dir():
            keep.add(backends.saved_collection(prev.gen / "milvus"))
        backends.drop_unused(spec, keep)
    return embedded


def _rows(fresh: list, new_live: dict) -> list[backends.Row]:
    rows = []
    for b in fresh:
        meta = b.doc.meta
        rmeta = backends.RowMeta(meta.department, meta.region, meta.kind, int(meta.year or 0))
        keys = new_live[b.doc.doc_id].keys()
        for key, c, t in zip(keys, b.chunks, b.tokens):
            rows.append(backends.Row(int(key), b.doc.doc_id, rmeta, t, search_text(c)))
    return rows


def search_text(chunk) -> str:
    """What keyword search sees of a chunk: its section path and table headers, then it."""
    return chunk.context + "\n" + chunk.text


def _vectors(index_dir: Path, rows: list, fresh: list, spec: str, report: Report | None, note: Note,
             prune: bool) -> int:
    """Set ``row.vector`` for the rows worth one (embed_text); returns texts embedded."""
    from assistant.index.embed import get_embedder

    embedder = get_embedder(spec)
    if embedder is None:
        return 0
    from assistant.index.vectors import EmbeddingCache, cache_dir, embed_with_cache

    # The cache lives beside the generations, one folder per model, and is checkpointed
    # while embedding: a killed build resumes where it stopped. A stale entry costs disk,
    # never a wrong vector (keys hash the model name and the text; the file is checksummed).
    folder = cache_dir(index_dir / "embedding-cache", embedder.name)
    cache = EmbeddingCache.load(folder, embedder.name)
    if cache.problem:
        note(cache.problem)
    chunks = [c for b in fresh for c in b.chunks]
    todo = [(i, t) for i, c in enumerate(chunks) if (t := embed_text(c)) is not None]
    texts = [t for _, t in todo]
    _, missing = cache.get_many(texts)
    progress = Progress("vectors", len(texts), report)
    vecs = embed_with_cache(embedder, texts, cache, save_to=folder,
                            progress=lambda n: progress.advance(n - progress.done))
    progress.finish()
    if prune and (cache.prune(texts) or cache.problem):
        cache.save(folder)
    for (i, _), v in zip(todo, vecs):
        rows[i].vector = np.asarray(v, dtype=np.float32)
    return len(missing)


def embed_text(chunk) -> str | None:
    """What the dense index sees of a chunk, or None when it is not worth a vector.

    Tables are numbers and codes, BM25's ground; embedding them costs most of the build
    time for little gain (MODELS.md), so only prose gets vectors.
    """
    if chunk.kind != "prose" or len(chunk.text) < 30:
        return None
    # Fragments around tables, definitions every document repeats and tables of contents
    # are BM25's (or nobody's) ground; skipping them halves the build time.
    if _NO_VECTORS.search(chunk.section_path):
        return None
    head = chunk.section[-1] if chunk.section else ""
    return (head + "：" + chunk.text)[:300]


_NO_VECTORS = re.compile(r"表($| / |（)|名词解释|目录")
