"""Build or update an index from folders of documents: named stages, each with a typed result.

    scan     folders                -> ScanResult   which files, which were skipped and why
    plan     files + live generation -> FilePlan     reuse, refigure, rechunk or read each one
    read     FilePlan                -> Document     ┐
    chunk    Document                -> chunks, tokens ├ per document (DocBuild), in workers
    figures  Document + chunks       -> figures       ┘
    write    DocBuilds               -> a new generation, checked and published atomically

The whole build holds the index's write lock (lock.py), so two builds (or a build and the
web app's 更新索引) never write at once, and the plan is made against the generation that
is live when the lock is taken.

What is re-read is decided by content: a file's sha256 against the stored one. Its size,
modification and change times and inode are only a shortcut to skip hashing when all four
are unchanged; ``verify`` hashes every file, ``full`` re-reads every file. Chunks are
rebuilt from the stored text when the chunking code changes (pipeline_version), figures
from the stored chunks when the figures code changes (figures_version). Vectors are
cached by text, so nothing is embedded twice.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

from assistant.figures import store as figure_store
from assistant.figures.audit import Finding, audit_document
from assistant.figures.extract import extract_figures
from assistant.figures.records import Figure
from assistant.index import backends, segments, store
from assistant.index.write import FILE_STATS, search_text, write_generation
from assistant.index.lock import DEFAULT_WAIT_S, index_lock
from assistant.index.pool import Workers, relay
from assistant.ingest import MAX_BYTES, read_file, supported
from assistant.ingest.clean import PROGRESS_STEPS
from assistant.ingest.metadata import extract_meta
from assistant.ingest.sections import chunk_document
from assistant.progress import Progress, Report, print_report
from assistant.records import Chunk, Document, IngestError
from assistant.tokenize import tokenize

PACKAGE = Path(__file__).resolve().parents[1]
# The code that turns text into chunks and tokens (and the word lists it reads).
PIPELINE_FILES = ("ingest/clean.py", "ingest/sections.py", "ingest/metadata.py", "tokenize.py",
                  "orgs.py", "textutil.py")
# The figures extraction: extract.py and the modules beside it that it calls (prose and
# table readers), with the records they fill.
FIGURES_FOLDER = "figures"
# A file changed this soon before the build looked at it may change again within the
# same timestamp (FAT keeps 2 s, some network shares 1-2 s): it is hashed next time too.
RACY_WINDOW_S = 2.0
# A document longer than this (characters; about 3 MB of Chinese text, some seconds of
# work) reports its own progress: lines cleaned, paragraphs sectioned, chunks tokenized.
LARGE_DOC_CHARS = 1_000_000

Note = Callable[[str], None]


def print_note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    read: int = 0  # documents read from disk this time
    reused: int = 0  # documents not read again (incl. re-chunked and re-figured ones)
    rechunked: int = 0  # of those, chunked again because the chunking code changed
    removed: int = 0
    hashed: int = 0  # files whose content was hashed to decide
    figures: int = 0
    embedded: int = 0  # texts that needed a new vector
    compacted: bool = True  # every document written into one new segment (else only the changed ones)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # repairs, lock waits: not errors
    index_path: str = ""
    generation: str = ""


# ---------------------------------------------------------------- versions

def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha1()
    for p in paths:
        h.update(p.relative_to(PACKAGE).as_posix().encode("utf-8") + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


def _files_under(folder: Path, pattern: str = "*") -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def _lexicon_files() -> list[Path]:
    return _files_under(PACKAGE / "lexicon")


def pipeline_version() -> str:
    """A hash of the code and word lists that turn text into chunks and tokens: when it
    changes, stored chunks are stale and are rebuilt from the stored text (files are not
    read again)."""
    return _hash_files([PACKAGE / f for f in PIPELINE_FILES] + _lexicon_files())


def figures_version() -> str:
    """A hash of the figures extraction and its word lists: when it changes, figures are
    extracted again from the stored chunks (nothing is re-read or re-chunked)."""
    return _hash_files(_files_under(PACKAGE / FIGURES_FOLDER, "*.py") + _lexicon_files())


# ---------------------------------------------------------------- stage: scan

@dataclass(frozen=True)
class SourceFile:
    doc_id: str  # path relative to its folder, "/" separated
    path: Path


@dataclass
class ScanResult:
    files: list[SourceFile]
    skipped: list[str]  # one line per entry not indexed and why (links out of the folder)


def scan(dirs: list[Path]) -> ScanResult:
    """Every file under dirs; doc_id is relative to its folder.

    A file given directly counts as its own folder. Hidden files and folders are
    skipped. A symbolic link is followed only when it points inside its folder: a link
    to /etc/passwd in the corpus folder is named in ``skipped``, never indexed. A linked
    folder inside the tree is not walked again (its files are indexed under their path).
    """
    files: list[SourceFile] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for d in map(Path, dirs):
        if not d.exists():
            raise FileNotFoundError(f"{d}: no such file or folder")
        found = [(d.name, d)] if d.is_file() else _walk(d, skipped)
        for rel, p in found:
            doc_id = rel if rel not in seen else f"{d.name}/{rel}"
            seen.add(doc_id)
            files.append(SourceFile(doc_id, p))
    return ScanResult(files, skipped)


def _walk(root: Path, skipped: list[str]) -> list[tuple[str, Path]]:
    real_root = root.resolve()
    out: list[tuple[str, Path]] = []
    def unreadable(e: OSError) -> None:
        skipped.append(f"{e.filename}: skipped, cannot be read ({e.strerror}); check its permissions")

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        here = Path(dirpath)
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        for name in dirnames:
            if (here / name).is_symlink() and not _inside((here / name).resolve(), real_root):
                skipped.append(f"{here / name}: skipped, a link to {(here / name).resolve()} outside {root}; "
                               f"copy the folder in if it belongs to the corpus")
        for name in sorted(filenames):
            p = here / name
            if name.startswith("."):
                continue
            if p.is_symlink() and not _inside(p.resolve(), real_root):
                skipped.append(f"{p}: skipped, a link to {p.resolve()} outside {root}; "
                               f"copy the file in if it belongs to the corpus")
                continue
            if p.is_file():
                out.append((p.relative_to(root).as_posix(), p))
    return sorted(out)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# ---------------------------------------------------------------- the live generation

@dataclass
class Previous:
    """What the live generation offers for reuse; a damaged part offers nothing and is
    rebuilt (``problems`` says which). Chunks, tokens and figures stay in their segments
    until a document needs them (segments.py)."""

    generation: str = ""
    gen: Path | None = None
    manifest: dict = field(default_factory=dict)
    docs: dict[str, Document] = field(default_factory=dict)
    stats: dict[str, list[int] | None] = field(default_factory=dict)
    live: dict[str, segments.LiveDoc] = field(default_factory=dict)
    chunk_docs: set[str] = field(default_factory=set)  # stored chunks and tokens reusable
    figure_docs: set[str] = field(default_factory=set)  # stored figures reusable
    stores_ok: bool = False  # the keyword index and vectors can be updated in place
    last_segment: int = 0
    problems: list[str] = field(default_factory=list)
    _segments: dict[int, segments.Segment] = field(default_factory=dict)
    _findings: dict[int, dict] = field(default_factory=dict)

    def segment(self, number: int) -> segments.Segment:
        if number not in self._segments:
            self._segments[number] = segments.Segment(self.gen / segments.name(number))
        return self._segments[number]

    def segment_rows(self, number: int) -> int:
        return self.segment(number).rows()

    def chunks_of(self, d: segments.LiveDoc) -> tuple[list[Chunk], list[list[str]]]:
        seg = self.segment(d.segment)
        return seg.chunks(d.first, d.count), seg.token_rows(d.first, d.count)

    def figures_of(self, d: segments.LiveDoc) -> list[Figure]:
        return self.segment(d.segment).figures_of([d.doc_id])[d.doc_id]

    def findings_of(self, d: segments.LiveDoc) -> list[Finding]:
        if d.segment not in self._findings:
            path = segments.figures_path(self.gen, d.segment)
            self._findings[d.segment] = figure_store.read_findings_by_doc(path)
        return list(self._findings[d.segment].get(d.doc_id, []))

    def figure_count(self, d: segments.LiveDoc) -> int:
        return self.segment(d.segment).figure_counts().get(d.doc_id, 0)


def load_previous(index_dir: Path, pipeline: str, figures: str, docs_only: bool = False) -> Previous:
    """The live generation's documents and where their chunks and figures are, each part
    checked against the manifest; chunks only when made by this pipeline, figures by this
    extractor (neither with ``docs_only``: a full build only reports what was removed)."""
    prev = Previous()
    try:
        gen = store.live_generation(index_dir)
        manifest = store.load_manifest(gen)
    except store.IndexDamaged as e:
        prev.problems.append(f"rebuilding from the files: {e}")
        return prev
    except store.IndexMissing:
        return prev
    prev.generation, prev.gen, prev.manifest = gen.name, gen, manifest

    def part(names: list[str], what: str) -> bool:
        problem = store.check_files(gen, manifest, names)
        if problem:
            prev.problems.append(f"repairing: {gen.name}/{problem}; {what}")
        return not problem

    try:
        if not part([segments.LIVE_FILE, FILE_STATS], "every file is read again"):
            return prev
        live = segments.load_live(gen)
        prev.stats = store.load_json(gen, FILE_STATS)
        prev.last_segment = max((d.segment for d in live), default=0)
        for number in sorted({d.segment for d in live}):
            seg = segments.name(number)
            mine = [d for d in live if d.segment == number]
            if not part([f"{seg}/docs.jsonl"], "its documents are read again"):
                continue
            docs = prev.segment(number).docs()
            for d in mine:
                prev.docs[d.doc_id] = docs[d.doc_row]
                prev.live[d.doc_id] = d
            if docs_only:
                continue
            if manifest.get("pipeline") == pipeline and part(
                    [f"{seg}/{f}" for f in ("chunks.jsonl", "tokens.jsonl", "lines.npy", "codes.json")],
                    "chunks are rebuilt from the stored text"):
                prev.chunk_docs.update(d.doc_id for d in mine)
                if manifest.get("figures") == figures and part([f"{seg}/{figure_store.FILENAME}"],
                                                                "figures are extracted again from the chunks"):
                    prev.figure_docs.update(d.doc_id for d in mine)
        if not docs_only:
            spec = backends.parse_spec(manifest.get("store"), index_dir)
            prev.stores_ok = all(part([f], "the search index is rebuilt") for f in backends.saved_files(spec)
                                 if any(n.startswith(f + "/") for n in manifest["files"]))
    except (ValueError, KeyError, TypeError, IndexError, sqlite3.Error) as e:  # checksums matched: a writer's bug
        prev.problems.append(f"rebuilding from the files: {gen.name} unreadable ({type(e).__name__}: {e})")
        return Previous(problems=prev.problems)
    return prev


# ---------------------------------------------------------------- stage: plan

class Action(str, Enum):
    REUSE = "reuse"  # unchanged file: chunks and figures from the live generation
    REFIGURE = "refigure"  # unchanged file and chunks; the figures code changed
    RECHUNK = "rechunk"  # unchanged file; the chunking code changed
    READ = "read"  # new or changed file, or a full build


@dataclass
class FilePlan:
    source: SourceFile
    action: Action
    old: Document | None = None  # the stored document (all actions but READ)
    signature: list[int] | None = None  # stat signature at planning; None: hash next time


def signature(st: os.stat_result, since_ns: int) -> list[int] | None:
    """What must be unchanged to skip hashing a file: size, modification and change
    times, inode. cp -p, rsync -t and restored backups keep size and mtime but get a
    new ctime. A file modified within RACY_WINDOW_S of ``since_ns`` gets None."""
    if st.st_mtime_ns >= since_ns - int(RACY_WINDOW_S * 1e9):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def plan(file: SourceFile, prev: Previous, since_ns: int, verify: bool, full: bool) -> tuple[FilePlan, bool]:
    """What one file needs, and whether its content was hashed to decide. OSError when
    it cannot be read."""
    st = file.path.stat()
    sig = signature(st, since_ns)
    old = prev.docs.get(file.doc_id)
    if full or old is None:
        return FilePlan(file, Action.READ, signature=sig), False
    hashed = verify or sig is None or prev.stats.get(file.doc_id) != sig
    if hashed and store.file_sha256(file.path) != old.sha256:
        return FilePlan(file, Action.READ, signature=sig), True
    old.size, old.mtime = st.st_size, st.st_mtime  # touched, not changed
    if file.doc_id not in prev.chunk_docs:
        action = Action.RECHUNK
    elif file.doc_id not in prev.figure_docs:
        action = Action.REFIGURE
    else:
        action = Action.REUSE
    return FilePlan(file, action, old, sig), hashed


# ---------------------------------------------------------------- stages: read, chunk, figures

@dataclass
class DocBuild:
    """One document ready to write."""

    doc: Document
    chunks: list[Chunk]
    tokens: list[list[str]]
    figures: list[Figure]
    action: Action
    signature: list[int] | None
    problem: str = ""  # a figures failure: the document is indexed, its figures are not
    findings: list[Finding] = field(default_factory=list)  # the audit of this document
    stored: segments.LiveDoc | None = None  # REUSE: where its chunks already are
    n_figures: int = 0  # REUSE: figures stored for it

    @property
    def n_chunks(self) -> int:
        return self.stored.count if self.stored is not None else len(self.chunks)


@dataclass
class Job:
    """What a worker needs for one document."""

    plan: FilePlan
    max_bytes: int
    since_ns: int
    chunks: list[Chunk] | None = None  # REFIGURE: the stored chunks and tokens
    tokens: list[list[str]] | None = None


def read_stage(file: SourceFile, max_bytes: int, since_ns: int) -> tuple[Document, list[int] | None]:
    """Read one file (IngestError when it cannot be used); its stat is taken before its
    hash, so a change during the read is seen by the next build."""
    st = file.path.stat()
    sha = store.file_sha256(file.path)
    source = read_file(file.path, max_bytes=max_bytes)
    doc = Document(doc_id=file.doc_id, source=file.doc_id, meta=extract_meta(source.text), text=source.text,
                   sha256=sha, size=st.st_size, mtime=st.st_mtime, format=source.format)
    return doc, signature(st, since_ns)


def chunk_stage(doc: Document, path: Path,
                progress: Callable[[str, int, int], None] | None = None) -> tuple[list[Chunk], list[list[str]]]:
    """Chunks of one document and the BM25 tokens of each; progress(unit, done, total)
    is told of a document over LARGE_DOC_CHARS."""
    if len(doc.text) <= LARGE_DOC_CHARS:
        progress = None
    chunks = chunk_document(doc.doc_id, doc.text, progress)
    if not chunks:
        raise IngestError(f"{path}: no text to index after cleaning")
    step = max(1, len(chunks) // PROGRESS_STEPS)
    tokens = []
    for i, c in enumerate(chunks):
        if progress is not None and i % step == 0:
            progress("chunks", i, len(chunks))
        tokens.append(tokenize(search_text(c)))
    if progress is not None:
        progress("chunks", len(chunks), len(chunks))
    return chunks, tokens


def figures_stage(doc: Document, chunks: list[Chunk]) -> tuple[list[Figure], list[Finding], str]:
    """The document's figures and the audit of them, or none and a one-line problem: a
    figures bug must not drop the document from the index."""
    try:
        figures = extract_figures(doc, chunks)
        return figures, audit_document(doc, chunks, figures), ""
    except Exception as e:
        return [], [], f"{doc.doc_id}: figures could not be extracted ({type(e).__name__}: {str(e)[:120]})"


def build_document(job: Job, progress: Callable[[str, int, int], None] | None = None) -> DocBuild | str:
    """Stages read, chunk and figures of one document (in a worker): a DocBuild, or an
    error line naming the file."""
    p = job.plan
    progress = progress or relay(p.source.doc_id)
    try:
        if p.action is Action.READ:
            doc, sig = read_stage(p.source, job.max_bytes, job.since_ns)
        else:
            doc, sig = p.old, p.signature
        if p.action in (Action.READ, Action.RECHUNK):
            if p.action is Action.RECHUNK:
                doc.meta = extract_meta(doc.text)  # the metadata code is part of the pipeline
            chunks, tokens = chunk_stage(doc, p.source.path, progress)
        else:
            chunks, tokens = job.chunks, job.tokens
        figures, findings, problem = figures_stage(doc, chunks)
        return DocBuild(doc, chunks, tokens, figures, p.action, sig, problem, findings)
    except IngestError as e:
        return str(e)
    except Exception as e:  # one bad file must not stop the rest
        return f"{p.source.path}: could not be indexed ({type(e).__name__}: {e})"


# ---------------------------------------------------------------- the build

def build(dirs: list[Path], index_dir: Path, embedder_spec: str = "use",
          report: Report | None = print_report, max_bytes: int = MAX_BYTES,
          on_error: Note | None = None, workers: int = 0, *, full: bool = False, verify: bool = False,
          lock_wait: float = DEFAULT_WAIT_S, on_note: Note | None = print_note) -> BuildReport:
    """Index every supported file under dirs into index_dir; return what happened.

    Args:
        full: read every file again (and re-chunk, re-extract figures); vectors still
            come from the cache.
        verify: hash every file instead of trusting unchanged size and times.
        lock_wait: seconds to wait for another writer (lock.IndexBusy after that).
        on_error: called with each per-file problem (also in BuildReport.errors); they
            never stop the build.
        on_note: called with repairs and lock waits (also in BuildReport.notes).

    Raises ValueError when no document could be indexed (the live index stays as it was).
    """
    index_dir = Path(index_dir)
    for d in map(Path, dirs):
        if not d.exists():
            raise FileNotFoundError(f"{d}: no such file or folder")
    result = BuildReport(index_path=str(index_dir))

    def note(message: str) -> None:
        result.notes.append(message)
        if on_note:
            on_note(message)

    def error(message: str) -> None:
        result.errors.append(message)
        if on_error:
            on_error(message)

    with index_lock(index_dir, wait=lock_wait, on_note=note):
        _build_locked(dirs, index_dir, embedder_spec, report, max_bytes, workers, full, verify, result,
                      note, error)
    return result


def _build_locked(dirs: list[Path], index_dir: Path, embedder_spec: str, report: Report | None,
                  max_bytes: int, workers: int, full: bool, verify: bool, result: BuildReport,
                  note: Note, error: Note) -> None:
    since_ns = time.time_ns()
    versions = {"pipeline": pipeline_version(), "figures": figures_version()}
    # Step 1: scan the folders.
    found = scan(dirs)
    for message in found.skipped:
        error(message)
    # Step 2: plan each file against the live generation (read after taking the lock).
    prev = load_previous(index_dir, versions["pipeline"], versions["figures"], docs_only=full)
    for problem in prev.problems:
        note(problem)
    progress = Progress("documents", len(found.files), report)
    slots: list[DocBuild | None] = []
    jobs: list[tuple[int, Job]] = []
    for file in found.files:
        if not supported(file.path):
            error(f"{file.path}: skipped, unsupported file type '{file.path.suffix or '(none)'}'")
            progress.advance()
            continue
        try:
            p, hashed = plan(file, prev, since_ns, verify, full)
        except OSError as e:
            error(f"{file.path}: cannot read ({e.strerror or e})")
            progress.advance()
            continue
        result.hashed += hashed
        slots.append(None)
        if p.action is Action.REUSE:
            d = prev.live[file.doc_id]
            slots[-1] = DocBuild(p.old, [], [], [], p.action, p.signature, stored=d)
            progress.advance()
        elif p.action is Action.REFIGURE:
            chunks, tokens = prev.chunks_of(prev.live[file.doc_id])
            jobs.append((len(slots) - 1, Job(p, max_bytes, since_ns, chunks, tokens)))
        else:
            jobs.append((len(slots) - 1, Job(p, max_bytes, since_ns)))
    # Steps 3-5: read, chunk and extract figures, in worker processes.
    count = workers or int(os.environ.get("BUDGET_QA_WORKERS", "0")) or min(4, os.cpu_count() or 1)
    big = _DocProgress(report)

    def local(job: Job) -> DocBuild | str:  # in this process: report a large document directly
        return build_document(job, lambda unit, done, total: big(job.plan.source.doc_id, unit, done, total))

    with Workers(count, on_progress=big) as pool:
        for i, outcome in pool.run(build_document, jobs, local=local):
            progress.advance()
            if isinstance(outcome, str):
                error(outcome)
                continue
            if outcome.problem:
                error(outcome.problem)
            slots[i] = outcome
    builds = [b for b in slots if b is not None]
    _count(result, builds, prev)
    if not builds:
        where = ", ".join(str(d) for d in dirs)
        raise ValueError(f"no documents could be indexed from {where}"
                         + (f" ({len(result.errors)} errors)" if result.errors else " (folder is empty)")
                         + "; supported: .txt .pdf .xlsx .xls .docx .html")
    # Step 6: write a new generation beside the live one and publish it.
    gen = store.new_generation(index_dir)
    try:
        info = {**versions, "sources": [str(Path(d).resolve()) for d in dirs]}
        _count_figures(result, builds, prev)
        written = write_generation(gen, index_dir, builds, prev, embedder_spec, report, info, note, full)
        result.embedded, result.compacted = written.embedded, written.compacted
        # Files linked from the live generation were checked when the plan was made.
        linked = {n for n, e in store.load_manifest(gen)["files"].items()
                  if prev.manifest and prev.manifest.get("files", {}).get(n) == e
                  and not n.startswith(segments.name(written.segment) + "/")}
        store.publish(index_dir, gen, skip=linked)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)  # also on SIGTERM / Ctrl-C: nothing half-written stays
        raise
    result.generation = gen.name


def _count(result: BuildReport, builds: list[DocBuild], prev: Previous) -> None:
    result.documents = len(builds)
    result.chunks = sum(b.n_chunks for b in builds)
    result.read = sum(b.action is Action.READ for b in builds)
    result.reused = len(builds) - result.read
    result.rechunked = sum(b.action is Action.RECHUNK for b in builds)
    result.removed = len(set(prev.docs) - {b.doc.doc_id for b in builds})


def _count_figures(result: BuildReport, builds: list[DocBuild], prev: Previous) -> None:
    # before writing: a compaction moves every document's figures into the new segment
    result.figures = sum(prev.figure_count(b.stored) if b.stored is not None else len(b.figures) for b in builds)


class _DocProgress:
    """Progress lines of single large documents ("big.txt: chunks 2000/9000, ETA 40s")."""

    def __init__(self, report: Report | None) -> None:
        self.report = report
        self.bars: dict[tuple[str, str], Progress] = {}

    def __call__(self, doc_id: str, unit: str, done: int, total: int) -> None:
        if self.report is None:
            return
        bar = self.bars.setdefault((doc_id, unit), Progress(f"{doc_id}: {unit}", total, self.report))
        bar.advance(done - bar.done)
