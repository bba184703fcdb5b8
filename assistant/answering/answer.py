"""From a question to an answer: the sentence that holds it, its figure, a verbatim quote.

Every figure shown is cut from the quoted sentence, and every quote is a slice of the
document's raw text (Chunk.raw_span), so nothing is stated that the source does not say.
Below the relevance bar the answer is 未找到 with the nearest passages.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from assistant.index import Index
from assistant.answering.question import Query, parse
from assistant.records import Answer, Chunk, Citation, Hit
from assistant.answering.retrieve import Scope, retrieve, scope
from assistant.tokenize import BUDGET_TERMS, CUE_WORDS, ITEM_TERMS, tokenize, words

MIN_COVERAGE = 0.45  # share of the question's item weight a sentence must hold
MAX_QUOTE = 300

_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(亿元|万元|千元|元|%|％)")
_NUMBER = re.compile(r"(?<![A-Za-z0-9.,-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![A-Za-z0-9.,-])")
_COUNT = re.compile(r"(?<![\d.])(\d+)\s*(个|辆|名|人次|人|批次|批|家|项|台|套|次|所)")
_CHANGE = re.compile(r"(增加|减少|增长|下降|降低|减|增|少|多|上升|节约|压减)了?\s*(\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|元|%|％|个百分点)")
_REASON = re.compile(r"(主要原因是|主要原因为|原因是|原因为|主要是|主要用于|由于|因为)[:：]?")
_SENT = re.compile(r"[^。；！？!?;\n]+[。；！？!?;]?")

@dataclass
class Sentence:
    chunk_id: int
    start: int  # in chunk.text
    end: int
    text: str
    score: float = 0.0
    coverage: float = 0.0


@Index.stamps_generation
def answer(index: Index, question: str) -> Answer:
    q = parse(question)
    if not q.text:
        return _not_found(index, question, [], "问题为空")
    sc = scope(index, q)
    if not sc.doc_ids:
        return _not_found(index, question, [], sc.reason)
    if q.kind == "compare":
        compared = _compare(index, q, sc)
        if compared is not None:
            return compared
    return _single(index, q, sc)


def _single(index: Index, q: Query, sc: Scope) -> Answer:
    hits = retrieve(index, q, sc.doc_ids, k=30, mention=sc.mention)
    weights = _concept_weights(index, q)
    best = [s for s in best_sentences(index, q, hits, limit=10, weights=weights)
            if _counted_right(q, s.text) and _figure_attached(q, weights, s.text)]
    if not best or best[0].coverage < MIN_COVERAGE:
        return _not_found(index, q.text, hits, "文件中没有足够相关的段落")
    top = best[0]
    chunk = index.chunks[top.chunk_id]
    if q.codes and chunk.kind == "table" and len(top.text) < 60:
        top = _with_following_rows(chunk, top)
    figure = extract_figure(q, top.text)
    doc = index.docs[chunk.doc_id]
    label = _label(doc)
    said = _trim(top.text, figure).replace("\t", " ")
    unit = table_unit(doc.text, chunk) if figure and not _AMOUNT.search(figure) and chunk.kind == "table" else None
    text = f"{figure}（表内数，单位：{unit}）。" if unit else (f"{figure}。" if figure else "")
    text += f"{label}：“{said}”"
    cites = [cite(index, top)]
    for s in best[1:3]:
        if s.chunk_id != top.chunk_id and s.coverage >= MIN_COVERAGE:
            cites.append(cite(index, s))
            break
    return Answer(question=q.text, found=True, answer=text, citations=cites, figure=figure)


def _counted_right(q: Query, text: str) -> bool:
    """For a count question with a unit (多少人, 几辆车): the sentence counts in it."""
    if q.kind != "count" or not q.units or "\t" in text:
        return True  # a table row's unit is in its column header
    return any(m.group(2) in q.units for m in _COUNT.finditer(text))


def _figure_attached(q: Query, weights, text: str, after: int = 40, before: int = 20) -> bool:
    """For an amount question: an amount stands next to the item the question names.

    "公用经费2,376.26万元，主要包括：办公费、…、会议费、…" lists 会议费 but gives no
    figure for it; quoting 2,376.26 as the 会议费 budget would state a wrong figure.
    """
    if q.kind != "amount" or "\t" in text:
        return True
    flat = _flat(text)
    amounts = [(m.start(), m.end()) for m in _AMOUNT.finditer(flat)]
    if not amounts:
        return False
    top = max((w for _, _, w in weights), default=0.0)
    spots = [(i, i + len(a)) for word, alts, w in weights if w >= 0.5 * top
             for a in alts for i in _find_all(flat, a)]
    if not spots:
        return True  # the item is named only by the heading above: nothing to check against
    return any(a0 - end <= after and a0 >= start or start - a1 <= before and a1 <= start
               for start, end in spots for a0, a1 in amounts)


def _find_all(text: str, sub: str) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0 and sub:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _with_following_rows(chunk: Chunk, s: Sentence, limit: int = 160) -> Sentence:
    """A code alone on a table row says little: add the rows after it (name, amount)."""
    end = s.end
    while end < len(chunk.text) and end - s.start < limit:
        nxt = chunk.text.find("\n", end + 1)
        end = len(chunk.text) if nxt < 0 else nxt
    return Sentence(s.chunk_id, s.start, end, chunk.text[s.start:end].strip(), s.score, s.coverage)


_UNIT = re.compile(r"单位[:：]\s*(亿元|万元|千元|元)")


def table_unit(doc_text: str, chunk: Chunk, reach: int = 3000) -> str | None:
    """The unit a table states above its rows ("单位：万元"); Shanghai tables are in 元
    while their text is in 万元, so a bare table number needs it."""
    start = chunk.raw_span(0, 1)[0]
    found = list(_UNIT.finditer(doc_text, max(0, start - reach), start + len(chunk.text)))
    return found[-1].group(1) if found else None


def _label(doc) -> str:
    m = doc.meta
    parts = [m.department or doc.doc_id, f"{m.year}年" if m.year else "", m.kind or ""]
    return "".join(p for p in parts if p)


# ---------------------------------------------------------------- sentence choice

def best_sentences(index: Index, q: Query, hits: list[Hit], limit: int = 5,
                   weights: list[tuple[str, list[str], float]] | None = None) -> list[Sentence]:
    weights = weights if weights is not None else _concept_weights(index, q)
    total = sum(w for _, _, w in weights) or 1.0
    top_score = hits[0].score if hits else 1.0
    # With no year asked, the newest document is the one a user means.
    latest = max((index.docs[h.chunk.doc_id].meta.year or 0 for h in hits), default=0)
    out: list[Sentence] = []
    for hit in hits:
        chunk = hit.chunk
        doc_bonus = _doc_bonus(index, q, chunk)
        if not q.years and latest and index.docs[chunk.doc_id].meta.year == latest:
            doc_bonus += 0.05
        prev: Sentence | None = None
        heading = _flat(" ".join(chunk.section))
        # A table row also stands under the lines that introduce its table in the chunk
        # ("收费标准：…城市道路挖掘修复费标准" above "快速路、主干路沥青路面 … 342元/㎡").
        first_row = chunk.text.find("\t")
        row_heading = heading + _flat(chunk.text[max(0, first_row - 200):first_row]) if first_row > 0 else heading
        for s in split_sentences(hit.chunk_id, chunk):
            own = _coverage(q, weights, total, s.text, row_heading if "\t" in s.text else heading)
            if prev is not None and len(prev.text) <= 60:
                # "（三）公务用车购置和运行维护费。2026 年预算数 1157.69 万元": the item is named
                # in the sentence before the figure; quote both when that is what answers.
                both = 0.9 * _coverage(q, weights, total, prev.text + s.text, heading)
                if both > own:
                    s = Sentence(s.chunk_id, prev.start, s.end, chunk.text[prev.start:s.end].strip())
                    own = both
            s.coverage = own
            # Coverage first: the bonuses reorder sentences that say the item, they never
            # lift one that does not above one that does.
            bonus = (0.25 * hit.score / top_score + _kind_bonus(q, s.text, chunk)
                     + _proximity(weights, s.text, q) + doc_bonus)
            s.score = own * (1.0 + max(bonus, -0.5))
            out.append(s)
            prev = s
    out.sort(key=lambda s: -s.score)
    return out[:limit]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("“", "").replace("”", "")


def _coverage(q: Query, weights, total: float, text: str, heading: str = "") -> float:
    """Share of the question's weight the sentence says; what only its headings say
    ("（5）实施周期" above "该项目实施周期暂定为…") counts for less."""
    if q.codes and _has_code(q, text):
        return 1.0  # an exact code names the row, whatever else was asked
    flat = _flat(text)
    return sum(w * max(_says(flat, word, alts), 0.7 * _says(heading, word, alts))
               for word, alts, w in weights) / total


def _says(flat: str, word: str, alts: list[str]) -> float:
    """How well the sentence says a question word: 1 for the document's own term,
    0.85 for the everyday word itself (招待费 inside 业务招待费), 0.5 for a part."""
    if any(a in flat for a in alts[1:]):
        return 1.0
    if word in flat:
        return 1.0 if len(alts) == 1 or word in BUDGET_TERMS else 0.85
    if len(word) >= 3 and any(len(p) >= 2 and p in flat for p in _parts(word)):
        return 0.5
    return 0.0


def _proximity(weights, text: str, q: Query) -> float:
    """Bonus when a figure follows the item closely ("公务接待费预算支出 116.5 万元")."""
    if q.kind not in ("amount", "count", "change", "compare"):
        return 0.0
    flat = _flat(text)
    best = None
    for word, alts, w in sorted(weights, key=lambda x: -x[2]):
        for a in alts:
            i = flat.find(a)
            if i >= 0:
                best = i + len(a)
                break
        if best is not None:
            break
    if best is None:
        return 0.0
    pattern = _COUNT if q.kind == "count" else _AMOUNT
    m = pattern.search(flat, best)
    if not m:
        return -0.05
    gap = m.start() - best
    asked = {a for _, alts, _ in weights for a in alts}
    between = flat[best:m.start()]
    if any(t in between and not any(t in a or a in t for a in asked) for t in ITEM_TERMS):
        return -0.1  # the figure belongs to another item named in between
    return 0.15 if gap <= 12 else (0.07 if gap <= 30 else 0.0)


def _doc_bonus(index: Index, q: Query, chunk: Chunk) -> float:
    """A 部门预算 answers for the department unless the question asks for the 单位预算."""
    kind = index.docs[chunk.doc_id].meta.kind
    if q.doc_kind:
        return 0.1 if kind == q.doc_kind else 0.0
    return 0.05 if kind in ("部门预算", "部门决算") else 0.0


@lru_cache(maxsize=4096)
def _parts(word: str) -> tuple[str, ...]:
    return tuple(t for t in tokenize(word) if t != word)


def split_sentences(chunk_id: int, chunk: Chunk) -> list[Sentence]:
    return [Sentence(chunk_id, m.start(), m.end(), m.group().strip())
            for m in _SENT.finditer(chunk.text) if len(m.group().strip()) >= 4]


def _concept_weights(index: Index, q: Query) -> list[tuple[str, list[str], float]]:
    """Each content word of the question with its IDF weight; the words that name the
    department count little, since every sentence of its own documents is about it."""
    idf = _idf(index)
    top = idf.get("__max__", 5.0)
    match = index.departments.match(q.text)
    mention = match.mention if match.mention else ""
    out = []
    for word, alts in q.concepts:
        # The weight of the word as the corpus knows it; unknown words (typos, filler)
        # weigh as the rarest known word only when nothing in their alternatives is known.
        # Accurate-mode words only: search-mode pieces ("少了" in 减少了) are rare and
        # would make a cue word weigh like a rare item.
        known = [idf[t] for a in alts for t in words(a) if t in idf]
        w = max(known) if known else top
        w = min(w, 6.0)
        if word in CUE_WORDS:
            w = min(w, 1.0)
        if len(word) == 1 and not word.isdigit():
            w *= 0.3  # single characters are mostly function words (有, 多, 里)
        if mention and word in mention:
            w *= 0.1
        out.append((word, alts, w))
    return out


def _idf(index: Index) -> dict[str, float]:
    cached = index.__dict__.get("_idf")
    if cached is None:
        df = Counter(t for toks in index.tokens for t in set(toks))
        n = len(index.tokens)
        cached = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        cached["__max__"] = math.log(1 + (n + 0.5) / 0.5)
        index.__dict__["_idf"] = cached
    return cached


def _kind_bonus(q: Query, text: str, chunk: Chunk) -> float:
    bonus = 0.0
    has_amount = bool(_AMOUNT.search(text))
    if q.kind in ("amount", "compare", "code"):
        bonus += 0.3 if has_amount else (0.1 if _NUMBER.search(text) else -0.3)
    elif q.kind == "change":
        bonus += 0.35 if _CHANGE.search(text) else (-0.1 if has_amount else -0.3)
    elif q.kind == "count":
        # A table row counts in its column header's unit ("人数 … 120").
        bonus += 0.35 if _COUNT.search(text) else (0.1 if "\t" in text and _NUMBER.search(text) else -0.3)
    elif q.kind == "reason":
        bonus += 0.35 if _REASON.search(text) else -0.2
    if chunk.kind == "table":
        bonus -= 0.1
    if q.codes and _has_code(q, text):
        bonus += 0.5
    return bonus


def _has_code(q: Query, text: str) -> bool:
    flat = re.sub(r"\s+", "", text).upper()
    return any(c in flat for c in q.codes)


# ---------------------------------------------------------------- figures

def extract_figure(q: Query, sentence: str) -> str | None:
    """The figure the question asks for, copied from the sentence, or None."""
    s = sentence
    anchor = _anchor(q, s)
    if q.kind == "reason":
        m = _REASON.search(s)
        return s[m.start():].rstrip("。；;") if m else None
    if q.kind == "change":
        for m in _CHANGE.finditer(s, anchor):
            return m.group().strip()
        m = _CHANGE.search(s)
        if m:
            return m.group().strip()
    if q.kind == "count":
        m = _COUNT.search(s, anchor) or _COUNT.search(s)
        if m:
            return m.group().strip()
    if q.kind in ("text",):
        return None
    if q.doc_kind == "部门决算":
        # "年初预算为2.85万元，支出决算为0.39万元": a 决算 question wants the second.
        j = s.find("决算", anchor)
        anchor = j if j >= 0 else anchor
    m = _AMOUNT.search(s, anchor) or _AMOUNT.search(s)
    if m:
        return m.group().strip()
    m = _NUMBER.search(s, anchor) or _NUMBER.search(s)
    return m.group() if m else None


def _anchor(q: Query, s: str) -> int:
    """Where the item the question names is mentioned in the sentence (0 if nowhere);
    just after the code when the question gives one, so the code is not the figure."""
    for code in q.codes:
        i = s.upper().find(code)
        if i >= 0:
            return i + len(code)
    terms = sorted(set(q.expanded) | {t for t in q.tokens if len(t) >= 2 and not t.isdigit()},
                   key=len, reverse=True)
    for t in terms:
        i = s.find(t)
        if i >= 0:
            return i
    return 0


def _trim(text: str, figure: str | None, limit: int = 160) -> str:
    if len(text) <= limit:
        return text
    i = text.find(figure) if figure else 0
    start = max(0, i - limit // 2)
    return ("…" if start else "") + text[start:start + limit] + "…"


# ---------------------------------------------------------------- citations

def cite(index: Index, s: Sentence) -> Citation:
    chunk = index.chunks[s.chunk_id]
    doc = index.docs[chunk.doc_id]
    a, b = s.start, s.end
    if b - a > MAX_QUOTE:
        a, b = _window(chunk.text, a, b)
    ra, rb = chunk.raw_span(a, b)
    quote = doc.text[ra:rb].replace("\f", "")
    return Citation(source=doc.source, title=doc.meta.title or doc.doc_id, section=chunk.section_path,
                    line_start=index.line_of(doc, ra), line_end=index.line_of(doc, max(ra, rb - 1)),
                    quote=quote, page=index.page_of(doc, ra))


def safe_end(text: str, a: int, b: int) -> int:
    """Move a cut point back so that it never falls inside a number ("2,|744.84")."""
    while a < b < len(text) and re.match(r"[\d.,%％]", text[b]) and re.match(r"[\d.,]", text[b - 1]):
        b -= 1
    return b


def _window(text: str, a: int, b: int) -> tuple[int, int]:
    """Shrink a long sentence to about MAX_QUOTE chars, cutting at commas."""
    cut = a
    for m in re.finditer(r"[，；]", text[a:b]):
        if m.end() > MAX_QUOTE:
            break
        cut = a + m.end()
    return a, (cut if cut > a else safe_end(text, a, a + MAX_QUOTE))


def passages(index: Index, hits: list[Hit], n: int = 3) -> list[Citation]:
    out = []
    for hit in hits[:n]:
        ss = split_sentences(hit.chunk_id, hit.chunk)
        if ss:
            out.append(cite(index, ss[0]))
    return out


def _not_found(index: Index, question: str, hits: list[Hit], why: str) -> Answer:
    text = f"未找到：{why}。" if why else "未找到。"
    if hits:
        text += "以下是最接近的段落，供参考。"
    return Answer(question=question, found=False, answer=text, citations=passages(index, hits))


# ---------------------------------------------------------------- compare

def _compare(index: Index, q: Query, sc: Scope) -> Answer | None:
    groups = _compare_groups(index, q, sc)
    if len(groups) < 2:
        return None
    results = []
    sub_q = Query(**{**q.__dict__, "kind": "amount"})
    for label, doc_ids in groups:
        hits = retrieve(index, sub_q, doc_ids, mention=sc.mention)
        best = best_sentences(index, sub_q, hits)
        if not best or best[0].coverage < MIN_COVERAGE:
            continue
        fig = extract_figure(sub_q, best[0].text)
        value = to_wan(fig)
        if value is not None:
            results.append((value, label, fig, best[0]))
    if len(results) < 2:
        return None
    low = bool(re.search(r"少|低|小", q.text)) and not re.search(r"多|高|大", q.text)
    results.sort(key=lambda r: r[0], reverse=not low)
    win = results[0]
    parts = "；".join(f"{label}：{fig}" for _, label, fig, _ in results)
    text = f"{win[1]}{'更少' if low else '更多'}（{win[2]}）。{parts}。"
    return Answer(question=q.text, found=True, answer=text, figure=win[2],
                  citations=[cite(index, r[3]) for r in results])


def _compare_groups(index: Index, q: Query, sc: Scope) -> list[tuple[str, list[int]]]:
    by_dept: dict[str, list[int]] = {}
    for i in sc.doc_ids:
        by_dept.setdefault(index.doc_list[i].meta.department, []).append(i)
    if len(by_dept) >= 2 and len(by_dept) <= 4:
        return [(dept, ids) for dept, ids in by_dept.items()]
    if len(q.years) >= 2:
        groups = []
        for y in q.years:
            ids = [i for i in sc.doc_ids if index.doc_list[i].meta.year == y]
            if ids:
                groups.append((f"{y}年", ids))
        return groups
    return []


_WAN_PER_UNIT = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}


def to_wan(figure: str | None) -> float | None:
    """A figure in 万元 for comparison, or None when it has no money unit."""
    if not figure:
        return None
    m = _AMOUNT.search(figure)
    factor = _WAN_PER_UNIT.get(m.group(2)) if m else None
    if factor is None:
        return None
    return float(m.group(1).replace(",", "")) * factor
