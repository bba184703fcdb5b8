"""Figures stated in sentences: item, value, change, percentage, direction and reason.

"公务接待费预算支出116.5万元，比上年减少40.05万元，下降25.6%，主要原因是…" gives one
record: 公务接待费 116.5万元, change 减少40.05万元, 25.6%, 减少, and the reason. A sentence
may state several ("年初预算为2.85万元，支出决算为0.39万元": two measures of one item;
"其中：基本支出5,916.27万元…项目支出3,230.52万元": two items).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.amounts import CHANGE, MONEY, REASON, SAME
from assistant.tokenize import BUDGET_TERMS, ITEM_TERMS

_BOUNDARY = re.compile(r"[，,；;。：:]|其中|包括|分别为|分别是")
# Words that say how a figure is meant, not what it is (trimmed off the item's end).
_MEASURE_TAIL = re.compile(
    r"(?:财政拨款)?(?:年初预算数?|预算数|预算支出|支出预算|预算安排|支出决算数?|决算数|决算|执行数|预算|支出|安排|"
    r"拨款|共计|合计|总计|总额|总数|为|是|达|约|计|共|了|的|金额|资金|数)+$")
_HEAD = re.compile(r"^(?:20[0-4]\d\s*年度?|本年度?|当年|本部门|本单位|我局|我委|我办|全年|其中|一是|二是|三是|"
                   r"[一二三四五六七八九十]+、|\d+[.、．]|[（(][一二三四五六七八九十\d]+[）)])+")
_MEASURE_OF = [("年初预算", re.compile(r"年初预算|年初")), ("决算", re.compile(r"决算|执行数|实际支出")),
               ("上年", re.compile(r"上年|去年|上一年")), ("预算", re.compile(r"预算|安排"))]
_PCT_AFTER = re.compile(r"^[，,、]?\s*(增长|下降|减少|增加|降低|上升|增幅|降幅)?\s*(\d[\d.]*\s*[%％])")
_SHARE = re.compile(r"占[^，,。；;]{0,12}?$")
_ITEM_SET = {t.replace("“", "").replace("”", "") for t in ITEM_TERMS}
_ITEMS = sorted({t.replace("“", "").replace("”", "") for t in BUDGET_TERMS}, key=len, reverse=True)


@dataclass
class Stated:
    item: str  # canonical item when the lexicon knows it ("公务接待费"), else the words used
    said: str  # the words before the figure, trimmed ("2026年财政拨款“三公”经费")
    value: str  # "116.5万元"
    start: int  # offsets of the figure in the sentence
    end: int
    measure: str = ""  # 预算 / 决算 / 年初预算 / 上年 …
    change: str = ""  # "减少40.05万元", "持平"
    pct: str = ""  # "25.6%"
    direction: str = ""  # 增加 / 减少 / 持平
    reason: str = ""


def stated_in(sentence: str, owner: str = "") -> list[Stated]:
    """The figures a sentence states, in order. ``owner`` is the document's department,
    trimmed off the front of an item ("江苏省政协办公厅本年支出预算合计…")."""
    out: list[Stated] = []
    last_end = 0
    reason_at = REASON.search(sentence)
    for m in MONEY.finditer(sentence):
        if reason_at and m.start() > reason_at.start():
            # "主要原因是基本支出增加人员经费1408.29万元": a figure inside the reason is a cause
            # (a part's change), not the level of the item it names.
            break
        before = sentence[last_end:m.start()]
        if _change_size(sentence, m.start()):
            if out and not out[-1].change:
                c = CHANGE.match(sentence, _change_start(sentence, m.start()))
                out[-1].change = (c.group() if c else sentence[_change_start(sentence, m.start()):m.end()]).strip()
                out[-1].direction = "减少" if re.match(r"减|下降|降|节约|压减|少", out[-1].change) else "增加"
                pct = _PCT_AFTER.match(sentence[m.end():])
                if pct:
                    out[-1].pct = pct.group(2).replace(" ", "")
            last_end = m.end()
            continue
        if _SHARE.search(before):
            last_end = m.end()
            continue
        segment = _BOUNDARY.split(before)[-1] if before else ""
        head = _HEAD.sub("", segment.strip())
        if owner and head.startswith(owner):
            head = head[len(owner):]
        term = _term(head)
        said = term or _MEASURE_TAIL.sub("", head).strip()
        measure = next((name for name, rx in _MEASURE_OF if rx.search(segment)), "")
        if len(re.sub(r"[^\u4e00-\u9fff]", "", said)) < 2 and out:
            said = out[-1].said  # "…年初预算为2.85万元，支出决算为0.39万元": the same item
        if not said and not out:
            said = _MEASURE_TAIL.sub("", head).strip() or head  # "2026年预算数141.63万元": named before
        if not said:
            last_end = m.end()
            continue
        out.append(Stated(term or _canonical(said), said, m.group().strip(), m.start(), m.end(), measure))
        same = SAME.match(sentence, m.end() + (1 if sentence[m.end():m.end() + 1] in "，," else 0))
        if same:
            out[-1].change, out[-1].direction = same.group(), "持平"
        last_end = m.end()
    reason = REASON.search(sentence)
    if reason:
        text = sentence[reason.start():].rstrip("。；;").strip()
        for s in out:
            if s.end <= reason.start() and s.change:
                s.reason = text
    return out


def _change_size(sentence: str, i: int) -> bool:
    return bool(re.search(r"(增加|减少|增长|下降|降低|上升|节约|压减|减支|增支|增|减|多|少)了?\s*$", sentence[max(0, i - 6):i]))


def _change_start(sentence: str, i: int) -> int:
    m = re.search(r"(增加|减少|增长|下降|降低|上升|节约|压减|减支|增支|增|减|多|少)了?\s*$", sentence[max(0, i - 6):i])
    return max(0, i - 6) + m.start() if m else i


def measure_only(said: str) -> bool:
    """Words that say how a figure is meant but name no item ("2026年预算数", "预算安排")."""
    return not _MEASURE_TAIL.sub("", _HEAD.sub("", re.sub(r"\s+", "", said))).strip()


def _term(words: str) -> str:
    """The budget term the words are about: an item before other terms ("“三公”经费财政拨款
    支出" is about 三公经费), then the one ending nearest the figure, then the longest
    ("本年支出预算合计" -> 支出预算合计); "" if none."""
    flat = re.sub(r"\s+", "", words).replace("“", "").replace("”", "")
    found = [t for t in _ITEMS if t in flat]
    if not found:
        return ""
    # The item nearest the figure: "基本支出增加人员经费" is about 人员经费.
    return max(found, key=lambda t: (t in _ITEM_SET, flat.rfind(t) + len(t), len(t)))


def _canonical(said: str) -> str:
    flat = re.sub(r"\s+", "", said).replace("“", "").replace("”", "")
    return next((t for t in _ITEMS if t in flat), flat)
