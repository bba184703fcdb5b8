"""Where the keyword index and the vectors live, chosen by one setting (BUDGET_QA_STORE).

    local                          bm25s + FAISS, files in each generation (the default)
    milvus                         milvus-lite in <index>/milvus.db (embedded, no server)
    milvus:/path/to/file.db        milvus-lite at that path
    milvus:http://host:19530       a Milvus standalone or cluster
    …?collection=NAME              another collection name (several indexes, one Milvus)

The documents, chunks and the figures table stay in the index folder either way (see
the README, "Storage backends and scale"). ``Stores`` pairs the two interfaces of
base.py so the build adds and deletes through one object; with Milvus both are views
of one collection and each row is written once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import parse_qs

from assistant.index.backends.base import Filters, Found, KeywordIndex, Row, RowMeta, VectorStore

ENV_VAR = "BUDGET_QA_STORE"
DEFAULT_SPEC = "local"
LITE_FILE = "milvus.db"
_HELP = ('valid forms: "local" (bm25s + FAISS, the default), "milvus" (milvus-lite in the index folder), '
         '"milvus:/path/to/file.db" (milvus-lite there), "milvus:http://host:19530" (a Milvus server); '
         'optionally followed by "?collection=NAME"')

__all__ = ["Filters", "Found", "KeywordIndex", "Row", "RowMeta", "VectorStore", "StoreSpec", "Stores",
           "parse_spec", "spec_from_env", "new_stores", "open_stores"]


class StoreError(ValueError):
    """A BUDGET_QA_STORE value that cannot be used; the message says what to write."""


@dataclass(frozen=True)
class StoreSpec:
    kind: str  # "local" | "milvus"
    uri: str = ""  # milvus: a .db path (milvus-lite) or http(s)://host:port
    collection: str = ""

    def __str__(self) -> str:
        if self.kind == "local":
            return "local"
        return f"milvus:{self.uri}" + (f"?collection={self.collection}" if self.collection else "")


def parse_spec(spec: str | None, index_dir: Path | None = None) -> StoreSpec:
    """StoreSpec of a setting (None or "" = local); StoreError in one line if malformed."""
    spec = (spec or DEFAULT_SPEC).strip()
    head, _, query = spec.partition("?")
    collection = ""
    if query:
        values = parse_qs(query).get("collection", [""])
        collection = values[0]
        if not collection.replace("_", "").isalnum():
            raise StoreError(f"BUDGET_QA_STORE={spec!r}: a collection name is letters, digits and _; {_HELP}")
    if head == "local":
        if query:
            raise StoreError(f"BUDGET_QA_STORE={spec!r}: the local store takes no options; {_HELP}")
        return StoreSpec("local")
    if head == "milvus":
        if index_dir is None:
            raise StoreError(f"BUDGET_QA_STORE={spec!r} needs an index folder for its file; {_HELP}")
        return StoreSpec("milvus", str(Path(index_dir).resolve() / LITE_FILE), collection)
    if head.startswith("milvus:"):
        uri = head[len("milvus:"):]
        if uri.startswith(("http://", "https://", "tcp://")):
            return StoreSpec("milvus", uri, collection)
        if not uri.endswith(".db"):
            raise StoreError(f"BUDGET_QA_STORE={spec!r}: a milvus-lite file must end in .db; {_HELP}")
        return StoreSpec("milvus", str(Path(uri).expanduser().resolve()), collection)
    raise StoreError(f"BUDGET_QA_STORE={spec!r} is not a store; {_HELP}")


def spec_from_env(index_dir: Path | None = None) -> StoreSpec:
    return parse_spec(os.environ.get(ENV_VAR), index_dir)


class Stores:
    """The keyword index and the vector store of one generation."""

    def __init__(self, spec: StoreSpec, keyword, vectors) -> None:
        self.spec, self.keyword, self.vectors = spec, keyword, vectors

    @property
    def shared(self) -> bool:
        """Both are views of one collection (Milvus): a row is written once."""
        return getattr(self.keyword, "collection", None) is not None and \
            getattr(self.keyword, "collection", None) is getattr(self.vectors, "collection", None)

    def add(self, rows: Sequence[Row]) -> None:
        self.keyword.add(rows)
        if not self.shared:
            self.vectors.add(rows)

    def delete(self, doc_ids: Iterable[str]) -> None:
        doc_ids = list(doc_ids)
        self.keyword.delete(doc_ids)
        if not self.shared:
            self.vectors.delete(doc_ids)

    def save(self, gen: Path) -> None:
        if self.spec.kind == "local":
            self.keyword.save(gen / "keyword")
            self.vectors.save(gen / "vectors")
        else:
            self.keyword.save(gen / "milvus")


def new_stores(spec: StoreSpec, version: str = "") -> Stores:
    """Empty stores. With Milvus, ``version`` names a new collection beside the one the
    live generation reads (``<name>_<version>``), so a full refill never empties what a
    running server searches; without it the collection of that name is emptied."""
    if spec.kind == "local":
        from assistant.index.backends.local import Bm25Keyword, FaissVectors

        return Stores(spec, Bm25Keyword(), FaissVectors())
    col = _collection(spec, None, version)
    col.reset()
    return _milvus(spec, col)


def drop_unused(spec: StoreSpec, keep: set[str]) -> list[str]:
    """Drop this index's Milvus collections other than ``keep`` (the new generation's and
    the one it replaces, still read by servers until they reload); returns their names."""
    if spec.kind != "milvus":
        return []
    col = _collection(spec, None)
    gone = [n for n in col.client.list_collections()
            if (n == col.name or n.startswith(col.name + "_")) and n not in keep]
    for name in gone:
        col.client.drop_collection(name)
    return gone


def open_stores(spec: StoreSpec, gen: Path, mmap: bool = True) -> Stores:
    """The stores a generation saved (``mmap``: map local arrays read-only, for serving)."""
    if spec.kind == "local":
        from assistant.index.backends.local import Bm25Keyword, FaissVectors

        return Stores(spec, Bm25Keyword.load(gen / "keyword", mmap=mmap), FaissVectors.load(gen / "vectors", mmap=mmap))
    return _milvus(spec, _collection(spec, gen / "milvus"))


def saved_collection(folder: Path) -> str:
    """The Milvus collection a generation's saved state names ("" if none)."""
    import json

    try:
        return json.loads((Path(folder) / "milvus.json").read_text(encoding="utf-8")).get("collection", "")
    except (OSError, ValueError):
        return ""


def saved_files(spec: StoreSpec) -> list[str]:
    """The generation's folders that hold this store's files (checked by the manifest)."""
    return ["keyword", "vectors"] if spec.kind == "local" else ["milvus"]


def _collection(spec: StoreSpec, folder: Path | None, version: str = ""):
    try:
        from assistant.index.backends.milvus import DEFAULT_COLLECTION, MilvusCollection
    except ImportError:
        raise StoreError(f"BUDGET_QA_STORE={spec} needs pymilvus: install the milvus extra "
                         "(pip install -e '.[milvus]')") from None
    try:
        if folder is not None:
            return MilvusCollection.load(folder, spec.uri)
        name = spec.collection or DEFAULT_COLLECTION
        return MilvusCollection(spec.uri, f"{name}_{version}" if version else name)
    except ImportError as e:
        raise StoreError(f"BUDGET_QA_STORE={spec} needs pymilvus and milvus-lite ({e}): install the milvus "
                         "extra (pip install -e '.[milvus]')") from None


def _milvus(spec: StoreSpec, col) -> Stores:
    from assistant.index.backends.milvus import MilvusKeyword, MilvusVectors

    return Stores(spec, MilvusKeyword(col), MilvusVectors(col))
