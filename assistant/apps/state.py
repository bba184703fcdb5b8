"""What the web UI and the JSON API share: settings, the live index, the login gate, the
request pool and the document library; and the checked actions both call, so that a
question asked in the browser and one sent to /api/ask get the same answer and the same
limits.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.answering.search import MAX_PER_PAGE, SORTS, Filters, SearchPage, find, find_all
from assistant.apps.auth import Gate, Sessions, check_hash
from assistant.apps.library import Library
from assistant.apps.limits import MAX_FILTER_CHARS, MAX_PAGE, RequestError, RequestPool, int_field, text_field
from assistant.config import Config
from assistant.index import Index
from assistant.index.live import LiveIndex

YEAR_RANGE = (1990, 2100)


@dataclass
class SearchArgs:
    query: str
    filters: Filters
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    descending: bool = True
    related: bool | None = None


class AppState:
    def __init__(self, cfg: Config, live: LiveIndex, embedder: str | None = None):
        check_hash(cfg.admin_password_hash, "admin_password_hash")
        check_hash(cfg.user_password_hash, "user_password_hash")
        self.cfg = cfg
        self.live = live
        self.gate = Gate(Sessions.from_secret(cfg.secret, cfg.session_hours), cfg.admin_password_hash,
                         cfg.user_password_hash)
        self.pool = RequestPool(cfg.request_workers)
        self.library = Library(cfg.corpus, cfg.index, embedder or live.get().embedder_spec, live, cfg.max_mb)

    @property
    def index(self) -> Index:
        return self.live.get()

    # ------------------------------------------------------------------ questions

    def question(self, text: str | None) -> str:
        return text_field(text, "问题", self.cfg.max_question_chars)

    def ask(self, text: str | None) -> dict[str, Any]:
        """Answer.to_json() for a checked question (what `ask --json` prints)."""
        from assistant.answering.answer import answer

        question = self.question(text)
        index = self.index
        with self.pool.slot():
            return answer(index, question).to_json()

    # ------------------------------------------------------------------ search

    def search_args(self, query: str | None, department: str | None = "", region: str | None = "",
                    year: int | str | None = None, kind: str | None = "", page: int | str | None = 1,
                    per_page: int | str | None = 20, sort: str | None = "relevance",
                    order: str | None = "desc", related: bool | None = None) -> SearchArgs:
        q = text_field(query, "检索词", self.cfg.max_question_chars)
        filters = Filters(
            department=text_field(department, "部门", MAX_FILTER_CHARS, required=False),
            region=text_field(region, "地区", MAX_FILTER_CHARS, required=False),
            year=int_field(year, "年度", *YEAR_RANGE, default=0) or None,
            kind=text_field(kind, "类别", MAX_FILTER_CHARS, required=False),
        )
        sort = sort or "relevance"
        if sort not in SORTS:
            raise RequestError(400, f"排序应为 {'、'.join(SORTS)} 之一，收到 {sort[:20]!r}")
        if (order or "desc") not in ("asc", "desc"):
            raise RequestError(400, f"order 应为 asc 或 desc，收到 {str(order)[:20]!r}")
        return SearchArgs(q, filters, int_field(page, "页码", 1, MAX_PAGE, 1),
                          int_field(per_page, "每页条数", 1, MAX_PER_PAGE, 20), sort, order != "asc", related)

    def search(self, args: SearchArgs) -> SearchPage:
        index = self.index
        with self.pool.slot():
            return find(index, args.query, args.filters, page=args.page, per_page=args.per_page,
                        sort=args.sort, descending=args.descending, related=args.related)

    def search_all(self, args: SearchArgs, limit: int):
        index = self.index
        with self.pool.slot():
            page, rows = find_all(index, args.query, args.filters, sort=args.sort, descending=args.descending,
                                  limit=limit + 1)
        if len(rows) > limit:
            raise RequestError(413, f"精确命中 {page.total} 条，超过导出上限 {limit} 条：请加部门、年度或地区筛选后再导出")
        return page, rows

    # ------------------------------------------------------------------ documents

    def documents(self) -> list[dict[str, Any]]:
        index = self.index
        per_doc = Counter(c.doc_id for c in index.chunks)
        return [document_json(d, per_doc[d.doc_id]) for d in index.doc_list]

    def document(self, doc_id: str, text: bool = True) -> dict[str, Any]:
        index = self.index
        doc = index.docs.get(doc_id)
        if doc is None:
            raise RequestError(404, f"索引中没有“{doc_id[:80]}”：GET /api/documents 列出全部文件")
        out = document_json(doc, sum(c.doc_id == doc_id for c in index.chunks))
        out["lines"] = doc.text.count("\n") + 1
        out["pages"] = doc.text.count("\f") + 1
        if text:
            out["text"] = doc.text
        return out


def document_json(doc, chunks: int) -> dict[str, Any]:
    """One document as `index info --json` lists it, with its chunk count."""
    return {"source": doc.source, "department": doc.meta.department, "region": doc.meta.region,
            "year": doc.meta.year, "kind": doc.meta.kind, "title": doc.meta.title, "format": doc.format,
            "chunks": chunks}


def search_json(page: SearchPage) -> dict[str, Any]:
    """A search page as JSON: each result is what `search --json` prints per line."""
    return {"query": page.query, "filters": asdict(page.filters), "codes": page.codes, "words": page.words,
            "total": page.total, "page": page.page, "pages": page.pages, "per_page": page.per_page,
            "sort": page.sort, "order": "desc" if page.descending else "asc", "documents": page.documents,
            "results": [asdict(r) for r in page.results], "related": [asdict(r) for r in page.related],
            "reason": page.reason, "suggestions": page.suggestions}


def load_state(cfg: Config, index: Index | None = None, embedder: str | None = None) -> AppState:
    return AppState(cfg, LiveIndex(Path(cfg.index), index=index), embedder)
