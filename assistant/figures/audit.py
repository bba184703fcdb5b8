"""Consistency checks: the figures of a document that do not add up, each with its lines.

Every finding says what was expected and what was found, and quotes the lines involved, so
a reviewer can check it in the document view. The checks (issue: reviewers do these by
hand today, see the REVIEW_CHECKLIST files of the corpus):

* parts_total   三公 = 出国 + 公车购置及运行 + 接待; 公车购置及运行 = 购置 + 运行;
                基本支出 = 人员经费 + 公用经费; 收入总计 = 支出总计; a table row's 合计 =
                基本支出 + 项目支出.
* percent       a stated percentage that does not follow from the two figures it compares
                ("预算执行数为43269.3万元，…安排3845.49万元，比…增加17.62%").
* change        a stated change that does not follow from them, or a direction word that
                contradicts them ("支出决算为1511.89万元。决算数大于预算数" after 1560.05).
* unit          an amount in 元 among 万元 figures ("机关运行经费共计安排293元").
* year          a comparison year that is not the year before ("2026年…比2026年预算增加").
* stale_year    an old year in the text ("2017年围绕…" in a 2020 document; "截至2023年12月
                31日" in a 2024 决算; a part titled "2023年度部门决算" in a 2024 one).
* mismatch      an item's figure stated twice in one paragraph with two values, or prose and
                table disagreeing on a total.
* missing_table a table the contents list that the document does not contain.
* version       two documents that claim to be the same disclosure and differ.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from assistant import lexicon
from assistant.answering.amounts import MONEY
from assistant.figures.records import Figure
from assistant.figures.tables import rows_of
from assistant.tokenize import ITEM_TERMS

TOLERANCE_WAN = 0.015  # rounding to two decimals on either side
TOLERANCE_PCT = 0.06  # percentage points: documents round to one or two decimals
_WAN = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}
_SENTENCE = re.compile(r"[^。；;\n]*(?:[。；;]|$)")


@dataclass
class Finding:
    check: str  # parts_total | percent | change | unit | year | stale_year | mismatch | missing_table | version
    doc_id: str
    lines: list[int]  # 1-based lines of the document text involved
    message: str  # one sentence: what is wrong
    expected: str
    found: str
    quotes: list[str] = field(default_factory=list)  # verbatim spans of the lines involved

    def to_json(self) -> dict:
        return asdict(self)


def audit_document(doc, chunks, figures: list[Figure]) -> list[Finding]:
    """Every finding of one document (its text, its chunks, its figures-table records)."""
    ctx = _Doc(doc)
    out: list[Finding] = []
    for check in (_parts_totals, _sentence_checks, _unit_slips, _years, _table_rows, _missing_tables,
                  _prose_vs_table, _empty_tables):
        out += check(ctx, chunks, figures)
    return _dedupe(out)


def audit_versions(docs, figures_of) -> list[Finding]:
    """Documents that are versions of the same disclosure (version_groups) and state
    different figures: one finding per differing figure, on each version."""
    out: list[Finding] = []
    for group in version_groups(docs):
        for a in group:
            for b in group:
                if a.doc_id < b.doc_id:
                    out += _version_diff(a, b, figures_of(a.doc_id), figures_of(b.doc_id))
    return out


# Two files claiming the same disclosure share at least this share of their 12-character runs
# to be versions of it: the clean and the altered 2024 普陀区财政局 决算 share 0.54 (their PDFs
# were extracted differently), while the Jiangsu budgets and their separate "_tables" files
# (the same department, year and kind, but the prose and the tables apart) share under 0.02.
VERSION_OVERLAP = 0.3
_SHINGLE = 12


def version_groups(docs) -> list[list]:
    """Groups of two or more documents that are versions of one disclosure: the same
    department, year and kind, and mostly the same text."""
    by_key: dict[tuple, list] = {}
    for d in docs:
        m = d.meta
        if m.department and m.year and m.kind in ("部门预算", "单位预算", "部门决算"):
            by_key.setdefault((m.department, m.year, m.kind), []).append(d)
    out = []
    for group in by_key.values():
        if len(group) < 2:
            continue
        runs = {d.doc_id: _runs(d.text) for d in group}
        parent = {d.doc_id: d.doc_id for d in group}

        def root(x: str) -> str:
            while parent[x] != x:
                x = parent[x]
            return x
        for a in group:
            for b in group:
                ra, rb = runs[a.doc_id], runs[b.doc_id]
                if a.doc_id < b.doc_id and ra and rb and len(ra & rb) / min(len(ra), len(rb)) >= VERSION_OVERLAP:
                    parent[root(b.doc_id)] = root(a.doc_id)
        sets: dict[str, list] = {}
        for d in group:
            sets.setdefault(root(d.doc_id), []).append(d)
        out += [g for g in sets.values() if len(g) >= 2]
    return out


def _runs(text: str) -> set[str]:
    flat = re.sub(r"\s+", "", text)
    return {flat[i:i + _SHINGLE] for i in range(max(0, len(flat) - _SHINGLE + 1))}


# ---------------------------------------------------------------- context

class _Doc:
    def __init__(self, doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.year = doc.meta.year
        self.kind = doc.meta.kind
        self.starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]

    def line(self, offset: int) -> int:
        import bisect

        return bisect.bisect_right(self.starts, offset)

    def quote(self, line: int) -> str:
        a = self.starts[line - 1]
        b = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[a:b].replace("\f", "")

    def finding(self, check: str, a: int, b: int, message: str, expected: str, found: str) -> Finding:
        lines = list(range(self.line(a), self.line(max(a, b - 1)) + 1))
        return Finding(check, self.doc.doc_id, lines, message, expected, found, [self.quote(n) for n in lines[:4]])


def _num(s: str) -> float:
    return float(s.replace(",", "").replace(" ", ""))


def _wan(m: re.Match[str]) -> float:
    return _num(m.group(1)) * _WAN[m.group(2)]


def _fmt(x: float) -> str:
    return f"{x:,.2f}"


# ---------------------------------------------------------------- parts vs totals (prose)

def _parts_totals(ctx: _Doc, chunks, figures: list[Figure]) -> list[Finding]:
    """A total and all its parts stated in prose for the same measure must add up."""
    out = []
    prose = [f for f in figures if f.origin == "prose" and f.value_wan is not None and f.measure != "上年"]
    for names, parts in lexicon.load().parts:  # lexicon/parts.tsv
        total = names[0]
        totals = [f for f in prose if f.item in names]
        for t in totals:
            # the parts stated right after the total, before another total of the same item
            near = [f for f in prose if f.span_start >= t.span_start and f.span_start - t.span_end < 600
                    and f.measure == t.measure]
            got = {}
            for p in parts:
                cand = next((f for f in near if f.item in p), None)
                if cand is not None:
                    got[p[0]] = cand
            if len(got) != len(parts):
                continue
            s = sum(f.value_wan for f in got.values())
            if abs(s - t.value_wan) > TOLERANCE_WAN * len(parts):
                a = t.span_start
                b = max(f.span_end for f in got.values())
                out.append(ctx.finding(
                    "parts_total", a, b, f"{total} {t.value_text}{t.unit} 不等于其组成部分之和",
                    f"{'+'.join(f'{k} {v.value_text}{v.unit}' for k, v in got.items())} = {_fmt(s)}万元",
                    f"{total} {t.value_text}{t.unit}"))
    return out


# ---------------------------------------------------------------- sentence checks (percent, change, direction)

_PRIOR_CURRENT = re.compile(
    r"(?P<prior_label>(?:20\d\d年)?(?:当年)?(?:预算执行数|执行数|年初预算数?|上年预算数?|预算数))为?\s*"
    r"(?P<prior>[\d,.]+)\s*(?P<pu>亿元|万元|元)[，,]\s*(?:20\d\d年)?(?:预算安排|安排|预算数?为?|支出决算为?|决算数?为?)\s*"
    r"(?P<cur>[\d,.]+)\s*(?P<cu>亿元|万元|元)[，,]\s*(?:比|较|与)[^，,。；;]{0,16}?(?P<dir>增加|减少|增长|下降|持平|一致)"
    r"\s*(?:(?P<amount>[\d,.]+)\s*(?P<au>亿元|万元|元))?[，,]?\s*(?:(?:增长|下降|增加|减少)?\s*(?P<pct>[\d.]+)\s*[%％])?")
_DIRECTION_WORD = re.compile(r"决算数(大于|小于|等于|高于|低于)(?:年初)?预算数")
_BUDGET_FINAL = re.compile(r"年初预算为?\s*([\d,.]+)\s*(亿元|万元|元)[，,]\s*支出决算为?\s*([\d,.]+)\s*(亿元|万元|元)")
_CHANGE_ONLY = re.compile(
    r"(?P<cur>[\d,.]+)\s*(?P<cu>亿元|万元|元)[，,]\s*(?:比|较)(?:上年|20\d\d年)[^，,。；;]{0,12}?(?P<dir>增加|减少)\s*"
    r"(?P<amount>[\d,.]+)\s*(?P<au>亿元|万元|元)[，,]\s*(?:增长|下降|增加|减少)\s*(?P<pct>[\d.]+)\s*[%％]")


def _sentence_checks(ctx: _Doc, chunks, figures) -> list[Finding]:
    out = []
    flat, pos = _flat_map(ctx.text)  # sentences broken over lines ("预算执行数为\n43269.3万元") read whole
    stated_prior: list[tuple[int, int]] = []  # sentences that state the prior figure themselves
    for m in _PRIOR_CURRENT.finditer(flat):
        stated_prior.append(m.span())
        prior = _num(m.group("prior")) * _WAN[m.group("pu")]
        cur = _num(m.group("cur")) * _WAN[m.group("cu")]
        a, b = pos[m.start()], pos[min(m.end(), len(pos) - 1)]
        d = m.group("dir")
        if d in ("持平", "一致"):
            if abs(cur - prior) > TOLERANCE_WAN:
                out.append(ctx.finding("change", a, b, "说持平，但两个数不相等",
                                       f"{_fmt(prior)} = {_fmt(cur)}", f"{_fmt(prior)} 与 {_fmt(cur)}"))
            continue
        up = d in ("增加", "增长")
        if (cur > prior + TOLERANCE_WAN) != up and abs(cur - prior) > TOLERANCE_WAN:
            out.append(ctx.finding("change", a, b, f"说“{d}”，但数字是从 {_fmt(prior)} 到 {_fmt(cur)}",
                                   "增加" if cur > prior else "减少", d))
            continue
        if m.group("amount"):
            amount = _num(m.group("amount")) * _WAN[m.group("au")]
            if abs(abs(cur - prior) - amount) > TOLERANCE_WAN * 2:
                out.append(ctx.finding("change", a, b, "所说的增减额与两个数之差不符",
                                       f"{_fmt(abs(cur - prior))}万元", f"{m.group('amount')}{m.group('au')}"))
        if m.group("pct") and prior:
            pct = abs(cur - prior) / prior * 100
            if abs(pct - float(m.group("pct"))) > TOLERANCE_PCT:
                out.append(ctx.finding("percent", a, b, "所说的增减百分比与两个数不符",
                                       f"{'增加' if cur > prior else '减少'}{pct:.2f}%", f"{d}{m.group('pct')}%"))
    for m in _CHANGE_ONLY.finditer(flat):
        if any(a < m.end() and m.start() < b for a, b in stated_prior):
            continue  # "上年预算数为50万元，…45万元，比上年增加5万元": checked against the stated 50 above
        cur = _num(m.group("cur")) * _WAN[m.group("cu")]
        amount = _num(m.group("amount")) * _WAN[m.group("au")]
        prior = cur - amount if m.group("dir") == "增加" else cur + amount
        if prior <= 0:
            continue
        pct = amount / prior * 100
        if abs(pct - float(m.group("pct"))) > max(TOLERANCE_PCT, 0.05 * pct):
            a, b = pos[m.start()], pos[min(m.end(), len(pos) - 1)]
            out.append(ctx.finding("percent", a, b, "所说的增减百分比与增减额不符",
                                   f"{pct:.2f}%（{_fmt(amount)}÷{_fmt(prior)}）", f"{m.group('pct')}%"))
    for m in _BUDGET_FINAL.finditer(flat):
        budget, final = _num(m.group(1)) * _WAN[m.group(2)], _num(m.group(3)) * _WAN[m.group(4)]
        w = _DIRECTION_WORD.search(flat, m.end(), m.end() + 20)
        if not w:
            continue
        said = w.group(1)
        truth = "大于" if final > budget + TOLERANCE_WAN else ("小于" if final < budget - TOLERANCE_WAN else "等于")
        if said.replace("高", "大").replace("低", "小") != truth:
            a, b = pos[m.start()], pos[min(w.end(), len(pos) - 1)]
            out.append(ctx.finding("change", a, b, f"说决算数{said}预算数，但决算 {_fmt(final)} 与年初预算 {_fmt(budget)}",
                                   f"决算数{truth}预算数", f"决算数{said}预算数"))
    return out


def _flat_map(text: str) -> tuple[str, list[int]]:
    chars, pos = [], []
    for i, ch in enumerate(text):
        if ch.isspace() or ch in "“”\f":
            continue
        chars.append(ch)
        pos.append(i)
    pos.append(len(text))
    return "".join(chars), pos


# ---------------------------------------------------------------- units

def _unit_slips(ctx: _Doc, chunks, figures: list[Figure]) -> list[Finding]:
    """An amount in 元 in prose whose neighbours are all in 万元: "机关运行经费共计安排293元"."""
    prose = [f for f in figures if f.origin == "prose" and f.unit in ("元", "万元")]
    wan = sum(f.unit == "万元" for f in prose)
    if wan < 5 or wan < 0.8 * len(prose):
        return []  # a document that writes 元 throughout states no slip
    items = {t.replace("“", "").replace("”", "") for t in ITEM_TERMS}
    out = []
    for f in prose:
        # Budget items only: "每人500元" and "补助标准60元" are prices, written in 元 on purpose.
        if f.item not in items or re.search(r"标准|每|单价|/", f.quote):
            continue
        if f.unit == "元" and f.value_wan is not None and f.value_wan < 1:
            out.append(ctx.finding("unit", f.span_start, f.span_end,
                                   f"{f.item} 写作 {f.value_text}{f.unit}，而本文件其他金额均以万元计",
                                   f"{f.value_text}万元（或核对数字）", f"{f.value_text}{f.unit}"))
    return out


# ---------------------------------------------------------------- years

_COMPARE_YEAR = re.compile(r"(?:比|较|与|同)\s*(20\d\d)\s*年(?:度)?(?:当年)?(?:年初)?(?:预算|决算|执行|相比|支出|收入)")
_PART_YEAR = re.compile(r"(20\d\d)\s*年度?\s*(?:部门|单位)?(?:预算|决算)(?:情况)?(?:说明|公开)")
_AS_OF = re.compile(r"截至\s*(20\d\d)\s*年\s*(\d{1,2})\s*月")
_STALE_START = re.compile(r"(?:^|[。；，,\n])\s*(20\d\d)\s*年\s*(?:围绕|将|要|继续|重点|着力|计划|坚持|全面|努力|紧紧)")


def _years(ctx: _Doc, chunks, figures) -> list[Finding]:
    y = ctx.year
    if not y:
        return []
    out = []
    text = ctx.text
    for m in _COMPARE_YEAR.finditer(text):
        if int(m.group(1)) == y and ctx.kind in ("部门预算", "单位预算"):
            out.append(ctx.finding("year", m.start(), m.end(), f"{y}年的预算与“{m.group(1)}年”相比：比较年份应是上一年",
                                   f"比{y - 1}年", f"比{m.group(1)}年"))
    for m in _PART_YEAR.finditer(text):
        said = int(m.group(1))
        if said not in (y,) and ctx.line(m.start()) > 5:
            out.append(ctx.finding("stale_year", m.start(), m.end(),
                                   f"本文件是{y}年的{ctx.kind}，此处写作“{m.group(0)}”", f"{y}年度", f"{said}年度"))
    for m in _AS_OF.finditer(text):
        said, month = int(m.group(1)), int(m.group(2))
        expected = y if ctx.kind == "部门决算" else y - 1
        if said < expected:
            out.append(ctx.finding("stale_year", m.start(), m.end(),
                                   f"{y}年{ctx.kind}的“截至”日期早于{expected}年", f"截至{expected}年", m.group(0)))
    for m in _STALE_START.finditer(text):
        said = int(m.group(1))
        if said < y - 1:
            out.append(ctx.finding("stale_year", m.start(1), m.end(), f"{y}年的文件写“{said}年…”，年份疑为旧文沿用",
                                   f"{y}年", f"{said}年"))
    return out


# ---------------------------------------------------------------- prose against tables

_TOTALS = ("收入支出总计", "收支总计", "收入总计", "支出总计", "三公经费", "收入支出决算总计")


def _prose_vs_table(ctx: _Doc, chunks, figures: list[Figure]) -> list[Finding]:
    """A grand total the text states that no table of the document states: "2024年度收入
    支出总计0万元" where the 收入支出决算总表 says 总计 2,995.39."""
    table = [f for f in figures if f.origin == "table" and f.value_wan is not None]
    if not table:
        return []
    # The rows each kind of total is compared with, found once (not once per sentence: a
    # compiled volume states thousands of totals).
    sangong = [t for t in table if (re.sub(r"\s+", "", t.item) in ("合计", "总计", "")) and
               "三公" in re.sub(r"[\s“”]", "", t.table_title)]
    grand = [t for t in table if re.sub(r"\s+", "", t.item).endswith("总计")]
    out = []
    for f in figures:
        if f.origin != "prose" or f.value_wan is None or f.item not in _TOTALS or f.measure == "上年":
            continue
        rows = sangong if "三公" in f.item else grand  # a 三公 table's total row, or the 总计 rows
        if not rows or any(abs(t.value_wan - f.value_wan) <= TOLERANCE_WAN for t in rows):
            continue
        out.append(ctx.finding("mismatch", f.span_start, f.span_end,
                               f"正文写{f.item} {f.value_text}{f.unit}，文件的表中没有这个数（表中总计为 "
                               f"{'、'.join(sorted({r.value_text for r in rows[:3]}))}）",
                               rows[0].value_text, f"{f.value_text}{f.unit}"))
    return out


_EMPTY_OK = re.compile(r"无|空表|本表|未安排|不涉及|没有|为0|为零")


def _empty_tables(ctx: _Doc, chunks, figures: list[Figure]) -> list[Finding]:
    """A table whose title is followed by its column headers but no row of figures, and does
    not say it is empty ("本表无数据"), while the text gives its subject a figure other than
    zero: a data row is missing. Read from the raw lines (header-only tables leave no chunk)."""
    items = {t.replace("“", "").replace("”", "") for t in ITEM_TERMS}
    stated = {f.item.replace("“", "").replace("”", "") for f in figures
              if f.origin == "prose" and f.value_wan} & items  # budget items, not totals of 收入/支出
    lines = ctx.text.split("\n")
    titles = [i for i, ln in enumerate(lines) if re.fullmatch(r"\S{4,40}表", re.sub(r"\s+", "", ln.replace("\f", "")))]
    out = []
    for n, i in enumerate(titles):
        title = re.sub(r"[\s“”\f]", "", lines[i])
        if i < 40 or not any(item in title for item in stated):
            continue  # the contents page, or a subject the text gives no figure
        end = titles[n + 1] if n + 1 < len(titles) else min(len(lines), i + 30)
        body = lines[i + 1:min(end, i + 30)]
        text = "\n".join(body)
        if re.search(r"\d\.\d", text) or _EMPTY_OK.search(text) or not re.search(r"预算数|决算数|合计", text):
            continue
        a = ctx.starts[i]
        b = ctx.starts[min(end, i + 8)] - 1 if min(end, i + 8) < len(ctx.starts) else len(ctx.text)
        out.append(ctx.finding("mismatch", a, b, f"“{lines[i].strip()}”只有表头，没有数据行，也没有说明本表无数据",
                               "数据行", "（无）"))
    return out


# ---------------------------------------------------------------- tables

_COLUMNS = re.compile(r"合\s*计.{0,12}基本支出.{0,12}项目支出")


def _table_rows(ctx: _Doc, chunks, figures) -> list[Finding]:
    """Rows of a 合计 / 基本支出 / 项目支出 table: the first value is the sum of the other two."""
    out = []
    for c in chunks:
        if c.kind != "table" or not _COLUMNS.search(re.sub(r"\s+", "", c.context + c.text[:200])):
            continue
        for row in rows_of(c.text):
            v = [_safe(x) for x in row.values]
            if len(v) != 3 or None in v or re.search(r"栏次|行次|序号|编号", row.label):
                continue  # a row of column numbers ("栏次 1 2 3") adds nothing up
            if abs(v[0] - v[1] - v[2]) > TOLERANCE_WAN:  # two decimals in 元 or 万元 alike
                a, b = c.raw_span(row.start, row.end) if c.segments else (row.start, row.end)
                out.append(ctx.finding("parts_total", a, b,
                                       f"“{row.code} {row.label}”一行：合计不等于基本支出加项目支出",
                                       f"{row.values[1]} + {row.values[2]} = {v[1] + v[2]:,.2f}", row.values[0]))
    return out


def _safe(x: str) -> float | None:
    try:
        return float(x.replace(",", ""))
    except ValueError:
        return None


_TOC_TABLE = re.compile(r"^\s*[一二三四五六七八九十\d]+[、.．]\s*(\S{2,30}表)\s*[.·…\s\d]*$")


def _missing_tables(ctx: _Doc, chunks, figures) -> list[Finding]:
    """Tables the contents list ("三、支出决算表 ……") that never appear after it."""
    lines = ctx.text.split("\n")
    toc_end = 0
    listed = []
    for i, line in enumerate(lines[:120]):
        m = _TOC_TABLE.match(line.replace("\f", ""))
        if m and re.fullmatch(r"(?:部门|单位)(?:预算|决算)(?:公开)?表", m.group(1)):
            continue  # the name of a part of the document ("第二部分 部门预算表"), not one table
        if m and ("…" in line or "." * 3 in line or re.search(r"\s\d+\s*$", line) or i < 80):
            listed.append((i, m.group(1)))
            toc_end = i
    if len(listed) < 3:
        return []
    # A table is there when a line of the body is its title (numbering and unit aside):
    # "支出决算表" is not found by "一般公共预算财政拨款支出决算表".
    titles = set()
    for line in lines[toc_end + 1:]:
        t = re.sub(r"\s+", "", line.replace("\f", ""))
        t = re.sub(r"^(?:[一二三四五六七八九十\d]+[、.．]|表[一二三四五六七八九十\d]+|公开\d+表)", "", t)
        t = re.sub(r"(?:[（(]单位[:：].*)?$", "", t)
        titles.add(re.sub(r"^20\d\d年度?", "", t))
    missing = [(i, name) for i, name in listed if re.sub(r"^20\d\d年度?", "", re.sub(r"\s+", "", name)) not in titles]
    if len(missing) > 3 or len(missing) > 0.4 * len(listed):
        return []  # the tables are published elsewhere (a separate file), not missing one by one
    out = []
    for i, name in missing:
        a = ctx.starts[i]
        out.append(ctx.finding("missing_table", a, a + len(lines[i]), f"目录列出“{name}”，正文中没有这张表",
                               name, "（缺）"))
    return out


# ---------------------------------------------------------------- versions

def _version_diff(a, b, fa: list[Figure], fb: list[Figure]) -> list[Finding]:
    """The prose figures two versions state for the same item and measure, where they differ."""
    def key(f: Figure) -> tuple:
        return (f.item, f.measure, f.change_text == "")

    def table(figs):
        out: dict[tuple, Figure] = {}
        for f in figs:
            if f.origin == "prose" and f.value_wan is not None:
                out.setdefault(key(f), f)
        return out
    ta, tb = table(fa), table(fb)
    out = []
    ca, cb = _Doc(a), _Doc(b)
    for k in ta.keys() & tb.keys():
        x, y = ta[k], tb[k]
        if abs(x.value_wan - y.value_wan) > TOLERANCE_WAN:
            xv, yv = x.value_text + x.unit, y.value_text + y.unit
            out.append(ca.finding("version", x.span_start, x.span_end,
                                  f"同一份公开（{a.meta.department}{a.meta.year}年{a.meta.kind}）的另一版本 {b.doc_id} "
                                  f"对“{x.item}”写的是 {yv}", yv, xv))
            out.append(cb.finding("version", y.span_start, y.span_end,
                                  f"同一份公开的另一版本 {a.doc_id} 对“{y.item}”写的是 {xv}", xv, yv))
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        k = (f.check, f.doc_id, tuple(f.lines), f.found)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out
