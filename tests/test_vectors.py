"""Vector index (build / search / filter / save / load) and the embedding cache."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index.embed import HashEmbedder
from assistant.index.vectors import (
    CACHE_KEYS,
    CACHE_VECTORS,
    EmbeddingCache,
    VectorIndex,
    build,
    cache_dir,
    embed_with_cache,
)


def _unit(n: int, dim: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


class CountingEmbedder:
    """Wraps an embedder and counts the texts it is asked to embed."""

    def __init__(self, inner: HashEmbedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.calls = 0
        self.texts = 0

    def encode(self, texts, batch_size=32, progress=None):  # noqa: ANN001, ANN201
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts, batch_size, progress)


# ---------------------------------------------------------------- VectorIndex

def test_build_search_finds_itself_with_row_ids() -> None:
    vecs = _unit(50, 16)
    index = build(vecs)
    assert len(index) == 50 and index.dim == 16
    scores, ids = index.search(vecs[[7, 30]], k=3)
    assert scores.shape == ids.shape == (2, 3)
    assert ids[:, 0].tolist() == [7, 30]
    assert scores[:, 0] == pytest.approx([1.0, 1.0], abs=1e-5)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first


def test_single_query_and_unnormalised_input() -> None:
    vecs = _unit(10, 8)
    index = VectorIndex.build(vecs * 5.0)  # re-normalised on the way in
    scores, ids = index.search(vecs[3] * 2.0, k=1)
    assert ids.tolist() == [[3]] and scores[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_explicit_ids_and_validation() -> None:
    vecs = _unit(4, 8)
    index = VectorIndex.build(vecs, ids=[10, 20, 30, 40])
    assert index.search(vecs[2], k=1)[1].tolist() == [[30]]
    assert np.allclose(index.vectors([40]), vecs[3:4], atol=1e-6)
    with pytest.raises(ValueError, match="distinct"):
        VectorIndex.build(vecs, ids=[1, 1, 2, 3])
    with pytest.raises(ValueError, match="query dim"):
        index.search(np.ones(3, dtype=np.float32), k=1)


def test_allowed_ids_restricts_results() -> None:
    vecs = _unit(200, 16, seed=1)
    index = build(vecs)
    allowed = np.array([5, 17, 99, 150])
    scores, ids = index.search(vecs[0], k=10, allowed_ids=allowed)
    got = ids[0][ids[0] >= 0]
    assert sorted(got.tolist()) == sorted(allowed.tolist())  # all 4, only those 4
    assert (ids[0, 4:] == -1).all() and np.isneginf(scores[0, 4:]).all()
    # the filter is exact: same order as brute force over the subset
    expected = allowed[np.argsort(-(vecs[allowed] @ vecs[0]))]
    assert got.tolist() == expected.tolist()
    # a query that is in the subset finds itself first
    assert index.search(vecs[99], k=1, allowed_ids=allowed)[1][0, 0] == 99


def test_allowed_ids_empty_and_empty_index() -> None:
    index = build(_unit(5, 4))
    scores, ids = index.search(_unit(2, 4), k=3, allowed_ids=[])
    assert ids.shape == (2, 3) and (ids == -1).all() and np.isneginf(scores).all()
    empty = build(np.zeros((0, 4), dtype=np.float32))
    assert len(empty) == 0 and (empty.search(_unit(1, 4), k=2)[1] == -1).all()


def test_save_load_round_trip(tmp_path: Path) -> None:
    vecs = _unit(30, 12, seed=2)
    index = VectorIndex.build(vecs, ids=np.arange(30) * 3)
    path = tmp_path / "sub" / "dense.faiss"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert len(loaded) == 30 and loaded.dim == 12
    assert loaded.ids().tolist() == (np.arange(30) * 3).tolist()
    for a, b in zip(index.search(vecs[:5], 4), loaded.search(vecs[:5], 4)):
        assert np.array_equal(a, b)
    assert loaded.search(vecs[3], 1, allowed_ids=[6, 9, 12])[1].tolist() == [[9]]  # id 9 is row 3
    with pytest.raises(FileNotFoundError):
        VectorIndex.load(tmp_path / "nope.faiss")


# ---------------------------------------------------------------- EmbeddingCache

def test_cache_get_put_prune_save_load(tmp_path: Path) -> None:
    emb = HashEmbedder(16)
    texts = ["甲", "乙", "丙"]
    cache = EmbeddingCache(emb.name)
    vecs, missing = cache.get_many(texts)
    assert missing == [0, 1, 2] and vecs.shape == (3, 0)
    cache.put_many(texts[:2], emb.encode(texts[:2]))
    vecs, missing = cache.get_many(texts)
    assert missing == [2] and np.allclose(vecs[:2], emb.encode(texts[:2])) and not vecs[2].any()
    assert "甲" in cache and "丙" not in cache

    cache.save(tmp_path)
    assert (tmp_path / CACHE_VECTORS).is_file() and (tmp_path / CACHE_KEYS).is_file()
    again = EmbeddingCache.load(tmp_path, emb.name)
    assert len(again) == 2 and np.allclose(again.get_many(["乙"])[0], emb.encode(["乙"]))
    # another model's cache is not reused: its vectors mean something else
    assert len(EmbeddingCache.load(tmp_path, "other-model")) == 0
    assert len(EmbeddingCache.load(tmp_path / "missing", emb.name)) == 0

    assert again.prune(["乙", "丁"]) == 1
    assert len(again) == 1 and "甲" not in again and "乙" in again
    again.save(tmp_path)
    assert len(EmbeddingCache.load(tmp_path, emb.name)) == 1


def test_cache_rejects_wrong_dim_and_damaged_files(tmp_path: Path) -> None:
    cache = EmbeddingCache("m")
    cache.put_many(["a"], np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="dim"):
        cache.put_many(["b"], np.ones((1, 5), np.float32))
    cache.save(tmp_path)
    np.save(tmp_path / CACHE_VECTORS, np.ones((3, 4), np.float32))  # rows != keys
    assert len(EmbeddingCache.load(tmp_path, "m")) == 0


def _saved_cache(folder: Path) -> None:
    cache = EmbeddingCache("m")
    cache.put_many(["甲", "乙", "丙"], _unit(3, 8))
    cache.save(folder)


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[-5] ^= 0xFF  # a vector's byte: same size, still a valid .npy
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, says", [
    (lambda f: (f / CACHE_VECTORS).write_bytes(b""), "empty"),
    (lambda f: (f / CACHE_VECTORS).write_bytes((f / CACHE_VECTORS).read_bytes()[:100]), "truncated"),
    (lambda f: _flip(f / CACHE_VECTORS), "garbled"),
    (lambda f: (f / CACHE_KEYS).write_bytes(b""), "unreadable"),
    (lambda f: (f / CACHE_KEYS).write_text("[1, 2]"), "not a cache index"),
    (lambda f: (f / CACHE_VECTORS).unlink(), "has no vectors.npy"),
], ids=["empty", "truncated", "garbled", "empty-keys", "wrong-keys", "missing"])
def test_damaged_cache_starts_empty_and_says_why(tmp_path: Path, damage, says) -> None:
    _saved_cache(tmp_path)
    assert len(EmbeddingCache.load(tmp_path, "m")) == 3
    damage(tmp_path)
    cache = EmbeddingCache.load(tmp_path, "m")  # never raises: vectors can be recomputed
    assert len(cache) == 0 and says in cache.problem and "rebuilt" in cache.problem
    cache.put_many(["甲"], _unit(1, 8))
    cache.save(tmp_path)  # the next save replaces the damaged files
    again = EmbeddingCache.load(tmp_path, "m")
    assert len(again) == 1 and not again.problem


def test_cache_of_an_older_version_is_not_trusted(tmp_path: Path) -> None:
    import json

    _saved_cache(tmp_path)
    meta = json.loads((tmp_path / CACHE_KEYS).read_text())
    (tmp_path / CACHE_KEYS).write_text(json.dumps({"format": 1, "model": "m", "dim": 8, "keys": meta["keys"]}))
    cache = EmbeddingCache.load(tmp_path, "m")
    assert len(cache) == 0 and "older version" in cache.problem


def test_cache_key_includes_model() -> None:
    a, b = EmbeddingCache("model-a"), EmbeddingCache("model-b")
    assert a.key("预算") != b.key("预算") and a.key("预算") == EmbeddingCache("model-a").key("预算")
    assert cache_dir("/x", "st:bge-small/zh").name == "st_bge-small_zh"


def test_embed_with_cache_embeds_each_text_once(tmp_path: Path) -> None:
    emb = CountingEmbedder(HashEmbedder(32))
    texts = [f"第{i}条 一般公共预算支出" for i in range(10)] + ["第3条 一般公共预算支出"]  # one repeat
    cache = EmbeddingCache(emb.name)
    seen: list[int] = []
    first = embed_with_cache(emb, texts, cache, progress=seen.append, batch_size=4, save_to=tmp_path)
    assert emb.texts == 10  # the repeat was embedded once
    assert first.shape == (11, 32) and np.allclose(first, emb.inner.encode(texts))
    assert seen[0] == 0 and seen[-1] == 11 and seen == sorted(seen)

    emb.calls = emb.texts = 0
    reloaded = EmbeddingCache.load(tmp_path, emb.name)  # saved by save_to
    second = embed_with_cache(emb, texts, reloaded)
    assert emb.calls == 0 and np.array_equal(first, second)

    third = embed_with_cache(emb, texts + ["新的一段"], reloaded)
    assert emb.texts == 1 and third.shape == (12, 32)


def test_embed_with_cache_refuses_other_models_cache() -> None:
    with pytest.raises(ValueError, match="cache holds"):
        embed_with_cache(HashEmbedder(8), ["a"], EmbeddingCache("use-multilingual-v3"))


def test_embed_with_cache_empty() -> None:
    emb = HashEmbedder(8)
    assert embed_with_cache(emb, [], EmbeddingCache(emb.name)).shape == (0, 8)


def test_hash_vectors_retrieve_matching_chunk() -> None:
    emb = HashEmbedder(128)
    chunks = ["一般公共预算财政拨款支出", "政府采购情况说明", "国有资产占用情况", "三公经费支出情况"]
    index = build(emb.encode(chunks))
    assert index.search(emb.encode(["三公经费"]), k=1)[1][0, 0] == 3
