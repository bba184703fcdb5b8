"""Text helpers every layer shares: character ranges, year patterns, normalisation.

One place for them, so the reader of documents and the parser of questions agree on
what a CJK character, a year or an invisible character is.
"""
from __future__ import annotations

import re
import unicodedata

# CJK Unified Ideographs (incl. Extension A) and compatibility ideographs.
CJK = "\u3400-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")

# A four-digit year of the disclosures' era (2000-2049), not part of a longer number.
YEAR = r"20[0-4]\d"
YEAR_RE = re.compile(rf"(?<!\d)({YEAR})(?!\d)")

# Zero-width and formatting characters that users paste from web pages and Office
# documents ("2020\u200b年"); they are invisible and must never split a word or a number.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")


def normalize_text(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII: "２０２０年" -> "2020年"), zero-width
    characters removed. For questions and search queries; documents keep their raw text and
    normalise per character (so quotes stay verbatim slices of the original)."""
    return _ZERO_WIDTH_RE.sub("", unicodedata.normalize("NFKC", text))


def normalize_char(ch: str) -> str:
    """The normalised form of one character ("" for a zero-width one); may be longer than one."""
    if ch in ZERO_WIDTH:
        return ""
    return unicodedata.normalize("NFKC", ch)


_CN_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
# Chinese numerals before 万/亿 ("少了三千多万", "两个亿"): a size people say, in digits.
_CN_AMOUNT = re.compile(r"([零一二两三四五六七八九十百千]+)(?=多?个?(?:万|亿))")


def _cn_int(numeral: str) -> int:
    total, digit = 0, 0
    for ch in numeral:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        else:
            total += (digit or 1) * _CN_UNIT[ch]
            digit = 0
    return total + digit


def cn_amounts(text: str) -> str:
    """"少了三千多万" -> "少了3000多万", "两个亿" -> "2个亿": sizes said in Chinese numerals
    written in digits, as questions write most of them."""
    return _CN_AMOUNT.sub(lambda m: str(_cn_int(m.group(1))), text)
