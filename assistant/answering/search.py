"""Auditor search: every passage that holds the query exactly, counted and paged; related
passages (ranked, not exact) only in their own section.

A query is split into codes and words. A code matches in any written form through the
index's code map ("201 03 01", "201-03-01" and the table row "201\t03\t01" all hold
2010301); a word matches where the passage contains it, ignoring spaces and letter case
("公务接待费" also finds "公务接待 费" where a PDF line broke). A passage is an exact hit
when it holds every code and every word of the query. The total is the number of such
passages in the filtered documents, never the length of a page.

Department and year written in the query itself scope the search as the filters do
("魏县政府办 公务接待费"), and are then not required in the passage text.
"""
from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field

from assistant.answering.question import Question, parse
from assistant.answering.retrieve import retrieve, search_tokens
from assistant.answering.scope import scope
from assistant.index import Index
from assistant.records import Chunk, Citation
from assistant.tokenize import code_spans

MAX_PER_PAGE = 100  # rows one request may ask for (bounded work per request)
RELATED_K = 10  # related passages shown in their own section
WINDOW = 300  # characters of a passage shown around its first hit
MAX_SUGGESTIONS = 6  # departments offered when a department filter names none

SORTS = {"relevance": "相关度", "department": "部门", "year": "年度", "source": "文件", "line": "行号"}
KINDS = ["部门预算", "单位预算", "部门决算", "其他"]


@dataclass
class Result:
    rank: int
    score: float
    via: str  # code | text (exact hits); bm25 | dense | fused (related passages)
    department: str
    year: int | None
    kind: str
    citation: Citation  # the whole passage, a verbatim slice of the document
    marked: str  # the window with its hits wrapped in 【】
    region: str = ""
    line: int = 0  # the document line of the first hit in the passage
    window: str = ""  # about WINDOW characters of the passage around the first hit
    spans: list[tuple[int, int]] = field(default_factory=list)  # hits in window


@dataclass
class Filters:
    department: str = ""
    region: str = ""
    year: int | None = None
    kind: str = ""


@dataclass
class SearchPage:
    query: str
    filters: Filters
    codes: list[str]  # codes recognised in the query, in normal form
    words: list[str]  # words every exact hit contains
    total: int = 0  # exact hits in the filtered documents: all of them
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    descending: bool = True
    results: list[Result] = field(default_factory=list)  # this page of the exact hits
    related: list[Result] = field(default_factory=list)  # not exact hits; own section
    reason: str = ""  # why nothing could be searched (unknown department, no such year)
    suggestions: list[str] = field(default_factory=list)  # departments the filter may mean
    scope_note: str = ""  # department/year taken from the query text
    documents: int = 0  # documents searched

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(index: Index, query: str, department: str = "", year: int | None = None,
           k: int = 10) -> list[Result]:
    """The first k exact hits (code hits first); only when there is none, the k nearest
    related passages. For the command line; the web app pages through find()."""
    page = find(index, query, Filters(department=department, year=year), per_page=min(k, MAX_PER_PAGE),
                related=False)
    if page.results:
        return page.results
    return find(index, query, Filters(department=department, year=year), per_page=1,
                related=True, related_k=k).related


def find(index: Index, query: str, filters: Filters | None = None, page: int = 1, per_page: int = 20,
         sort: str = "relevance", descending: bool = True, related: bool | None = None,
         related_k: int = RELATED_K) -> SearchPage:
    """One page of the exact hits, with the true total; related passages when asked
    (related=True), or by default (None) only when there is no exact hit."""
    filters = filters or Filters()
    hits, out, q, mention = _exact(index, query, filters, sort, descending)
    out.per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    out.page = max(1, min(int(page), out.pages))
    start = (out.page - 1) * out.per_page
    out.results = [_result(index, i, score, via, rank, q, out)
                   for rank, (i, score, via) in enumerate(hits[start:start + out.per_page], start + 1)]
    if out.reason or not (out.codes or out.words or q.text):
        return out
    if related or (related is None and not out.total):
        out.related = _related(index, q, mention, out, {i for i, _, _ in hits}, related_k)
    return out


def find_all(index: Index, query: str, filters: Filters | None = None, sort: str = "relevance",
             descending: bool = True, limit: int | None = None) -> tuple[SearchPage, list[Result]]:
    """Every exact hit (up to limit), for an export; the page carries the total."""
    hits, out, q, _ = _exact(index, query, filters or Filters(), sort, descending)
    rows = hits if limit is None else hits[:limit]
    return out, [_result(index, i, score, via, rank, q, out) for rank, (i, score, via) in enumerate(rows, 1)]


# ---------------------------------------------------------------- exact hits

def _exact(index: Index, query: str, filters: Filters, sort: str, descending: bool):
    """(chunk id, score, via) of every exact hit in order, the page skeleton, the parsed
    query and the department mention that scoped it."""
    query = query.strip()
    q = parse(query)
    if q.codes and q.years:
        # A year inside a code ("HS-2022-AUD-0042") names no year to search in.
        q.years = parse(_without_codes(query)).years
    out = SearchPage(query=query, filters=filters, codes=list(dict.fromkeys(q.codes)), words=[],
                     sort=sort if sort in SORTS else "relevance", descending=descending)
    sc = scope(index, q, department=filters.department, year=filters.year)
    if not sc.doc_ids:
        out.reason = sc.reason
        if filters.department:  # unknown, or too vague: offer the departments it may mean
            out.suggestions = suggest_departments(index, filters.department)
        return [], out, q, ""
    doc_ids = [i for i in sc.doc_ids if _keep(index.doc_list[i].meta, filters)]
    out.documents = len(doc_ids)
    if not doc_ids:
        out.reason = "没有同时符合这些筛选条件的文件"
        return [], out, q, ""
    mention = sc.mention
    notes = []
    if mention and not filters.department:
        notes.append(f"部门“{mention}”")
    if q.asked_years and not filters.year:
        notes.append("、".join(f"{y}年" for y in q.asked_years))
    out.scope_note = "、".join(notes)
    out.words = query_words(query, mention, q.asked_years)
    if not out.codes and not out.words:
        return [], out, q, mention
    allowed = set(doc_ids)
    candidates = _candidates(index, out.codes, allowed)
    flat = flat_texts(index)
    needles = [_flat(w) for w in out.words]
    ids = [i for i in candidates if all(n in flat[i] for n in needles)]
    scores = index.bm25_scores(search_tokens(q, mention)) if ids else None
    via = "code" if out.codes else "text"
    hits = [(i, float(scores[i]), via) for i in ids]
    out.total = len(hits)
    return _sorted(index, hits, out.sort, descending), out, q, mention


def _keep(meta, filters: Filters) -> bool:
    if filters.region and filters.region not in meta.region:
        return False
    if filters.kind and (meta.kind or "其他") != filters.kind:
        return False
    return True


def _candidates(index: Index, codes: list[str], allowed: set[int]) -> list[int]:
    """Chunks of allowed documents holding every code (all of them when there is no code)."""
    if not codes:
        return [i for i, d in enumerate(index.chunk_doc) if int(d) in allowed]
    common = set(index.code_map.get(codes[0], []))
    for code in codes[1:]:
        common &= set(index.code_map.get(code, []))
    return sorted(i for i in common if int(index.chunk_doc[i]) in allowed)


def _without_codes(query: str) -> str:
    text = query
    for a, b, _ in reversed(code_spans(query)):
        text = text[:a] + " " + text[b:]
    return text


def query_words(query: str, mention: str = "", years: list[int] | None = None) -> list[str]:
    """The query's words other than its codes, the department that scoped it and its years.

    "魏县政府办 2020年 公务接待费" -> ["公务接待费"] (the department and year choose the
    documents); "434-1601-JXN-0UT4 预算数" -> ["预算数"]."""
    text = _without_codes(query)
    years = years or []
    out = []
    for w in re.split(r"[\s,，;；、]+", text):
        w = w.strip("“”\"'《》()（）")
        if not w or (mention and w in mention):
            continue
        if re.fullmatch(r"(20\d\d)年?度?", w) and int(w[:4]) in years:
            continue
        out.append(w)
    return list(dict.fromkeys(out))


_FLAT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FLAT_LOCK = threading.Lock()


def flat_texts(index: Index) -> list[str]:
    """Each chunk's text without whitespace, lower-cased: what words are looked up in.
    Made once per loaded index (~0.3 s for 25,000 chunks) and shared by all requests."""
    with _FLAT_LOCK:
        texts = _FLAT.get(index)
        if texts is None:
            texts = [_flat(c.text) for c in index.chunks]
            _FLAT[index] = texts
        return texts


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _sorted(index: Index, hits: list[tuple[int, float, str]], sort: str, descending: bool):
    """Hits by the chosen column; ties by year (newest first), document, then line."""
    def doc(i: int):
        return index.doc_list[int(index.chunk_doc[i])]

    hits = sorted(hits, key=lambda h: (-(doc(h[0]).meta.year or 0), doc(h[0]).source,
                                       index.chunks[h[0]].line_start))
    column = {
        "relevance": lambda h: h[1],
        "department": lambda h: doc(h[0]).meta.department,
        "year": lambda h: doc(h[0]).meta.year or 0,
        "source": lambda h: doc(h[0]).source,
        "line": lambda h: index.chunks[h[0]].line_start,
    }[sort]
    return sorted(hits, key=column, reverse=descending)


# ---------------------------------------------------------------- related passages

def _related(index: Index, q: Question, mention: str, out: SearchPage, exact: set[int], k: int) -> list[Result]:
    sc = scope(index, q, department=out.filters.department, year=out.filters.year)
    doc_ids = [i for i in sc.doc_ids if _keep(index.doc_list[i].meta, out.filters)]
    if not doc_ids:
        return []
    hits = [h for h in retrieve(index, q, doc_ids, k=k + len(exact), mention=mention)
            if h.chunk_id not in exact][:k]
    return [_result(index, h.chunk_id, h.score, h.via, rank, q, out, matched=h.matched)
            for rank, h in enumerate(hits, 1)]


# ---------------------------------------------------------------- one result

def _result(index: Index, chunk_id: int, score: float, via: str, rank: int, q: Question, out: SearchPage,
            matched: list[str] | None = None) -> Result:
    chunk = index.chunks[chunk_id]
    doc = index.docs[chunk.doc_id]
    spans = hit_spans(chunk.text, out.codes, out.words if matched is None else matched)
    first = spans[0][0] if spans else 0
    citation = passage(index, chunk)
    line = index.line_of(doc, chunk.raw_span(first, first + 1)[0]) if chunk.text else citation.line_start
    window, wspans = _window(chunk.text, spans)
    return Result(rank=rank, score=round(score, 4), via=via, department=doc.meta.department,
                  year=doc.meta.year, kind=doc.meta.kind, citation=citation, marked=bracket(window, wspans),
                  region=doc.meta.region, line=line, window=window, spans=wspans)


def passage(index: Index, chunk: Chunk) -> Citation:
    """The whole chunk as a citation: a verbatim slice of the document's text."""
    doc = index.docs[chunk.doc_id]
    ra, rb = chunk.raw_span(0, len(chunk.text))
    return Citation(source=doc.source, title=doc.meta.title or doc.doc_id, section=chunk.section_path,
                    line_start=index.line_of(doc, ra), line_end=index.line_of(doc, max(ra, rb - 1)),
                    quote=doc.text[ra:rb].replace("\f", ""), page=index.page_of(doc, ra))


def hit_spans(text: str, codes: list[str], words: list[str]) -> list[tuple[int, int]]:
    """Where the codes (any written form) and words (spaces and case aside) stand in text."""
    spans = [(a, b) for a, b, code in code_spans(text) if code in codes]
    for w in words:
        chars = [re.escape(c) for c in w if not c.isspace()]
        if chars:
            spans += [m.span() for m in re.finditer(r"\s*".join(chars), text, flags=re.IGNORECASE)]
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _window(text: str, spans: list[tuple[int, int]], size: int = WINDOW) -> tuple[str, list[tuple[int, int]]]:
    """About size characters around the first hit ("…" where cut), hits moved with it."""
    start = max(0, spans[0][0] - size // 3) if spans else 0
    end = min(len(text), start + size)
    lead = "…" if start else ""
    inside = [(a - start + len(lead), min(b, end) - start + len(lead)) for a, b in spans if start <= a < end]
    return lead + text[start:end] + ("…" if end < len(text) else ""), inside


def bracket(text: str, spans: list[tuple[int, int]]) -> str:
    """text with each span wrapped in 【】 (the command line's marking)."""
    out, pos = [], 0
    for a, b in spans:
        out += [text[pos:a], "【", text[a:b], "】"]
        pos = b
    return "".join(out) + text[pos:]


def mark(text: str, terms: list[str]) -> str:
    """text with every occurrence of the terms wrapped in 【】."""
    return bracket(text, hit_spans(text, [], [t for t in terms if len(t) >= 2 or t.isdigit()]))


def suggest_departments(index: Index, typed: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Departments whose name holds the typed characters in order ("政府办" -> 广州市人民政府
    办公厅, 上海市普陀区人民政府办公室, …): what a too-short department filter may mean."""
    chars = [c for c in typed if "\u4e00" <= c <= "\u9fff"]  # names are Chinese; stray markup is not
    if not chars:
        return []
    pattern = re.compile(".*?".join(re.escape(c) for c in chars))
    names = sorted({d.meta.department for d in index.doc_list if d.meta.department})
    hits = [n for n in names if pattern.search(n)]
    return sorted(hits, key=len)[:limit]


def departments(index: Index) -> list[str]:
    return sorted({d.meta.department for d in index.doc_list if d.meta.department})


def regions(index: Index) -> list[str]:
    return sorted({d.meta.region for d in index.doc_list if d.meta.region})
