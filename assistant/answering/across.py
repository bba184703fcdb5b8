"""Answers across documents: rankings, totals over a set, one department over years.

"2026年北京各委办局公务接待费排名", "北京各部门2026年三公经费一共多少", "江苏检察院2017到
2019年三公经费变化". Each department (or year) is answered on its own, from its own
documents, by the same sentence and table evidence as a single question, so every figure
in the result is quoted. A total over the set is the one number computed here, and the
answer says so. The rows and a chart description go with the answer (Answer.table/chart)
for the web UI to draw.
"""
from __future__ import annotations

import re

from assistant.answering import amounts as A
from assistant.answering.cite import label
from assistant.answering.question import Part, Question
from assistant.answering.scope import Scope
from assistant.answering.settings import ANSWER
from assistant.records import Answer

SERIES_WORDS = re.compile(r"变化|趋势|历年|每年|各年|逐年|情况|走势|分别")


def is_series(q: Question, sc: Scope) -> bool:
    """One department over several years ("2017到2019年三公经费变化")."""
    return len(sc.years) >= 2 and len(q.asked_years or sc.years) >= 2 and len(sc.departments) <= 1 \
        and bool(SERIES_WORDS.search(q.text) or len(q.asked_years) >= 3)


def across(index, q: Question, sc: Scope, answer_part) -> Answer | None:
    """A ranking, a total over departments, or a series over years; None when fewer than
    two groups state the item (the caller answers the question as a single one)."""
    part = q.parts[0]
    measure = Part(part.text, "count" if part.units else "amount", part.concepts, part.units, part.final,
                   part.initial, part.percent)
    series = is_series(q, sc)
    groups = _years(index, sc) if series else _departments(index, sc)
    rows = []
    for name, doc_ids in groups[:ANSWER.across_limit]:
        narrow = Scope(doc_ids, departments=sc.departments, mention=sc.mention, years=sc.years)
        pa = answer_part(index, q, measure, narrow)
        if not pa.found or not pa.citations:
            continue
        value = A.number_of(pa.figure) if measure.kind == "count" else A.wan_of(pa.figure, pa.text)
        if value is None:
            continue
        rows.append(row(name, pa, value))
    if len(rows) < 2:
        return None
    unit = "" if measure.kind == "count" else "万元"
    item = next((c.word for c in part.concepts if c.item), "") or next((c.word for c in part.concepts if not c.cue), "")
    if series:
        rows.sort(key=lambda r: r["label"])
        lines = "；".join(f"{r['label']}：{r['figure']}" for r in rows)
        text = f"{sc.mention or label(index.docs[rows[0]['source']])}{item}：{lines}。"
        chart = {"type": "line", "unit": unit, "title": item}
    else:
        low = bool(re.search(r"从低到高|从少到多|最少|最低", q.text))
        rows.sort(key=lambda r: r["value"], reverse=not low)
        lines = "；".join(f"{n}. {r['label']}：{r['figure']}" for n, r in enumerate(rows, 1))
        text = f"{item}（{len(rows)}个部门，{'从低到高' if low else '从高到低'}）：{lines}。"
        if part.kind == "total":
            total = sum(r["value"] for r in rows)
            text = (f"{len(rows)}个部门的{item}合计 {total:,.2f}{unit}（由下列各部门引文中的数字相加所得）。"
                    + text)
        chart = {"type": "bar", "unit": unit, "title": item}
    missing = len(groups) - len(rows)
    if missing > 0:
        text += f"（另有{missing}个{'年份' if series else '部门'}的文件没有写明此项）"
    table = [{k: v for k, v in r.items() if k != "citation"} for r in rows]
    return Answer(question=q.text, found=True, answer=text, citations=[r["citation"] for r in rows],
                  figure=rows[0]["figure"], table=table, chart=chart)


def row(name: str, pa, value: float) -> dict:
    """One row of an answer across documents: what the web UI's table and chart show."""
    c = pa.citations[0]
    return {"label": name, "figure": pa.figure, "value": round(value, 4), "source": c.source,
            "line_start": c.line_start, "line_end": c.line_end, "citation": c}


def _departments(index, sc: Scope) -> list[tuple[str, list[int]]]:
    """The departments of the scope, newest document of each (by year asked, else newest)."""
    by_dept: dict[str, list[int]] = {}
    docs = index.doc_list
    for i in sc.doc_ids:
        by_dept.setdefault(docs[i].meta.department or docs[i].doc_id, []).append(i)
    out = []
    for name, ids in by_dept.items():
        newest = max(docs[i].meta.year or 0 for i in ids)
        out.append((name, [i for i in ids if (docs[i].meta.year or 0) == newest]))
    return sorted(out)


def _years(index, sc: Scope) -> list[tuple[str, list[int]]]:
    docs = index.doc_list
    by_year: dict[int, list[int]] = {}
    for i in sc.doc_ids:
        if docs[i].meta.year:
            by_year.setdefault(docs[i].meta.year, []).append(i)
    return [(f"{y}年", ids) for y, ids in sorted(by_year.items())]
