"""Build or update an index from folders of documents, incrementally and safely.

An unchanged file (same size and modification time) is not read again; a changed one
is re-read and, if its bytes really changed, re-chunked; a removed one disappears.
Vectors are cached by text, so re-indexing never embeds the same text twice. The new
index is written beside the old one and published atomically (store.publish).
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index import store
from assistant.ingest import MAX_BYTES, read_file, supported
from assistant.ingest.metadata import extract_meta
from assistant.progress import Progress, Report, print_report
from assistant.records import Chunk, Document, IngestError
from assistant.ingest.sections import chunk_document
from assistant.tokenize import tokenize


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    read: int = 0  # documents read from disk this time
    reused: int = 0
    removed: int = 0
    embedded: int = 0  # texts that needed a new vector
    errors: list[str] = field(default_factory=list)
    index_path: str = ""


def pipeline_version() -> str:
    """A hash of the code that turns text into chunks and tokens: when it changes, stored
    chunks are stale and are rebuilt from the stored text (files are not read again)."""
    from assistant import lexicon, orgs, textutil, tokenize as tok
    from assistant.ingest import clean, metadata, sections

    h = hashlib.sha1()
    for module in (clean, sections, tok, metadata, orgs, textutil):
        h.update(Path(module.__file__).read_bytes())
    h.update(lexicon.digest().encode())  # word lists change tokens and metadata too
    return h.hexdigest()[:12]


def scan(dirs: list[Path]) -> list[tuple[str, Path]]:
    """(doc_id, path) of every file under dirs; doc_id is relative to its folder.

    A file given directly counts as its own folder. Hidden files are skipped.
    """
    out: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for d in dirs:
        d = Path(d)
        if not d.exists():
            raise FileNotFoundError(f"{d}: no such file or folder")
        files = [d] if d.is_file() else sorted(p for p in d.rglob("*") if p.is_file())
        for p in files:
            rel = p.name if d.is_file() else p.relative_to(d).as_posix()
            if any(part.startswith(".") for part in Path(rel).parts):
                continue
            doc_id = rel if rel not in seen else f"{d.name}/{rel}"
            seen.add(doc_id)
            out.append((doc_id, p))
    return out


def embed_text(chunk: Chunk) -> str | None:
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


def build(dirs: list[Path], index_dir: Path, embedder_spec: str = "use",
          report: Report | None = print_report, max_bytes: int = MAX_BYTES,
          on_error=None, workers: int = 0) -> BuildReport:
    """Index every supported file under dirs into index_dir; return what happened.

    Per-file problems are collected in BuildReport.errors (and passed to on_error) and
    never stop the build. Raises ValueError when no document could be indexed.
    """
    index_dir = Path(index_dir)
    files = scan(dirs)
    result = BuildReport(index_path=str(index_dir))
    version = pipeline_version()
    prev_docs, prev_chunks, prev_tokens, prev_version = _previous(index_dir)
    if prev_version != version:
        prev_chunks, prev_tokens = {}, {}  # same texts, new chunking: re-chunk, don't re-read
    workers = workers or int(os.environ.get("BUDGET_QA_WORKERS", "0")) or min(4, os.cpu_count() or 1)
    progress = Progress("documents", len(files), report)

    slots: list[tuple | None] = []  # per file, in order: (doc, chunks, tokens, reused) or None
    jobs: list[tuple[int, tuple]] = []
    for doc_id, path in files:
        if not supported(path):
            _error(result, on_error, f"{path}: skipped, unsupported file type '{path.suffix or '(none)'}'")
            progress.advance()
            continue
        try:
            plan = _plan(doc_id, path, prev_docs, prev_chunks, prev_tokens)
        except OSError as e:
            _error(result, on_error, f"{path}: cannot read ({e.strerror or e})")
            progress.advance()
            continue
        slots.append(plan if isinstance(plan, tuple) and len(plan) == 4 else None)
        if slots[-1] is None:
            jobs.append((len(slots) - 1, (doc_id, str(path), max_bytes, plan)))
        else:
            progress.advance()
    for i, outcome in _run(jobs, workers):
        progress.advance()
        if isinstance(outcome, str):
            _error(result, on_error, outcome)
        else:
            slots[i] = outcome
    docs: list[Document] = []
    chunks: list[Chunk] = []
    tokens: list[list[str]] = []
    for slot in slots:
        if slot is None:
            continue
        doc, doc_chunks, doc_tokens, reused = slot
        result.reused += reused
        result.read += not reused
        docs.append(doc)
        chunks += doc_chunks
        tokens += doc_tokens
    result.removed = len(set(prev_docs) - {d.doc_id for d in docs})
    if not docs:
        where = ", ".join(str(d) for d in dirs)
        raise ValueError(f"no documents could be indexed from {where}"
                         + (f" ({len(result.errors)} errors)" if result.errors else " (folder is empty)")
                         + "; supported: .txt .pdf .xlsx .xls .docx .html")
    gen = store.new_generation(index_dir)
    try:
        result.embedded = _write(gen, index_dir, docs, chunks, tokens, embedder_spec, report,
                                 sources=[str(Path(d).resolve()) for d in dirs])
    except BaseException:
        import shutil

        shutil.rmtree(gen, ignore_errors=True)
        raise
    store.publish(index_dir, gen)
    result.documents, result.chunks = len(docs), len(chunks)
    return result


def _error(result: BuildReport, on_error, message: str) -> None:
    result.errors.append(message)
    if on_error:
        on_error(message)


def _previous(index_dir: Path):
    """Documents, chunks, tokens (by doc_id) and pipeline version of the live index."""
    try:
        gen = store.live_generation(index_dir)
        version = store.load_manifest(gen).get("pipeline", "")
        docs = {d.doc_id: d for d in store.load_docs(gen)}
        by_doc: dict[str, list[Chunk]] = {}
        tok_by_doc: dict[str, list[list[str]]] = {}
        for c, t in zip(store.load_chunks(gen), store.load_tokens(gen)):
            by_doc.setdefault(c.doc_id, []).append(c)
            tok_by_doc.setdefault(c.doc_id, []).append(t)
        return docs, by_doc, tok_by_doc, version
    except (store.IndexMissing, OSError, ValueError, KeyError, TypeError):
        return {}, {}, {}, ""


def _plan(doc_id: str, path: Path, prev_docs, prev_chunks, prev_tokens):
    """What a file needs: its previous (doc, chunks, tokens, True) when unchanged and
    chunked by this pipeline; its previous Document when only the chunking changed; None
    when it must be read."""
    st = path.stat()
    old = prev_docs.get(doc_id)
    if old is None:
        return None
    unchanged = old.size == st.st_size and old.mtime == st.st_mtime
    if not unchanged:
        unchanged = old.sha256 == _sha256(path)  # touched, not changed: no need to read it
        old.mtime = st.st_mtime
    if not unchanged:
        return None
    if doc_id in prev_chunks:
        return old, prev_chunks[doc_id], prev_tokens[doc_id], True
    return old


def _run(jobs: list[tuple[int, tuple]], workers: int):
    """(slot, outcome) of each job as it finishes; in worker processes when it pays.

    Reading a PDF costs 0.3-0.8 s a page and jieba is pure Python: both scale with
    processes, not threads."""
    if workers <= 1 or len(jobs) < 4:
        for i, job in jobs:
            yield i, _work(job)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: the web UI rebuilds from a thread of a multi-threaded server, and a
    # forked child can inherit a lock held by another thread. Workers load jieba once each.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_work, job): i for i, job in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _work(job: tuple):
    """Read (or re-chunk) one document: (doc, chunks, tokens, reused) or an error line."""
    doc_id, path_s, max_bytes, old = job
    path = Path(path_s)
    try:
        if old is not None:
            old.meta = extract_meta(old.text)
            return (old, *_chunks(old, path), True)
        st = path.stat()
        source = read_file(path, max_bytes=max_bytes)
        doc = Document(doc_id=doc_id, source=doc_id, meta=extract_meta(source.text), text=source.text,
                       sha256=_sha256(path), size=st.st_size, mtime=st.st_mtime, format=source.format)
        return (doc, *_chunks(doc, path), False)
    except IngestError as e:
        return str(e)
    except Exception as e:  # one bad file must not stop the rest
        return f"{path}: could not be indexed ({type(e).__name__}: {e})"


def _chunks(doc: Document, path: Path) -> tuple[list[Chunk], list[list[str]]]:
    doc_chunks = chunk_document(doc.doc_id, doc.text)
    if not doc_chunks:
        raise IngestError(f"{path}: no text to index after cleaning")
    return doc_chunks, [tokenize(_search_text(c, doc)) for c in doc_chunks]


def _search_text(chunk: Chunk, doc: Document) -> str:
    """What BM25 sees: the chunk, its section path and table headers."""
    return chunk.context + "\n" + chunk.text


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(gen: Path, index_dir: Path, docs, chunks, tokens, embedder_spec: str, report,
           sources: list[str]) -> int:
    """Write the generation: docs, chunks, tokens, BM25 and vectors. Returns texts embedded."""
    import bm25s

    store.save_chunks(gen, chunks, tokens)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    retriever.save(str(gen / "bm25"), show_progress=False)
    embedded = _write_vectors(gen, index_dir, chunks, embedder_spec, report)
    store.save_docs(gen, docs, {"embedder": embedder_spec, "chunks": len(chunks),
                                "pipeline": pipeline_version(), "sources": sources})
    return embedded


def _write_vectors(gen: Path, index_dir: Path, chunks: list[Chunk], spec: str, report) -> int:
    from assistant.index.embed import get_embedder

    embedder = get_embedder(spec)
    if embedder is None:
        return 0
    from assistant.index.vectors import EmbeddingCache, build as build_vectors, cache_dir, embed_with_cache

    # The cache lives beside the generations, one folder per model, and is checkpointed
    # while embedding: a killed build resumes where it stopped. A stale entry costs disk,
    # never a wrong vector (keys hash the model name and the text).
    folder = cache_dir(index_dir / "embedding-cache", embedder.name)
    cache = EmbeddingCache.load(folder, embedder.name)
    rows = [(i, t) for i, c in enumerate(chunks) if (t := embed_text(c)) is not None]
    texts = [t for _, t in rows]
    _, missing = cache.get_many(texts)
    progress = Progress("vectors", len(texts), report)
    vecs = embed_with_cache(embedder, texts, cache, save_to=folder,
                            progress=lambda n: progress.advance(n - progress.done))
    progress.finish()
    if cache.prune(texts):
        cache.save(folder)
    index = build_vectors(vecs, ids=[i for i, _ in rows])
    index.save(gen / "vectors")
    return len(missing)
