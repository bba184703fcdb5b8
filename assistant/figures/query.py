"""Reading the figures table and the audit's findings: filters, series, export rows.

What the `figures` and `audit` commands, the /api/figures and /api/audit endpoints and the
数据 and 审计 tabs share. Department filters take everyday short names (resolved like a
question's); item filters take everyday words (招待费 finds 公务接待费).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant import lexicon
from assistant.errors import UserError
from assistant.figures.audit import Finding
from assistant.figures.records import Figure

MAX_ROWS = 20_000  # rows one query returns (bounded work per request)
COLUMNS = ["部门", "地区", "年度", "类别", "文件", "来源", "项目", "编码", "表", "列", "口径", "原文数值", "单位", "万元",
           "增减", "百分比", "方向", "原因", "起始行", "结束行", "页", "原文"]
FINDING_COLUMNS = ["检查", "文件", "行", "问题", "应为", "实为", "原文"]
CHECK_LABELS = {"parts_total": "合计与分项", "percent": "百分比", "change": "增减", "unit": "单位", "year": "比较年份",
                "stale_year": "年份", "mismatch": "前后不一", "missing_table": "缺表", "version": "版本不一"}


@dataclass
class FigureFilter:
    department: str = ""
    year: int | None = None
    item: str = ""
    code: str = ""
    region: str = ""
    kind: str = ""
    origin: str = ""  # table | prose | ""


def select(index, f: FigureFilter, limit: int = MAX_ROWS) -> list[Figure]:
    """The figures of the index that pass the filter, in document order."""
    docs = _documents(index, f)
    wanted = _item_words(f.item)
    code = re.sub(r"[\s\-]", "", f.code).upper()
    out: list[Figure] = []
    for d in docs:
        for fig in index.figures_of(d.doc_id):
            if f.origin and fig.origin != f.origin:
                continue
            if code and re.sub(r"[\s\-]", "", fig.code).upper() != code:
                continue
            if wanted and not any(w in _flat(fig.item) or (fig.origin == "prose" and w in _flat(fig.column))
                                  for w in wanted):
                continue
            out.append(fig)
            if len(out) >= limit:
                return out
    return out


def findings(index, sources: list[str] | None = None) -> list[Finding]:
    """The audit's findings (stored by the build), for some documents or all."""
    stored = index.findings_by_doc() or {}
    wanted = set(sources or [])
    unknown = wanted - set(index.docs)
    if unknown:
        raise UserError(f"没有这个文件：{'、'.join(sorted(unknown))}（用 `index info` 查看已收录的文件名）")
    return [f for doc_id, fs in stored.items() if not wanted or doc_id in wanted for f in fs]


def series(figures: list[Figure]) -> dict:
    """One value per department (or per year when one department): what a chart shows.
    The headline figure of each (headline_first), in 万元; the answer's own rows keep every figure."""
    figures = headline_first(figures)
    by_dept = {f.department for f in figures}
    key = (lambda f: f"{f.year}年") if len(by_dept) == 1 else (lambda f: f.department or f.doc_id)
    seen: dict[str, Figure] = {}
    for f in figures:
        if f.value_wan is not None and key(f) not in seen:
            seen[key(f)] = f
    kind = "line" if len(by_dept) == 1 else "bar"
    rows = [{"label": k, "figure": v.value_text + (v.unit if v.unit not in ("", "%") else ""), "value": v.value_wan,
             "source": v.doc_id, "line_start": v.line_start, "line_end": v.line_end}
            for k, v in (sorted(seen.items()) if kind == "line" else
                         sorted(seen.items(), key=lambda kv: -(kv[1].value_wan or 0)))]
    return {"type": kind, "unit": "万元", "rows": rows}


def headline_first(figures: list[Figure]) -> list[Figure]:
    """The figures reordered so that series, which charts the first figure of each
    department or year, takes the one the document states as the item's amount.

    In document order the first 公务接待费 of 江苏高院's 2017 budget is the table row
    "30217 公务接待费 50.72" (the office-cost share of 基本支出), while the disclosure's
    own statement is "公务接待费预算支出 185.72 万元". So: sentences before table rows
    (DESIGN: prefer the prose sentence, the table cross-checks it); among sentences, the
    document's own measure (预算 in a budget, 决算 in a final account) first; a figure said
    of the year before (上年) never stands for the document's year.
    """
    def rank(f: Figure) -> tuple[int, int]:
        own = "决算" if "决算" in (f.doc_kind or "") else "预算"
        measure = 0 if f.measure == own else 1 if not f.measure else 2
        return (0 if f.origin == "prose" else 1, measure)

    return sorted((f for f in figures if f.measure != "上年"), key=rank)  # stable: document order within a rank


def figure_row(f: Figure) -> list:
    return [f.department, f.region, f.year or "", f.doc_kind, f.doc_id, "表" if f.origin == "table" else "正文",
            f.item, f.code, f.table_title, f.column, f.measure, f.value_text, f.unit,
            "" if f.value_wan is None else round(f.value_wan, 4), f.change_text, f.pct, f.direction, f.reason,
            f.line_start, f.line_end, f.page, f.quote]


def finding_row(f: Finding) -> list:
    lines = f"{f.lines[0]}-{f.lines[-1]}" if len(f.lines) > 1 else str(f.lines[0] if f.lines else "")
    return [CHECK_LABELS.get(f.check, f.check), f.doc_id, lines, f.message, f.expected, f.found, "\n".join(f.quotes)]


def _documents(index, f: FigureFilter) -> list:
    docs = index.doc_list
    if f.department:
        res = index.resolver.resolve(f.department)
        held = [m for m in res.mentions if m.candidates and not m.missing]
        if not held:
            raise UserError(f"未识别部门“{f.department}”：请写出地区和机构，如“普陀区政府办”“江苏高院”")
        ids = {i for m in held for c in m.close(0.02) for i in c.department.doc_ids}
        docs = [d for i, d in enumerate(docs) if i in ids]
    if f.year:
        docs = [d for d in docs if d.meta.year == f.year]
    if f.region:
        docs = [d for d in docs if f.region in (d.meta.region or "")]
    if f.kind:
        docs = [d for d in docs if (d.meta.kind or "其他") == f.kind]
    return docs


def _item_words(item: str) -> list[str]:
    """The words an item filter matches: the item itself and the documents' terms for it."""
    item = _flat(item)
    if not item:
        return []
    lex = lexicon.load()
    return [item] + [_flat(t) for t in lex.synonyms.get(item, ())]


@lru_cache(maxsize=65536)
def _flat(s: str) -> str:
    # Cached: the item filter flattens every figure's item (257,695 in the shared corpus).
    return re.sub(r"[\s“”]", "", s or "").translate(str.maketrans("（）", "()"))
