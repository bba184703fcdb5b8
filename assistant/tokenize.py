"""Tokens for keyword search: jieba with a budget dictionary, codes and amounts kept whole.

Identifiers are pulled out by pattern before jieba sees the text (jieba splits
"434-1601-JXN-0UT4" and "24,169.74"), then normalised so that "201 03 01" and
"2010301", "24,169.74" and "24169.74" meet.
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant import lexicon

# Domain words come from assistant/lexicon (files a finance officer can edit).
_LEX = lexicon.load()
BUDGET_TERMS: list[str] = _LEX.budget_terms  # kept whole by jieba; users search them as a unit
ITEM_TERMS: list[str] = _LEX.item_terms  # budget items a figure can belong to
# Everyday words -> the words the documents use (item synonyms, then cue words).
SYNONYMS: dict[str, list[str]] = {**{k: list(v) for k, v in _LEX.synonyms.items()},
                                  **{k: list(words) for k, (_, words) in _LEX.cues.items()}}
CUE_WORDS: frozenset[str] = _LEX.cue_words
STOPWORDS: frozenset[str] = _LEX.stopwords

# Order matters: longer, more specific patterns first. A subject code is written
# "2010301", "201 03 01", "201-03-01", or with its parts in table cells ("201\t03\t01",
# how the readers join a row's cells); the parts never span a line break, where a
# 3-digit figure ending one row would meet the next row's first cell.
_PROTECTED = re.compile(
    r"(?P<subject>(?<![A-Za-z0-9.,-])\d{3}(?:[ \t\u3000-]\d{2}){1,2}(?![A-Za-z0-9.,%-]))"  # 201 03 01
    r"|(?P<code>[A-Za-z0-9]{2,}(?:-[A-Za-z0-9]{2,}){2,})"  # 434-1601-JXN-0UT4
    r"|(?P<number>(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"  # 24,169.74 / 2010301
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    for term in BUDGET_TERMS + list(SYNONYMS):
        jieba.add_word(term, freq=200000)
    jieba.initialize()
    return jieba


def normalize_number(s: str) -> str:
    """'24,169.74' -> '24169.74'; '1,185.60' -> '1185.6'; '201 03 01' -> '2010301'."""
    s = s.replace(",", "").replace(" ", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def protected(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of every code, subject code and number in text."""
    out = []
    for m in _PROTECTED.finditer(text):
        kind = m.lastgroup
        tok = m.group().upper() if kind == "code" else normalize_number(m.group())
        out.append((m.start(), m.end(), tok))
    return out


def tokenize(text: str) -> list[str]:
    """Tokens of text for BM25: jieba words (search mode) + whole codes and numbers."""
    jb = _jieba()
    tokens: list[str] = []
    pos = 0
    for start, end, tok in protected(text):
        tokens += _words(jb, text[pos:start])
        tokens.append(tok)
        pos = end
    tokens += _words(jb, text[pos:])
    return tokens


def _words(jb, text: str) -> list[str]:
    text = text.replace("“", "").replace("”", "")
    return [w for w in jb.lcut_for_search(text) if w.strip() and w not in STOPWORDS]


_PLAIN_AFTER = "\0"  # marker in _phrases(): phrases holding 多少 come before it


@lru_cache(maxsize=1)
def _phrases() -> tuple[str, ...]:
    """Synonym keys and budget terms, longest first; keys that contain 多少 ("花了多少")
    come first, because afterwards 多少 is blanked out so that its 少 never reads as 减少."""
    # Ties in length in a fixed order: set order changes with the process's hash seed, and
    # with it the order of a question's concepts ("会议费、培训费").
    keys = sorted(set(SYNONYMS) | set(BUDGET_TERMS), key=lambda k: (-len(k), k))
    return tuple([k for k in keys if "多少" in k] + [_PLAIN_AFTER] + [k for k in keys if "多少" not in k])


def expand_query(question: str) -> str:
    """The question with document terms appended for every everyday word in it."""
    extra = [t for word, _ in concepts(question) for t in SYNONYMS.get(word, [])]
    return question + (" " + " ".join(extra) if extra else "")


def query_tokens(question: str) -> list[str]:
    return tokenize(expand_query(question))


def concepts(text: str) -> list[tuple[str, list[str]]]:
    """The question's content words, each with the strings that count as saying it.

    A sentence "says" 招待费 when it holds 招待费 or 公务接待费; coverage is counted per
    word, so synonyms and search-mode sub-words never inflate what must be matched.
    """
    jb = _jieba()
    out: list[tuple[str, list[str]]] = []
    rest = re.sub(r"[“”\"]", "", text)
    for key in _phrases():
        if key in rest:
            out.append((key, [key] + SYNONYMS.get(key, [])))
            rest = rest.replace(key, " ")
        if key == _PLAIN_AFTER:
            rest = re.sub(r"多少钱|多少|是否", " ", rest)
    pos = 0
    for start, end, tok in protected(rest):
        out += [(w, [w]) for w in _content_words(jb, rest[pos:start])]
        if not re.fullmatch(r"20[0-4]\d", tok):
            out.append((tok, [tok]))
        pos = end
    out += [(w, [w]) for w in _content_words(jb, rest[pos:])]
    return out


def words(text: str) -> list[str]:
    """Accurate-mode jieba words of text (no search-mode pieces), stopwords removed."""
    return _content_words(_jieba(), text)


def _content_words(jb, text: str) -> list[str]:
    text = text.replace("“", "").replace("”", "")
    return [w for w in jb.lcut(text) if w.strip() and w not in STOPWORDS and not re.fullmatch(r"\W+", w)]


def codes_in(text: str) -> list[str]:
    """Identifiers worth an exact lookup: project codes and 5-7 digit subject codes,
    each in one normal form ("201 03 01", "201-03-01", "2010301" -> "2010301";
    "434-1601-jxn-0ut4" -> "434-1601-JXN-0UT4")."""
    return [code for _, _, code in code_spans(text)]


def code_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normal form) of every identifier codes_in finds, so that a viewer can
    mark "201\t03\t01" in a table row as a hit for 2010301.

    An amount ("110,000.00", "3,146") is not a code even when its digits would be one."""
    out = []
    for m in _PROTECTED.finditer(text):
        kind, raw = m.lastgroup, m.group()
        if kind == "code":
            out.append((m.start(), m.end(), raw.upper()))
            continue
        if kind == "number" and not raw.isdigit():
            continue
        tok = re.sub(r"[\s-]", "", raw)
        if re.fullmatch(r"[1-3]\d{4,6}", tok) and not re.fullmatch(r"20[0-4]\d", tok):
            out.append((m.start(), m.end(), tok))
    return out
