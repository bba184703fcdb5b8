"""Tokens for keyword search: jieba with a budget dictionary, codes and amounts kept whole.

Identifiers are pulled out by pattern before jieba sees the text (jieba splits
"434-1601-JXN-0UT4" and "24,169.74"), then normalised so that "201 03 01" and
"2010301", "24,169.74" and "24169.74" meet.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Terms jieba must keep whole (and which users search for as a unit).
BUDGET_TERMS = [
    "三公经费", "“三公”经费", "公务接待费", "因公出国（境）费", "因公出国(境)费", "因公出国境费",
    "公务用车购置及运行费", "公务用车购置及运行维护费", "公务用车运行维护费", "公务用车运行费",
    "公务用车购置费", "公务用车", "机关运行经费", "一般公共预算", "政府性基金", "国有资本经营预算",
    "基本支出", "项目支出", "人员经费", "公用经费", "日常公用经费", "财政拨款", "财政拨款收入",
    "事业收入", "经营收入", "其他收入", "上年结转", "结转和结余", "年初结转和结余", "年末结转和结余",
    "收支预算总计", "收入预算", "支出预算", "预算总计", "收入总计", "支出总计", "收入支出总计",
    "政府采购", "政府采购预算", "绩效目标", "国有资产", "内设机构", "行政运行", "一般行政管理事务",
    "事业运行", "会议费", "培训费", "差旅费", "办公费", "专项普查活动", "自然科学基金",
    "部门预算", "单位预算", "部门决算", "决算数", "预算数", "执法执勤用车", "一般公务用车",
    "中小企业", "项目编码", "项目名称", "功能分类", "经济分类", "住房公积金", "离退休",
]

# Everyday words -> the words the documents use. Applied to questions only.
SYNONYMS: dict[str, list[str]] = {
    "招待费": ["公务接待费"],
    "接待费": ["公务接待费"],
    "出国经费": ["因公出国（境）费"],
    "出国费": ["因公出国（境）费"],
    "出国费用": ["因公出国（境）费"],
    "公车": ["公务用车"],
    "公车经费": ["公务用车购置及运行费", "公务用车购置和运行维护费", "公务用车购置及运行维护费",
                 "公务用车购置费", "公务用车运行维护费"],
    "辆车": ["车辆", "辆"],
    "车": ["车辆", "用车", "辆"],
    "车辆": ["公务用车", "车辆"],
    "运维费": ["运行维护费"],
    "总预算": ["收支预算总计", "预算总计", "收入预算"],
    "收支总预算": ["收支预算总计", "预算总计"],
    "三公": ["三公经费"],
    "花了多少": ["支出", "预算数", "决算数"],
    "花多少": ["支出", "预算数", "预算"],
    "实际花了": ["决算", "支出决算", "决算数"],
    "多少辆车": ["车辆", "辆"],
    "几辆车": ["车辆", "辆"],
    "编制": ["编制", "人员编制"],
    "人员": ["人员", "在职"],
    "少了": ["减少", "下降"],
    "少": ["减少", "下降"],
    "减少了": ["减少"],
    "多了": ["增加", "增长"],
    "涨了": ["增加", "增长"],
    "涨": ["增加", "增长"],
    "降了": ["减少", "下降"],
    "为什么": ["原因"],
    "为何": ["原因"],
    "部门预算收入": ["收入预算"],
    "机关运行经费": ["机关运行经费", "运行经费"],
    "运行经费": ["运行经费"],
}

# Words that say what kind of answer is wanted (a change, a reason), not which item:
# the kind bonus in answer.py rewards them, so their weight as an item is capped.
CUE_WORDS = {"少了", "少", "减少了", "多了", "涨了", "涨", "降了", "为什么", "为何", "减少", "增加", "增长",
             "下降", "增加了", "原因", "花了多少", "花多少", "实际花了"}

# Budget items that a figure can belong to; a figure after "因公出国（境）费" answers for it,
# not for the "三公经费" named earlier in the sentence.
ITEM_TERMS = ["因公出国（境）费", "因公出国(境)费", "公务用车购置及运行费", "公务用车购置及运行维护费",
              "公务用车运行维护费", "公务用车购置费", "公务接待费", "会议费", "培训费", "机关运行经费",
              "基本支出", "项目支出", "人员经费", "公用经费", "政府采购"]

STOPWORDS = set(
    "的 了 是 在 和 与 及 或 有 为 对 等 中 其中 年 年度 多少 是多少 什么 哪些 哪个 怎么 如何 吗 呢 啊 "
    "请问 一下 一共 共 总共 我 你 他 这 那 个 们 将 把 被 从 到 由 以 于 之 也 都 又 就 还 要 "
    "几 几个 几辆 几名 几项 几家 多少个 多少辆 多少名 多少人 多少钱 哪年 哪个 谁 为什么 为何 是否 有没有 "
    "情况 一下 呀 么 实际 花 钱 哪 哪几年 几年 哪一年 是哪 里 那个 这个 大概 大约 具体 的话 该 各 啥 咋 "
    "比 上年 本年 ？ ? ！ ! ， , 。 ： : ； ; 、 （ ） ( ) “ ” \" ' 《 》 【 】 — - / % ·".split()
)

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
    keys = sorted(set(SYNONYMS) | set(BUDGET_TERMS), key=len, reverse=True)
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
