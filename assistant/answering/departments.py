"""Which department a question names, resolved against the departments the index holds.

People type names their own way: 北京市府办, 江苏高院, 普陀商务委, 西安安监局, 沪财政局,
省委办, "2026北京卫健委", "2010301在北京市政府办公厅". Documents carry official names
(北京市人民政府办公厅 …). A name is never refused because it is unknown: every span of the
question that could be a name is compared with every department by rules and data
(assistant/lexicon: abbreviations, everyday words, regions), so a new department needs
no alias of its own.

A span is read as  [中共] [regions…] [level word 市/省/区/县] core:

* regions: any region the index holds (上海市, 普陀区, 普陀) or a province (江苏, 苏). Outer
  regions may be dropped (普陀商务委), but the innermost region named must be the
  department's own: 上海市商务委 is not 上海市普陀区商务委员会.
* level word: 市府办, 区商务委, 省委办 name a department of that level, region unnamed.
* core: both sides are reduced by the same abbreviation rules (人民政府办公厅 → 政府办,
  委员会 → 委 …) and compared: equal, the end of the official core (交管支队 of
  公安局交管支队), or its characters in order (安监局 in 安全生产监督管理局).

Scores are products of the core match and the region match (ResolverSettings). A span
that names a region plus an organisation the index does not hold (杭州市财政局 when 杭州
has other departments, 成都市气象局) is a *missing* mention: the caller answers 未找到
rather than quote another department.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from assistant import lexicon
from assistant.answering.settings import RESOLVER, ResolverSettings
from assistant.orgs import canonical_core, core_variants, split_region, unit_stem
from assistant.records import DocMeta
from assistant.textutil import CJK, normalize_text

LEVEL_WORDS = ("省", "市", "区", "县")
_PARTY = re.compile(r"^(?:中国共产党|中共)")
# A run of a name's characters; digits only between Chinese ones ("第0办公室", not "2026北京").
_SPAN_CHARS = re.compile(rf"[{CJK}（）()]+(?:[0-9]+[{CJK}（）()]+)*")
# An organisation-like phrase after a region: tells "杭州市财政局" (an organisation the
# index lacks) from "北京城市道路…" (a region followed by a topic).
_ORG_PHRASE = re.compile(
    rf"[{CJK}]{{1,8}}?(?:局|委员会|委|办公室|办公厅|办|法院|检察院|院|厅|署|中心|政府|街道"
    rf"|宣传部|工作部|组织部|统战部|总队|支队)")
# The same, digits allowed ("第0办公室"), only where a document's department is unnamed.
_ORG_PHRASE_LOOSE = re.compile(rf"[{CJK}0-9]{{1,8}}?(?:局|委员会|委|办公室|办公厅|办|院|厅|中心|政府)")
_UNKNOWN_REGION = re.compile(rf"([{CJK}]{{2,3}}?)(省|市|区|县)")
_ORG_END = "局委办厅院署队所部会心站处馆"
# First characters that make "X市" a word, not a place ("全市", "本市", "各区"…).
_NOT_PLACE = set("全本我该各城地社辖外省市区县每此上下")
_CONNECTORS = set("和与及跟同比、，,；;：:的在")
# Characters after which a name may start in running text ("请问信访局…", "查一下市府办").
_BOUNDARY = _CONNECTORS | set("问查看下是了年度请（(“\"'的之里中对给把向从")


@dataclass(frozen=True)
class Department:
    """One organisation as the index's documents name it (all their spellings)."""

    name: str  # the official name as the first document gives it
    units: tuple[str, ...]  # region chain, full forms ("上海市", "普陀区")
    stems: tuple[str, ...]  # region chain, outermost first ("上海", "普陀")
    level: str  # suffix of the innermost region: 省 / 市 / 区 / 县 / 乡 … ("" when none)
    cores: tuple[str, ...]  # canonical core first, then looser variants
    doc_ids: tuple[int, ...]
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    department: Department
    score: float
    how: str  # exact | end | in_order | region


@dataclass
class Mention:
    """Words of the question that name an organisation (or a region, or one not held)."""

    text: str
    start: int
    end: int
    candidates: list[Candidate] = field(default_factory=list)  # best first, one per department
    missing: bool = False  # names an organisation the index does not hold

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def close(self, margin: float) -> list[Candidate]:
        """The candidates within ``margin`` of the best (the ones a reader could have meant)."""
        if not self.candidates:
            return []
        top = self.candidates[0].score
        return [c for c in self.candidates if c.score >= top - margin]


@dataclass
class Resolution:
    mentions: list[Mention] = field(default_factory=list)

    @property
    def named(self) -> list[Mention]:
        """Mentions that name an organisation or a region (held or not)."""
        return self.mentions

    @property
    def missing(self) -> list[str]:
        return [m.text for m in self.mentions if m.missing]

    @property
    def text(self) -> str:
        return "、".join(m.text for m in self.mentions)


class DepartmentResolver:
    """The departments of a list of DocMeta, indexed once; ``resolve`` is then cheap."""

    def __init__(self, metas: Sequence[DocMeta], settings: ResolverSettings = RESOLVER) -> None:
        self.settings = settings
        lex = lexicon.load()
        # "府办" -> "政府办", but never inside a name that already says 政府办 ("北京市政府办公厅").
        self._typed = [(_typed_pattern(typed, canon), canon)
                       for typed, canon in sorted(lex.org_synonyms, key=lambda p: -len(p[0]))]
        self._generic = lex.org_generic
        # Words a question goes on with after a name ("三公", "招待费", "预算", "多少" …).
        self._question_words = {w[:2] for w in list(lex.terms) + list(lex.synonyms) + list(lex.cues)
                                + list(lex.filler) + list(lex.relative_years) if len(w) >= 2}
        self._question_words |= set("的和与是有在几多共全今去上本下")
        self._question_firsts = {w[0] for w in self._question_words if w}
        self.departments = _departments(metas)
        self.regions: dict[str, str] = {}  # surface form in a question -> region stem
        self.region_level: dict[str, str] = {}  # stem -> level suffix
        self.by_stem: dict[str, list[Department]] = {}
        for r in lex.regions:
            self._add_region(r.name, r.name, r.suffix)
            self.regions.setdefault(r.name + r.suffix, r.name)
            for a in r.abbreviations:
                self.regions.setdefault(a, r.name)
        for city, abbreviations in lex.cities.items():
            self._add_region(city + "市", city, "市")
            for a in abbreviations:
                self.regions.setdefault(a, city)
        self.regions.setdefault("国家", "中央")
        self.regions.setdefault("中央", "中央")
        for d in self.departments:
            for u, st in zip(d.units, d.stems):
                self._add_region(u, st, u[len(st):])
                self.by_stem.setdefault(st, []).append(d)
        self.max_region = max(len(k) for k in self.regions)
        self.by_last: dict[str, list[tuple[str, Department]]] = {}
        for d in self.departments:
            for c in d.cores:
                self.by_last.setdefault(c[-1], []).append((c, d))
        # Regions holding a document whose department its title page does not name: a name
        # there that we cannot match may well be that document's.
        self.unnamed: dict[str, list[int]] = {}
        for i, m in enumerate(metas):
            if not m.department and m.region:
                for u in split_region(m.region).units:
                    self._add_region(u, unit_stem(u), u[len(unit_stem(u)):])
                    self.unnamed.setdefault(unit_stem(u), []).append(i)
        self.max_region = max(len(k) for k in self.regions)
        self._cache: dict[str, Resolution] = {}

    def _add_region(self, unit: str, stem: str, suffix: str) -> None:
        self.regions.setdefault(unit, stem)
        if len(stem) >= 2:
            self.regions.setdefault(stem, stem)
        if suffix:
            self.region_level.setdefault(stem, suffix)

    # ------------------------------------------------------------------ question side

    def resolve(self, question: str) -> Resolution:
        q = re.sub(r"\s+", "", normalize_text(question))
        hit = self._cache.get(q)
        if hit is None:
            hit = self._resolve(q)
            if len(self._cache) > 2048:
                self._cache.clear()
            self._cache[q] = hit
        return hit

    def _resolve(self, q: str) -> Resolution:
        found: list[Mention] = []
        for run in _SPAN_CHARS.finditer(q):
            found += self._spans(run.group(), run.start())
        chosen = _non_overlapping(found)
        covered = [(m.start, m.end) for m in chosen]
        chosen += self._missing_and_regions(q, covered)
        chosen.sort(key=lambda m: m.start)
        return Resolution(chosen)

    def _spans(self, run: str, offset: int) -> list[Mention]:
        """Candidate names in one run of CJK characters.

        A span may not start inside a place name ("京市信访局" of 南京市信访局), and right
        after a place name only the span that includes it is read (the user named the
        region: "杭州市财政局" is not any 市财政局)."""
        s = self.settings
        places = self._places(run)
        inside = {i for a, b in places for i in range(a + 1, b)}
        # "北京的卫健委": a 的 after a place name joins it to the name that follows.
        joined = {a: b for a, b in places if run[b:b + 1] == "的"}
        after = {b for _, b in places} | {b + 1 for b in joined.values()}
        out: list[Mention] = []
        for end in range(2, len(run) + 1):
            for start in range(max(0, end - s.max_span), end - 1):
                if start in inside:
                    continue
                span = run[start:end]
                b = joined.get(start)
                if b is not None and end > b + 1:
                    span = run[start:b] + run[b + 1:end]
                # Read without a region only where a name can start: "南京信访局" is not any
                # 信访局, and right after a place name the user named the region.
                regionless = start not in after and (start == 0 or run[start - 1] in _BOUNDARY)
                cands = self._match_span(span, regionless=regionless, ends_name=self._name_ends(run, end))
                if cands:
                    out.append(Mention(span, offset + start, offset + end, cands))
        return out

    def _places(self, run: str) -> list[tuple[int, int]]:
        """(start, end) of every place name in a run: regions the index knows (two
        characters or more) and unknown ones shaped like 南京市, 成都市."""
        known = []
        for i in range(len(run)):
            for n in range(min(self.max_region, len(run) - i), 1, -1):
                if run[i:i + n] in self.regions:
                    known.append((i, i + n))
                    break
        unknown = []
        for i in range(len(run)):
            m = self._unknown_place(run, i)
            if m and not any(a < m[1] and b > i for a, b in known):
                unknown.append(m)
        return known + unknown

    def _unknown_place(self, q: str, i: int) -> tuple[int, int] | None:
        """"南京市", "成都市": shaped like a place, at the start of a name, not one we know."""
        m = _UNKNOWN_REGION.match(q, i)
        if not m or m.group(1)[0] in _NOT_PLACE or m.group(1) in self.regions:
            return None
        if i > 0 and re.match(f"[{CJK}]", q[i - 1]) and q[i - 1] not in _CONNECTORS:
            return None
        for j in range(i, m.end()):  # "年江苏省": a known place inside is not an unknown one
            if any(q[j:j + n] in self.regions for n in range(2, self.max_region + 1)):
                return None
        return i, m.end()

    def _name_ends(self, run: str, end: int) -> bool:
        """Whether a name can end here: not followed by more of a name ("市医保|中心",
        "市自然资源|确权登记中心"), only by the end, a connector, or the question's words."""
        if end >= len(run):
            return True
        nxt = run[end:end + 2]
        # nxt starts with one of the words' first two characters, or (one character left) starts one
        words = self._question_words
        return nxt[0] in _CONNECTORS or nxt[0].isdigit() or nxt in words or nxt[:1] in words \
            or (len(nxt) == 1 and nxt in self._question_firsts)

    def _match_span(self, span: str, regionless: bool = True, ends_name: bool = True) -> list[Candidate]:
        best: dict[str, Candidate] = {}
        for stems, level, core in self._parses(span):
            if not (stems or level) and not regionless:
                continue
            key = self._canonical(core)
            if len(key) < 2 or (not (stems or level) and key in self._generic):
                continue
            forms = list(self.by_last.get(key[-1], ()))
            if key[-1] not in _ORG_END:
                # "北京商务", "普陀财政": the name without its 局/委/办 (compared as key + suffix)
                forms += [(f, d) for ch in _ORG_END for f, d in self.by_last.get(ch, ()) if f[:-1] == key]
            for form, dept in forms:
                core_score, how = self._core_score(key, form, bool(stems or level))
                if not core_score or (how == "suffix" and not ends_name):
                    continue
                region = self._region_score(stems, level, dept)
                if not region:
                    continue
                score = round(core_score * region, 4)
                old = best.get(dept.name)
                if old is None or score > old.score:
                    best[dept.name] = Candidate(dept, score, how)
        return sorted((c for c in best.values() if c.score >= self.settings.min_score),
                      key=lambda c: (-c.score, -max(d for d in c.department.doc_ids)))

    def _parses(self, span: str) -> list[tuple[tuple[str, ...], str, str]]:
        """Every reading of a span as (region stems, level word, core)."""
        m = _PARTY.match(span)
        body = span[m.end():] if m else span
        out: list[tuple[tuple[str, ...], str, str]] = []

        def walk(pos: int, stems: tuple[str, ...]) -> None:
            rest = body[pos:]
            if not rest:
                return
            out.append((stems, "", rest))
            if rest[0] in LEVEL_WORDS and len(rest) > 2:
                out.append((stems, rest[0], rest[1:]))
            if len(stems) >= 4:
                return
            for n in range(min(self.max_region, len(rest) - 1), 0, -1):
                stem = self.regions.get(rest[:n])
                if stem is None or (n == 1 and pos > 0):
                    continue  # a one-character province (沪, 苏) only opens a name
                if stems and stem == stems[-1]:
                    continue
                walk(pos + n, stems + (stem,))

        walk(0, ())
        return out

    def _canonical(self, core: str) -> str:
        for typed, canon in self._typed:
            core = typed.sub(canon, core)
        return canonical_core(core)

    def _core_score(self, key: str, form: str, has_region: bool) -> tuple[float, str]:
        """How well a typed core names an official one. Without a region (or level word)
        only an exact core counts: "常委会" in "几次常委会议" is no department."""
        s = self.settings
        if key == form:
            return s.exact, "exact"
        if form[:-1] == key and form[-1] in _ORG_END:
            return s.suffix_dropped, "suffix"
        if not has_region and len(key) < s.min_regionless_partial:
            return 0.0, ""
        if form.endswith(key):
            return s.core_end, "end"
        ratio = len(key) / len(form)
        need = s.min_ratio_first if key[0] == form[0] else s.min_ratio
        if len(key) >= 3 and key[-1] == form[-1] and ratio >= need and _in_order(key, form):
            return s.in_order_base + s.in_order_span * ratio, "in_order"
        return 0.0, ""

    def _region_score(self, stems: tuple[str, ...], level: str, dept: Department) -> float:
        s = self.settings
        if stems:
            if not _compatible(stems, dept.stems):
                return 0.0
            return s.region_named
        if level:
            return s.level_word if dept.level == level or (level == "市" and dept.level == "市") else 0.0
        return s.region_dropped

    def _missing_and_regions(self, q: str, covered: list[tuple[int, int]]) -> list[Mention]:
        """Mentions outside the matched spans: an organisation the index does not hold
        ("杭州市财政局"), or a region alone ("北京城市道路…": that region's documents)."""
        out: list[Mention] = []
        i = 0
        while i < len(q):
            if any(a <= i < b for a, b in covered):
                i += 1
                continue
            stems, j = self._region_chain(q, i)
            if stems:
                o = _ORG_PHRASE.match(q, j) or (_ORG_PHRASE_LOOSE.match(q, j) if stems[-1] in self.unnamed else None)
                if o and not any(a < o.end() and b > i for a, b in covered):
                    similar = self._similar(stems, q[j:o.end()]) or self._unnamed(stems)
                    out.append(Mention(q[i:o.end()], i, o.end(), similar, missing=not similar))
                    i = o.end()
                    continue
                out.append(Mention(q[i:j], i, j, self._region_only(stems)))
                i = j
                continue
            place = self._unknown_place(q, i)
            if place:
                o = _ORG_PHRASE.match(q, place[1])
                if o and not any(a < o.end() and b > i for a, b in covered):
                    out.append(Mention(q[i:o.end()], i, o.end(), missing=True))
                    i = o.end()
                    continue
            i += 1
        return out

    def _similar(self, stems: tuple[str, ...], core: str) -> list[Candidate]:
        """A body the region holds whose name shares most of the typed one's characters
        ("深圳文体旅游局" ~ 深圳市文化广电旅游体育局); none when nothing shares enough
        ("杭州市财政局" when 杭州 has only 气象局, 公安局 …: the index lacks it)."""
        typed = self._canonical(core)
        key = set(typed) - set(_ORG_END)
        if len(key) < 2:
            return []
        out = []
        for d in self.by_stem.get(stems[-1], []):
            if not _compatible(stems, d.stems):
                continue
            names = list(d.cores) + [split_region(n).rest for n in d.names]
            if not any(n.endswith(typed[-1]) for n in names):
                continue  # 退役军人局 is not 退役军人服务中心
            overlap = max(len(key & (set(c) - set(_ORG_END))) / len(key) for c in names)
            if overlap >= self.settings.similar_overlap:
                out.append(Candidate(d, round(self.settings.similar * overlap, 4), "similar"))
        return sorted(out, key=lambda c: -c.score)[:1]

    def _unnamed(self, stems: tuple[str, ...]) -> list[Candidate]:
        ids = self.unnamed.get(stems[-1], [])
        if not ids:
            return []
        return [Candidate(Department("", (), stems, "", ("",), tuple(ids)), self.settings.region_only_own, "region")]

    def _region_chain(self, q: str, i: int) -> tuple[tuple[str, ...], int]:
        stems: list[str] = []
        while i < len(q):
            for n in range(min(self.max_region, len(q) - i), 1, -1):
                st = self.regions.get(q[i:i + n])
                if st is not None and st not in stems:
                    stems.append(st)
                    i += n
                    break
            else:
                break
        return tuple(stems), i

    def _region_only(self, stems: tuple[str, ...]) -> list[Candidate]:
        if stems[-1] == "中央":
            return []  # "国家" alone is too common a word to select documents
        s = self.settings
        out = []
        for d in self.by_stem.get(stems[-1], []):
            if not _compatible(stems, d.stems, innermost=False):
                continue
            own = d.stems and d.stems[-1] == stems[-1]
            # a township's own 人民政府 is the organisation "东庠乡" names
            if own and d.cores[0] == "政府":
                out.append(Candidate(d, s.exact, "exact"))
                continue
            out.append(Candidate(d, s.region_only_own if own else s.region_only_sub, "region"))
        return sorted(out, key=lambda c: -c.score)


def _typed_pattern(typed: str, canon: str) -> re.Pattern[str]:
    head = canon[: -len(typed)] if canon.endswith(typed) else ""
    return re.compile((f"(?<!{re.escape(head)})" if head else "") + re.escape(typed))


def _in_order(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _compatible(q_stems: Sequence[str], doc_stems: Sequence[str], innermost: bool = True) -> bool:
    """Every region the question names is one of the department's, in order, and (unless
    only a region is named) the innermost one is the department's own.

    A province the question puts before a city is fine when the document names none
    ("江苏苏州科技局" for a document whose region is just 苏州市); a province named alone
    ("江苏高院") must be the document's own.
    """
    provinces = {r.name for r in lexicon.load().regions if r.level != "municipality"}
    doc_has_prov = any(s in provinces for s in doc_stems)
    pos = 0
    named = [st for i, st in enumerate(q_stems)
             if not (st in provinces and i < len(q_stems) - 1 and not doc_has_prov and st not in doc_stems)]
    for st in named:
        try:
            pos = list(doc_stems).index(st, pos) + 1
        except ValueError:
            return False
    if innermost and named:
        return bool(doc_stems) and named[-1] == doc_stems[-1]
    return True


def _non_overlapping(found: list[Mention]) -> list[Mention]:
    """The best mentions that do not overlap: higher score first, then the longer span."""
    # A name read without its 局/委/办 ("无锡应急") is a weaker reading than one that ends in
    # its suffix ("无锡应急执法局"), whichever scores higher on its own.
    order = sorted(found, key=lambda m: (-(m.candidates[0].score - (0.25 if m.candidates[0].how == "suffix" else 0)),
                                         -(m.end - m.start), m.start))
    chosen: list[Mention] = []
    for m in order:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return chosen


def _departments(metas: Sequence[DocMeta]) -> list[Department]:
    """Documents grouped into organisations: same innermost region and canonical core."""
    groups: dict[tuple[str, str], dict] = {}
    for i, meta in enumerate(metas):
        if not meta.department or "XX" in meta.department.upper():
            continue  # templates ("上海市XX局") name no real organisation
        org = split_region(meta.department)
        reg = split_region(meta.region) if meta.region else None
        units = reg.units if reg is not None and len(reg.units) >= len(org.units) else org.units
        rest = org.rest
        if not org.units:
            # "长沙职业教育基地…", "福州经济技术开发区…": a region stem without its suffix.
            for st in sorted((unit_stem(u) for u in units), key=len, reverse=True):
                if len(st) >= 2 and rest.startswith(st):
                    rest = rest[len(st):]
                    break
        core = canonical_core(rest)
        if not core:
            continue
        # "上海市统计和大数据研究院（上海市统计数据管理中心）": the bracket is another name.
        alias = [canonical_core(split_region(a).rest) for a in re.findall(r"[（(]([^）)]{4,})[）)]", rest)
                 if not re.fullmatch(r"本级|汇总|部门|单位", a)]
        stems = tuple(unit_stem(u) for u in units)
        key = (stems[-1] if stems else "", core)
        g = groups.setdefault(key, {"name": meta.department, "units": units, "stems": stems, "core": core,
                                    "docs": [], "names": [], "alias": []})
        g["alias"] += [a for a in alias if a and a not in g["alias"]]
        g["docs"].append(i)
        if meta.department not in g["names"]:
            g["names"].append(meta.department)
        if len(stems) > len(g["stems"]):
            g["units"], g["stems"] = units, stems
    out = []
    for g in groups.values():
        inner = g["units"][-1] if g["units"] else ""
        level = inner[len(unit_stem(inner)):] if inner else ""
        cores = tuple(dict.fromkeys([g["core"]] + core_variants(g["core"]) + g["alias"]))
        out.append(Department(g["name"], tuple(g["units"]), g["stems"], level, cores, tuple(g["docs"]),
                              tuple(g["names"])))
    return out
