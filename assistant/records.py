"""The core records that flow from a file on disk to a quoted answer.

SourceText (what an ingest module read) -> Document (with metadata) -> Chunk
(a piece of one section) -> Hit (a ranked chunk) -> Answer (figure + Citations).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class IngestError(Exception):
    """A file that cannot be read; the message names the file and says what to do."""


@dataclass
class SourceText:
    """The text one ingest module extracted from one file.

    ``text`` is the document as lines joined by "\\n"; pages (PDF) are separated by a
    form feed at the start of a line ("\\f"), as in ../shared/corpus/text. Citations
    count lines of this text, 1-based, and pages by form feeds.
    """

    path: str
    text: str
    format: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class DocMeta:
    """What a document is, read from its own title page."""

    title: str = ""
    department: str = ""
    region: str = ""
    year: int | None = None
    kind: str = ""  # 部门预算 / 单位预算 / 部门决算 / 其他


@dataclass
class Document:
    doc_id: str  # path relative to the indexed folder, with "/" separators
    source: str  # same as doc_id; kept apart so a later store may use numeric ids
    meta: DocMeta
    text: str
    sha256: str
    size: int
    mtime: float
    format: str = "txt"

    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass
class Chunk:
    """One retrievable piece of one section of one document.

    ``text`` is cleaned (page furniture removed, wrapped lines rejoined);
    ``line_start``/``line_end`` are 1-based, inclusive lines of the document text.
    """

    doc_id: str
    section: list[str]
    line_start: int
    line_end: int
    text: str
    kind: str = "prose"  # prose | table | heading
    page: int = 1
    # Searched with the text but never quoted: the heading path, a table's column headers.
    context: str = ""
    # (offset in text, offset in the document's raw text, length) runs; see clean.Para
    segments: list[tuple[int, int, int]] = field(default_factory=list)

    def raw_span(self, a: int, b: int) -> tuple[int, int]:
        from assistant.ingest.clean import raw_span

        return raw_span(self.segments, a, b)

    @property
    def section_path(self) -> str:
        return " / ".join(self.section)


@dataclass
class Hit:
    chunk_id: int
    score: float
    chunk: Chunk
    matched: list[str] = field(default_factory=list)
    via: str = ""  # code | bm25 | dense | fused


@dataclass
class Citation:
    source: str
    title: str
    section: str
    line_start: int
    line_end: int
    quote: str
    page: int | None = None


@dataclass
class Answer:
    question: str
    found: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    figure: str | None = None
    # What the answer used (shown beside it): the department, year, kind of document.
    department: str = ""
    year: int | None = None
    kind: str = ""
    # Answers across documents: one row per department or year (label, figure, value in 万元,
    # source, line), and how to chart them ({"type": "bar"|"line", "unit": "万元"}).
    table: list[dict[str, Any]] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # how the question was read (今年 = 2026 …)
    generation: str = ""  # the index generation that answered (Index.generation)

    def to_json(self, qid: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if qid is not None:
            out["id"] = qid
        out.update(question=self.question, found=self.found, answer=self.answer,
                   citations=[asdict(c) for c in self.citations])
        if self.figure:
            out["figure"] = self.figure
        for key in ("department", "year", "kind", "table", "chart", "notes", "generation"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out
