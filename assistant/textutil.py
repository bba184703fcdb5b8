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
