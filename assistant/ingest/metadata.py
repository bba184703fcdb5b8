"""Read what a document is from its own title page, never from its file name.

Users upload files under arbitrary names (the crawler behind half of the corpus named a
上海交通职业技术学院 file "上海市交通运输局"), so every field comes from the text:

* title       the title line(s) at the top, joined, spaced-out glyphs closed up, a year
              that PDF extraction detached ("江苏省人民检察院 / 年部门预算 / 2017") put back;
              for a web page the archiver's 标题 field. A document with no title page at
              all (it opens on its table of contents) gets "<department><year>年度<kind>".
* department  from a label on the title page (预算主管部门：/预算单位：/部门名称：/部门：…),
              else the title with year and document type removed, else the 发布机构 of a
              web page, else the organisation the opening pages name most often.
* region      the administrative regions leading the department name or the title
              ("上海市普陀区"), "中央" for national bodies.
* year        the year in the title, else the first "20xx年度…预算/决算" on the title page,
              else the most frequent "20xx年" of the document (tables-only files).
* kind        部门预算 (incl. Xi'an 部门综合预算 and table-only 部门预算 files) / 单位预算 /
              部门决算 / 其他 (templates with XX placeholders, review checklists, 三公 summaries,
              performance evaluations, stand-alone 绩效目标表).
"""
from __future__ import annotations

import re
from collections import Counter

from assistant.orgs import split_region
from assistant.records import DocMeta

from assistant.textutil import CJK  # noqa: E402
HEAD_LINES = 40  # the title page and table of contents fit well inside this

_YEAR = r"(?:19|20)\d{2}"
_YEAR_LINE = re.compile(rf"^{_YEAR}(?:年度?)?$")
_NOISE = re.compile(
    r"^(?:[-—–－\s]*\d{1,3}[-—–－\s]*|[.·。]|附件\s*\d*|###.*|表[一二三四五六七八九十\d]+"
    r"|公开\d+表|公开表[一二三四五六七八九十\d]+"
    rf"|{_YEAR}\s*年\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?"
    r"|[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月(?:.{1,3}日)?)$")
_STOP = re.compile(
    r"^(?:目\s*录|第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.．]|一\s"
    r"|[（(][一二三四五六七八九十]+[）)]|\d+\s*[、.．]\D|初审|复审|终审|保密审查|部门主要负责人"
    r"|更新时间)|[:：]")
_FRAGMENT = re.compile(rf"^(?:{_YEAR}(?:年度?)?|[部门单位综合预决算公开信息说明情况有关事项的表报年度]{{1,8}})$")
_KIND_WORD = re.compile(r"预算|决算|检查表|绩效")
_KIND_PHRASE = re.compile(
    r"(?:区级|市级|省级|县级)?(?:部门|单位)?(?:综合)?(?:预算|决算)|项目支出|一般公共|检查表|绩效")
_LABELS = ("预算主管部门", "预算单位", "部门名称", "单位名称", "部门", "评价项目单位", "项目主管部门")
_LABEL_RE = re.compile(
    r"^\s*(预\s*算\s*主\s*管\s*部\s*门|预\s*算\s*单\s*位|部\s*门\s*名\s*称|单\s*位\s*名\s*称"
    r"|部\s*门|评价项目单位|项目主管部门)\s*[:：]\s*(.+?)\s*$")
_ORG_SUFFIX = re.compile(
    r"(?:局|委员会|委|办公室|办公厅|办|院|厅|部|中心|署|队|所|馆|场|校|政府|处|室|站|会)$")
_SPACE_RE = re.compile(rf"(?<=[{CJK}（）“”])\s+(?=\S)|(?<=\S)\s+(?=[{CJK}（）“”])")
_SPACED_YEAR_RE = re.compile(r"(?<![\d.])[12] \d \d \d(?![\d.])")
_WEB_MARK = "==================== 正文 ===================="


# --------------------------------------------------------------------------- cleaning


def close_up(s: str) -> str:
    """Remove the spaces PDF extraction puts between glyphs ("江 苏 省 2 0 1 9 年" → "江苏省2019年")."""
    s = _SPACED_YEAR_RE.sub(lambda m: m.group(0).replace(" ", ""), s.strip())
    return _SPACE_RE.sub("", s)


def unbold(line: str) -> str:
    """Undo fake-bold duplication ("年年年年年年部部部部部部" → "年部").

    Such lines repeat every glyph k times (digits too: "222222000000222222222222" is
    2022 at k=6); k is the most common length of the repeated CJK runs.
    """
    runs = [len(m.group(0)) for m in re.finditer(rf"([{CJK}])\1{{2,}}", line)]
    if len(runs) < 3:
        return line
    k = Counter(runs).most_common(1)[0][0]
    return re.sub(r"(.)\1*", lambda m: m.group(1) * max(1, round(len(m.group(0)) / k)), line)


# --------------------------------------------------------------------------- web pages


def _web_header(text: str) -> dict[str, str]:
    """Archiver fields ("标题: …", "发布机构: …") of a saved web page, {} for other texts."""
    head = text[:3000]
    if not head.lstrip().startswith("标题"):
        return _breadcrumb(head)
    fields: dict[str, str] = {}
    if _WEB_MARK not in head:
        return _breadcrumb(head)
    for line in head.split(_WEB_MARK, 1)[0].splitlines():
        m = re.match(r"^\s*([^:：\s]{2,6})\s*[:：]\s*(.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2).strip()
    return fields


_BREADCRUMB_RE = re.compile(r"^\s*当前位置\s*[:：]\s*(\S+)\s+(.+?)\s+(?:发布)?时间\s*[:：]")


def _breadcrumb(head: str) -> dict[str, str]:
    """A page saved without the archiver header: "当前位置： 首页…部门预算公开 <title> 时间：…"."""
    m = _BREADCRUMB_RE.match(head)
    return {"标题": m.group(2), "栏目": m.group(1)} if m else {}


# --------------------------------------------------------------------------- title page


def _head_lines(text: str) -> list[str]:
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.replace("\f", "").strip()
        if line:
            out.append(line)
            if len(out) >= HEAD_LINES:
                break
    return out


def _title_block(lines: list[str]) -> list[str]:
    """The lines of the title: from the top, past page furniture, up to the TOC or body."""
    block: list[str] = []
    for raw in lines:
        line = close_up(unbold(raw))
        if _NOISE.match(line) and not _YEAR_LINE.match(line):
            continue
        if _STOP.search(line):
            break
        if block and _KIND_WORD.search("".join(block)) and not _FRAGMENT.match(line):
            break  # the title is complete; only a detached year or "公开"/"算" may follow
        block.append(line)
        if len(block) >= 6:
            break
    return block


def _join_title(block: list[str]) -> str:
    """Join title lines, putting a detached year back in front of its 年."""
    years = [b for b in block if re.fullmatch(_YEAR, b)]
    rest = "".join(b for b in block if not re.fullmatch(_YEAR, b))
    if years:
        m = re.search(r"(?<!\d)年", rest)
        if m and not re.search(rf"{_YEAR}年", rest):
            return rest[: m.start()] + years[0] + rest[m.start():]
        return rest + years[0] if not re.search(_YEAR, rest) else rest
    return rest


def _labels(lines: list[str]) -> dict[str, str]:
    """Label fields of the title page, first occurrence of each."""
    out: dict[str, str] = {}
    for line in lines:
        m = _LABEL_RE.match(line)
        if not m:
            continue
        key = re.sub(r"\s+", "", m.group(1))
        # Spreadsheet rows put the next field in the next cell: "上海市普陀区司法局\t部门编码:201".
        value = re.split(r"\s+单\s*位\s*[:：]|\s+金额单位|\t|\s*(?:部门|单位)编码", m.group(2))[0]
        out.setdefault(key, re.sub(r"\s+", "", value))
    return out


# --------------------------------------------------------------------------- fields


def _is_org(name: str) -> bool:
    core = re.sub(r"[（(][^）)]*[）)]", "", name or "")
    return len(core) >= 3 and bool(_ORG_SUFFIX.search(core))


def _tidy(name: str) -> str:
    s = re.sub(r"\s+", "", name or "").strip("，,。:：;；、")
    # "北京市医疗保障局部门 2026 年度部门预算": the first 部门 belongs to the phrase, not the name
    if s.endswith("部门") and len(s) > 3 and _ORG_SUFFIX.search(s[:-2]):
        s = s[:-2]
    return s


def _name_from_title(title: str) -> str:
    s = re.sub(r"【[^】]*】", "", title)
    s = re.sub(rf"{_YEAR}\s*(?:年度|年)?", "", s)
    m = _KIND_PHRASE.search(s)
    return _tidy(s[: m.start()] if m else s)


def _expand_place(name: str, text: str) -> str:
    """"平潭东庠乡" → "平潭综合实验区东庠乡人民政府" using the document's own wording."""
    # the last unit: the shortest tail that the text calls "<tail>人民政府", else 2 glyphs
    tails = [name[-n:] for n in (3, 4) if len(name) >= n and name[-1] in "乡镇县区市"]
    if not tails:
        return name
    last = next((t for t in tails if t + "人民政府" in text), tails[0])
    prefix = name[: -len(last)]
    if last + "人民政府" in text:
        last += "人民政府"
    if prefix and not re.search(r"(?:省|市|区|县)$", prefix):
        p = re.search(rf"{re.escape(prefix)}(?:综合实验区|新区|市|县|区)", text)
        if p:
            prefix = p.group(0)
    return prefix + last


_BODY_ORG = re.compile(
    rf"(?:(?<![{CJK}])|(?<=[年度]))(?:中共|中国共产党)?[{CJK}]{{2,3}}[省市][{CJK}]{{1,16}}?"
    r"(?:局|委员会|办公厅|办公室|人民法院|人民检察院|院|厅|部|中心|署)(?:（本级）|（汇总）)?"
    rf"(?={_YEAR}年|主要职责|主要职能|本年|有\d|共有|机关运行|政府采购|收入|支出|部门预算|部门决算)")


def _name_from_body(text: str) -> str:
    """The organisation the opening pages name most often next to a year or a total."""
    sample = re.sub(r"[ \t\u3000]+", "", text[:30000])  # keep line ends: names do not span them
    counts = Counter(m.group(0) for m in _BODY_ORG.finditer(sample))
    if not counts:
        return ""
    best = max(counts.values())
    return min((n for n, c in counts.items() if c == best), key=len)


def _department(title: str, labels: dict[str, str], web: dict[str, str], text: str) -> str:
    for key in _LABELS:
        value = labels.get(key, "")
        if _is_org(value) or (value and split_region(value).rest):  # "上海市普陀区XX单位"
            return _tidy(value)
    name = _name_from_title(title)
    if not _is_org(name) and _is_org(web.get("发布机构", "")):
        name = web["发布机构"]
    if name and not _is_org(name):
        expanded = _expand_place(name, text)
        name = expanded if _is_org(expanded) else name
    if not _is_org(name):
        name = _name_from_body(text) or name
    name = _tidy(name)
    # Better no department than a table row or a sentence mistaken for one.
    plausible = _is_org(name) or bool(split_region(name).units)
    return name if plausible and len(name) <= 40 and not re.search(r"\d", name) else ""


def kind_of(s: str) -> str:
    """Document type named in a title-like string; "" when it names none."""
    s = s.replace("预算法", "")  # the Budget Law is cited everywhere, it names no document
    if re.search(r"XX|ＸＸ|××", s) or re.search(r"检查表|模板|样张", s):
        return "其他"
    if re.search(r"绩效评价|绩效目标表", s):
        return "其他"
    if "三公" in s and not re.search(r"(?:部门|单位)(?:预算|决算)", s):
        return "其他"
    if "决算" in s:
        return "部门决算"
    if "单位预算" in s:
        return "单位预算"
    if "预算" in s:
        return "部门预算"
    return ""


def _kind(title: str, dept: str, lines: list[str], web: dict[str, str]) -> str:
    if re.search(r"XX|ＸＸ|××", dept):
        return "其他"  # an official blank template
    kind = kind_of(title)
    if kind:
        return kind
    for line in [web.get("栏目", "")] + lines:
        kind = kind_of(close_up(line))
        if kind:
            return kind
    return "其他"


def _year(title: str, lines: list[str], text: str) -> int | None:
    m = re.search(_YEAR, title)
    if m:
        return int(m.group(0))
    cleaned = [close_up(unbold(line)) for line in lines]
    for pattern in (rf"({_YEAR})年度?(?:区级|市级|省级)?(?:部门|单位)?(?:综合)?(?:预算|决算)",
                    rf"({_YEAR})年度"):
        for line in cleaned:
            if _NOISE.match(line):
                continue  # a publication date
            m = re.search(pattern, line)
            if m:
                return int(m.group(1))
    counts = Counter(re.findall(rf"({_YEAR})\s*年", text))
    if counts:
        best = max(counts.values())
        return max(int(y) for y, c in counts.items() if c == best)
    return None


def _region(dept: str, title: str, text: str) -> str:
    by_dept = split_region(dept).units
    by_title = split_region(_name_from_title(title)).units
    units = by_dept if len(by_dept) >= len(by_title) else by_title
    if not units and len(dept) >= 2 and "市" not in dept[1:4]:
        # "长沙职业教育基地…", "福州经济技术开发区…": a city named without 市
        for n in (3, 2):
            if dept[:n] + "市" in text:
                return dept[:n] + "市"
    return "".join(units)


# --------------------------------------------------------------------------- entry point


def extract_meta(text: str) -> DocMeta:
    """Title, department, region, year and kind of one document, from its own text."""
    web = _web_header(text)
    lines = _head_lines(text)
    if web:
        title = close_up(re.sub(r"【[^】]*】", "", web.get("标题", "")))
    else:
        block = _title_block(lines)
        title = _join_title(block)
        if block and not _KIND_WORD.search(title):
            # no document type named: prose, not a title page; keep a short first line only
            title = block[0] if len(block[0]) <= 40 else ""
    labels = {} if web else _labels(lines)
    dept = _department(title, labels, web, text)
    year = _year(title, lines, text)
    kind = _kind(title, dept, lines, web)
    region = _region(dept, title, text)
    if not title and dept:
        title = dept if kind == "其他" else f"{dept}{year}年度{kind}" if year else dept + kind
    return DocMeta(title=title, department=dept, region=region, year=year, kind=kind)
