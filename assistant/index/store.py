"""The index on disk: documents, chunks, tokens, keyword index, vectors and figures.

Layout of an index folder::

    index/CURRENT              name of the live generation (replaced atomically)
    index/.lock                the writers' lock (lock.py)
    index/gen-<time>-<pid>/    docs.jsonl, chunks.jsonl, tokens.jsonl, files.json, bm25/,
                               vectors, figures.sqlite, and manifest.json written last
    index/embedding-cache/     vectors by content hash, shared by all generations

A build writes a new generation beside the live one and only then rewrites CURRENT
with os.replace, so a build killed half way leaves the previous index loading.

The manifest names every file of its generation with its size and sha256, carries the
format version, and a checksum of itself. Loading checks all of it, so an emptied
chunks file or a deleted vectors file is a one-line "damaged: run index build" instead
of a traceback or an index that silently answers 未找到 to everything.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.records import Chunk, DocMeta, Document

# 2: the manifest lists every file with size and sha256 and checksums itself.
# 3: segments (segments.py), live.json, stores in keyword/ and vectors/ (or milvus/).
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
# Stamps of files whose sha256 matched (store.verified): index/.verified/<generation>.json.
STAMPS = ".verified"
# A file modified this recently may change again within its timestamp's resolution (FAT
# keeps 2 s): it is not stamped, so it is hashed again next time.
STAMP_AFTER_S = 2.0
# Generations kept after a publish: the new one and the one it replaced. A server that
# read CURRENT just before the switch is still loading the old one; deleting it under
# that reader would fail its load.
KEEP_GENERATIONS = 2
_GEN_NAME = re.compile(r"^gen-[0-9]{8}-[0-9]{6}-[0-9]{9}-[0-9]+$")


class IndexMissing(Exception):
    """No usable index at a path; the message says how to build one."""


class IndexDamaged(IndexMissing):
    """An index whose files do not match its manifest; the message names the file and
    says to run index build (which rebuilds what is damaged)."""


def build_hint(index_dir: Path, sources: list[str] | None = None) -> str:
    folders = " ".join(sources) if sources else "DIR"
    return f"`python -m assistant index build {folders} --index {index_dir}`"


# ---------------------------------------------------------------- generations

def live_generation(index_dir: Path) -> Path:
    """The folder of the live generation, or IndexMissing with what to do."""
    index_dir = Path(index_dir)
    current = index_dir / CURRENT
    if not current.is_file():
        raise IndexMissing(f"no index at {index_dir}: build one with {build_hint(index_dir)}")
    try:
        name = current.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise IndexDamaged(f"index at {index_dir} is damaged (CURRENT unreadable: {e}); "
                           f"repair it with {build_hint(index_dir)}") from None
    gen = index_dir / name
    if not _GEN_NAME.match(name) or not (gen / MANIFEST).is_file():
        what = f"{name} is incomplete" if _GEN_NAME.match(name) else "CURRENT names no generation"
        raise IndexDamaged(f"index at {index_dir} is damaged ({what}): repair it with {build_hint(index_dir)}")
    return gen


def new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    # Nanoseconds: two builds in one second (tests, a quick re-run) must not collide.
    gen = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{os.getpid()}"
    gen.mkdir()
    return gen


def publish(index_dir: Path, gen: Path, skip: set[str] | frozenset[str] = frozenset()) -> None:
    """Make gen the live generation atomically, then drop generations nobody needs.

    Call with the index lock held (lock.py). Refuses a generation whose files do not
    match its manifest: a damaged index must never become the live one. ``skip``: files
    linked from the live generation and checked in this build, not hashed again.
    """
    index_dir = Path(index_dir)
    manifest = load_manifest(gen)
    names = [n for n in manifest["files"] if n not in skip] if skip else None
    try:
        previous = live_generation(index_dir).name
    except IndexMissing:
        previous = ""
    # Files linked from the live generation share its stamps (same inode and times).
    stamps = read_stamps(gen, index_dir / previous if previous else None)
    problem = check_files(gen, manifest, names, stamps) if names is None or names else ""
    if problem:
        raise IndexDamaged(f"refusing to publish {gen.name}: {problem}")
    write_stamps(gen, {k: v for k, v in stamps.items() if k in manifest["files"]})
    tmp = index_dir / (CURRENT + ".tmp")
    tmp.write_text(gen.name, encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    _prune(index_dir, keep={gen.name, previous})


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Delete generations other than ``keep``, except one another process is writing
    (no manifest yet and its pid, the name's last part, still alive)."""
    for old in index_dir.glob("gen-*"):
        if not old.is_dir() or old.name in keep:
            continue
        pid = int(old.name.rsplit("-", 1)[-1]) if _GEN_NAME.match(old.name) else 0
        if not (old / MANIFEST).exists() and pid != os.getpid() and _alive(pid):
            continue
        shutil.rmtree(old, ignore_errors=True)
    for stamp in (index_dir / STAMPS).glob("gen-*.json"):
        if not (index_dir / stamp.stem).is_dir():
            stamp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- manifest

def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(gen: Path, info: dict[str, Any], known: dict[str, dict] | None = None) -> dict[str, Any]:
    """Write manifest.json last: format, ``info``, and size + sha256 of every file.

    ``known``: entries of files hard-linked from a generation whose manifest was checked
    in this build (the same bytes): taken as they are instead of hashing them again.
    """
    files = {}
    known = known or {}
    for p in sorted(gen.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            rel = p.relative_to(gen).as_posix()
            files[rel] = known.get(rel) or {"size": p.stat().st_size, "sha256": file_sha256(p)}
    manifest = {"format": FORMAT_VERSION, "built_at": time.time(), **info, "files": files}
    manifest["checksum"] = _self_checksum(manifest)
    tmp = gen / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, gen / MANIFEST)
    return manifest


def _self_checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def load_manifest(gen: Path) -> dict[str, Any]:
    """The manifest of gen, checked: readable, its own checksum right, this format."""
    index_dir = gen.parent
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise IndexDamaged(f"index at {index_dir} is damaged ({gen.name}/{MANIFEST} unreadable: "
                           f"{type(e).__name__}); repair it with {build_hint(index_dir)}") from None
    if not isinstance(manifest, dict):
        raise IndexDamaged(f"index at {index_dir} is damaged ({gen.name}/{MANIFEST} is not a manifest); "
                           f"repair it with {build_hint(index_dir)}")
    hint = build_hint(index_dir, manifest.get("sources") if isinstance(manifest.get("sources"), list) else None)
    fmt = manifest.get("format")
    if fmt != FORMAT_VERSION:
        age = "an older" if isinstance(fmt, int) and fmt < FORMAT_VERSION else "another"
        raise IndexDamaged(f"index at {index_dir} was written by {age} version (format {fmt}; this version "
                           f"reads format {FORMAT_VERSION}): rebuild it with {hint}")
    if manifest.get("checksum") != _self_checksum(manifest) or not isinstance(manifest.get("files"), dict):
        raise IndexDamaged(f"index at {index_dir} is damaged ({gen.name}/{MANIFEST} fails its checksum); "
                           f"repair it with {hint}")
    return manifest


def check_files(gen: Path, manifest: dict[str, Any], names: list[str] | None = None,
                stamps: dict[str, list[int]] | None = None) -> str:
    """"" when the files (all, or ``names`` and whatever lies under them) match the
    manifest; else what is wrong with the first one that does not.

    ``stamps``: file -> [size, mtime_ns, inode] of a file whose sha256 matched before; a
    file with the same stamp is not hashed again, and the files hashed now are added.
    """
    listed: dict[str, dict] = manifest["files"]
    wanted = [n for n in listed if names is None or any(n == w or n.startswith(w + "/") for w in names)]
    if names is not None and not wanted:
        return f"{names[0]} is not in the manifest"
    settled = time.time_ns() - int(STAMP_AFTER_S * 1e9)
    for name in wanted:
        p = gen / name
        want = listed[name]
        try:
            st = p.stat()
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as e:
            return f"{name} cannot be read ({e.strerror})"
        size = st.st_size
        if size != want.get("size"):
            what = "empty" if size == 0 else ("truncated" if size < want.get("size", 0) else "longer than written")
            return f"{name} is {what} ({size:,} bytes, {want.get('size', 0):,} written)"
        stamp = [size, st.st_mtime_ns, st.st_ino]
        if stamps is not None and stamps.get(name) == stamp:
            continue
        if file_sha256(p) != want.get("sha256"):
            return f"{name} is garbled (checksum differs from the manifest)"
        if stamps is not None and st.st_mtime_ns < settled:
            stamps[name] = stamp
    return ""


def verified(gen: Path, names: list[str] | None = None) -> dict[str, Any]:
    """The manifest of gen after checking its files; IndexDamaged in one line if not.

    Every file's size is checked on every load; its sha256 when it was not hashed before
    with the same size, modification time and inode (stamps(), as the build's shortcut
    for source files): a damaged or replaced file is always rewritten, so it is always
    hashed, while an unchanged 2 GB index no longer costs 10 s of hashing per start."""
    manifest = load_manifest(gen)
    stamps = read_stamps(gen)
    before = dict(stamps)
    problem = check_files(gen, manifest, names, stamps)
    if problem:
        raise IndexDamaged(f"index at {gen.parent} is damaged ({gen.name}/{problem}); repair it with "
                           f"{build_hint(gen.parent, manifest.get('sources'))}")
    if stamps != before:
        write_stamps(gen, stamps)
    return manifest


def _stamp_file(gen: Path) -> Path:
    return gen.parent / STAMPS / f"{gen.name}.json"


def read_stamps(gen: Path, inherit: Path | None = None) -> dict[str, list[int]]:
    """The stamps of gen's files hashed before (and, with ``inherit``, those of another
    generation: files linked from it have its inode and times)."""
    out: dict[str, list[int]] = {}
    for g in ([inherit] if inherit is not None else []) + [gen]:
        try:
            data = json.loads(_stamp_file(g).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            out.update({k: v for k, v in data.items() if isinstance(v, list)})
    return out


def write_stamps(gen: Path, stamps: dict[str, list[int]]) -> None:
    """Best effort: a reader without write access simply hashes again next time."""
    path = _stamp_file(gen)
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(stamps), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


# ---------------------------------------------------------------- files

def _jsonl_write(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _jsonl_read(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def save_docs(gen: Path, docs: list[Document]) -> None:
    _jsonl_write(gen / "docs.jsonl", (asdict(d) for d in docs))


def save_chunks(gen: Path, chunks: list[Chunk], tokens: list[list[str]]) -> None:
    _jsonl_write(gen / "chunks.jsonl", (asdict(c) for c in chunks))
    _jsonl_write(gen / "tokens.jsonl", tokens)


def save_json(gen: Path, name: str, obj: Any) -> None:
    (gen / name).write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def load_json(gen: Path, name: str) -> Any:
    return json.loads((gen / name).read_text(encoding="utf-8"))


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
