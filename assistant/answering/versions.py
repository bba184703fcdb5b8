"""The same statement in the version of a disclosure that adds up.

The altered 2024 普陀区财政局 决算 states "机关运行经费支出184.65万元，比2023年度增加2.55万元，
增长1.40%。" in one line; its clean twin says the same, but its PDF put the figures on a line
of their own ("机关运行经费支出 万元，比 年度增加 万元，增长 。" / "184.65 2023 2.55 1.40%").
When an answer comes from a version whose figures do not add up, the clean version's lines
that hold the same words and the same numbers are the source to cite.
"""
from __future__ import annotations

import re

from assistant.records import Citation
from assistant.textutil import CJK

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_REACH = 6  # lines a statement broken by its PDF may spread over
_MIN_WORDS = 8  # characters of words a statement needs to be recognised by its words alone


def _words(text: str) -> str:
    return "".join(re.findall(f"[{CJK}]", text))


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in _NUMBER.finditer(text)}


def twin_citation(index, doc_id: str, statement: str) -> Citation | None:
    """Lines of document doc_id that say statement's words in order and every number of it
    (wherever the PDF put them), as a verbatim citation; None when no such lines exist."""
    words, numbers = _words(statement), _numbers(statement)
    if len(words) < _MIN_WORDS or not numbers:
        return None
    doc = index.docs[doc_id]
    lines = doc.text.split("\n")
    for i, line in enumerate(lines):
        if words[:4] not in _words(line):
            continue  # the statement starts on this line
        for j in range(i, min(i + _REACH, len(lines))):
            window = "\n".join(lines[i:j + 1])
            if words in _words(window) and numbers <= _numbers(window):
                while i < j and words in _words("\n".join(lines[i + 1:j + 1])):
                    i += 1  # a heading above that repeats the statement's first words
                window = "\n".join(lines[i:j + 1])
                start = sum(len(x) + 1 for x in lines[:i])
                chunk = next((c for c in index.chunks_of(doc_id) if c.line_start <= i + 1 <= c.line_end), None)
                return Citation(source=doc.source, title=doc.meta.title or doc.doc_id,
                                section=chunk.section_path if chunk else "", line_start=i + 1, line_end=j + 1,
                                quote=window.replace("\f", ""), page=index.page_of(doc, start))
    return None
