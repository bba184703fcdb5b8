"""Incremental generations (segments.py, write.py) and lazy loading (loaded.py): one changed
document is one new segment, and the index then answers exactly as a full rebuild does."""
from __future__ import annotations

import importlib.util
import shutil
from collections import Counter

import numpy as np
import pytest

from assistant.answering.answer import answer
from assistant.index import Index, segments, store
from assistant.index.build import build
from assistant.tokenize import tokenize
from conftest import DEMO
from test_build import _corpus  # n copies of the demo document, each its own department

QUESTION = "魏县政府办2020年公务接待费预算是多少？"
HAVE_MILVUS = importlib.util.find_spec("pymilvus") is not None and importlib.util.find_spec("milvus_lite") is not None


def _same_index(a: Index, b: Index) -> None:
    """Two loaded indexes that answer alike: documents, chunks by position, scores."""
    assert [d.doc_id for d in a.doc_list] == [d.doc_id for d in b.doc_list]
    assert [c.text for c in a.chunks] == [c.text for c in b.chunks]
    assert np.array_equal(a.chunk_doc, b.chunk_doc)
    for q in ("公务接待费", "电子政务 光纤", "434-1601-JXN-0UT4"):
        tokens = tokenize(q)
        assert np.array_equal(a.bm25_scores(tokens), b.bm25_scores(tokens)), q
    assert a.code_map == b.code_map
    ja, jb = answer(a, QUESTION).to_json("q"), answer(b, QUESTION).to_json("q")
    ja.pop("generation", None), jb.pop("generation", None)
    assert ja == jb


def test_one_changed_document_is_one_new_segment_and_answers_as_a_rebuild(tmp_path):
    folder, index = _corpus(tmp_path, 8), tmp_path / "index"
    build([folder], index, embedder_spec="hash", report=None)
    first = store.live_generation(index)
    text = (folder / "doc2.txt").read_text(encoding="utf-8")
    (folder / "doc2.txt").write_text(text.replace("公务接待费50万元", "公务接待费53万元"), encoding="utf-8")
    (folder / "doc8.txt").write_text(text, encoding="utf-8")
    (folder / "doc0.txt").unlink()
    r = build([folder], index, embedder_spec="hash", report=None)
    assert (r.read, r.reused, r.removed, r.compacted) == (2, 6, 1, False)  # 2 of 8 dead: under DEAD_SHARE
    gen = store.live_generation(index)
    assert sorted(p.name for p in gen.glob("seg-*")) == [segments.name(1), segments.name(2)]
    kept = gen / segments.name(1) / "chunks.jsonl"
    assert kept.stat().st_ino == (first / segments.name(1) / "chunks.jsonl").stat().st_ino  # linked, not copied
    live = {d.doc_id: d.segment for d in segments.load_live(gen)}
    assert live == {**{f"doc{i}.txt": 1 for i in (1, 3, 4, 5, 6, 7)}, "doc2.txt": 2, "doc8.txt": 2}
    grown = Index.load(index)
    assert any("53万元" in c.text for c in grown.chunks_of("doc2.txt"))
    assert not any(c.doc_id == "doc0.txt" for c in grown.chunks)

    fresh = tmp_path / "fresh"
    build([folder], fresh, embedder_spec="hash", report=None)
    _same_index(grown, Index.load(fresh))


def test_dead_rows_are_compacted_away(tmp_path):
    folder, index = _corpus(tmp_path, 3), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    text = DEMO.read_text(encoding="utf-8")
    for i in range(3):  # every document replaced: all rows of segment 1 are dead
        (folder / f"doc{i}.txt").write_text(text.replace("魏县政府办", f"魏县新{i}办", 1), encoding="utf-8")
        r = build([folder], index, embedder_spec="none", report=None)
    assert r.compacted  # the third change found more than DEAD_SHARE of the rows dead
    assert [p.name for p in store.live_generation(index).glob("seg-*")] == [segments.name(4)]
    fresh = tmp_path / "fresh"
    build([folder], fresh, embedder_spec="none", report=None)
    _same_index(Index.load(index), Index.load(fresh))


def test_loading_parses_no_chunk_and_the_idf_needs_none(tmp_path):
    from assistant.answering import evidence

    folder, index = _corpus(tmp_path, 2), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    loaded = Index.load(index)
    assert all(c is None for c in loaded.chunks._cache) and all(t is None for t in loaded.tokens._cache)
    assert loaded.chunk_counts() == Counter(c.doc_id for c in Index.load(index).chunks)
    seeded = evidence._idf(loaded)
    counted = Counter(t for toks in Index.load(index).tokens for t in set(toks))
    assert all(t is None for t in loaded.tokens._cache)  # the IDF comes from the keyword index
    del loaded.__dict__["_idf"]
    full = evidence._idf(loaded)  # what evidence counts itself
    assert full.keys() - {"__max__"} == counted.keys()
    assert all(t in seeded and seeded[t] == pytest.approx(full[t]) for t in counted)
    assert "不在索引里的词" not in seeded and seeded.get("不在索引里的词", 5.0) == 5.0
    assert seeded["__max__"] == pytest.approx(full["__max__"])


def test_unchanged_build_links_everything(tmp_path):
    folder, index = _corpus(tmp_path, 2), tmp_path / "index"
    build([folder], index, embedder_spec="hash", report=None)
    before = store.live_generation(index)
    r = build([folder], index, embedder_spec="hash", report=None)
    after = store.live_generation(index)
    assert (r.read, r.compacted) == (0, False) and after != before
    for rel in ("keyword/bm25/data.csc.index.npy", "vectors/vectors.faiss", f"{segments.name(1)}/docs.jsonl"):
        assert (after / rel).stat().st_ino == (before / rel).stat().st_ino, rel


@pytest.mark.skipif(not HAVE_MILVUS, reason="pymilvus and milvus-lite are not installed (pip install -e '.[milvus]')")
def test_milvus_store_answers_as_the_local_one_and_forgets_a_deleted_document(tmp_path, monkeypatch):
    folder, local, remote = _corpus(tmp_path, 6), tmp_path / "local", tmp_path / "milvus-index"
    build([folder], local, embedder_spec="hash", report=None)
    monkeypatch.setenv("BUDGET_QA_STORE", f"milvus:{tmp_path / 'm.db'}")
    build([folder], remote, embedder_spec="hash", report=None)
    assert store.load_manifest(store.live_generation(remote))["store"].startswith("milvus:")
    a, b = Index.load(local), Index.load(remote)
    for q in (QUESTION, "魏县第1办公室2020年公务接待费预算是多少？", "电子政务网络到村光纤租用费的绩效目标"):
        ja, jb = answer(a, q).to_json("q"), answer(b, q).to_json("q")
        ja.pop("generation", None), jb.pop("generation", None)
        assert jb == ja, q
    shutil.copy(DEMO, folder / "doc9.txt")
    (folder / "doc0.txt").unlink()
    r = build([folder], remote, embedder_spec="hash", report=None)
    assert (r.read, r.removed, r.compacted) == (1, 1, False)
    c = Index.load(remote)
    assert c.stores.keyword.count() == len(c.chunks)  # the deleted document's rows are gone from Milvus
    tokens = tokenize("公务接待费")
    assert c.bm25_scores(tokens).max() > 0
    assert "doc0.txt" not in {c.doc_list[int(c.chunk_doc[i])].doc_id for i in np.flatnonzero(c.bm25_scores(tokens))}

    # A full rebuild fills a new collection beside the one the running app reads, and
    # drops only those older than that.
    first = c.stores.keyword.collection.name
    build([folder], remote, embedder_spec="hash", report=None, full=True)
    second = Index.load(remote).stores.keyword.collection.name
    names = set(c.stores.keyword.collection.client.list_collections())
    assert second != first and {first, second} <= names
    build([folder], remote, embedder_spec="hash", report=None, full=True)
    names = set(c.stores.keyword.collection.client.list_collections())
    assert first not in names and second in names
    answer_now = answer(Index.load(remote), QUESTION).to_json("q")
    assert answer_now["found"] and "50万元" in answer_now["answer"]
