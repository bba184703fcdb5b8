"""The two storage interfaces every backend implements, and the rows they hold.

A backend stores one row per chunk: a stable int64 ``key`` (segments.row_key: the
segment the chunk was written in and its row there, so a key never changes while the
chunk lives), the document it belongs to, that document's metadata (for filters), the
BM25 tokens and text (keyword side) and the vector (dense side). The loaded Index maps
keys to chunk positions; answering code never sees a backend.

Two Protocols, as txtai's ``ann/base.py`` has one per kind of index:

* :class:`KeywordIndex` -- BM25 over our own jieba tokens.
* :class:`VectorStore` -- cosine search over L2-normalised vectors.

Both: ``add`` rows, ``delete`` every row of some documents, ``search`` with
:class:`Filters` (department, year, kind, region, or a set of documents), ``count``,
and ``save``/``load`` (a local backend writes files into the generation folder; a
server backend writes where to find its collection).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NamedTuple, Protocol, Sequence

import numpy as np


@dataclass(frozen=True)
class Filters:
    """Metadata a result must have; an empty field does not filter.

    ``region`` matches as a substring, as the web search filter does ("普陀区" matches
    "上海市普陀区"); the others match exactly. ``doc_ids`` limits the
    search to those documents (what the answering code's scope resolves to).
    """

    department: str = ""
    year: int | None = None
    kind: str = ""
    region: str = ""
    doc_ids: frozenset[str] | None = None

    def is_empty(self) -> bool:
        return not (self.department or self.year or self.kind or self.region) and self.doc_ids is None

    def matches(self, doc_id: str, meta: RowMeta) -> bool:
        return ((not self.department or meta.department == self.department)
                and (not self.year or meta.year == self.year)
                and (not self.kind or meta.kind == self.kind)
                and (not self.region or self.region in meta.region)
                and (self.doc_ids is None or doc_id in self.doc_ids))


@dataclass(frozen=True)
class RowMeta:
    """A document's metadata as the backends filter on it."""

    department: str = ""
    region: str = ""
    kind: str = ""
    year: int = 0


@dataclass
class Row:
    """One chunk as a backend stores it."""

    key: int
    doc_id: str
    meta: RowMeta = field(default_factory=RowMeta)
    tokens: list[str] = field(default_factory=list)  # BM25 tokens (assistant.tokenize)
    text: str = ""  # section path + chunk text: what a server's own analyzer reads
    vector: np.ndarray | None = None  # None: no vector (tables, short fragments)


class Found(NamedTuple):
    key: int
    score: float


class KeywordIndex(Protocol):
    """BM25 over the rows' tokens, Lucene's formula (bm25s ``method="lucene"``)."""

    def add(self, rows: Sequence[Row]) -> None:
        """Index rows (keys not yet present)."""
        ...

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove every row of these documents; returns how many rows went."""
        ...

    def search(self, tokens: list[str], k: int, filters: Filters | None = None) -> list[Found]:
        """The k best rows (score > 0) that pass ``filters``, best first."""
        ...

    def count(self) -> int:
        ...

    def save(self, folder: Path) -> None:
        ...


class VectorStore(Protocol):
    """Inner product over unit vectors (= cosine)."""

    def add(self, rows: Sequence[Row]) -> None:
        """Store the rows that have a vector (the others are skipped)."""
        ...

    def delete(self, doc_ids: Iterable[str]) -> int:
        ...

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Found]:
        ...

    def count(self) -> int:
        ...

    def save(self, folder: Path) -> None:
        ...
