"""One contract for every storage backend (local bm25s + FAISS, Milvus through milvus-lite):
add, search with each filter, delete one document, count, and the same results after a
reload. Then what each backend promises beyond it."""
from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest

from assistant.index.backends import (Filters, Row, RowMeta, StoreError, StoreSpec, new_stores, open_stores,
                                      parse_spec)
from assistant.tokenize import tokenize

HAVE_MILVUS = importlib.util.find_spec("pymilvus") is not None and importlib.util.find_spec("milvus_lite") is not None
BACKENDS = ["local", pytest.param("milvus", marks=pytest.mark.skipif(
    not HAVE_MILVUS, reason="pymilvus and milvus-lite are not installed (pip install -e '.[milvus]')"))]
_names = itertools.count()

# Three small documents as the disclosures state them; metadata as metadata.py reads it.
DOCS = {
    "weixian.txt": (RowMeta("魏县政府办", "河北省邯郸市魏县", "部门预算", 2020),
                    ["2020年公务接待费50万元，比上年减少5万元。", "电子政务网络到村光纤租用费项目编码434-1601-JXN-0UT4。"]),
    "putuo.txt": (RowMeta("上海市普陀区人民政府办公室", "上海市普陀区", "部门预算", 2025),
                  ["2025年公务接待费预算3.2万元。", "机关运行经费主要用于办公费、印刷费。"]),
    "jiangsu.txt": (RowMeta("江苏省高级人民法院", "江苏省", "部门决算", 2019),
                    ["2019年“三公”经费支出比上年减少12.5万元。", "公务用车运行维护费主要用于执法执勤车辆。"]),
}


def _vector(text: str) -> np.ndarray:
    from assistant.index.embed import get_embedder

    return get_embedder("hash").encode([text])[0]


def _rows() -> list[Row]:
    rows = []
    for d, (doc_id, (meta, texts)) in enumerate(DOCS.items()):
        for i, text in enumerate(texts):
            rows.append(Row(key=(d + 1) << 32 | i, doc_id=doc_id, meta=meta, tokens=tokenize(text), text=text,
                            vector=_vector(text) if i == 0 else None))  # the second has no vector, like a table
    return rows


def _key(doc_id: str, i: int) -> int:
    return (list(DOCS).index(doc_id) + 1) << 32 | i


@pytest.fixture(params=BACKENDS)
def spec(request, tmp_path_factory) -> StoreSpec:
    if request.param == "local":
        return StoreSpec("local")
    # one milvus-lite file per module (its start is the slow part), one collection per test
    return StoreSpec("milvus", str(tmp_path_factory.getbasetemp() / "contract.db"), f"c{next(_names)}")


@pytest.fixture
def stores(spec):
    s = new_stores(spec)
    s.add(_rows())
    return s


def test_add_and_count(stores):
    assert stores.keyword.count() == 6
    assert stores.vectors.count() == 3  # rows without a vector are not in the vector store


def test_keyword_search_ranks_the_row_that_says_it(stores):
    hits = stores.keyword.search(tokenize("公务接待费"), k=10)
    assert {h.key for h in hits[:2]} == {_key("weixian.txt", 0), _key("putuo.txt", 0)}
    assert all(h.score > 0 for h in hits) and hits[1].score > hits[2].score  # 公务 alone says less
    code = stores.keyword.search(tokenize("434-1601-JXN-0UT4"), k=3)
    assert [h.key for h in code] == [_key("weixian.txt", 1)]  # the code is one token, found whole


def test_vector_search_finds_the_nearest(stores):
    text = DOCS["jiangsu.txt"][1][0]
    hits = stores.vectors.search(_vector(text), k=2)
    assert hits[0].key == _key("jiangsu.txt", 0) and hits[0].score == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("filters, docs", [
    (Filters(department="魏县政府办"), {"weixian.txt"}),
    (Filters(year=2025), {"putuo.txt"}),
    (Filters(kind="部门决算"), {"jiangsu.txt"}),
    (Filters(region="普陀区"), {"putuo.txt"}),
    (Filters(doc_ids=frozenset({"weixian.txt", "jiangsu.txt"})), {"weixian.txt", "jiangsu.txt"}),
    (Filters(kind="部门预算", year=2019), set()),
], ids=["department", "year", "kind", "region", "documents", "none-match"])
def test_each_filter(stores, filters, docs):
    doc_of = {_key(d, i): d for d in DOCS for i in range(2)}
    words = stores.keyword.search(tokenize("公务接待费 经费 减少 费"), k=10, filters=filters)
    assert {doc_of[h.key] for h in words} == docs
    near = stores.vectors.search(_vector("公务接待费"), k=10, filters=filters)
    assert {doc_of[h.key] for h in near} == docs


def test_delete_one_document(stores):
    stores.delete(["weixian.txt"])
    assert stores.keyword.count() == 4 and stores.vectors.count() == 2
    assert stores.keyword.search(tokenize("公务接待费"), k=10)[0].key == _key("putuo.txt", 0)
    assert not {h.key >> 32 for h in stores.keyword.search(tokenize("公务接待费 电子政务"), k=10)} & {1}
    assert stores.keyword.search(tokenize("434-1601-JXN-0UT4"), k=10) == []
    assert _key("weixian.txt", 0) not in {h.key for h in stores.vectors.search(_vector(DOCS["weixian.txt"][1][0]), k=10)}


def test_same_results_after_reload(stores, spec, tmp_path):
    stores.delete(["jiangsu.txt"])
    before = (stores.keyword.search(tokenize("公务接待费"), k=5), stores.vectors.search(_vector("公务接待费"), k=5))
    stores.save(tmp_path)
    again = open_stores(spec, tmp_path)
    assert again.keyword.count() == 4 and again.vectors.count() == 2
    after = (again.keyword.search(tokenize("公务接待费"), k=5), again.vectors.search(_vector("公务接待费"), k=5))
    for b, a in zip(before, after):
        assert [h.key for h in a] == [h.key for h in b]
        assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-5)
    again.add([Row(key=9 << 32, doc_id="new.txt", meta=RowMeta(year=2021), tokens=tokenize("公务接待费"))])
    assert again.keyword.search(tokenize("公务接待费"), k=5, filters=Filters(year=2021))[0].key == 9 << 32


# ---------------------------------------------------------------- beyond the contract

def test_local_bm25_is_bm25s_bit_for_bit():
    """The vectorised matrix (local.py) scores exactly as bm25s's own index()."""
    import bm25s

    s = new_stores(StoreSpec("local"))
    rows = _rows()
    s.add(rows)
    reference = bm25s.BM25()
    reference.index([r.tokens for r in rows], show_progress=False)
    for q in ("公务接待费", "减少 经费", "434-1601-JXN-0UT4 项目"):
        tokens = tokenize(q)
        assert np.array_equal(s.keyword.scores(tokens), reference.get_scores(tokens)), q


@pytest.mark.skipif(not HAVE_MILVUS, reason="pymilvus and milvus-lite are not installed")
def test_milvus_ranks_our_tokens_as_the_local_backend(tmp_path_factory):
    local, milvus = new_stores(StoreSpec("local")), new_stores(
        StoreSpec("milvus", str(tmp_path_factory.getbasetemp() / "contract.db"), f"c{next(_names)}"))
    for s in (local, milvus):
        s.add(_rows())
    for q in ("公务接待费", "经费 减少", "费"):
        a, b = local.keyword.search(tokenize(q), k=6), milvus.keyword.search(tokenize(q), k=6)
        assert [h.score for h in b] == pytest.approx([h.score for h in a], rel=1e-4), q
        assert {h.key for h in b} == {h.key for h in a}, q


@pytest.mark.skipif(not HAVE_MILVUS, reason="pymilvus and milvus-lite are not installed")
def test_milvus_own_bm25_and_hybrid_search(tmp_path_factory):
    s = new_stores(StoreSpec("milvus", str(tmp_path_factory.getbasetemp() / "contract.db"), f"c{next(_names)}"))
    s.add(_rows())
    own = s.keyword.search_text("公务用车运行维护费", k=3)
    assert own and own[0].key == _key("jiangsu.txt", 1)  # Milvus's jieba analyzer, its BM25
    fused = s.keyword.hybrid_search("公务接待费", _vector("2025年公务接待费预算3.2万元。"), k=3,
                                    filters=Filters(year=2025))
    assert [h.key for h in fused][0] == _key("putuo.txt", 0)


@pytest.mark.parametrize("bad, says", [("postgres", "not a store"), ("milvus:/tmp/x.sqlite", "must end in .db"),
                                       ("local?collection=x", "no options"), ("milvus:/x.db?collection=a-b", "letters")])
def test_a_bad_store_setting_is_one_clear_line(bad, says, tmp_path):
    with pytest.raises(StoreError, match=says) as info:
        parse_spec(bad, tmp_path)
    assert "\n" not in str(info.value) and "valid forms" in str(info.value)


def test_store_settings_parse(tmp_path):
    assert parse_spec(None) == StoreSpec("local")
    assert parse_spec("milvus", tmp_path) == StoreSpec("milvus", str(tmp_path.resolve() / "milvus.db"))
    assert parse_spec("milvus:http://db:19530?collection=qa") == StoreSpec("milvus", "http://db:19530", "qa")
