"""Answers from the figures table: the row and column that state what is asked.

Used when no sentence answers an amount: the figure often stands only in a table. The row
is found by its label (the asked words, or the item), by its code, or, for a total, as the
合计 row of a table whose title names the item ("2026年度一般公共预算“三公”经费支出预算表
… 合计 1354.68"). The column is the one the question means: 决算 for 实际花了, 年初预算 for
年初, the year before in prior-year mode, else the first (合计 / 本年).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering import amounts as A
from assistant.answering.question import Part, Question
from assistant.answering.evidence import cover, weigh
from assistant.answering.scope import Scope
from assistant.answering.settings import ANSWER
from assistant.figures.records import Figure
from assistant.records import Citation


@dataclass
class RecordAnswer:
    figure: str
    text: str
    record: Figure
    citation: Citation
    score: float


def from_records(index, q: Question, part: Part, sc: Scope) -> RecordAnswer | None:
    asked = _asked_words(part)
    items = [c for c in part.concepts if c.item]
    weights = [w for w in weigh(index, part) if not w.concept.cue]
    best: RecordAnswer | None = None
    for i in sc.doc_ids:
        doc = index.doc_list[i]
        rows: dict[tuple[int, int], list[Figure]] = {}
        for f in index.figures_of(doc.doc_id):
            if f.origin == "table":
                rows.setdefault((f.span_start, f.span_end), []).append(f)
        for cells in rows.values():
            score = _row_score(q, part, asked, items, cells[0], {A.flat(c.column.split("›")[-1]) for c in cells})
            if score <= 0:
                continue
            if sc.unit and _WHOLE_TABLE.search(cells[0].table_title):
                score += UNIT_WHOLE_TABLE  # a unit's budget is its row of the 收入/收支 总表
            f = cells[0]
            if not q.codes and weights:
                # The row (with its table's title) must say what is asked, not one word of it:
                # "律师咨询服务" is not answered by a row that says "专业律师".
                # a total row speaks for its table and its columns ("合计" under 项目支出)
                said = f.item + (f.table_title + " ".join(c.column for c in cells) if _is_total(f) else "")
                coverage, missing = cover(weights, said)
                if missing or coverage < ANSWER.min_row_coverage:
                    continue
            cell = _column(part, sc, cells, items or [c for c in part.concepts if not c.cue])
            if cell is None:
                continue
            if best is None or score > best.score:
                best = _answer(index, doc, cell, score)
    return best


# A unit of the department asked as a whole ("杭州技师学院2026年预算总额"): its row of the table
# of all units' income or budget, before rows of project or purchase tables that name it.
_WHOLE_TABLE = re.compile(r"收入|收支|总表|总体")
UNIT_WHOLE_TABLE = 0.5
_PROSE_LABEL = 30  # characters; item and project names are shorter or unpunctuated


def _is_total(f: Figure) -> bool:
    return A.flat(f.item) in ("合计", "总计", "小计", "")


def _asked_words(part: Part) -> list[str]:
    return [A.flat(a) for c in part.concepts if not c.cue for a in c.alts if len(A.flat(a)) >= 2]


def _row_score(q: Question, part: Part, asked: list[str], items, f: Figure, columns: set[str] = frozenset()) -> float:
    label = A.flat(f.item)
    title = A.flat(f.table_title)
    if q.codes:
        return 3.0 if f.code and re.sub(r"\s", "", f.code).upper() in q.codes else 0.0
    if len(label) > _PROSE_LABEL and re.search(r"[，,。；;]", label):
        # A performance target's text read into a row's first cell: only the words after its
        # last punctuation can be the row's name ("…满意度评价、云客服服务外包项目" is the 云客服
        # project; "2.通过购买专业保安公司的安保服务…平安有序，…" names no 平安通).
        label = re.split(r"[，,。；;、]", label)[-1]
    said_label = [a for a in asked if a in label]
    for c in items:
        in_label = any(A.flat(a) in label for a in c.alts)
        in_title = any(A.flat(a) in title for a in c.alts)
        in_columns = any(A.flat(a) in columns for a in c.alts)  # "合计" row, column "项目支出"
        total_row = label in ("合计", "总计", "小计", "") and (in_title or in_columns)
        if not (in_label or total_row):
            return 0.0  # a budget item asked must be the row's own (or its table's total)
    if not items and not said_label:
        return 0.0
    phrase = max((len(a) for a in said_label), default=0)
    # The row that *is* the item ("培训费") before one whose long label only holds it;
    # a table of one part (基本支出…表) does not answer for the whole unless that part is asked.
    precision = phrase / max(len(label), 1)
    part_table = any(t in title and not any(t in a for a in asked) for t in A.PART_TABLES)
    return 1.0 + phrase / 10 + (0.5 if said_label else 0.0) + precision - (0.5 if part_table else 0.0)


def _column(part: Part, sc: Scope, cells: list[Figure], items=()) -> Figure | None:
    """The cell of the column the question means."""
    money = [c for c in cells if c.unit != "%" and c.value_text.lstrip("+-") != ""]
    if not money:
        return None
    f = cells[0]
    alts = {A.flat(a) for c in items for a in c.alts}
    named = [c for c in money if c.column and A.flat(c.column.split("›")[-1]) in alts]
    if _is_total(f) and named:
        # "合计 371,514,655.00 19,830,655.00 351,684,000.00" under 合计|基本支出|项目支出: the
        # 项目支出 asked is a column of the total row (2025 普陀区商务委, 单位：元).
        money = named
    elif _is_total(f) and A.owned_by_other_item(f.table_title, 0, len(f.table_title), alts):
        # The total row of a table of several items ("“三公”经费、会议费、培训费支出预算表"):
        # its first value is their sum; the asked item's figure is in the column named for it.
        named = [c for c in money if c.column and any(a in A.flat(c.column) for a in alts)]
        if not named:
            return None
        money = named

    def header(c: Figure) -> str:
        return c.column or ""
    wanted = None
    if sc.prior_year:
        wanted = re.compile(rf"{sc.prior_year}|上年")
    elif part.final:
        wanted = re.compile(r"决算|执行|实际")
    elif part.initial:
        wanted = re.compile(r"年初")
    if wanted is not None:
        hit = [c for c in money if wanted.search(header(c))]
        if not hit:
            return None  # the table does not say which column is the asked one
        return hit[0]
    return money[0]


def _answer(index, doc, f: Figure, score: float) -> RecordAnswer:
    value = f.value_text
    unit = f.unit
    shown = value + (unit if unit and unit != "%" else "")
    if unit == "元" and f.value_wan is not None:
        shown += f"（{f.value_wan:,.2f}万元）"
    where = f"表“{f.table_title}”" if f.table_title else "表"
    col = f"，{f.column}" if f.column and not f.column.startswith("第") else ""
    text = f"{shown}（{where}，行“{f.item or '合计'}”{col}）"
    cite = Citation(source=doc.source, title=doc.meta.title or doc.doc_id, section=f.section,
                    line_start=f.line_start, line_end=f.line_end, quote=f.quote.replace("\f", ""), page=f.page)
    return RecordAnswer(shown, text, f, cite, score)


def sum_of_items(index, parts: list[Part], sc: Scope) -> RecordAnswer | None:
    """"三公、会议费、培训费加起来一共多少": a table row that has a column for each asked item
    and a 合计 column equal to their sum states the sum itself (江苏省政协办公厅 2017:
    "1,852.32 676.10 … 1,094.62 81.60" under 合计|“三公”经费|…|会议费|培训费)."""
    wanted = [{A.flat(a) for c in p.items for a in c.alts if len(A.flat(a)) >= 2} for p in parts]
    for i in sc.doc_ids:
        doc = index.doc_list[i]
        rows: dict[tuple[int, int], list[Figure]] = {}
        for f in index.figures_of(doc.doc_id):
            if f.origin == "table" and f.value_wan is not None and f.column:
                rows.setdefault((f.span_start, f.span_end), []).append(f)
        for cells in rows.values():
            total = next((c for c in cells if A.flat(c.column.split("›")[-1]) in ("合计", "总计")), None)
            if total is None:
                continue
            picked = []
            for alts in wanted:
                cell = next((c for c in cells if c is not total
                             and any(a in A.flat(c.column) or A.flat(c.column.split("›")[-1]) in a for a in alts)), None)
                if cell is None:
                    break
                picked.append(cell)
            if len(picked) != len(wanted) or len({id(c) for c in picked}) != len(picked):
                continue
            if abs(sum(c.value_wan for c in picked) - total.value_wan) > ANSWER.sum_tolerance_wan:
                continue  # the 合计 column adds more than the asked items
            picked.sort(key=cells.index)  # in the table's column order
            found = _answer(index, doc, total, 1.0)
            parts_said = "、".join(f"{c.column.split('›')[-1]}{c.value_text}" for c in picked)
            found.text = f"{found.text}，其中{parts_said}"
            return found
    return None
