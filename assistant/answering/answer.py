"""From a question to an answer: the sentence that holds it, its figure, a verbatim quote.

question.py understands the question once (departments, years, parts, items); scope.py
picks the documents; each part is answered by its kind from the evidence sentences
(evidence.py) with its figure cut from the sentence (amounts.py) and quoted verbatim
(cite.py). Below the evidence bar a part is 未找到, and a question whose parts are all
未找到 is answered 未找到 with the nearest passages: a confident wrong figure is the one
thing a budget assistant must not give.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.answering import amounts as A
from assistant.answering.cite import cite, display, label, passages, safe_end  # noqa: F401 (search.py)
from assistant.answering.evidence import Sentence, Weighted, sentences_of, split_sentences, weigh
from assistant.answering.across import across, is_series, row
from assistant.answering.question import Concept, Part, Question, is_total, understand
from assistant.answering.records import from_records, sum_of_items
from assistant.answering.versions import twin_citation
from assistant.figures.extract import unit_above
from assistant.answering.retrieve import part_tokens, retrieve
from assistant.answering.scope import Scope, name_tail, scope
from assistant.answering.settings import ANSWER, RETRIEVAL
from assistant.errors import UserError
from assistant.records import Answer, Citation, Hit

FIGURE_KINDS = ("amount", "code_amount", "count", "change", "reason", "yesno", "compare", "ranking", "total")
PASSAGE_KINDS = ("list", "describe")
# Rows of 绩效目标表: indicator targets and scoring rules, never a budget amount.
_INDICATOR = re.compile(r"得满分|满意度|[≥≤]|>=|<=|每(?:低|少|多|高)|扣\d|减\d*\.?\d*分|指标值|分值")
_FINAL = re.compile(r"决算|执行数|实际执行|执行|实际支出|实际使用|使用|支出数")
_NEGATIVE = re.compile(r"无|没有|未安排|不安排|未发生|未列支|不再|为零|为0(?![.\d])|(?<![\d.,])0(?:\.0+)?\s*万?元|(?<![\d.,])0\.00|零"
                       r"|不编制|未编制|不编列|未列|暂不|不予安排")
# For "含不含…"/"包不包括…" only: "（不含车辆）" in a list of equipment says nothing of cars.
_NOT_INCLUDED = re.compile(r"不含|不包括|不包含|未含|未包括|未纳入|不纳入")


@dataclass
class PartAnswer:
    part: Part
    found: bool
    figure: str | None = None
    text: str = ""  # what the answer says for this part, before the quote
    sentence: Sentence | None = None
    citations: list[Citation] = field(default_factory=list)
    why: str = ""
    hits: list[Hit] = field(default_factory=list)
    record: object | None = None  # the figures-table row when the answer came from one


def answer(index, question: str) -> Answer:
    """The answer to one question, with the index generation it came from."""
    result = _answer(index, question)
    result.generation = getattr(index, "generation", "")
    if result.found and result.citations and not result.table:
        # What the answer used, shown beside it: the first quote's document.
        source = result.citations[0].source
        if source in index.docs:
            doc = index.docs[source]
            result.department = result.department or doc.meta.department
            result.year = result.year or doc.meta.year
            result.kind = result.kind or doc.meta.kind
    return result


def _answer(index, question: str) -> Answer:
    try:
        q = understand(index, question)
    except UserError as e:
        return Answer(question=question, found=False, answer=f"未找到：{e}")
    if not q.text:
        return _not_found(index, question, [], "问题为空")
    sc = scope(index, q)
    if sc.empty:
        return _not_found(index, q.text, [], sc.reason)
    if sc.unit:
        # "广州市老人院2026年预算多少": the unit is what is asked about, inside its department's
        # documents (its row "广州市老人院 53,125.45 …"); the department's total is not its figure.
        for p in q.parts:
            p.concepts = [c for c in p.concepts if not is_total(c)] + [Concept(sc.unit, (sc.unit,), True)]
    tail = name_tail(q)
    if tail:
        for p in q.parts:
            p.concepts = [c for c in p.concepts if c.item or c.cue or not any(c.word in t for t in tail)]
    if q.kind in ("ranking", "total") or is_series(q, sc):
        listed = across(index, q, sc, _figure)
        if listed is not None:
            return listed
    if q.kind == "compare":
        compared = _compare(index, q, sc)
        if compared is not None:
            return compared
    if not sc.departments and q.kind in FIGURE_KINDS:
        listed = _ambiguous(index, q, sc)
        if listed is not None:
            return listed
    # Several items asked as one sum ("三公、会议费、培训费加起来"): the table cell that states it.
    summed = len(q.parts) >= 2 and all(p.summed for p in q.parts)
    rec = sum_of_items(index, q.parts, sc) if summed else None
    if rec is not None:
        quote = " ".join(rec.citation.quote.split())
        text = f"{rec.text}。{label(index.docs[rec.citation.source])}：“{quote}”"
        return Answer(question=q.text, found=True, answer=text, citations=[rec.citation], figure=rec.figure)
    parts = [answer_part(index, q, p, sc) for p in q.parts]
    composed = _compose(index, q, sc, parts)
    return _added_up(composed, parts) if summed else composed


def _added_up(composed: Answer, parts: list[PartAnswer]) -> Answer:
    """Items asked as one sum that no document states: each item's quoted figure, and their
    sum said to be added up here. Only figures in money of one document are added."""
    values = [A.to_wan(p.figure) if p.found else None for p in parts]
    sources = {c.source for p in parts for c in p.citations[:1]}
    if any(v is None for v in values) or len(sources) != 1:
        return composed
    total = f"{sum(values):,.2f}万元"
    composed.answer = f"合计{total}（文件未直接写明合计，由下列各项引文中的数字相加所得）：" + composed.answer
    composed.figure = total
    return composed


def answer_part(index, q: Question, part: Part, sc: Scope) -> PartAnswer:
    if part.kind in PASSAGE_KINDS:
        return _passage(index, q, part, sc)
    if part.kind in ("code_name", "code_of"):
        return _code(index, q, part, sc)
    return _figure(index, q, part, sc)


# ---------------------------------------------------------------- figures from sentences

def _evidence(index, q: Question, part: Part, doc_ids: list[int], k: int | None = None
              ) -> tuple[list[Sentence], list[Hit], list[Weighted]]:
    tokens = part_tokens(part, q.codes)
    hits = retrieve(index, tokens, doc_ids, k=k or RETRIEVAL.answer_pool, codes=q.codes, dense_text=q.text)
    weights = weigh(index, part)
    return sentences_of(index, hits, weights), hits, weights


def _ranked(index, q: Question, part: Part, sc: Scope, sents: list[Sentence], hits: list[Hit],
            weights: list[Weighted], bar: float) -> list[Sentence]:
    top = hits[0].score if hits else 1.0
    latest = max((index.docs[h.chunk.doc_id].meta.year or 0 for h in hits), default=0)
    coded = q.codes and part.kind in ("code_amount", "code_name") and any(_has_code(q, s.text) for s in sents)
    out = []
    for s in sents:
        if q.codes and _has_code(q, s.text):
            s.coverage, s.missing = 1.0, []  # an exact code names the row, whatever else was asked
        elif coded:
            continue  # "2210202 金额": the rows that hold the code answer, not others that say 金额
        if s.missing or s.coverage < bar:
            continue
        if s.is_row and part.items and part.kind in _ROW_NAMES_ITEM and _anchor(q, part, s.text)[1] < 0 \
                and not (q.codes and _has_code(q, s.text)):
            continue  # a row under a table that names the item ("政府采购预算表") is another item's row
        chunk = index.chunks[s.chunk_id]
        doc = index.docs[chunk.doc_id]
        bonus = (ANSWER.retrieval_bonus * hits[s.rank].score / top + _kind_bonus(q, part, s)
                 + _proximity(part, weights, s) + _doc_bonus(q, sc, doc, latest, s, index)
                 + _phrase_bonus(part, s.text))
        if chunk.kind == "table":
            bonus += ANSWER.table_row
            title = A.flat(" ".join(chunk.section[-2:]))
            if any(t in title and not any(t in a for a in _asked(part)) for t in A.PART_TABLES):
                bonus += ANSWER.part_table  # a 基本支出 table's 培训费 is one part of the 培训费
        s.score = s.coverage * (1.0 + max(bonus, ANSWER.min_bonus))
        out.append(s)
    out.sort(key=lambda s: -s.score)
    return out


_KIND_WORDS = re.compile(r"部门预算|单位预算|部门决算|单位决算|预算|决算")


def _phrase_bonus(part: Part, text: str) -> float:
    """The sentence repeats a run of the question's words as the question wrote them: words
    jieba split ("养老服务" as 养老/服务) still stand together in "6养老服务(2081006)3,000.00万元",
    and only apart in "养老支出…服务"."""
    if part.kind not in _ROW_NAMES_ITEM and part.kind != "count":
        return 0.0  # lists and descriptions are worded freely: "部门预算包括" is no item said
    span = _shared_phrase(_KIND_WORDS.sub(" ", part.text), text)
    if span is None:
        return 0.0
    n = len(A.flat(text[span[0]:span[1]]))
    return min(ANSWER.shared_phrase + ANSWER.shared_phrase_step * (n - 4), ANSWER.shared_phrase_max)


_ROW_NAMES_ITEM = ("amount", "code_amount", "compare", "change", "reason", "ranking", "total")


# A question that names a table ("政府采购预算表合计多少", "收支总表里…") is answered by its row
# first: 2026 烟台市教育局's text says 政府采购预算0万元 where its table totals 29,837.96.
_NAMES_TABLE = re.compile(r"(预算|决算|支出|收入|情况|明细|汇总|总|目标)表")


def _figure(index, q: Question, part: Part, sc: Scope, doc_ids: list[int] | None = None) -> PartAnswer:
    # "广州市老人院2026年预算多少": a unit of the department asked as a whole is its row of the
    # department's 收入/收支 table, not a project row that names it.
    whole_unit = bool(sc.unit) and all(c.word == sc.unit or c.cue for c in part.concepts)
    if part.kind in ("amount", "code_amount") and (_NAMES_TABLE.search(part.text) or whole_unit):
        rec = from_records(index, q, part, sc if doc_ids is None else _narrow(sc, doc_ids))
        if rec is not None:
            return PartAnswer(part, True, rec.figure, rec.text, None, [rec.citation], record=rec.record)
    sents, hits, weights = _evidence(index, q, part, doc_ids or sc.doc_ids)
    ranked = _ranked(index, q, part, sc, sents, hits, weights, ANSWER.min_coverage)
    for i, s in enumerate(ranked[:12]):
        got = _read(index, q, part, sc, s, weights)
        if got is not None and _disputed(index, s):
            continue
        if got is not None:
            s, got = _preferred_version(index, q, part, sc, ranked[i + 1:], weights, s, got)
            figure, text = got
            if part.kind == "yesno":
                text = _as_asked(q, text)
            if part.kind == "reason":
                s = _with_reason(index, s, figure)
            twin = _twin(index, s)
            if twin is not None:
                return PartAnswer(part, True, figure, text, None, [twin], hits=hits)
            return PartAnswer(part, True, figure, text, s, [cite(index, s)], hits=hits)
    if part.kind in ("amount", "code_amount", "compare", "ranking", "total"):
        rec = from_records(index, q, part, _records_scope(index, sc if doc_ids is None else _narrow(sc, doc_ids), hits))
        if rec is not None:
            return PartAnswer(part, True, rec.figure, rec.text, None, [rec.citation], hits=hits, record=rec.record)
    why = "文件中没有足够相关的段落"
    if ranked and part.kind == "reason":
        why = "文件没有说明这一项的原因"
    return PartAnswer(part, False, why=why, hits=hits)


def _preferred_version(index, q: Question, part: Part, sc: Scope, rest: list[Sentence], weights,
                       s: Sentence, got: tuple) -> tuple[Sentence, tuple]:
    """The same figure from the version of the disclosure that adds up, when the one read first
    is another version (the clean 2024 普陀区财政局 决算 states "本年支出合计 2,940.05" in a table
    row where its altered twin has a tidier sentence): same answer, the trustworthy source."""
    version = index.versions.get(index.chunks[s.chunk_id].doc_id)
    if not version or version["preferred"] or got[0] is None:
        return s, got
    value = A.number_of(got[0])
    for other in rest[:ANSWER.version_reach]:
        other_version = index.versions.get(index.chunks[other.chunk_id].doc_id)
        if not other_version or not other_version["preferred"]:
            continue
        found = _read(index, q, part, sc, other, weights)
        if found is not None and found[0] is not None and A.number_of(found[0]) == value:
            return other, found
    return s, got


def _with_reason(index, s: Sentence, reason: str | None) -> Sentence:
    """The quoted span runs on to the sentence that gives the reason when that one comes
    after (the answer states nothing its quote does not hold)."""
    if not reason or reason in s.text:
        return s
    chunk = index.chunks[s.chunk_id]
    at = chunk.text.find(reason, s.end)
    if at < 0:
        return s
    end = at + len(reason)
    return Sentence(s.chunk_id, s.start, end, chunk.text[s.start:end], heading=s.heading, coverage=s.coverage,
                    score=s.score, missing=s.missing, rank=s.rank)


def _twin(index, s: Sentence) -> Citation | None:
    """The same statement in the version of the disclosure that adds up, when s is from
    another version (answering/versions.py)."""
    chunk = index.chunks[s.chunk_id]
    version = index.versions.get(chunk.doc_id)
    if not version or version["preferred"]:
        return None
    for other in version["others"]:
        if index.versions[other]["preferred"]:
            found = twin_citation(index, other, s.text)
            if found is not None:
                return found
    return None


def _disputed(index, s: Sentence) -> bool:
    """A sentence of a version that does not add up, on lines its own audit flags: the altered
    2024 普陀区财政局 决算 says "收入支出总计0万元" where its tables give 2,995.39. Such a
    figure is no answer; a version whose figures add up may give one."""
    chunk = index.chunks[s.chunk_id]
    version = index.versions.get(chunk.doc_id)
    if not version or version["preferred"]:
        return False
    c = cite(index, s)
    findings = (index.findings_by_doc() or {}).get(chunk.doc_id, [])
    return any(c.line_start <= n <= c.line_end for f in findings if f.check != "version" for n in f.lines)


def _narrow(sc: Scope, doc_ids: list[int]) -> Scope:
    return Scope(doc_ids, departments=sc.departments, mention=sc.mention, years=sc.years, prior_year=sc.prior_year,
                 unit=sc.unit)


def _records_scope(index, sc: Scope, hits: list[Hit]) -> Scope:
    """The documents whose figures a records answer reads: all of a narrow scope, else only those
    retrieval found (a question that names no department would read every figure of the
    corpus: 10 s for 252,351 records on 255 documents)."""
    if len(sc.doc_ids) <= ANSWER.records_scan_docs:
        return sc
    pos = {d.doc_id: i for i, d in enumerate(index.doc_list)}
    allowed = set(sc.doc_ids)
    found = list(dict.fromkeys(pos[h.chunk.doc_id] for h in hits if pos.get(h.chunk.doc_id) in allowed))
    return _narrow(sc, found[:ANSWER.records_scan_docs])


def _read(index, q: Question, part: Part, sc: Scope, s: Sentence, weights) -> tuple[str | None, str] | None:
    """(figure, answer text) the sentence gives for the part, or None when it gives none."""
    text = s.text
    anchor, item_end = _anchor(q, part, text)
    chunk = index.chunks[s.chunk_id]
    kind = part.kind
    if kind not in ("reason", "yesno") and A.broken(text):
        return None  # the PDF moved this sentence's numbers elsewhere: no figure can be read from it
    change = A.change_in(text, anchor) if kind == "change" else None
    # Items named after the change explain it ("比2019年增加177.79万元，主要是：人员经费增加…");
    # only those before it can own it.
    at = text.find(change) if change else -1
    upto = at if at > 0 else len(text)
    if item_end < 0 and part.items and kind in ("amount", "change", "compare") and not s.is_row \
            and (A.owned_by_other_item(text, 0, upto, _asked(part))
                 or (chunk.section and A.owned_by_other_item(chunk.section[-1], 0, len(chunk.section[-1]), _asked(part)))):
        # The item is said only by the heading ("九、“三公”经费…") and the sentence, or the
        # sub-heading it stands under ("（一）因公出国（境）经费"), names another one: its
        # figure is that item's.
        return None
    if kind == "reason":
        reason = A.reason_in(text, anchor) or _reason_around(text, anchor, part) or _reason_next(chunk, s, part)
        if not reason:
            return None
        change = A.change_in(text, anchor)
        return reason, (f"{change}，" if change and change not in reason else "") + reason
    if kind == "change":
        if not change:
            return None
        i = text.find(change, anchor)
        # The item said again just before the change owns it: "会议费预算174.6万元，含基本
        # 支出中…的会议费，较上年预算增加151.6万元".
        # Only item names count here: cue words ("上年预算" in "比上年预算减少") are no item.
        item_end = max([item_end] + [m.end() for c in part.items for a in c.alts if len(a) >= 2
                                     for m in re.finditer(re.escape(a), text[:max(i, 0)])])
        if i > item_end >= 0 and A.owned_by_other_item(text, item_end, i, _asked(part)):
            return None  # "三公经费…其中：因公出国（境）费…减少10万元" is not the 三公 change
        if A.direction(change) == "持平":
            return "持平", f"持平（{change}）" if change != "持平" else "持平"
        pct = re.match(r"[，,、]?\s*(增长|下降|减少|增加|降低|上升)\s*\d[\d.]*\s*[%％]", text[i + len(change):])
        return change, change + (pct.group() if pct else "")
    if kind == "count":
        if s.is_row:
            # A table row counts only under a header that names what is counted ("编制人数").
            header = _header_row(chunk.text, s.start)
            cell = _cell_under(header, text, _COUNT_HEADER)
            if cell:
                return cell, cell  # "序号 培训名称 时间 人数 金额" over "2 全市…培训 2026-09-14 120 8.70"
            labels = " ".join(c for c in text.split("\t") if not re.search(r"\d", c))
            if not _COUNT_HEADER.search(s.heading + header + labels):
                return None  # "目标2：…事故死亡人数…" names 人数 inside a cell of prose, not over a column
            m = A.NUMBER.search(text, anchor)
            return (m.group(), m.group()) if m else None
        m = A.count_in(text, part.units, anchor)
        if not m or (item_end >= 0 and m.start() > item_end + _COUNT_REACH and part.items):
            return None
        return m.group().strip(), m.group().strip()
    if kind == "yesno":
        if item_end < 0 and part.items:
            return None  # 有没有 is answered by a sentence that names the item itself
        if _NEGATIVE.search(text[max(0, anchor - 6):anchor]):
            return None, "没有"  # "本单位无下属单位", "本部门无因公出国(境)经费预算"
        if _ASKED_VERB.search(q.text) and _excluded(part, text):
            return None, "没有"  # "含不含东郊国宾馆": "…不含东郊国宾馆（自收自支）…"
        if part.units:
            # "有公车吗": the count answers it ("共有车辆0辆"), not a budget line for cars, and
            # only a count said with the words documents count that thing with.
            counted = next((c for c in part.concepts if c.cue == "count"), None)
            if counted and not any(A.flat(w) in A.flat(text) for w in counted.alts):
                return None
            m = A.count_in(text, part.units, anchor)
            if not m:
                return None
            n = A.number_of(m.group())
            return m.group().strip(), ("没有" if n == 0 else "有") + f"（{m.group().strip()}）"
        return _yesno(text, anchor, item_end)
    # amount, code_amount, compare
    if sc.prior_year:
        return _prior_year_amount(text, anchor, sc.prior_year) if item_end >= 0 or s.is_row else None
    if part.final:
        # "年初预算为2.85万元，支出决算为0.39万元"; "应急资金为280万元，执行数70万元"
        # Not the 决算 of a comparison: in a 决算's own "2010604…预算改革业务67.42万元，较2015年
        # 决算数增加40.03万元" the item's figure is the actual one.
        m = next((m for m in _FINAL.finditer(text, anchor)
                  if not re.search(r"(较|比|与|同)[^，,。；;]{0,8}$", text[max(0, m.start() - 10):m.start()])), None)
        anchor = m.start() if m else anchor
    elif part.initial:
        j = text.find("年初", anchor)
        anchor = j if j >= 0 else anchor
    else:
        anchor = _column_at(part, text, anchor)
    if s.is_row:
        if item_end < 0 and not (q.codes and _has_code(q, text)):
            return None  # the row's own label must name what is asked, not only its heading
        if part.items and not q.codes and A.owned_by_other_item(text, 0, anchor, _asked(part)):
            # "30226 劳务费 50205 委托业务费 70,000.00": the row is 劳务费's; the asked item names
            # only its 政府预算经济分类 column
            return None
        if _INDICATOR.search(text) and not part.percent:
            return None  # a performance indicator's target or score ("95%得满分"), not an amount
        m = (A.AMOUNT if part.percent else A.MONEY).search(text, anchor) or _row_amount(text, anchor)
        if not m or (not part.percent and re.match(r"\s*[%％]", text[m.end():])):
            return None  # "0%" in a row is a share, not an amount
        fig = m.group().strip()
        unit = None if A.AMOUNT.fullmatch(fig) else _table_unit(index, chunk, s.start)
        if unit == "元":
            wan = A.number_of(fig)
            return fig + "元", f"{fig}元（{wan / 10000:,.2f}万元，表内数）" if wan is not None else fig
        return fig, f"{fig}（表内数，单位：{unit}）" if unit else fig
    if part.kind != "code_amount" and not A.figure_attached(A.flat(text), _spots(weights, A.flat(text))):
        # No amount with a unit at all: a table printed one cell a line may hold it bare.
        return _bare_figure(index, chunk, text, anchor, at=s.start) if not A.AMOUNT.search(text) else None
    pct = part.percent
    m = A.amount_after(text, anchor, percent=pct) or A.amount_after(text, 0, percent=pct)
    if m is None:
        return _bare_figure(index, chunk, text, anchor, at=s.start)
    if re.match(r"\s*/\s*[年月人次天台辆件个]", text[m.end():]):
        return None  # "460万元/年" is a cost indicator's rate, not what was budgeted
    if m.start() < anchor:
        # A figure before the item belongs to what precedes it: "公务用车购置及运行费支出
        # 317.8万元，占“三公”经费的54.43%" gives no 三公 total, and "收入预算50665.50万元，…
        # 主要原因是增加…农业普查" no 农业普查 figure: only one in the item's own clause counts.
        clause = max(text.rfind(ch, 0, m.start()) for ch in "。；;") + 1
        if A.owned_by_other_item(text, clause, m.start(), _asked(part)) or re.search(r"占[^，,。；;]{0,6}$", text[:anchor]) \
                or re.search(r"[，,。；;：:]", text[m.end():anchor]):
            return None
    if item_end >= 0 and m.start() > item_end and A.owned_by_other_item(text, item_end, m.start(), _asked(part)):
        return None
    if item_end >= 0 and m.start() > item_end and "。" in text[item_end:m.start()] \
            and A.REASON.search(text, max(0, text.rfind("。", 0, anchor) + 1), anchor):
        # "主要原因是增加北京市第四次全国农业普查项目经费。（一）本年财政拨款收入50665.50万元":
        # an item named as the cause of a change gets no figure from the next sentence.
        return None
    if item_end >= 0 and _in_list(text, anchor, item_end) and not (0 <= m.start() - item_end <= _LIST_REACH):
        # "额104.82万元，主要用于信访推广宣传服务、律师咨询服务、…": the item is one of a
        # list under a total; the total is not its figure.
        return None
    fig = re.sub(r"\s+", "", m.group())  # "116.5 万元" -> "116.5万元" (a PDF puts spaces around numbers)
    return fig, fig


def _row_amount(text: str, anchor: int) -> re.Match[str] | None:
    """The amount cell of a row after the item: the first number written as money (cents or
    thousands separators) when there is one, past dates, shares and the small integers of
    other columns ("决算汇审会 不晚于2026年5月30日 125 23.00" is 23.00; "决算汇审会 1 302 15 502 02
    230,000.00", a 政府采购 row with its quantity and codes, is 230,000.00); else the first
    number that is no date or share."""
    plain = None
    for m in A.NUMBER.finditer(text, anchor):
        if re.match(r"\s*[年月日%％]", text[m.end():]):
            continue
        if "." in m.group() or "," in m.group():
            return m
        plain = plain or m
    return plain


def _column_at(part: Part, text: str, anchor: int) -> int:
    """Where the column the question names is said after the item ("全年预算多少": the
    全年预算 of "年初预算为0万元，全年预算为321.02万元，支出决算为307.82万元"); anchor if none."""
    spots = [j for c in part.concepts if c.cue == "column" for w in c.alts
             for j in (text.find(w, anchor),) if j >= 0]
    return min(spots) if spots else anchor


_LIST_REACH = 8  # an amount this close after a listed item is its own ("律师咨询服务30万元")


def _header_row(text: str, at: int) -> str:
    """The nearest TAB-separated line above offset at with no digit in it: a table's header
    row as PDF tables are read ("序号\t培训名称\t时间\t人数\t金额\t备注")."""
    if at <= 0:
        return ""
    for line in reversed(text[:at].split("\n")):
        if "\t" in line and not re.search(r"\d", line):
            return line
    return ""


def _cell_under(header: str, row: str, name: re.Pattern[str]) -> str | None:
    """The row's cell under the one header cell that matches name, when the row and the
    header have the same number of cells (or the row lacks only a last, empty 备注 cell);
    None otherwise."""
    heads, cells = header.split("\t"), row.split("\t")
    hits = [i for i, h in enumerate(heads) if name.search(h)]
    if not 0 <= len(heads) - len(cells) <= 1 or len(hits) != 1 or hits[0] >= len(cells) \
            or not re.fullmatch(r"\d[\d,]*", cells[hits[0]].strip()):
        return None
    return cells[hits[0]].strip()


def _in_list(text: str, start: int, end: int) -> bool:
    """Whether the item at text[start:end] is within one element of an enumeration
    ("…主要用于审计业务经费、审计业务培训费和审计法规综合业务费"): the element is
    bounded by "、"/和/及 on either side, in a clause that says 用于/包括/主要是/等."""
    seps = "、，,。；;：:和及与"
    left = max(text.rfind(ch, 0, start) for ch in seps)
    right = min([i for i in (text.find(ch, end) for ch in seps + "等") if i >= 0] or [len(text)])
    before = text[left] if left >= 0 else ""
    after = text[right] if right < len(text) else ""
    if not ((before and before in "、和及与") or (after and after in "、和及与等")):
        return False
    clause_start = max(text.rfind(ch, 0, start) for ch in "。；;")
    clause = text[clause_start + 1:right + 40]
    return bool(re.search(r"用于|包括|包含|主要是|主要有|涵盖|如|等", clause))


def _bare_figure(index, chunk, text: str, anchor: int, reach: int = 60, at: int = 0) -> tuple[str, str] | None:
    """A table printed one cell per line ("项目名称\n电子政务网络到村光纤租用费\n…预算数\n
    168.30", under "单位：万元"): the first plain number after the item, in the table's unit."""
    unit = _table_unit(index, chunk, at)
    if not unit or _INDICATOR.search(text):
        return None  # no unit to read it in, or a performance indicator's targets ("≥80%", "2项")
    for m in A.NUMBER.finditer(text, anchor):
        if m.start() - anchor > reach:
            break
        if re.fullmatch(r"20[0-4]\d|\d{3,7}", m.group()) and "." not in m.group():
            continue  # a year or a code, not an amount
        line = text[text.rfind("\n", 0, m.start()) + 1:].split("\n", 1)[0]
        if "." not in m.group() and line.strip() != m.group():
            continue  # "表10", "第3季度": a bare amount has cents or a line of its own
        if re.match(r"\s*(?:[%％个项人次名辆台套件家条所处批页])", text[m.end():]) or text[:m.start()].endswith("第"):
            continue  # a count, a share or a page number ("第24页"), not an amount
        return m.group(), f"{m.group()}（表内数，单位：{unit}）"
    return None


def _prior_year_amount(text: str, anchor: int, year: int) -> tuple[str, str] | None:
    """The year-before figure a document states: "比2025年年初预算数14708.87万元增加…",
    "2016年度部门支出预算安排为8,648.07万元", a comparison row "2021 1493.51 …", or the
    current figure when the sentence says it equals the year before ("与2024年预算持平")."""
    if "\t" in text:
        # A comparison row "2021 1493.51 1290.47 203.04": the year is its label.
        row = re.match(rf"\s*{year}\s*(?:年度?)?\t", text)
        n = A.NUMBER.search(text, row.end()) if row else None
        return (n.group(), f"{n.group()}（{year}年）") if n else None
    m = re.search(rf"{year}\s*年|上年|去年|上一年", text)
    if m:
        a = A.amount_after(text, m.end())
        if a and not re.search(r"[，,。；;]", re.sub(r"[，,](?=增|减)", "", text[m.end():a.start()])):
            return a.group().strip(), f"{a.group().strip()}（{year}年）"
    same = A.SAME.search(text)
    if same:
        a = A.amount_after(text, anchor) or A.amount_after(text, 0)
        if a and a.start() < same.start():
            return a.group().strip(), f"{a.group().strip()}（文件说明：{same.group()}）"
    return None


# "含不含…" is answered 含/不含, "包不包括" 包括/不包括, "是不是" 是/不是; otherwise 有/没有.
_ASKED_VERB = re.compile(r"([含包算是])不\1")
_YES_NO = {"含": ("含", "不含"), "包": ("包括", "不包括"), "算": ("算", "不算"), "是": ("是", "不是")}


def _as_asked(q: Question, said: str) -> str:
    m = _ASKED_VERB.search(q.text)
    if not m:
        return said
    yes, no = _YES_NO[m.group(1)]
    if said.startswith("没有"):
        return no + said[2:]
    return yes + said[1:] if said.startswith("有") else said


def _excluded(part: Part, text: str) -> bool:
    """Whether the sentence says 不含/不包括 right before a word the question names."""
    words = {a for c in part.concepts if not c.cue for a in c.alts if len(a) >= 2}
    return any(_NOT_INCLUDED.search(text[max(0, m.start() - 4):m.start()])
               for w in words for m in re.finditer(re.escape(w), text))


def _yesno(text: str, anchor: int, item_end: int) -> tuple[str, str]:
    """有/没有 from the sentence that states the item: a negative word or a zero near it."""
    near = text[max(0, anchor - 12): (item_end if item_end > 0 else anchor) + 30]
    fig = A.amount_after(text, anchor)
    count = A.COUNT.search(text, anchor)
    zero = (fig and A.number_of(fig.group()) == 0) or (count and int(count.group(1)) == 0)
    if _NEGATIVE.search(near) or zero:
        shown = (fig.group().strip() if fig else count.group().strip() if count else None)
        return shown, "没有" + (f"（{shown}）" if shown else "")
    shown = fig.group().strip() if fig else (count.group().strip() if count else None)
    return shown, "有" + (f"，{shown}" if shown else "")


def _reason_around(text: str, anchor: int, part: Part) -> str | None:
    """A reason that names the item inside itself: "2026年预算数69.78万元，较2025年年初预算增加
    61.6万元，主要是…因公出国（境）费用不再由市财政部门预留" (the sentence's subject is the
    heading above). Only when nothing before the reason names another item."""
    start = max(text.rfind(ch, 0, anchor) for ch in "。；;") + 1  # the item's own sentence
    m = A.REASON.search(text, start)
    if not m or m.start() >= anchor or A.owned_by_other_item(text, start, m.start(), _asked(part)):
        return None
    return A.reason_in(text, m.start())


# "财政拨款收入支出减少的主要原因是…": a sentence that gives the reason of a change named in its
# first words, a few sentences after the figures it explains.
_CHANGE_REASON = re.compile(r"(增加|减少|增长|下降|增减|变动|变化|差异)的?主要原因(?:是|为|[：:，,])")


def _reason_next(chunk, s: Sentence, part: Part) -> str | None:
    """The reason given right after: the next sentence ("…增加62.7万元。主要原因是…"), or,
    within the next few, one that names the change it explains (2026 上海市退役军人服务中心:
    three sentences of 收入/支出 figures, then "财政拨款收入支出减少的主要原因是…")."""
    after = [t for t in split_sentences(s.chunk_id, chunk) if t.start >= s.end][:ANSWER.reason_reach]
    for n, t in enumerate(after):
        text = t.text.lstrip("，,（(")
        if n == 0 and A.REASON.match(text):
            return t.text.rstrip("。；;")
        m = _CHANGE_REASON.search(text)
        if m and m.start() <= ANSWER.reason_subject and not A.owned_by_other_item(text, 0, m.start(), _asked(part)):
            return t.text.rstrip("。；;")
        if A.REASON.search(text):
            return None  # a reason of something else comes first
    return None


def _anchor(q: Question, part: Part, text: str) -> tuple[int, int]:
    """Where the asked item is named in the sentence (start, end); just after the code when
    the question gives one, so the code is not read as the figure. (0, -1) if nowhere."""
    for code in q.codes:
        i = re.sub(r"\s", "", text).upper().find(code)
        if i >= 0:
            j = _raw_index(text, i + len(code))
            return j, j
    best: tuple[int, int] | None = None
    for c in sorted(part.concepts, key=lambda c: not c.item):
        if c.cue:
            continue
        span = A.locate(text, sorted(c.alts, key=len, reverse=True))
        if span and (best is None or (c.item and span[0] < best[0])):
            best = span
        if best and c.item:
            break
    phrase = _shared_phrase(part.text, text)
    if phrase and (best is None or phrase[1] - phrase[0] > best[1] - best[0]):
        best = phrase  # "审计法规综合业务费" as said, not its first word "审计"
    return best if best else (0, -1)


def _shared_phrase(question: str, text: str, shortest: int = 4) -> tuple[int, int] | None:
    """(start, end) in text of the longest run of the question's words it repeats verbatim
    (spaces and curly quotes ignored), ``shortest`` characters at least."""
    qf = A.flat(question)
    tf, pos = A.flat_map(text)
    for n in range(min(len(qf), 24), shortest - 1, -1):
        for i in range(len(qf) - n + 1):
            j = tf.find(qf[i:i + n])
            if j >= 0 and re.search(r"[\u4e00-\u9fff]", qf[i:i + n]):
                return pos[j], pos[j + n] if j + n < len(pos) else len(text)
    return None


def _raw_index(text: str, flat_index: int) -> int:
    """Position in text of the flat_index-th non-space character."""
    n = 0
    for i, ch in enumerate(text):
        if n == flat_index:
            return i
        if not ch.isspace():
            n += 1
    return len(text)


def _asked(part: Part) -> set[str]:
    return {a for c in part.concepts for a in c.alts}


def _spots(weights: list[Weighted], f: str) -> list[tuple[int, int]]:
    top = max((w.weight for w in weights if not w.concept.cue), default=0.0)
    return [(i, i + len(a)) for w in weights if not w.concept.cue and w.weight >= 0.5 * top
            for a in w.concept.alts for i in A.find_all(f, a)]


def _has_code(q: Question, text: str) -> bool:
    f = re.sub(r"\s+", "", text).upper()
    return any(c in f for c in q.codes)


_COUNT_HEADER = re.compile(r"人数|编制数|实有|车辆数|辆|台数|个数|数量")
_COUNT_REACH = 60  # a count further than this after the item counts something else


def _table_unit(index, chunk, at: int = 0) -> str | None:
    """The unit a table states above the row (figures.extract.unit_above): Shanghai tables
    are in 元 while their text is in 万元, so a bare table number needs it."""
    return unit_above(index.docs[chunk.doc_id].text, chunk, at) or None


# ---------------------------------------------------------------- ranking bonuses

def _kind_bonus(q: Question, part: Part, s: Sentence) -> float:
    b = ANSWER
    text = s.text
    has_amount = bool(A.AMOUNT.search(text))
    kind = part.kind
    bonus = 0.0
    if kind == "yesno" and _NEGATIVE.search(text):
        bonus += b.has_amount  # "本单位无下属单位", "年度无三公经费财政拨款支出" answer 有没有 as well as a figure
    elif kind in ("amount", "code_amount", "compare", "yesno"):
        bonus += b.has_amount if has_amount else (b.has_number_only if A.NUMBER.search(text) else b.no_figure)
    elif kind == "change":
        money = any(A.MONEY.match(m.group(2) + m.group(3)) for m in A.CHANGE.finditer(text))
        bonus += b.has_change if (money or A.SAME.search(text)) else \
            (b.has_change / 2 if A.CHANGE.search(text) else (-0.1 if has_amount else b.no_figure))
    elif kind == "count":
        ok = any(m.group(2) in part.units for m in A.COUNT.finditer(text)) if part.units else bool(A.COUNT.search(text))
        bonus += b.has_count if ok else (b.has_number_only if s.is_row and A.NUMBER.search(text) else b.no_figure)
        counted = next((c for c in part.concepts if c.cue == "count"), None)
        if counted and any(A.flat(w) in A.flat(text) for w in counted.alts[1:3]):
            bonus += b.counted_words  # "实有人员72人" before "驻京工作人员人数 <=18人"
    elif kind == "reason":
        bonus += b.has_reason if A.REASON.search(text) else b.no_reason
        hint = _hinted_change(q.text)
        if hint and any(hint[0] <= (A.to_wan(m.group()) or -1) <= hint[1] for m in A.CHANGE.finditer(text)
                        if A.to_wan(m.group()) is not None):
            bonus += b.hinted_change
    if q.codes and _has_code(q, text):
        bonus += b.code_hit
    return bonus


def _hinted_change(text: str) -> tuple[float, float] | None:
    """The change a reason question quotes, as a range in 万元: "少了1100多万" -> 1100-1200,
    "少了12亿多" -> 120000-130000, "涨了62.7万" -> 62.7."""
    m = re.search(r"(\d+(?:\.\d+)?)\s*(多)?\s*个?\s*(亿|万)(多)?", text)
    if not m:
        return None
    scale = 10000.0 if m.group(3) == "亿" else 1.0
    v = float(m.group(1)) * scale
    if m.group(2) or m.group(4):
        step = 10 ** (len(m.group(1).split(".")[0]) - 1) * scale  # "1100多万": 1100 to 1200
        return v, v + step
    digits = m.group(1).split(".")
    half = 0.5 * (10 ** -len(digits[1]) if len(digits) > 1 else 1) * scale  # "1.2亿": 1.15 to 1.25亿
    return v - half, v + half


def _proximity(part: Part, weights: list[Weighted], s: Sentence) -> float:
    """Bonus when the figure follows the item closely ("公务接待费预算支出 116.5 万元")."""
    b = ANSWER
    if part.kind not in ("amount", "code_amount", "count", "change", "compare"):
        return 0.0
    f = A.flat(s.text)
    best = None
    for w in sorted(weights, key=lambda w: -w.weight):
        if w.concept.cue:
            continue
        for a in w.concept.alts:
            i = f.find(a)
            if i >= 0:
                best = i + len(a)
                break
        if best is not None:
            break
    if best is None:
        return 0.0
    pattern = A.COUNT if part.kind == "count" else A.AMOUNT
    m = pattern.search(f, best)
    if not m:
        return -0.05
    if A.owned_by_other_item(f, best, m.start(), _asked(part)):
        return b.other_item_between
    gap = m.start() - best
    return b.close_figure if gap <= b.close_gap else (b.near_figure if gap <= b.near_gap else 0.0)


def _doc_bonus(q: Question, sc: Scope, doc, latest: int, s: Sentence, index=None) -> float:
    b = ANSWER
    bonus = 0.0
    kind = doc.meta.kind
    if q.doc_kind:
        bonus += b.asked_kind if kind == q.doc_kind else 0.0
    else:
        # "安排了多少" asks the budget: a 部门预算 first, a 决算 only when asked for.
        bonus += b.department_budget if kind == "部门预算" else (-b.department_budget if kind == "部门决算" else 0.0)
    if not q.asked_years and latest and doc.meta.year == latest:
        bonus += b.newest_document
    if sc.prior_year and re.search(rf"{sc.prior_year}\s*年|上年|去年|上一年|^{sc.prior_year}", s.text):
        bonus += b.prior_year_mention
    version = index.versions.get(doc.doc_id) if index is not None else None
    if version and not version["preferred"]:
        bonus += b.other_version  # another version of this disclosure adds up where this one does not
    return bonus


# ---------------------------------------------------------------- passages (lists, descriptions)

def _passage(index, q: Question, part: Part, sc: Scope) -> PartAnswer:
    """A description or list: the passage that says it, trimmed at item boundaries."""
    sents, hits, weights = _evidence(index, q, part, sc.doc_ids)
    units = part.kind == "list" and any(c.word in _UNIT_WORDS for c in part.concepts if not c.cue)
    named = _names_units(index, sents) if units else set()
    _units_said_by_their_names(sents, weights, named)
    ranked = _ranked(index, q, part, sc, sents, hits, weights, ANSWER.min_coverage_text)
    if part.kind == "list":
        ranked = [r for r in ranked if id(r) in named or _lists_the_thing(part, r)]
        ranked.sort(key=lambda r: -(r.score + (ANSWER.names_listed if id(r) in named else 0.0)))
    if not ranked:
        return PartAnswer(part, False, why="文件中没有足够相关的段落", hits=hits)
    s = ranked[0]
    chunk = index.chunks[s.chunk_id]
    end = _passage_end(chunk.text, s.start, ANSWER.max_passage)
    whole = Sentence(s.chunk_id, s.start, end, chunk.text[s.start:end].strip(), heading=s.heading,
                     coverage=s.coverage, score=s.score)
    c = cite(index, whole, limit=ANSWER.max_passage)
    said = re.sub(r"\s*\n\s*", " ", whole.text)
    more = _list_goes_on(index, s.chunk_id, end, ANSWER.max_passage - (end - s.start)) if part.kind == "list" else None
    if more is not None:
        # "纳入…编制范围的单位包括：" and its table of units: a list runs on into the next
        # chunk of its section (2024 普陀区财政局 决算, 国库收付中心 on the third row).
        doc = index.docs[chunk.doc_id]
        nxt, stop = more
        rb = index.chunks[nxt].raw_span(0, stop)[1]
        ra = chunk.raw_span(s.start, s.start + 1)[0]
        c = replace(c, line_end=index.line_of(doc, max(ra, rb - 1)), quote=doc.text[ra:rb].replace("\f", ""))
        said += " " + re.sub(r"\s+", " ", index.chunks[nxt].text[:stop]).strip()
        return PartAnswer(part, True, None, said, None, [c], hits=hits)
    return PartAnswer(part, True, None, said, whole, [c], hits=hits)


_LIST_WORDS = re.compile(r"包括|包含|组成|构成|下属|下设|纳入|所属|有")
# Which units a budget covers, asked with one of these words ("包括哪些单位")
_UNIT_WORDS = ("单位", "预算单位", "下属单位", "所属单位", "机构")
# A list word, then organisations by name: "部门预算包括：烟台市交通运输局机关、烟台市交通运输服务
# 中心、…" or "包括：。1.烟台市商务局 2.烟台市会展业服务中心" — units listed without the word 单位.
_ORG_LIST = re.compile(r"(?:包括|包含|组成|下属|下设|纳入)[^。；;]{0,4}?[：:][。]?(?:\d[.、．])?[\u4e00-\u9fff（）()]{2,30}?"
                       r"(?:局|中心|支队|大队|院|所|站|办公室|委员会|馆|处|机关|学校|本级)")


def _names_units(index, sents: list[Sentence]) -> set[int]:
    """The sentences (by id) that open a list of organisations by name; the list may start on
    the lines after the sentence ("…包括：\n1.烟台市商务局\n2.…")."""
    reach = ANSWER.names_reach
    return {id(s) for s in sents if _ORG_LIST.search(A.flat(index.chunks[s.chunk_id].text[s.start:s.end + reach]))}


def _units_said_by_their_names(sents: list[Sentence], weights: list[Weighted], named: set[int]) -> None:
    """A sentence that lists organisations by name says 单位 without the word: it counts as
    said (coverage and required words)."""
    total = sum(w.weight for w in weights) or 1.0
    unit_weight = sum(w.weight for w in weights if w.concept.word in _UNIT_WORDS)
    for s in sents:
        missing = [m for m in s.missing if m not in _UNIT_WORDS]
        if id(s) in named and len(missing) < len(s.missing):
            s.missing = missing
            s.coverage = min(1.0, s.coverage + unit_weight / total)


def _lists_the_thing(part: Part, s: Sentence) -> bool:
    """A list question's passage names the thing listed next to a list word: "纳入…编制范围的
    单位包括：", "从预算单位构成看", not "人员经费主要包括：基本工资…机关事业单位…" (2024
    普陀区财政局 决算, read from its PDF)."""
    things = [a for c in part.concepts if not c.cue and not c.item for a in c.alts
              if len(a) >= 2 and not _LIST_WORDS.fullmatch(a)]  # "包括哪几个单位": 包括 is no thing listed
    if not things:
        return True
    text = A.flat(s.heading + " " + s.text) if s.heading else A.flat(s.text)
    reach = ANSWER.list_word_reach
    return any(abs(m.start() - w.start()) <= reach for t in things for m in re.finditer(re.escape(A.flat(t)), text)
               for w in _LIST_WORDS.finditer(text))


def _list_goes_on(index, chunk_id: int, end: int, room: int) -> tuple[int, int] | None:
    """(next chunk, end in it) when a list question's passage reached the end of its chunk and
    the list continues in the next chunk of the same section; None otherwise."""
    chunk = index.chunks[chunk_id]
    if room < ANSWER.min_list_rest or end < len(chunk.text.rstrip()) or chunk_id + 1 >= len(index.chunks):
        return None
    nxt = index.chunks[chunk_id + 1]
    opens_list = chunk.text.rstrip().endswith(tuple("0123456789：:、")) or re.search(r"包括[：:]|如下[：:]", chunk.text[-200:])
    if nxt.doc_id != chunk.doc_id or nxt.section != chunk.section or not opens_list:
        return None
    stop = _passage_end(nxt.text, 0, room)
    return (chunk_id + 1, stop) if stop > 0 else None


def _passage_end(text: str, start: int, limit: int) -> int:
    """The end of a passage from start: whole sentences or list items up to ``limit``
    characters, never cutting an item in half."""
    if len(text) - start <= limit:
        return len(text)  # the chunk's end is an item's end too
    end = start
    for m in re.finditer(r"[。；;\n]", text[start:]):
        if m.end() > limit:
            break
        end = start + m.end()
    return end if end > start else min(len(text), start + limit)


# ---------------------------------------------------------------- codes

def _code(index, q: Question, part: Part, sc: Scope) -> PartAnswer:
    """"2010204是什么科目" (the name of a code) or "口岸管理的科目编码是多少" (the code of a
    name): the table row that holds both, with its amount."""
    sents, hits, weights = _evidence(index, q, part, sc.doc_ids)
    ranked = _ranked(index, q, part, sc, sents, hits, weights, ANSWER.min_coverage)
    for s in ranked[:12]:
        text = re.sub(r"\s+", " ", s.text).strip()
        if part.kind == "code_name" and q.codes:
            if not _has_code(q, text):
                continue
            m = re.search(r"(\d{7})\s*([^\d\s][^\t\d]*?)\s+([\d,]+\.\d+)", text)
            if not m:
                continue
            fig = f"{m.group(1)} {m.group(2).strip()}"
            return PartAnswer(part, True, m.group(1), f"{fig}，{m.group(3)}", s, [cite(index, s)], hits=hits)
        if part.kind == "code_of":
            m = re.search(r"(?<!\d)([1-9]\d{6}|\d{3}\s\d{2}\s\d{2})(?!\d)", text)
            if not m:
                continue
            amount = A.NUMBER.search(text, m.end() + 4)
            return PartAnswer(part, True, m.group(1), m.group(1) + (f"，{amount.group()}" if amount else ""), s,
                              [cite(index, s)], hits=hits)
    return PartAnswer(part, False, why="文件中没有找到该编码", hits=hits)


# ---------------------------------------------------------------- compose

def _compose(index, q: Question, sc: Scope, parts: list[PartAnswer]) -> Answer:
    found = [p for p in parts if p.found]
    if not found or not parts[0].found:
        hits = next((p.hits for p in parts if p.hits), [])
        return _not_found(index, q.text, hits, parts[0].why or "文件中没有足够相关的段落", sc)
    lines: list[str] = []
    citations: list[Citation] = []
    for p in parts:
        if not p.found:
            lines.append(f"（{p.part.text}：未找到，{p.why}）")
            continue
        if p.sentence is None:  # from a table row of the figures table
            c = p.citations[0]
            doc = index.docs[c.source] if c.source in index.docs else None
            lines.append(f"{p.text}。{label(doc) if doc else c.source}：“{re.sub(chr(92) + 's+', ' ', c.quote).strip()}”")
            citations += [c for c in p.citations if c not in citations]
            continue
        chunk = index.chunks[p.sentence.chunk_id]
        doc = index.docs[chunk.doc_id]
        said = _trim(display(index, p.sentence.chunk_id, p.sentence.start, p.sentence.end), p.figure).replace("\t", " ")
        head = f"{p.text}。" if p.text and p.part.kind not in PASSAGE_KINDS else ""
        lines.append(f"{head}{label(doc)}：“{said if p.part.kind not in PASSAGE_KINDS else p.text}”")
        for c in p.citations:
            if c not in citations:
                citations.append(c)
    notes = list(sc.notes)
    for source in dict.fromkeys(c.source for c in citations):
        version = index.versions.get(source)
        if version and not version["preferred"]:
            # Another version of this disclosure adds up better: the user should know the
            # figure may differ there (the altered 2024 普陀区财政局 决算 and its clean twin).
            notes.append(f"{source} 与 {'、'.join(version['others'])} 是同一份公开的不同版本，数字不完全一致；"
                         f"本版有{version['findings']}处核对问题，请以核对无误的版本为准")
    if sc.others:
        names = "、".join(d.name for d in sc.others[:3])
        notes.append(f"“{sc.mention}”也可能指{names}；如需其他部门请写全称")
    text = "；".join(lines) + ("" if not notes else "（" + "；".join(notes) + "）")
    return Answer(question=q.text, found=True, answer=text, citations=citations, figure=parts[0].figure)


def _trim(text: str, figure: str | None, limit: int = 160) -> str:
    if len(text) <= limit:
        return text
    i = text.find(figure) if figure else 0
    start = max(0, i - limit // 2)
    return ("…" if start else "") + text[start:start + limit] + "…"


def _not_found(index, question: str, hits: list[Hit], why: str, sc: Scope | None = None) -> Answer:
    text = f"未找到：{why}。" if why else "未找到。"
    if hits:
        text += "以下是最接近的段落，供参考。"
    return Answer(question=question, found=False, answer=text, citations=passages(index, hits))


# ---------------------------------------------------------------- across documents

def _compare(index, q: Question, sc: Scope) -> Answer | None:
    groups = _compare_groups(index, q, sc)
    if len(groups) < 2:
        return None
    part = q.parts[0]
    measure = Part(part.text, "count" if part.units else "amount", part.concepts, part.units, part.final,
                   part.initial)
    results = []
    for name, doc_ids in groups:
        pa = _figure(index, q, measure, sc, doc_ids=doc_ids)
        if not pa.found:
            continue
        value = A.number_of(pa.figure) if measure.kind == "count" else A.wan_of(pa.figure, pa.text)
        if value is not None:
            results.append((value, name, pa))
    if len(results) == 1:
        # One side states the item, the other does not: nothing to compare, and answering
        # with the one figure would read as the winner.
        _, name, pa = results[0]
        missing = "、".join(n for n, _ in groups if n != name)
        return Answer(question=q.text, found=False, citations=pa.citations[:1],
                      answer=f"未找到：{missing}的文件没有写明此项，无法比较。{name}：{pa.figure}。")
    if len(results) < 2:
        return None
    low = bool(re.search(r"少|低|小", q.text)) and not re.search(r"多|高|大", q.text)
    results.sort(key=lambda r: r[0], reverse=not low)
    win = results[0]
    parts = "；".join(f"{name}：{pa.figure}" for _, name, pa in results)
    text = f"{win[1]}{'更少' if low else '更多'}（{win[2].figure}）。{parts}。"
    by_year = len(sc.departments) < 2
    table = [row(name, pa, value) for value, name, pa in results]
    chart = {"type": "line" if by_year else "bar", "unit": "" if measure.kind == "count" else "万元",
             "title": next((c.word for c in part.concepts if c.item), "")}
    if by_year:
        table.sort(key=lambda r: r["label"])
    return Answer(question=q.text, found=True, answer=text, figure=win[2].figure,
                  citations=[pa.citations[0] for _, _, pa in results],
                  table=[{k: v for k, v in r.items() if k != "citation"} for r in table], chart=chart)


def _compare_groups(index, q: Question, sc: Scope) -> list[tuple[str, list[int]]]:
    docs = index.doc_list
    if len(sc.departments) >= 2:
        out = []
        for d in sc.departments:
            ids = [i for i in sc.doc_ids if i in set(d.doc_ids)]
            if ids:
                out.append((d.name, ids))
        return out
    years = q.asked_years
    if len(years) >= 2:
        out = []
        for y in years:
            ids = [i for i in sc.doc_ids if docs[i].meta.year == y]
            if ids:
                out.append((f"{y}年", ids))
        return out
    return []


def _ambiguous(index, q: Question, sc: Scope) -> Answer | None:
    """No department named: when several departments state the item, say so and list a
    handful (newest first), each figure quoted, instead of choosing one silently."""
    part = q.parts[0]
    sents, hits, weights = _evidence(index, q, part, sc.doc_ids, k=RETRIEVAL.answer_pool * 2)
    ranked = _ranked(index, q, part, sc, sents, hits, weights, ANSWER.min_coverage)
    per_dept: dict[str, tuple[Sentence, str]] = {}
    for s in ranked:
        doc = index.docs[index.chunks[s.chunk_id].doc_id]
        key = doc.meta.department or doc.doc_id
        if key in per_dept:
            continue
        got = _read(index, q, part, sc, s, weights)
        if got is not None and got[0]:
            per_dept[key] = (s, got[0])
    if len(per_dept) < 2:
        return None  # one department (or none) states it: answer normally
    rows = sorted(per_dept.items(), key=lambda kv: -(index.docs[index.chunks[kv[1][0].chunk_id].doc_id].meta.year or 0))
    rows = rows[:ANSWER.ambiguous_list]
    listing = "；".join(f"{label(index.docs[index.chunks[s.chunk_id].doc_id])}：{fig}" for _, (s, fig) in rows)
    text = (f"未找到：问题没有指明部门，有{len(per_dept)}个以上部门的文件写有此项，请写明部门（如“魏县政府办”）。"
            f"例如：{listing}。")
    return Answer(question=q.text, found=False, answer=text, citations=[cite(index, s) for _, (s, _) in rows])
