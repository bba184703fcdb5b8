"""Which documents a question is about: departments, years as people mean them, kind.

* A department is never refused for its name (departments.py resolves it); a name the
  index does not hold ("杭州市财政局") gives an empty scope with the reason, so the answer
  is 未找到 and not another department's figure — unless it is a unit of an indexed
  department that heads a row or a heading of its documents ("广州市老人院 53,125.45 …" in
  广州市民政局's budget): then those documents answer, the unit is the item asked, and the
  answer says so.
* Two close candidates (市信访局 for 无锡 and 长沙): the best one is used and the other
  named in the answer.
* Years: a document of year Y also states Y−1 figures (上年预算数, 截至Y−1年底, 比上年…),
  so a question about Y−1 is answered from the Y document when no Y−1 document exists
  (``prior_year``). "今年"/"去年" without digits resolve against the newest document in
  scope, and the answer says so.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field

from assistant.answering.departments import Candidate, Department, Mention
from assistant.answering.question import Question
from assistant.answering.settings import RESOLVER


@dataclass
class Scope:
    doc_ids: list[int]  # positions in index.doc_list the answer may come from
    reason: str = ""  # why the scope is empty
    departments: list[Department] = field(default_factory=list)  # the ones used, in question order
    others: list[Department] = field(default_factory=list)  # close candidates not used
    mention: str = ""  # the words that named them
    years: list[int] = field(default_factory=list)  # the document years used
    prior_year: int | None = None  # the asked year, stated by the next year's document
    notes: list[str] = field(default_factory=list)  # what the answer must say about this choice
    named: bool = False  # the question named an organisation (or a region)
    region_only: bool = False  # only a region was named
    unit: str = ""  # a unit with no documents of its own, named in these ("广州市老人院")

    @property
    def empty(self) -> bool:
        return not self.doc_ids


def scope(index, q: Question, department: str = "", year: int | None = None,
          kind: str = "") -> Scope:
    """The documents a question (or the explicit filters of the search tab) may use."""
    if department:
        resolution = index.resolver.resolve(department)
    else:
        resolution = q.departments if q.departments is not None else index.resolver.resolve(q.text)
    mentions: list[Mention] = list(resolution.mentions) if resolution is not None else []
    if department and not mentions:
        return Scope([], f"未识别部门“{department}”：请写出机构名，如“普陀区政府办”“江苏高院”")
    # A filter must name one department; a question may name a vague one and get a list.
    groups, others, notes, missing, vague = _departments(mentions, 2 if department else RESOLVER.vague_at)
    if vague and department:
        # A filter that fits many departments ("政府办") filters nothing meaningful: say so.
        names = "、".join(vague[:RESOLVER.vague_list])
        return Scope([], f"“{department}”可指多个部门（{names}…），请写出地区，如“魏县政府办”")
    if missing and not groups:
        listed = None if department or len(missing) > 1 else _listing(index, missing[0])
        if listed is None:
            return Scope([], f"语料中没有“{'、'.join(missing)}”的文件", mention="、".join(missing), named=True)
        listed, spelled = listed
        sc = Scope(sorted(i for d in listed for i in d.doc_ids),
                   departments=listed, mention=missing[0], named=True, unit=spelled,
                   notes=[f"语料中没有“{missing[0]}”自己的文件，按列出它的{'、'.join(d.name for d in listed)}的文件回答"])
        _years(index, q, sc, year)
        if sc.doc_ids:
            _kind(index, q, sc, kind)
        return sc
    notes += [f"语料中没有“{m}”的文件" for m in missing]
    n = len(index.doc_list)
    region_only = bool(groups) and all(how == "region" for how, _ in groups)
    if groups:
        allowed = sorted({i for _, cands in groups for c in cands for i in c.department.doc_ids})
    else:
        allowed = list(range(n))
    used = [c.department for how, cands in groups if how != "region" for c in cands]
    mention = "、".join(m.text for m in mentions if not m.missing)
    sc = Scope(allowed, departments=used, others=others, mention=mention, notes=notes,
               named=bool(groups), region_only=region_only)
    _years(index, q, sc, year)
    if sc.doc_ids:
        _kind(index, q, sc, kind)
    return sc


def _listing(index, name: str) -> tuple[list[Department], str] | None:
    """The departments whose documents name a unit that has none of its own: "广州市老人院"
    is one of 广州市民政局's units, with its own rows in that budget ("广州市老人院 53,125.45 …").
    Only a full name (region and suffix, 5 characters or more) is looked for."""
    if len(name) < _UNIT_NAME or not re.search(r"[院局委办处所站队心馆会校]$", name):
        return None
    # It must head a line (a row "114002 苏州市土地储备中心 69,998.00", a heading "二十一、深圳市
    # 考试院"), not only be mentioned in passing ("报市财政局审核" names no unit of the author).
    # The level word may be left out: "烟台特种设备检验研究院" is "2.烟台市特种设备检验研究院".
    spelled = "".join(re.escape(ch) + "[省市区县]?" for ch in name)
    line = re.compile(rf"^[ \t]*(?:[一二三四五六七八九十]+、|\d+[.、．]?[ \t]*)?({spelled})(?:[ \t（(]|$)", re.M)
    found, as_written = [], name
    for d in _near(index.resolver, name):
        m = next((m for i in d.doc_ids for m in [line.search(index.docs[index.doc_list[i].doc_id].text)] if m), None)
        if m:
            found.append(d)
            as_written = m.group(1)
    # (the departments, the name as their documents write it: the item the answer must say)
    return (found, as_written) if found else None


_UNIT_NAME = 5


def _near(resolver, name: str) -> list[Department]:
    """The departments whose documents may list the unit: those of the region its name starts
    with ("广州市老人院": 广州's), none for a place the index has no department in ("成都市气象局":
    no scan of every document), all when the name starts with no place ("秦岭终南山…管理办公室")."""
    for n in range(min(len(name) - 1, resolver.max_region), 1, -1):
        if name[:n] in resolver.regions:
            return resolver.by_stem.get(resolver.regions[name[:n]], [])
    if re.match(r"[\u4e00-\u9fff]{2,3}[省市区县]", name):
        return []
    return resolver.departments


def _departments(mentions: list[Mention], vague_at: int = RESOLVER.vague_at) -> tuple[list[tuple[str, list[Candidate]]], list[Department],
                                                   list[str], list[str], list[str]]:
    """(how, candidates) per mention that resolved; close candidates not chosen; notes; the
    names the index does not hold; and the departments a vague name ("政府办") may mean."""
    groups: list[tuple[str, list[Candidate]]] = []
    others: list[Department] = []
    notes: list[str] = []
    vague: list[str] = []
    missing = [m.text for m in mentions if m.missing]
    for m in mentions:
        if m.missing or not m.candidates:
            continue
        if m.candidates[0].how == "region":
            groups.append(("region", m.candidates))
            continue
        close = m.close(RESOLVER.close_margin)
        if len({c.department.name for c in close}) >= vague_at:
            # "市信访局", "政府办": too many departments fit; the question names none of them.
            vague += [c.department.name for c in close]
            groups.append(("region", close))
            continue
        best = close[0]
        groups.append((best.how, [best]))
        rest = [c.department for c in close[1:] if c.department.name != best.department.name]
        if rest:
            others += rest
    return groups, others, notes, missing, vague


def _years(index, q: Question, sc: Scope, year: int | None) -> None:
    docs = index.doc_list
    asked = [year] if year else list(q.asked_years)
    if q.relative and not asked:
        newest = max((docs[i].meta.year or 0 for i in sc.doc_ids), default=0)
        if newest:
            asked = sorted({newest + r.relative for r in q.relative if r.relative is not None})
            words = "、".join(r.said for r in q.relative)
            sc.notes.append(f"“{words}”按最新文件的年度（{newest}年）理解")
    if not asked:
        sc.years = sorted({docs[i].meta.year for i in sc.doc_ids if docs[i].meta.year})
        return
    by_year = [i for i in sc.doc_ids if docs[i].meta.year in asked]
    if by_year:
        sc.doc_ids = by_year
        sc.years = sorted(set(asked))
        return
    if len(asked) == 1 and sc.named and not sc.region_only:
        # A document of year Y states the Y-1 figures (上年预算数, 比2025年年初预算数…).
        nxt = [i for i in sc.doc_ids if docs[i].meta.year == asked[0] + 1]
        if nxt:
            sc.doc_ids = nxt
            sc.years = [asked[0] + 1]
            sc.prior_year = asked[0]
            sc.notes.append(f"没有{asked[0]}年的文件，按{asked[0] + 1}年文件中的上年数回答")
            return
    have = sorted({docs[i].meta.year for i in sc.doc_ids if docs[i].meta.year})
    who = f"“{sc.mention}”" if sc.named and sc.mention else "语料中"
    sc.reason = (f"{who}没有{'、'.join(map(str, asked))}年的文件"
                 + (f"（有：{'、'.join(map(str, have))}年）" if have and sc.named else ""))
    sc.doc_ids = []


def _kind(index, q: Question, sc: Scope, kind: str) -> None:
    """A 决算 question takes 决算 documents when the scope has them; a filter kind is strict."""
    docs = index.doc_list
    want = kind or q.doc_kind
    if not want:
        return
    same = [i for i in sc.doc_ids if docs[i].meta.kind == want]
    # A summary titled as a 决算 ("2017年度平潭综合实验区本级一般公共预算“三公”经费支出决算情况")
    # is no 部门决算, but it answers the 决算 figures it states.
    titled = [i for i in sc.doc_ids if want == "部门决算" and docs[i].meta.kind == "其他"
              and "决算" in docs[i].meta.title] if not kind else []
    if same:
        sc.doc_ids = same
    elif titled:
        sc.doc_ids = titled
    elif kind or (want == "部门决算" and "决算" in q.text):
        # "2017年部门决算本年支出多少" with only a 三公 summary of 2017: that is no 决算.
        sc.reason = (f"“{sc.mention}”" if sc.mention else "语料中") + \
            f"没有{'、'.join(map(str, sc.years)) + '年的' if sc.years else ''}{kind or '部门决算'}文件"
        sc.doc_ids = []


def name_tail(q: Question) -> set[str]:
    """Words right after a resolved mention that continue the organisation's own name:
    "平潭实验区本级" resolves "平潭" to a region whose units read "平潭综合实验区"; "实验区" is
    part of the name, not a thing asked."""
    res = q.departments
    out: set[str] = set()
    for m in getattr(res, "mentions", []) or []:
        if m.missing or not m.candidates:
            continue
        d = m.candidates[0].department
        names = [d.name, *d.names, *d.units]
        rest = q.text[m.end:m.end + 8]
        for n in range(len(rest), 1, -1):
            if any(rest[:n] in name for name in names):
                out.add(rest[:n])
                break
    return out
