"""Figures inside one sentence: which amount, count, change or reason answers the question.

Every figure returned is a slice of the sentence, never computed: a figure that is not
in a cited source is never stated.
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.tokenize import ITEM_TERMS

# A figure after ≤ ≥ < > is a performance target ("成本指标 项目总成本控制 ≤6000万元"), not an amount.
_TARGET = r"(?<![≤≥<>＜＞≦≧])(?<![≤≥<>＜＞≦≧]\s)"
AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(亿元|万元|千元|元|%|％)")
MONEY = re.compile(_TARGET + r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(亿元|万元|千元|元)")
NUMBER = re.compile(r"(?<![A-Za-z0-9.,-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![A-Za-z0-9.,-])")
# A count is a whole number (a score alone has decimals: "96.53分"), and its unit is no first
# character of another word: "年度预算资金总额：112.00 项目资金" counts no 项, "3个人" is 3 个.
COUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+(?=\s*分))?)(?![\d.,])\s*"
                   r"(个|辆|台|名|人次|人|位|批次|批|家|项|套|次|所|处|条|团组|分)(?![目民称件理庭属置])")
# "减少40.05万元", "增长25.6%", "增加6辆": a change and its size.
CHANGE = re.compile(r"(增加|减少|增长|下降|降低|减|增|上升|节约|压减|多|少)了?\s*"
                    r"(\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|元|%|％|个百分点|辆|人|个|次)")
# "与上年持平", "与上年预算数相同", "与上年一致", "同比持平": no change.
SAME = re.compile(r"(与|和|同)(上年|去年|上一年|20\d\d\s*年)[^，,。；;]{0,12}?(持平|相同|一致|相当|不变)"
                  r"|同比持平|保持不变|与上年持平|无变化|未发生变化")
# "主要用于…" says what money is for, not why it changed: it is no reason.
REASON = re.compile(r"(主要原因是|主要原因为|主要原因[：:]|主要原因说明[：:]|主要原因(?=[\u4e00-\u9fff])(?![是为说如])|主要原因[，,]|原因说明[：:]|原因如下[：:]?|原因是|原因为|原因[：:]|主要是|主要系|主要由于|主要为|"
                    r"由于|因为|是因为)[:：]?")
# A sentence whose numbers the PDF extraction moved away: a unit with no number before it
# ("年初预算为 万元，支出决算为", "增长 %", "为 万\n80.81\n元"). Its figures cannot be read.
BROKEN = re.compile(r"(?:为|是|达|计|预算|决算|支出|收入|增加|减少|增长|下降|持平|共|安排)\s*(?:万元|万\s*$|元|%|％)(?![\d])"
                    r"|万\s*\n\s*[\d.,]+\s*\n?\s*元")


def broken(text: str) -> bool:
    return bool(BROKEN.search(text))


# Tables of one part of a budget: a row there is the part's, not the whole item's.
PART_TABLES = ("基本支出", "项目支出", "人员经费", "公用经费", "政府性基金", "国有资本经营")
_DOWN = ("减少", "下降", "降低", "减", "节约", "压减", "少")
_WAN = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}


_BRACKETS = str.maketrans("（）", "()")


@lru_cache(maxsize=200_000)
def flat(text: str) -> str:
    """The text without spaces, line breaks and curly quotes, brackets half-width
    ("“三公” 经费" -> 三公经费, "因公出国（境）费" -> 因公出国(境)费)."""
    return re.sub(r"\s+", "", text).replace("“", "").replace("”", "").translate(_BRACKETS)


def flat_map(text: str) -> tuple[str, list[int]]:
    """The flat text and, for each of its characters, the position in text (and one past
    the end), so a term found in the flat text ("三公经费" in "“三公” 经费") maps back."""
    chars, pos = [], []
    for i, ch in enumerate(text):
        if ch.isspace() or ch in "“”":
            continue
        chars.append(ch.translate(_BRACKETS))
        pos.append(i)
    pos.append(len(text))
    return "".join(chars), pos


def locate(text: str, alts) -> tuple[int, int] | None:
    """(start, end) in text of the first of alts said, ignoring spaces and curly quotes; not
    inside a longer term that is another thing (公务用车购置 in 公务用车购置及运行费)."""
    f, pos = flat_map(text)
    best = None
    for a in alts:
        fa = flat(a)
        i = f.find(fa)
        while i >= 0 and inside_other(f, fa, i):
            i = f.find(fa, i + 1)
        if i >= 0 and (best is None or i < best[0]):
            best = (pos[i], pos[i + len(a)] if i + len(a) < len(pos) else len(text))
    return best


@lru_cache(maxsize=4096)
def _other_longer(term: str) -> tuple[str, ...]:
    from assistant import lexicon  # the word lists load once, on first use
    return tuple(flat(longer) for longer, short in lexicon.load().distinct if flat(short) == term)


def inside_other(f: str, term: str, i: int) -> bool:
    """The term found at i in flat text f is part of a longer term that is another thing
    (lexicon/distinct_terms.tsv: 电费 inside 邮电费, 公务用车购置 inside 公务用车购置及运行费)."""
    for longer in _other_longer(term):
        j = f.find(longer, max(0, i - len(longer) + len(term)))
        if 0 <= j <= i and j + len(longer) >= i + len(term):
            return True
    return False


def find_all(text: str, sub: str) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0 and sub:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def to_wan(figure: str | None) -> float | None:
    """A money figure in 万元 ("1,097,073.43元" -> 109.707343), None without a money unit."""
    if not figure:
        return None
    m = MONEY.search(figure)
    if not m:
        return None
    return float(m.group(1).replace(",", "")) * _WAN[m.group(2)]


def wan_of(figure: str | None, said: str = "") -> float | None:
    """to_wan of a figure, or of a bare table figure in the unit its answer names ("46.05",
    said "46.05（表内数，单位：万元）")."""
    value = to_wan(figure)
    if value is None and figure:
        m = re.search(r"表内数，单位：(亿元|万元|千元|元)", said)
        if m:
            value = to_wan(figure + m.group(1))
    return value


def number_of(figure: str | None) -> float | None:
    if not figure:
        return None
    m = NUMBER.search(figure.replace(" ", ""))
    return float(m.group(1).replace(",", "")) if m else None


def first_amount(text: str, start: int = 0, money_only: bool = False) -> re.Match[str] | None:
    rx = MONEY if money_only else AMOUNT
    return rx.search(text, start) or None


def amount_after(text: str, anchor: int, skip_changes: bool = True, percent: bool = True
                 ) -> re.Match[str] | None:
    """The first amount at or after anchor that is not the size of a change
    ("比上年减少40.05万元" is a change, not the item's amount); money only unless
    ``percent`` (a "多少钱" question is never answered by "95%")."""
    for m in (AMOUNT if percent else MONEY).finditer(text, anchor):
        if skip_changes and _is_change_size(text, m.start()):
            continue
        if m.group(2) not in ("%", "％") and re.search(r"[≤≥<>＜＞≦≧]\s?$", text[max(0, m.start() - 2):m.start()]):
            continue  # a cost target of a performance indicator (_TARGET)
        return m
    return None


def _is_change_size(text: str, i: int) -> bool:
    before = re.sub(r"\s+", "", text[max(0, i - 6):i])
    return bool(re.search(r"(增加|减少|增长|下降|降低|上升|节约|压减|减支|增支|增|减|多|少)了?$", before))


def change_in(text: str, anchor: int = 0) -> str | None:
    """The change the sentence states for the item at anchor: "减少40.05万元", or "持平"
    when it says the figure did not change ("与上年预算持平"); never "减少0万元"."""
    same = SAME.search(text, anchor)
    m = None
    for c in CHANGE.finditer(text, anchor):
        m = c
        break
    if same and (m is None or same.start() < m.start()):
        return same.group()
    if m is None:
        return None
    if float(m.group(2).replace(",", "")) == 0:
        return "持平"
    return m.group().strip()


def direction(change: str | None) -> str:
    if not change:
        return ""
    if SAME.search(change) or change == "持平":
        return "持平"
    return "减少" if change.startswith(_DOWN) else "增加"


def reason_in(text: str, anchor: int = 0) -> str | None:
    """The reason clause the sentence gives after anchor ("主要原因是…"), to the sentence end."""
    m = REASON.search(text, anchor)
    if not m:
        return None
    return text[m.start():].rstrip("。；;").strip()


def count_in(text: str, units: tuple[str, ...], anchor: int = 0) -> re.Match[str] | None:
    """The first count in the asked unit at or after anchor (else anywhere)."""
    for start in (anchor, 0):
        for m in COUNT.finditer(text, start):
            if not units or m.group(2) in units:
                return m
    return None


def figure_attached(text: str, spots: list[tuple[int, int]], after: int = 40, before: int = 20) -> bool:
    """An amount stands next to where the item is named: after it within ``after`` chars,
    or just before it. "公用经费2,376.26万元，主要包括：…会议费…" names 会议费 but gives
    no figure for it."""
    amounts = [(m.start(), m.end()) for m in AMOUNT.finditer(text)]
    if not amounts:
        return False
    if not spots:
        return True  # the item is named only by the heading above
    return any(start <= a0 <= end + after or (a1 <= start and start - a1 <= before)
               for start, end in spots for a0, a1 in amounts)


_ITEMS_FLAT = sorted({flat(t) for t in ITEM_TERMS}, key=len, reverse=True)


def owned_by_other_item(text: str, item_end: int, figure_start: int, asked: set[str]) -> bool:
    """A figure after another budget item belongs to that item: in "三公经费…其中：因公出国
    （境）费5万元" the 5万元 is not the 三公 total."""
    between = flat(text[item_end:figure_start])
    asked_flat = {flat(a) for a in asked}
    return any(t in between and not any(t in a or a in t for a in asked_flat) for t in _ITEMS_FLAT)
