"""Sentences as evidence: which sentence of the retrieved chunks says what a part asks.

A sentence's *coverage* is the share of the part's content-word weight it says (a word
said only by the heading above counts less). Budget items (公务接待费, 会议费, 三公经费 …
lexicon/terms.tsv class "item") are required: a sentence that does not say the asked
item never answers for it, however much else it matches. That is what keeps "公用经费
2,376.26万元，主要包括…会议费…" from being quoted as the 会议费 budget, and a
sub-unit's table row from answering for its 招待费.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.answering.amounts import flat, inside_other
from assistant.answering.question import Concept, Part
from assistant.answering.settings import ANSWER
from assistant.records import Chunk, Hit
from assistant.tokenize import BUDGET_TERMS, tokenize, words

_SENT = re.compile(r"[^。；！？!?;\n]+[。；！？!?;]?")
_BUDGET = frozenset(BUDGET_TERMS)


@dataclass
class Sentence:
    chunk_id: int
    start: int  # offsets in chunk.text
    end: int
    text: str
    heading: str = ""  # flat heading path (and the lines introducing a table, for its rows)
    coverage: float = 0.0
    score: float = 0.0
    missing: list[str] = field(default_factory=list)  # required items it does not say
    rank: int = 0  # retrieval rank of its chunk

    @property
    def is_row(self) -> bool:
        return "\t" in self.text


@dataclass(frozen=True)
class Weighted:
    concept: Concept
    weight: float
    known: bool = True  # the corpus has the word at all (an unknown one cannot be required)


_SENT_SOFT = re.compile(r"[^。；！？!?;]+[。；！？!?;]?")


def split_sentences(chunk_id: int, chunk: Chunk) -> list[Sentence]:
    """Sentences of a chunk. A table row (a line with tabs) is a sentence of its own; between
    prose lines a line break ends a sentence only after a sentence end, so a prose line broken
    by the PDF ("…人员进出及退休变化，56.95 1.87%\n以及项目支出中合同支付进度条款等原因")
    runs on, even in a chunk that also holds table rows."""
    text = chunk.text
    out: list[Sentence] = []

    def emit(a0: int, b0: int, rx: re.Pattern[str]) -> None:
        for m in rx.finditer(text, a0, b0):
            piece = m.group()
            a = m.start() + (len(piece) - len(piece.lstrip()))
            b = m.start() + len(piece.rstrip())
            if b - a >= 4:
                out.append(Sentence(chunk_id, a, b, text[a:b]))

    prose = -1  # start of the prose lines not yet split
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if "\t" in line:
            if prose >= 0:
                emit(prose, pos, _SENT_SOFT)
                prose = -1
            emit(pos, end, _SENT)
        elif prose < 0:
            prose = pos
        pos = end + 1
    if prose >= 0:
        emit(prose, len(text), _SENT_SOFT)
    return out


def weigh(index, part: Part) -> list[Weighted]:
    """Each content word of a part with its IDF weight in the corpus; cue words (减少,
    为什么, 预算…) weigh little, since they say what is asked, not about what."""
    s = ANSWER
    idf = _idf(index)
    top = idf.get("__max__", 5.0)
    out = []
    for c in part.concepts:
        known = [idf[t] for a in c.alts for t in words(a) if t in idf]
        w = min(max(known) if known else min(top, s.unknown_word_weight), s.max_word_weight)
        if c.cue:
            w = min(w, s.cue_weight_cap)
        if len(c.word) == 1 and not c.word.isdigit():
            w *= s.single_char_factor
        out.append(Weighted(c, w, bool(known)))
    return out


def _idf(index) -> dict[str, float]:
    """Lucene's BM25 IDF, log(1 + (N - df + 0.5) / (df + 0.5)), over the indexed chunks."""
    cached = index.__dict__.get("_idf")
    if cached is None:
        df = Counter(t for toks in index.tokens for t in set(toks))
        n = len(index.tokens)
        cached = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        cached["__max__"] = math.log(1 + (n + 0.5) / 0.5)
        index.__dict__["_idf"] = cached
    return cached


def says(text_flat: str, c: Concept) -> float:
    """How well flat text says a concept: 1 for a document term, 0.85 for the everyday
    word itself (招待费 inside 业务招待费), 0.5 for a part of a long word. A term inside a
    longer one is not said: 电费 is not said by 邮电费."""
    word, alts = _flat_concept(c)
    if any(_said(text_flat, a) for a in alts):
        return 1.0
    if _said(text_flat, word):
        return 1.0 if len(c.alts) == 1 or c.word in _BUDGET else ANSWER.everyday_word
    if not c.item and len(c.word) >= 3 and any(len(p) >= 2 and p in text_flat for p in _parts(c.word)):
        return ANSWER.word_part
    return 0.0


@lru_cache(maxsize=4096)
def _flat_concept(c: Concept) -> tuple[str, tuple[str, ...]]:
    """A concept's word and its document terms, flattened once (says runs per sentence)."""
    return flat(c.word), tuple(flat(a) for a in c.alts[1:])


@lru_cache(maxsize=16384)
def _heading_says(heading_flat: str, c: Concept) -> float:
    """says() for a heading: every sentence of a chunk stands under the same one."""
    return says(heading_flat, c)


def _said(text_flat: str, term: str) -> bool:
    """term stands in the text somewhere not inside a longer term that is a different thing
    (lexicon/distinct_terms.tsv: 邮电费 for 电费)."""
    i = text_flat.find(term)
    while i >= 0:
        if not inside_other(text_flat, term, i):
            return True
        i = text_flat.find(term, i + 1)
    return False


@lru_cache(maxsize=4096)
def _parts(word: str) -> tuple[str, ...]:
    return tuple(t for t in tokenize(word) if t != word)


@dataclass(frozen=True)
class _Plan:
    """What cover() needs of a question's weights, worked out once per question (cover
    runs for every sentence of every retrieved chunk: ~200 a question)."""

    total: float
    weights: tuple[tuple[Weighted, bool], ...]  # each weight and whether it is required


_last_plan: tuple[object, _Plan] | None = None


def _plan(weights: list[Weighted]) -> _Plan:
    global _last_plan
    last = _last_plan  # one read: threads may swap it, never half-write it
    if last is not None and last[0] is weights:
        return last[1]
    total = sum(w.weight for w in weights) or 1.0
    top = max((w.weight for w in weights if not w.concept.cue), default=0.0)
    # A word the corpus never uses may be a typo or a paraphrase (not required) — unless it
    # is all the question asks about ("买服务器花多少钱": only 服务器 says what).
    lone = not any(w.known and not w.concept.cue and len(w.concept.word) >= 2 for w in weights)
    # Budget items are required, and so is the question's most distinctive word
    # ("服务器" in 买服务器花多少钱): without it the sentence is about something else.
    plan = _Plan(total, tuple((w, w.concept.item or (not w.concept.cue and (w.known or lone) and len(w.concept.word) >= 2
                                                      and w.weight >= ANSWER.distinctive_share * top))
                              for w in weights))
    _last_plan = (weights, plan)
    return plan


def cover(weights: list[Weighted], text: str, heading: str = "") -> tuple[float, list[str]]:
    """(coverage, required items not said) of a sentence under its heading."""
    plan = _plan(weights)
    f = flat(text)
    got, missing = 0.0, []
    for w, required in plan.weights:
        own = says(f, w.concept)
        said_by_heading = _heading_says(heading, w.concept) if heading else 0.0
        head = ANSWER.heading_factor * said_by_heading
        got += w.weight * (own if own >= head else head)
        # Parts of a word say it only with its head, the last part (Chinese compounds are
        # head-final): "收入、支出预算总计" says 收支预算总计, but "服务类采购" says no 服务器
        # and "人代会二次会议专项经费" no 会议服务.
        said = own if own >= said_by_heading else said_by_heading
        if required and (not said or (said <= ANSWER.word_part and not _head_said(w.concept.word, f))):
            missing.append(w.concept.word)
    return got / plan.total, missing


# A sentence that starts with the comparison has its subject in the sentence before:
# "…科技成果转化与扩散（项）28.00万元，主要用于…。比上年执行数减少113.53万元，…主要原因是…".
_SUBJECTLESS = re.compile(r"(比|较|与|同)(上年|上一年|去年|20\d\d年)")


def _head_said(word: str, text_flat: str) -> bool:
    parts = _parts(word)
    return bool(parts) and parts[-1] in text_flat


def _under_parent(chunk: Chunk, raw: str, s: Sentence, parents: list[tuple[int, Sentence]],
                  weights: list[Weighted]) -> Sentence:
    """A row whose first cells are empty continues the row above that fills them (a merged
    cell read from a PDF): "\t\t\t会议服务\t分散自行组织\t1,035.00" stands under "\t江苏省第十三届
    人代会二次会议经费\t会议费\t\t\t1,035.00" (2019 江苏省人大常委会办公厅 政府采购预算表).
    Joined to it when together they say more of the question."""
    # Empty cells are counted in the document's own line: the cleaned text drops them.
    at = chunk.raw_span(s.start, s.start + 1)[0] if chunk.segments else s.start
    lead = raw[raw.rfind("\n", 0, at) + 1:at]
    depth = len(lead) - len(lead.lstrip("\t"))
    while parents and parents[-1][0] >= depth:
        parents.pop()
    parent = parents[-1][1] if parents else None
    parents.append((depth, s))
    if parent is None or depth == 0:
        return s
    both, missing = cover(weights, parent.text + "\t" + s.text, s.heading)
    both *= ANSWER.joined_factor
    if both > s.coverage and len(missing) <= len(s.missing):
        return Sentence(s.chunk_id, parent.start, s.end, chunk.text[parent.start:s.end].strip(), heading=s.heading,
                        coverage=both, missing=missing, rank=s.rank)
    return s


def sentences_of(index, hits: list[Hit], weights: list[Weighted]) -> list[Sentence]:
    """Every sentence of the hit chunks, with coverage under its heading; a short
    sentence naming the item is joined to the figure sentence after it ("（三）公务用车
    购置和运行维护费。2026 年预算数 1157.69 万元")."""
    out: list[Sentence] = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        heading = flat(" ".join(chunk.section))
        first_row = chunk.text.find("\t")
        # A table row stands under the lines that introduce its table in the chunk.
        row_heading = heading + flat(chunk.text[max(0, first_row - 200):first_row]) if first_row > 0 else heading
        prev: Sentence | None = None
        parents: list[tuple[int, Sentence]] = []  # rows above, by their count of empty leading cells
        for s in split_sentences(hit.chunk_id, chunk):
            s.rank = rank
            s.heading = row_heading if s.is_row else heading
            s.coverage, s.missing = cover(weights, s.text, s.heading)
            if s.is_row:
                s = _under_parent(chunk, index.docs[chunk.doc_id].text, s, parents, weights)
            if prev is not None and not s.is_row and not prev.is_row \
                    and (len(prev.text) <= ANSWER.join_short_sentence or _SUBJECTLESS.match(s.text)):
                both, missing = cover(weights, prev.text + s.text, heading)
                both *= ANSWER.joined_factor
                if both > s.coverage and len(missing) <= len(s.missing):
                    s = Sentence(s.chunk_id, prev.start, s.end, chunk.text[prev.start:s.end].strip(), heading=heading,
                                 coverage=both, missing=missing, rank=rank)
            out.append(s)
            prev = s
    return out
