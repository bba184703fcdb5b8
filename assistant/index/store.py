"""The index on disk: documents, chunks, tokens, keyword index and vectors.

Layout of an index folder::

    index/CURRENT              name of the live generation (replaced atomically)
    index/gen-<time>/manifest.json, docs.jsonl, chunks.jsonl, tokens.jsonl, bm25/, vectors/

A build writes a new generation beside the live one and only then rewrites CURRENT
with os.replace, so a build killed half way leaves the previous index loading.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from assistant.records import Chunk, DocMeta, Document

FORMAT_VERSION = 1


class IndexMissing(Exception):
    """No usable index at a path; the message says how to build one."""


def _jsonl_write(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _jsonl_read(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def live_generation(index_dir: Path) -> Path:
    """The folder of the live generation, or IndexMissing with what to do."""
    index_dir = Path(index_dir)
    current = index_dir / "CURRENT"
    if not current.is_file():
        raise IndexMissing(f"no index at {index_dir}: build one with "
                           f"`python -m assistant index build DIR --index {index_dir}`")
    gen = index_dir / current.read_text(encoding="utf-8").strip()
    if not (gen / "manifest.json").is_file():
        raise IndexMissing(f"index at {index_dir} is damaged ({gen.name} is incomplete): rebuild it with "
                           f"`python -m assistant index build DIR --index {index_dir}`")
    return gen


def new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    # Nanoseconds: two builds in one second (tests, a quick re-run) must not collide.
    gen = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{os.getpid()}"
    gen.mkdir()
    return gen


def publish(index_dir: Path, gen: Path) -> None:
    """Make gen the live generation atomically, then drop older ones."""
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(gen.name, encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / "CURRENT")
    for old in index_dir.glob("gen-*"):
        if old.is_dir() and old != gen:
            shutil.rmtree(old, ignore_errors=True)


def save_docs(gen: Path, docs: list[Document], manifest_extra: dict) -> None:
    _jsonl_write(gen / "docs.jsonl", (asdict(d) for d in docs))
    manifest = {"format": FORMAT_VERSION, "built_at": time.time(), "documents": len(docs), **manifest_extra}
    (gen / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def save_chunks(gen: Path, chunks: list[Chunk], tokens: list[list[str]]) -> None:
    _jsonl_write(gen / "chunks.jsonl", (asdict(c) for c in chunks))
    _jsonl_write(gen / "tokens.jsonl", tokens)


def load_manifest(gen: Path) -> dict:
    return json.loads((gen / "manifest.json").read_text(encoding="utf-8"))


def load_docs(gen: Path) -> list[Document]:
    docs = []
    for row in _jsonl_read(gen / "docs.jsonl"):
        row["meta"] = DocMeta(**row["meta"])
        docs.append(Document(**row))
    return docs


def load_chunks(gen: Path) -> list[Chunk]:
    chunks = []
    for row in _jsonl_read(gen / "chunks.jsonl"):
        row["segments"] = [tuple(s) for s in row["segments"]]
        chunks.append(Chunk(**row))
    return chunks


def load_tokens(gen: Path) -> list[list[str]]:
    return _jsonl_read(gen / "tokens.jsonl")
