"""What a question asks, understood once: department candidates, years and what each
refers to, document kind, the items, the measure, and the parts of a multi-part question.

Retrieval, sentence choice, figure extraction and abstention all read this one typed
result (``Question``); nothing downstream goes back to the raw words. The language
(kinds of question, cue words, count units, relative years) is data in assistant/lexicon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant import lexicon
from assistant.errors import UserError
from assistant.textutil import cn_amounts, normalize_text
from assistant.tokenize import BUDGET_TERMS, ITEM_TERMS, SYNONYMS, codes_in, concepts, tokenize

MAX_QUESTION_CHARS = 500  # a question longer than this is refused (bounded work per request)

# "2026年", "2026 年度", "26年" (two digits only when followed by 年: "北京市府办26年招待费").
_YEAR4 = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)(?:\s*年度?)?")
_YEAR2 = re.compile(r"(?<![\d.])([1-4]\d)(?=\s*年(?!度?[0-9]))")
# "2017到2019年", "2017-2019年", "2017至2019": every year of the range.
_RANGE = re.compile(r"(?<!\d)(20[0-4]\d)\s*年?\s*(?:到|至|-|—|~|～)\s*(20[0-4]\d)\s*年?")
# "近三年", "近5年": the newest documents' years (resolved by scope).
_RECENT = re.compile(r"近\s*([2-9两三四五六七八九])\s*年")
_NUMERALS = {"两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A year the question compares against, not the year it asks about: "比2025年年初多了多少".
_BASE = re.compile(r"(?:比|较|相比|对比|与|和)\s*$")
_AND = re.compile(r"(?:与|和)\s*$")
_VERSUS = re.compile(r"(?:的)?(?:相比|比较|对比|比)")
# "今年（2026）": the bracketed year is the one meant.
_BRACKET_YEAR = re.compile(r"[（(]\s*(20[0-4]\d)\s*年?\s*[）)]")
_PART_SPLIT = re.compile(r"[，,；;？?。！!]+|(?<=多少)、|、(?=几)")
_ITEM_SET = frozenset(ITEM_TERMS)


@dataclass(frozen=True)
class YearRef:
    year: int
    said: str  # the words: "2026年", "今年（2026）", "去年", "26年"
    role: str = "asked"  # asked: the year the answer is about | base: the year compared with
    relative: int | None = None  # offset for 今年/去年 without digits (resolved by scope)


@dataclass(frozen=True)
class Concept:
    """A content word of the question and the strings that count as a document saying it."""

    word: str
    alts: tuple[str, ...]  # the word itself first, then document terms
    item: bool = False  # a budget item (公务接待费…): the answer must say it
    cue: str = ""  # the cue kind when the word says what is asked, not what about


@dataclass
class Part:
    """One thing asked; a multi-part question ("多少，为啥") has several."""

    text: str
    kind: str  # amount | count | change | reason | yesno | list | describe | code_name | code_of | compare
    concepts: list[Concept] = field(default_factory=list)
    units: tuple[str, ...] = ()  # for a count: the units it must be counted in
    final: bool = False  # asks the 决算 (actual) figure: 实际花了, 决算
    initial: bool = False  # asks the 年初预算 figure
    percent: bool = False  # asks a rate or share ("执行率", "占比"): a % may answer
    summed: bool = False  # one of several items asked as one sum ("三公、会议费、培训费加起来")

    @property
    def items(self) -> list[Concept]:
        return [c for c in self.concepts if c.item]


@dataclass
class Question:
    raw: str
    text: str  # normalised (NFKC, zero-width characters out), stripped
    parts: list[Part]
    years: list[YearRef] = field(default_factory=list)
    relative: list[YearRef] = field(default_factory=list)  # 今年/去年 without digits
    doc_kind: str = ""  # 单位预算 / 部门预算 / 部门决算 when the question names one
    codes: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # BM25 tokens: the question + document terms
    departments: object | None = None  # answering.departments.Resolution, filled by understand()

    @property
    def kind(self) -> str:
        return self.parts[0].kind if self.parts else "amount"

    @property
    def concepts(self) -> list[Concept]:
        return self.parts[0].concepts if self.parts else []

    @property
    def asked_years(self) -> list[int]:
        return sorted({y.year for y in self.years if y.role == "asked"})

    @property
    def base_years(self) -> list[int]:
        return sorted({y.year for y in self.years if y.role == "base"})


def parse(question: str, names: list[str] | tuple[str, ...] = ()) -> Question:
    """Parse a question. ``names`` are the words that name departments (from the
    resolver): they pick documents and are not what a sentence must say."""
    raw = question
    text = cn_amounts(normalize_text(question or "").strip())
    if len(text) > MAX_QUESTION_CHARS:
        raise UserError(f"问题太长（{len(text)} 字）：请缩短到 {MAX_QUESTION_CHARS} 字以内，一次问一件事")
    years, relative = _years(text)
    flat = re.sub(r"\s+", "", text)
    q = Question(raw=raw, text=text, parts=[], years=years, relative=relative,
                 doc_kind=_doc_kind(flat), codes=codes_in(text))
    q.parts = _parts(_content(text, names, years, relative), q)
    # Across documents: filler carries it ("北京各部门三公经费一共多少"), so read it whole.
    for kind in ("ranking", "total"):
        if q.parts and dict(_kind_patterns())[kind].search(flat):
            q.parts[0].kind = kind
            break
    expansions = [t for p in q.parts for c in p.concepts for t in c.alts[1:]]
    q.tokens = tokenize(_without(text, lexicon.load().filler)
                        + (" " + " ".join(expansions) if expansions else ""))
    return q


def understand(index, question: str) -> Question:
    """Parse a question against an index: departments resolved, their names set aside."""
    text = normalize_text(question or "").strip()
    # Filler first: "请问省委办公厅…" would otherwise read "请问省" as a place.
    resolution = index.resolver.resolve(_without(text, lexicon.load().filler))
    # A region with no department in the index, after a department the question did name, is
    # part of what is asked: "烟台教育局新疆班经费多少" asks about 新疆班, not about 新疆.
    named = any(m.candidates and m.candidates[0].how != "region" for m in resolution.mentions)
    q = parse(question, [m.text for m in resolution.mentions if m.candidates or m.missing or not named])
    q.departments = resolution
    return q


def _without(text: str, phrases) -> str:
    for p in phrases:
        text = text.replace(p, " ")
    return text


_CODE_TEXT = re.compile(r"[A-Za-z0-9]{2,}(?:-[A-Za-z0-9]{2,}){2,}|(?<![\d.])\d{3}(?:[\s-]\d{2}){1,2}(?![\d.])|(?<![\d.])[1-3]\d{4,6}(?![\d.])")


def _content(text: str, names, years: list[YearRef], relative: list[YearRef]) -> str:
    """The question with what is not content blanked: filler, department names, years.

    Blanks keep the clause punctuation, so parts still split where the question does."""
    flat = _CODE_TEXT.sub(" ", text)  # "434-1601-JXN-0UT4", "201 03 01": found by the code map
    flat = re.sub(r"[ \t\u3000]+", "", flat)
    for name in sorted(names, key=len, reverse=True):
        flat = flat.replace(name, " ")
    flat = _RANGE.sub(" ", flat)
    flat = _RECENT.sub(" ", flat)
    flat = _BRACKET_YEAR.sub(" ", flat)
    flat = _YEAR4.sub(" ", flat)
    flat = _YEAR2.sub(" ", flat)
    flat = re.sub(r"(?<=\s)年度?(?![初底末中])", " ", flat)  # not the 年 of 年初预算 ("2020年年初预算")
    # "2016年末一共有几辆车", "截至2025年底": the end of the year named, no word to find (a lone
    # 末 outweighed 车 and picked "年末公务用车保有量5辆" over "2016年末，本部门共有车辆6辆")
    flat = re.sub(r"(?<=\s)年?[末底]", " ", flat)
    # "少了1100多万", "涨了62.7万", "12亿多": amounts in a question are hints (answer.py), not words
    flat = re.sub(r"\d[\d,.]*\s*多?\s*个?\s*(?:万元|亿元|万|亿|元|%|％)?多?", " ", flat)  # "1.6个亿"
    flat = _without(flat, list(lexicon.load().relative_years) + list(lexicon.load().filler))
    return flat


# ---------------------------------------------------------------- years

def _years(text: str) -> tuple[list[YearRef], list[YearRef]]:
    out: list[YearRef] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        if b - a <= 15:
            out += [YearRef(y, m.group(), "asked") for y in range(a, b + 1)]
            taken.append(m.span())
    recent: list[YearRef] = []
    for m in _RECENT.finditer(text):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMERALS[m.group(1)]
        recent += [YearRef(0, m.group(), "asked", -k) for k in range(n)]
        taken.append(m.span())
    for m in _BRACKET_YEAR.finditer(text):
        out.append(YearRef(int(m.group(1)), text[max(0, m.start() - 2):m.end()]))
        taken.append(m.span())
    for rx, to_year in ((_YEAR4, int), (_YEAR2, lambda s: 2000 + int(s))):
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            before = re.sub(r"\s+", "", text[max(0, m.start() - 4):m.start()])
            after = re.sub(r"\s+", "", text[m.end():m.end() + 6])
            # "比2025年", "与2025年相比" name the base; "2018年和2019年…哪年多" names two asked years.
            role = "base" if _BASE.search(before) and (not _AND.search(before) or _VERSUS.match(after)) else "asked"
            out.append(YearRef(to_year(m.group(1)), m.group().strip(), role))
            taken.append(m.span())
    relative = []
    for word, offset in lexicon.load().relative_years.items():
        i = text.find(word)
        if i >= 0 and not any(a <= i < b for a, b in taken):
            # "今年（2026）" already gave the year; the word alone is resolved by scope.
            if not _BRACKET_YEAR.match(text, i + len(word)):
                relative.append(YearRef(0, word, "asked", offset))
    # A code such as 2010301 holds no year; _YEAR4 needs a non-digit after the year already.
    return out, relative + recent


# ---------------------------------------------------------------- kinds and parts

@lru_cache(maxsize=1)
def _kind_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((kind, re.compile(pattern)) for kind, pattern in lexicon.load().question_kinds)


def kind_of(text: str, codes: list[str] | None = None) -> str:
    """The kind of one clause of a question (lexicon/question_kinds.tsv; amount by default)."""
    flat = re.sub(r"\s+", "", text)
    for kind, pattern in _kind_patterns():
        if pattern.search(flat):
            return kind
    return "amount"


# 决算 as part of the name of work a budget pays for ("决算汇审会", "部门决算编制费"): a thing
# asked about, not the kind of document nor the actual-spending column.
_FINAL_WORK = re.compile(r"决算(?=汇审|审核|审查|编制|批复|培训|会议|会|工作经费|软件)")


def _doc_kind(flat: str) -> str:
    flat = _FINAL_WORK.sub("", flat)
    if "单位预算" in flat:
        return "单位预算"
    if re.search(r"决算|实际(花|支出|用|执行)", flat):
        return "部门决算"
    if "部门预算" in flat:
        return "部门预算"
    return ""


def _parts(text: str, q: Question) -> list[Part]:
    """The parts of a question: clauses that each ask something of their own.

    "北京市卫健委2026年三公经费比上年涨了多少，为什么" asks a change and a reason about the
    same item; "编制多少人，实际有多少人" two counts. A clause that names no item asks
    about the item of the clause before it.
    """
    clauses = [c for c in _PART_SPLIT.split(text) if c and c.strip()]
    parts: list[Part] = []
    carry = ""
    for clause in clauses:
        clause = carry + clause
        carry = ""
        kind = kind_of(_bundled(clause), q.codes)  # "谁出国、接待、公车花的钱多" compares 三公经费
        part = _part(clause, kind, q)
        asks = kind != "amount" or re.search(r"多少|几|金额|预算数|决算数|多大|多高|安排|花|是什么|哪", clause)
        if not parts and not asks and not part.items:
            carry = clause  # "重庆气象局跟广州气象局比，今年谁的三公经费多": the lead-in joins the question
            continue
        if parts and part.kind == parts[-1].kind and not [c for c in part.concepts if not c.cue]:
            continue  # "多了还是少了，差多少": the same thing asked again
        if parts and not asks:
            # "北京市政府办公厅2026年三公经费" has one clause; "…，2025年呢" would add to it.
            parts[-1].concepts += [c for c in part.concepts if c not in parts[-1].concepts]
            continue
        counts_own = part.kind == "count" and any(c.cue == "count" for c in part.concepts)
        if parts and not counts_own and not [c for c in part.items if not is_total(c)]:
            # "…年初预算是多少？实际花了多少？", "三公经费比上年涨了多少，为什么": the second
            # clause asks about the item of the first (not about the budget as a whole).
            part.concepts = [c for c in parts[-1].concepts if not c.cue] + [c for c in part.concepts if not is_total(c)]
        parts.append(part)
    if not parts:
        parts = [_part(text, kind_of(text, q.codes), q)]
    parts = _merge_code_parts(parts, q)
    return [one for p in parts for one in _per_item(p, q.text)]


def _per_item(part: Part, question: str) -> list[Part]:
    """"三公、会议费、培训费加起来一共多少": several items asked as one amount are answered
    one by one, each with its own quote (a sum no document states is no figure to give)."""
    items = [c for c in part.items if not is_total(c)]
    if part.kind not in ("amount", "change") or len(items) < 2:
        return [part]
    rest = [c for c in part.concepts if not c.item]
    summed = part.kind == "amount" and bool(_SUMMED.search(question))
    return [Part(text=part.text, kind=part.kind, concepts=[item] + rest, units=part.units, final=part.final,
                 initial=part.initial, percent=part.percent, summed=summed) for item in items]


# "加起来一共多少", "合计多少", "总共": several items asked as one figure, their sum.
_SUMMED = re.compile(r"加起来|加在一起|相加|合计|共计|一共|总共|总计|总和|合起来")


def _merge_code_parts(parts: list[Part], q: Question) -> list[Part]:
    """"是什么科目，多少钱" / "编码是多少，多少钱": the code (or its name) is the answer's
    head and the amount comes with it: one code part that states both."""
    if len(parts) >= 2 and parts[0].kind in ("code_name", "code_of") and parts[1].kind == "amount":
        # "…编码是多少，多少钱": the money is the code's, not the budget as a whole.
        parts[0].concepts += [c for c in parts[1].concepts if c not in parts[0].concepts and not is_total(c)]
        return [parts[0]] + parts[2:]
    return parts


# The budget as a whole, when a question names no item but 预算/收入/支出 ("预算比去年多了多少").
_TOTAL = re.compile(r"预算|收入|支出|总额|总计|经费|花|钱")


_SPENT = re.compile(r"花|用了|支出|开支")
_RECEIVED = re.compile(r"收进|收入|进账|拨了")


def is_total(c: Concept) -> bool:
    """The concept _total_concept made (a document's total, asked with no item)."""
    return c.item and c.word.endswith("总额") and c.alts == lexicon.load().totals.get(c.word[:-2], ())


def _total_concept(word: str) -> Concept:
    """The total a bare 支出/收入/预算 names, in the words documents give it (lexicon/totals.tsv)."""
    totals = lexicon.load().totals
    name = word if word in totals else next(iter(totals), word)
    return Concept(name + "总额" if name != "预算" else "预算总额", totals.get(name, (name,)), True)


_PERCENT = re.compile(r"率|比例|百分|占比|占|%|％|幅度|几成")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")
_COUNT_WORD = re.compile(r"^(几|多少)[\u4e00-\u9fff]?$")


def _bundled(clause: str) -> str:
    """"出国、接待、公车这几块一共多少钱" -> "三公经费一共多少钱": two or more listed parts of a
    total (lexicon/bundles.tsv) asked as one figure name the total."""
    for total, parts in lexicon.load().bundles:
        found = [(m.start(), m.end()) for p in parts for m in re.finditer(re.escape(p), clause)]
        if len({clause[a:b] for a, b in found}) < 2:
            continue
        a, b = min(a for a, _ in found), max(b for _, b in found)
        between = clause[a:b]
        if re.fullmatch(r"[^，,。？?；;]*", between) and len(between) <= 20:
            return clause[:a] + total + clause[b:]
    return clause


def _part(clause: str, kind: str, q: Question) -> Part:
    clause = _bundled(clause)
    flat = re.sub(r"\s+", "", clause)
    lex = lexicon.load()
    out: list[Concept] = []
    # A quoted name ("“口岸管理”这个科目") is one phrase the answer must say as written.
    for m in _QUOTED.finditer(clause):
        out.append(Concept(m.group(1), (m.group(1),), True))
    found = concepts(_QUOTED.sub(" ", clause))
    for word, alts in found:
        if _COUNT_WORD.match(word) or word in q.codes or re.fullmatch(r"[\d.,]+%?", word):
            continue  # "少了1100多万": a number in a question is a hint, not a word to find
        if word in ("单位预算", "部门预算", "部门决算", "决算", "预算公开"):
            continue  # the document kind picks documents; it is not what the sentence must say
        cue = lex.cues[word][0] if word in lex.cues else ""
        item = (word in _ITEM_SET or any(a in _ITEM_SET for a in alts)) and not cue
        out.append(Concept(word, tuple(dict.fromkeys(alts)), item, cue))
    if kind == "describe" and all(c.cue for c in out) and "主要职责" in lex.cues:
        # "上海住建委人才开发评价中心是干什么的" names only the organisation: what it does is its
        # duties (主要职责, 负责…), not what a budget line is for (主要用于).
        duties = lex.cues["主要职责"][1]
        out = [Concept(c.word, (c.word,) + duties, False, "describe") if c.cue == "describe" else c for c in out]
    if q.codes and kind == "amount":
        kind = "code_amount"
    final = bool(re.search(r"决算|实际(花|支出|用|执行)|执行了?多少|用了多少|花了多少|花了?没|花了吗",
                           _FINAL_WORK.sub("", flat))) \
        and "年初" not in flat
    initial = "年初" in flat
    # "有开会的预算吗", "有没有买车的钱": a yes/no about money counts no 会 or 车.
    counts = kind in ("count", "compare") or (kind == "yesno" and not _MONEY_ASKED.search(q.text))
    if counts:
        units, doc_words = _counted(flat)
        if doc_words:
            # "有多少人", "有公车吗": what is counted, in the words documents count it with
            # ("共有车辆0辆", "实有人员72人"); a cue that ranks, never a word that must be said.
            # The unit asked in ("多少台车") is no word to find.
            out = [c for c in out if c.word not in units]
            # jieba reads "几辆车" as 几/辆车: the unit glued to the thing is not a word to find.
            out = [Concept(c.word[1:], tuple(a[1:] if a[:1] in units else a for a in c.alts), c.item, c.cue)
                   if len(c.word) > 1 and c.word[0] in units and not c.cue else c for c in out]
            # The word first, as in every Concept: says() reads alts[1:] as the document terms.
            out.append(Concept("·".join(units), ("·".join(units),) + doc_words, False, "count"))
    plain = [c for c in out if not c.cue and c.word not in ("部门", "单位", "本级")]
    totals = lexicon.load().totals
    if plain and all(c.word in totals for c in plain):
        # "决算支出总共多少", "2019年收入预算": a bare 支出/收入 asks the document's total of it.
        out = [c for c in out if c not in plain] + [_total_concept(plain[0].word if len(plain) == 1 else "收支")]
    elif not any(c.item or (not c.cue and len(c.word) > 1) for c in out) \
            and (_TOTAL.search(flat) or kind in ("amount", "change", "reason")):
        # "北京发改委2026年预算为啥少了1100多万", "2026年的钱比上年多了还是少了": the budget as a
        # whole; "实际总共花了多少钱" its spending, "能收进多少钱" its income.
        side = "支出" if _SPENT.search(flat) else ("收入" if _RECEIVED.search(flat) else "预算")
        out.append(_total_concept(side))
    return Part(text=clause.strip(), kind=kind, concepts=out, units=_count_units(flat) if counts
                else (), final=final, initial=initial, percent=bool(_PERCENT.search(flat)))


_MONEY_ASKED = re.compile(r"预算|经费|钱|花|支出|费用|资金|拨款|安排|买|购")


def _counted(flat: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(units, document words) of what a question counts, read first from the words after
    几/多少 ("江苏省人民检察院有几辆车" counts 车, not the 人 of 人民)."""
    # "名下有车吗": the 名 of a stopword (名下) is no count of people.
    for w in sorted((w for w in lexicon.load().stopwords if len(w) >= 2 and not re.search(r"几|多少|人|次", w)),
                    key=len, reverse=True):
        flat = flat.replace(w, " ")
    m = re.search(r"几|多少", flat)
    for text in ((flat[m.end():m.end() + 8],) if m else ()) + (flat,):
        for words, units, doc_words in lexicon.load().count_units:
            if any(w in text for w in words):
                return units, doc_words
    return (), ()


def _count_units(flat: str) -> tuple[str, ...]:
    return _counted(flat)[0]


def is_budget_term(word: str) -> bool:
    return word in BUDGET_TERMS or word in SYNONYMS
