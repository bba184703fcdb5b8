"""What the web UI and the JSON API share: settings, the live index, the login gate, the
request pool and the document library; and the checked actions both call (questions,
search, figures, audit), so that a question asked in the browser and one sent to /api/ask
get the same answer and the same limits, and the 数据 tab shows what /api/figures returns.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.answering.search import KINDS, MAX_PER_PAGE, SORTS, Filters, SearchPage, find, find_all
from assistant.apps.auth import Gate, Sessions, check_hash
from assistant.apps.library import Library
from assistant.apps.limits import MAX_FILTER_CHARS, MAX_PAGE, RequestError, RequestPool, int_field, text_field
from assistant.config import Config
from assistant.errors import UserError
from assistant.figures.audit import Finding
from assistant.figures.query import CHECK_LABELS, FigureFilter, findings, select, series
from assistant.figures.records import Figure
from assistant.index import Index
from assistant.index.live import LiveIndex

YEAR_RANGE = (1990, 2100)
FIGURES_PAGE = 100  # figures one /api/figures call returns unless it asks for more
MAX_FIGURES_PAGE = 1000  # the most it may ask for (a row is ~0.5 KB); the export gives every row
MAX_OFFSET = 10_000_000  # far past the ~260,000 figures of the 255 shared disclosures
MAX_AUDIT_DOCS = 50  # documents named in one /api/audit call (else: leave doc out for all)
MAX_DOC_CHARS = 300  # a document name
ORIGINS = {"table": "表格", "prose": "正文"}


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

    # ------------------------------------------------------------------ figures and audit

    def figure_filter(self, department: str | None = "", year: int | str | None = None, item: str | None = "",
                      code: str | None = "", region: str | None = "", kind: str | None = "",
                      origin: str | None = "") -> FigureFilter:
        """The checked filter of the 数据 tab and /api/figures (RequestError 400/413 when bad)."""
        kind = text_field(kind, "类别", MAX_FILTER_CHARS, required=False)
        if kind and kind not in KINDS:
            raise RequestError(400, f"类别应为 {'、'.join(KINDS)} 之一，收到 {kind[:20]!r}")
        origin = text_field(origin, "来源", MAX_FILTER_CHARS, required=False)
        if origin and origin not in ORIGINS:
            raise RequestError(400, f"来源（origin）应为 table（表格）或 prose（正文），收到 {origin[:20]!r}")
        return FigureFilter(
            department=text_field(department, "部门", MAX_FILTER_CHARS, required=False),
            year=int_field(year, "年度（year）", *YEAR_RANGE, default=0) or None,
            item=text_field(item, "项目", MAX_FILTER_CHARS, required=False),
            code=text_field(code, "编码", MAX_FILTER_CHARS, required=False),
            region=text_field(region, "地区", MAX_FILTER_CHARS, required=False),
            kind=kind, origin=origin)

    def figures(self, f: FigureFilter, limit: int | None = None) -> list[Figure]:
        """Every figure passing the filter, in document order (at most limit, when given)."""
        index = self.index
        with self.pool.slot():
            try:
                return select(index, f, limit if limit is not None else sys.maxsize)
            except UserError as e:  # a department the index does not know
                raise RequestError(400, str(e)) from None

    def figures_page(self, f: FigureFilter, limit: int | str | None = None,
                     offset: int | str | None = None) -> dict[str, Any]:
        """One page of the matching figures with their true total: the JSON of /api/figures."""
        limit = int_field(limit, "条数（limit）", 1, MAX_FIGURES_PAGE, FIGURES_PAGE)
        offset = int_field(offset, "跳过条数（offset）", 0, MAX_OFFSET, 0)
        rows = self.figures(f)
        page = rows[offset:offset + limit]
        return {"filters": asdict(f), "total": len(rows), "offset": offset, "limit": limit, "count": len(page),
                "rows": [r.to_row() for r in page]}

    def figures_all(self, f: FigureFilter, cap: int) -> list[Figure]:
        """Every matching figure for an export; RequestError 413 over cap rows."""
        rows = self.figures(f, cap + 1)
        if len(rows) > cap:
            raise RequestError(413, f"符合条件的数字超过导出上限 {cap} 条：请加部门、年度、项目或地区筛选后再导出")
        return rows

    def figure_series(self, f: FigureFilter, rows: list[Figure] | None = None) -> dict[str, Any]:
        """One item across departments in one year (a bar each) or of one department across
        years (a line): query.series of the matching figures (rows: already selected).
        Without a year or a department the bars would mix years, so one is required."""
        if not f.item:
            raise RequestError(400, "item 为空：请写出要画图的项目，如 item=公务接待费")
        if not (f.year or f.department):
            raise RequestError(400, "请再给 year（各部门比较）或 department（各年度比较）：不同年份的数字不宜并列")
        if rows is None:
            rows = self.figures(f)
        return {"item": f.item, "filters": asdict(f), "figures": len(rows), **series(rows)}

    def audit_docs(self, docs: list[str] | None) -> list[str]:
        """Checked document names for an audit ([] = the whole index)."""
        names = [text_field(d, "文件名", MAX_DOC_CHARS) for d in (docs or []) if (d or "").strip()]
        if len(names) > MAX_AUDIT_DOCS:
            raise RequestError(400, f"一次最多检查 {MAX_AUDIT_DOCS} 份文件，收到 {len(names)} 份：不写 doc 即检查全部文件")
        unknown = [n for n in names if n not in self.index.docs]
        if unknown:
            raise RequestError(400, f"索引中没有“{unknown[0][:80]}”：GET /api/documents 列出全部文件")
        return names

    def audit(self, docs: list[str] | None = None) -> list[Finding]:
        """The build's consistency findings for some documents, or for all of them."""
        names = self.audit_docs(docs)
        try:
            return findings(self.index, names)
        except UserError as e:  # a document removed between the check and the read
            raise RequestError(400, str(e)) from None

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


def findings_json(found: list[Finding]) -> dict[str, Any]:
    """Findings as JSON: each is what `audit --json` prints, with its check's Chinese label."""
    return {"total": len(found), "documents": len({f.doc_id for f in found}),
            "findings": [{**f.to_json(), "label": CHECK_LABELS.get(f.check, f.check)} for f in found]}


def load_state(cfg: Config, index: Index | None = None, embedder: str | None = None) -> AppState:
    return AppState(cfg, LiveIndex(Path(cfg.index), index=index), embedder)
