"""Shared fixtures: the repo's demo corpus, the shared real corpus (optional), indexes."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEMO = CORPUS / "2020_weixian_govoffice_budget.txt"
SHARED = REPO.parent / "shared"
SHARED_TEXT = SHARED / "corpus" / "text"
SHARED_ORIG = SHARED / "corpus" / "orig"
DEV = SHARED / "eval" / "dev.jsonl"
DEV2 = SHARED / "eval" / "dev2.jsonl"
GRADER = SHARED / "eval" / "grade.py"

needs_shared = pytest.mark.skipif(not SHARED_TEXT.is_dir(),
                                  reason=f"real corpus not found at {SHARED_TEXT} (../shared is absent)")


def shared_text(name: str) -> str:
    path = SHARED_TEXT / name
    if not path.is_file():
        pytest.skip(f"{path} not found (../shared is absent)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory):
    """An index of corpus/ (the founding example) with the hashing fake embedder."""
    from assistant.index.build import build
    from assistant.index import Index

    path = tmp_path_factory.mktemp("demo-index")
    build([CORPUS], path, embedder_spec="hash", report=None)
    return Index.load(path)


@pytest.fixture(scope="session")
def real_index_path(tmp_path_factory):
    """An index of the whole shared corpus (../shared/corpus/text), BM25 only, built once per
    test session (about 80 s on 2 cores); skipped when ../shared is absent."""
    if not SHARED_TEXT.is_dir():
        pytest.skip(f"real corpus not found at {SHARED_TEXT} (../shared is absent)")
    from assistant.index.build import build

    path = tmp_path_factory.mktemp("real-index") / "index"
    build([SHARED_TEXT], path, embedder_spec="none", report=None)
    return path


@pytest.fixture(scope="session")
def real_index(real_index_path):
    from assistant.index import Index

    return Index.load(real_index_path)
