"""What a question asks: which documents (department, year), which item, what kind of answer."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.tokenize import codes_in, concepts, tokenize

_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?:\s*年)?(?!\d)")
_KIND_CUES = [
    ("compare", re.compile(r"谁|哪年|哪个|哪一|哪家|相比.*(多|少|高|低)|(和|与|跟).{1,20}(比|相比)")),
    ("reason", re.compile(r"为什么|为何|原因|怎么会|何故")),
    ("change", re.compile(r"比(上年|去年|上一年|20\d\d年?)|增加了|减少了|少了|多了|涨了|降了|增长|下降|变化|增减|差了")),
    ("count", re.compile(r"几(个|辆|名|人|批|次|家|项)|多少(个|辆|名|人|批|次|家|项)|几辆|有多少辆|人次|批次|人数")),
    ("text", re.compile(r"怎么收|是哪|哪几年|什么时候|实施周期|标准|是什么")),
]


@dataclass
class Query:
    text: str
    years: list[int] = field(default_factory=list)
    kind: str = "amount"  # amount | change | reason | count | code | text | compare
    codes: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    expanded: list[str] = field(default_factory=list)  # document terms the question maps to
    concepts: list[tuple[str, list[str]]] = field(default_factory=list)  # word, ways to say it
    doc_kind: str = ""  # 单位预算 / 部门预算 / 部门决算 when the question names one
    units: tuple[str, ...] = ()  # what a count must be counted in ("多少人" -> 人/名)


def parse(question: str) -> Query:
    q = Query(text=question.strip())
    q.years = sorted({int(y) for y in _YEAR.findall(question)})
    q.codes = codes_in(question)
    q.kind = _kind(question, q)
    q.doc_kind = _doc_kind(question)
    q.units = _count_units(question)
    found = concepts(question)
    # BM25 searches the question plus the document terms its everyday words map to
    # (what tokenize.query_tokens does, without finding the concepts twice).
    extra = [t for _, alts in found for t in alts[1:]]
    q.tokens = tokenize(question + (" " + " ".join(extra) if extra else ""))
    # The document kind picks documents; it is not what the answer sentence must say.
    q.concepts = [(w, alts) for w, alts in found if w not in _KIND_WORDS]
    q.expanded = [t for w, alts in q.concepts for t in alts[1:]]
    return q


def _kind(question: str, q: Query) -> str:
    for kind, pat in _KIND_CUES:
        if pat.search(question):
            if kind == "compare" and not (len(q.years) > 1 or re.search(r"和|与|跟", question)):
                continue
            if kind == "text" and q.codes:
                return "code"
            return kind
    if q.codes:
        return "code"
    return "amount"


# A count in the wrong unit is no answer: "多少人" is not answered by "32个单位".
_COUNT_UNITS = [
    (re.compile(r"(多少|几)(个)?(人|名)|人数"), ("人", "名", "人次")),
    (re.compile(r"(多少|几)辆|车"), ("辆", "台")),
    (re.compile(r"批次|多少批|几批"), ("批", "批次")),
]


def _count_units(question: str) -> tuple[str, ...]:
    for pat, units in _COUNT_UNITS:
        if pat.search(question):
            return units
    return ()


_KIND_WORDS = {"单位预算", "部门预算", "部门决算", "决算", "预算公开"}


def _doc_kind(question: str) -> str:
    if "单位预算" in question:
        return "单位预算"
    if re.search(r"决算|实际(花|支出|用)", question):
        return "部门决算"
    if "部门预算" in question:
        return "部门预算"
    return ""
