"""The checked index format: every file of a generation is damaged in turn (emptied,
truncated, garbled) and loading says so in one line; index build repairs it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.index import Index, segments, store
from assistant.index.build import build
from assistant.index.embed import get_embedder
from assistant.index.vectors import CACHE_VECTORS, EmbeddingCache
from conftest import CORPUS, REPO

QUESTION = "魏县政府办2020年公务接待费预算是多少？"
SEG = segments.name(1)  # the one segment a first build writes


@pytest.fixture(scope="module")
def good_index(tmp_path_factory) -> Path:
    """An index of corpus/ with vectors (hashing embedder), to copy and damage."""
    path = tmp_path_factory.mktemp("store") / "index"
    build([CORPUS], path, embedder_spec="hash", report=None)
    return path


def _copy(good: Path, tmp_path: Path) -> tuple[Path, Path]:
    index = tmp_path / "index"
    shutil.copytree(good, index)
    return index, store.live_generation(index)


def _files(good: Path) -> list[str]:
    gen = store.live_generation(good)
    return sorted(p.relative_to(gen).as_posix() for p in gen.rglob("*") if p.is_file())


def empty(p: Path) -> None:
    p.write_bytes(b"")


def truncated(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def garbled(p: Path) -> None:
    data = bytearray(p.read_bytes())
    mid = len(data) // 2
    for i in range(mid, min(mid + 16, len(data))):
        data[i] ^= 0x5A
    p.write_bytes(bytes(data))


DAMAGE = [empty, truncated, garbled]


def test_the_manifest_names_every_file_with_size_and_checksum(good_index):
    gen = store.live_generation(good_index)
    manifest = store.load_manifest(gen)
    assert manifest["format"] == store.FORMAT_VERSION
    listed = set(manifest["files"])
    assert listed == set(_files(good_index)) - {store.MANIFEST}
    assert {f"{SEG}/{n}" for n in segments.SEGMENT_FILES} | {"live.json", "files.json", "versions.sqlite",
                                                               "vectors/vectors.faiss", "keyword/bm25/vocab.index.json"} <= listed
    assert all(len(f["sha256"]) == 64 and f["size"] >= 0 for f in manifest["files"].values())


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_each_damaged_file_is_a_one_line_error(good_index, tmp_path, damage):
    names = _files(good_index)
    assert len(names) >= 10
    for name in names:
        index, gen = _copy(good_index, tmp_path / name.replace("/", "_"))
        damage(gen / name)
        with pytest.raises(store.IndexMissing) as info:
            Index.load(index)
        message = str(info.value)
        assert "\n" not in message and "index build" in message, (name, message)
        assert name.split("/")[-1] in message, (name, message)


def test_deleted_vectors_file_is_an_error_not_keyword_search(good_index, tmp_path):
    index, gen = _copy(good_index, tmp_path)
    (gen / "vectors" / "vectors.faiss").unlink()
    with pytest.raises(store.IndexDamaged, match="vectors.faiss is missing"):
        Index.load(index)


@pytest.mark.parametrize("fmt, says", [(1, "an older version"), (store.FORMAT_VERSION + 1, "another version")])
def test_other_format_is_a_one_line_error(good_index, tmp_path, fmt, says):
    index, gen = _copy(good_index, tmp_path)
    manifest = json.loads((gen / store.MANIFEST).read_text(encoding="utf-8"))
    manifest["format"] = fmt
    (gen / store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(store.IndexDamaged, match=says) as info:
        Index.load(index)
    assert f"build {CORPUS.resolve()} --index" in str(info.value)  # says what to run, with the folder


def test_current_naming_no_generation_is_a_one_line_error(good_index, tmp_path):
    index, _ = _copy(good_index, tmp_path)
    (index / "CURRENT").write_text("../../etc", encoding="utf-8")
    with pytest.raises(store.IndexDamaged, match="CURRENT names no generation"):
        Index.load(index)


def test_cli_says_what_is_wrong_without_a_traceback(good_index, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name, damage in [(f"{SEG}/chunks.jsonl", empty), ("vectors/vectors.faiss", Path.unlink),
                         (store.MANIFEST, garbled)]:
        index, gen = _copy(good_index, tmp_path / name.replace("/", "_"))
        damage(gen / name)
        p = subprocess.run([sys.executable, "-m", "assistant", "ask", "--index", str(index), QUESTION],
                           capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "index build" in p.stderr, p.stderr


@pytest.mark.parametrize("name, read, rechunked", [
    (f"{SEG}/docs.jsonl", 1, 0),  # the stored documents are gone: the file is read again
    ("live.json", 1, 0),  # where they are is gone: the same
    (f"{SEG}/chunks.jsonl", 0, 1),  # only the chunks: rebuilt from the stored text
    (f"{SEG}/tokens.jsonl", 0, 1),
    (f"{SEG}/lines.npy", 0, 1),
    (f"{SEG}/figures.sqlite", 0, 0),  # figures extracted again from the stored chunks
    ("vectors/vectors.faiss", 0, 0),  # vectors come back from the embedding cache
    ("keyword/bm25/vocab.index.json", 0, 0),
    (store.MANIFEST, 1, 0),
])
def test_build_repairs_what_is_damaged(good_index, tmp_path, name, read, rechunked):
    index, gen = _copy(good_index, tmp_path)
    garbled(gen / name)
    r = build([CORPUS], index, embedder_spec="hash", report=None, on_note=None)
    assert (r.read, r.rechunked, r.embedded) == (read, rechunked, 0)
    assert any(name.split("/")[-1] in n for n in r.notes)
    a = answer(Index.load(index), QUESTION)
    assert a.found and "50万元" in a.answer and a.generation == r.generation


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damaged_embedding_cache_is_rebuilt_not_reused(good_index, tmp_path, damage):
    index, _ = _copy(good_index, tmp_path)
    [folder] = [p for p in (index / "embedding-cache").iterdir() if p.is_dir()]
    damage(folder / CACHE_VECTORS)
    # the cache is read when texts need vectors: here all of them (a full build)
    r = build([CORPUS], index, embedder_spec="hash", report=None, on_note=None, full=True)
    assert r.embedded > 0 and any("embedding cache" in n for n in r.notes)
    cache = EmbeddingCache.load(folder, get_embedder("hash").name)
    assert not cache.problem and len(cache) == r.embedded
    assert answer(Index.load(index), QUESTION).found
    again = build([CORPUS], index, embedder_spec="hash", report=None, on_note=None)
    assert again.embedded == 0 and not again.notes


def test_publish_refuses_a_generation_that_does_not_match_its_manifest(good_index, tmp_path):
    index, gen = _copy(good_index, tmp_path)
    fresh = store.new_generation(index)
    for p in gen.iterdir():
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, fresh / p.name)
    empty(fresh / SEG / "chunks.jsonl")
    with pytest.raises(store.IndexDamaged, match="chunks.jsonl is empty"):
        store.publish(index, fresh)
    assert store.live_generation(index) == gen


def test_a_second_load_hashes_only_what_changed(good_index, tmp_path, monkeypatch):
    index, gen = _copy(good_index, tmp_path)
    old = time.time() - 60  # settled files (a file written just now is hashed every time)
    for p in gen.rglob("*"):
        os.utime(p, (old, old))
    Index.load(index)  # hashes everything once and stamps it
    hashed = []
    real = store.file_sha256
    monkeypatch.setattr(store, "file_sha256", lambda p: hashed.append(p) or real(p))
    Index.load(index)
    assert hashed == []
    garbled(gen / SEG / "chunks.jsonl")  # rewritten: a new modification time
    with pytest.raises(store.IndexDamaged, match="chunks.jsonl is garbled"):
        Index.load(index)
    assert [p.name for p in hashed] == ["chunks.jsonl"]
