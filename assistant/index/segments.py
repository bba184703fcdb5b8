"""Segments: the immutable parts a generation is made of, so one changed document costs one
small new segment instead of a rewrite of everything.

    gen-…/seg-<n>/docs.jsonl       the documents written by one build (text included)
    gen-…/seg-<n>/chunks.jsonl     their chunks, one line each, a document's together
    gen-…/seg-<n>/tokens.jsonl     the BM25 tokens of each chunk, line for line
    gen-…/seg-<n>/lines.npy        byte offset of every line of chunks and tokens: a
                                   chunk is parsed only when asked for (lazy loading)
    gen-…/seg-<n>/codes.json       code -> rows: the exact-code map, made once at build
    gen-…/seg-<n>/figures.sqlite   the documents' figures and audit findings
    gen-…/live.json                which documents are live and where their chunks are

A build writes the new and changed documents into one new segment and hard-links the
segments it keeps into the new generation folder (no bytes copied, the manifest entry
reused), so every generation stays a complete, checked folder on its own. A replaced
or deleted document's rows stay in their old segment, dead, until a build compacts
(DEAD_SHARE, MAX_SEGMENTS, ``--full``) and writes every live document into one segment.

A row key (row_key) names a chunk for its whole life: segment number and row. The
backends (backends/) store rows under it; the loaded Index maps keys to positions.
"""
from __future__ import annotations

import json
import mmap
import os
import re
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from assistant.records import Chunk, DocMeta, Document

LIVE_FILE = "live.json"
PREFIX = "seg-"
_NAME = re.compile(r"^seg-(\d{10})$")
# Compact (one segment of all live documents) when dead rows are this share of all rows,
# or the generation has this many segments: dead rows cost disk and load time, and each
# segment costs a few files per load.
DEAD_SHARE = 0.3
MAX_SEGMENTS = 12
SEGMENT_FILES = ("docs.jsonl", "chunks.jsonl", "tokens.jsonl", "lines.npy", "codes.json", "figures.sqlite")


def row_key(segment: int, row: int) -> int:
    return (segment << 32) | row


def name(segment: int) -> str:
    return f"{PREFIX}{segment:010d}"


def number(folder_name: str) -> int | None:
    m = _NAME.match(folder_name)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class LiveDoc:
    """Where one live document is: its segment, its line in docs.jsonl, its chunk rows."""

    doc_id: str
    segment: int
    doc_row: int
    first: int
    count: int

    def keys(self) -> np.ndarray:
        return (np.int64(self.segment) << 32) | np.arange(self.first, self.first + self.count, dtype=np.int64)


# ---------------------------------------------------------------- writing

def write_segment(gen: Path, segment: int, docs: Sequence[Document], chunks: Sequence[Sequence[Chunk]],
                  tokens: Sequence[Sequence[list[str]]]) -> list[LiveDoc]:
    """Write documents with their chunks and tokens as segment ``segment`` of ``gen``
    (figures are written by the caller into ``figures_path``)."""
    from assistant.tokenize import codes_in

    folder = gen / name(segment)
    folder.mkdir()
    live, codes, offsets = [], {}, []
    with open(folder / "docs.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(asdict(d), ensure_ascii=False) + "\n")
    row = 0
    with open(folder / "chunks.jsonl", "wb") as fc, open(folder / "tokens.jsonl", "wb") as ft:
        for i, (d, cs, ts) in enumerate(zip(docs, chunks, tokens)):
            live.append(LiveDoc(d.doc_id, segment, i, row, len(cs)))
            for c, t in zip(cs, ts):
                offsets.append((fc.tell(), ft.tell()))
                fc.write(json.dumps(asdict(c), ensure_ascii=False).encode("utf-8") + b"\n")
                ft.write(json.dumps(t, ensure_ascii=False).encode("utf-8") + b"\n")
                for code in set(codes_in(c.text)):
                    codes.setdefault(code, []).append(row)
                row += 1
        offsets.append((fc.tell(), ft.tell()))
    with open(folder / "lines.npy", "wb") as f:
        np.save(f, np.asarray(offsets, dtype=np.int64).reshape(-1, 2), allow_pickle=False)
    (folder / "codes.json").write_text(json.dumps(codes, ensure_ascii=False), encoding="utf-8")
    return live


def figures_path(gen: Path, segment: int) -> Path:
    from assistant.figures import store as figure_store

    return gen / name(segment) / figure_store.FILENAME


def link_segment(source: Path, gen: Path) -> list[str]:
    """Hard-link a kept segment into ``gen``; returns the relative names of its files."""
    target = gen / source.name
    target.mkdir()
    out = []
    for p in sorted(source.iterdir()):
        if p.is_file():
            link_file(p, target / p.name)
            out.append(f"{source.name}/{p.name}")
    return out


def link_file(source: Path, target: Path) -> None:
    """A hard link (the same bytes, nothing copied; files here are never modified in
    place), or a copy where links are refused (another file system, some shares)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def save_live(gen: Path, live: Sequence[LiveDoc]) -> None:
    segs = sorted({d.segment for d in live})
    (gen / LIVE_FILE).write_text(json.dumps(
        {"segments": segs, "docs": [[d.doc_id, d.segment, d.doc_row, d.first, d.count] for d in live]},
        ensure_ascii=False), encoding="utf-8")


def load_live(gen: Path) -> list[LiveDoc]:
    data = json.loads((gen / LIVE_FILE).read_text(encoding="utf-8"))
    return [LiveDoc(str(d), int(s), int(r), int(a), int(n)) for d, s, r, a, n in data["docs"]]


# ---------------------------------------------------------------- reading

class Segment:
    """One segment folder, read lazily: lines are parsed when asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.number = number(self.folder.name)
        self._lines: np.ndarray | None = None
        self._maps: dict[str, mmap.mmap] = {}
        self._counts: dict[str, int] | None = None

    def docs(self) -> list[Document]:
        out = []
        with open(self.folder / "docs.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    row["meta"] = DocMeta(**row["meta"])
                    out.append(Document(**row))
        return out

    def chunk(self, row: int) -> Chunk:
        data = json.loads(self._line("chunks.jsonl", 0, row))
        data["segments"] = [tuple(s) for s in data["segments"]]
        return Chunk(**data)

    def tokens(self, row: int) -> list[str]:
        return json.loads(self._line("tokens.jsonl", 1, row))

    def chunks(self, first: int, count: int) -> list[Chunk]:
        return [self.chunk(r) for r in range(first, first + count)]

    def token_rows(self, first: int, count: int) -> list[list[str]]:
        return [self.tokens(r) for r in range(first, first + count)]

    def codes(self) -> dict[str, list[int]]:
        return json.loads((self.folder / "codes.json").read_text(encoding="utf-8"))

    def rows(self) -> int:
        return int(self._offsets().shape[0]) - 1

    def figures_of(self, doc_ids: Iterable[str]) -> dict[str, list]:
        """The figures of some documents (one indexed query, not the whole table)."""
        from assistant.figures.records import Figure

        doc_ids = list(doc_ids)
        path = self.folder / "figures.sqlite"
        out: dict[str, list] = {d: [] for d in doc_ids}
        if not doc_ids or not path.exists():
            return out
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            marks = ",".join("?" for _ in doc_ids)
            for r in con.execute(f"SELECT * FROM figures WHERE doc_id IN ({marks}) ORDER BY id", doc_ids):
                fig = Figure.from_row(dict(r))  # as figures.store.read_all reads a row
                out[fig.doc_id].append(fig)
        finally:
            con.close()
        return out

    def figure_counts(self) -> dict[str, int]:
        """doc_id -> figures stored, counted by SQLite (no row made into a Figure)."""
        if self._counts is None:
            path = self.folder / "figures.sqlite"
            self._counts = {}
            if path.exists():
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    self._counts = dict(con.execute("SELECT doc_id, count(*) FROM figures GROUP BY doc_id"))
                finally:
                    con.close()
        return self._counts

    def close(self) -> None:
        for m in self._maps.values():
            m.close()
        self._maps.clear()

    def _offsets(self) -> np.ndarray:
        if self._lines is None:
            self._lines = np.load(self.folder / "lines.npy", mmap_mode="r")
        return self._lines

    def _line(self, file: str, col: int, row: int) -> bytes:
        m = self._maps.get(file)
        if m is None:
            with open(self.folder / file, "rb") as f:
                m = self._maps[file] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(
                    f.fileno()).st_size else b""
        offsets = self._offsets()
        return m[int(offsets[row, col]):int(offsets[row + 1, col])]


class LazyRows(Sequence):
    """Chunks (or tokens) of a generation by position, parsed on first use and kept.

    ``index.chunks[i]`` costs one JSON parse the first time; iterating all of them costs
    what loading them all used to cost, but only code that needs them all pays it."""

    def __init__(self, segments: dict[int, Segment], seg_of: np.ndarray, row_of: np.ndarray, what: str) -> None:
        self._segments, self._seg_of, self._row_of, self._what = segments, seg_of, row_of, what
        self._cache: list = [None] * int(seg_of.shape[0])

    def __len__(self) -> int:
        return len(self._cache)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        item = self._cache[i]
        if item is None:
            seg = self._segments[int(self._seg_of[i])]
            row = int(self._row_of[i])
            item = self._cache[i] = seg.chunk(row) if self._what == "chunks" else seg.tokens(row)
        return item

    def __iter__(self) -> Iterator:
        for i in range(len(self)):
            yield self[i]
