"""Match the organisation a question names to documents' metadata.

Users write everyday short names ("江苏高院", "普陀区商务委", "北京交通委"); documents
carry official ones ("江苏省高级人民法院", "上海市普陀区商务委员会", "北京市交通委员会").
Both sides are reduced to the same key: a chain of administrative regions plus a
*core* name shortened by generic abbreviation rules (人民检察院→检察院, 委员会→委,
科学技术→科技, 人民政府办公室→政府办 …). No per-document alias list exists.

Precision rule: a question that names a region followed by an organisation the corpus
does not hold ("广州市审计局" when there are 广州 documents of other departments and
审计局 documents of other cities, or "成都市审计局") yields a non-empty ``mention``, the
mention in ``missing`` and no scores for it, so the caller can answer 未找到 instead of
quoting the wrong department. A region alone ("北京城市道路…", "上海市2026年…") is not an
organisation and selects that region's documents with low scores.

Scores (strength in (0, 1]):
    1.0  region + core match (or a question naming a township whose 人民政府 is the doc)
    0.9  region + a looser variant of the core (人大常委会办公厅 named as "人大", 信访办 as 信访局)
    0.8  a distinctive core named without region ("万里街道", "社会福利院"), unique in the corpus
    0.5  only a region named; documents of exactly that region
    0.4  only a region named; documents of its sub-regions (上海市 → 上海市普陀区…)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from assistant import lexicon
from assistant.textutil import CJK
from assistant.records import DocMeta


_LEX = lexicon.load()
# Provincial-level units (assistant/lexicon/regions.tsv): geography, not corpus knowledge.
_MUNICIPALITIES = tuple(r.name for r in _LEX.regions if r.level == "municipality")
_PROVINCES = tuple(r.name for r in _LEX.regions if r.level == "province")
_AUTONOMOUS = tuple(r.name for r in _LEX.regions if r.level == "autonomous")
_SARS = tuple(r.name for r in _LEX.regions if r.level == "sar")

_PROV_RE = re.compile(
    "(?:(%s)(市)?|(%s)(省)?|(%s)(自治区)?|(%s)(特别行政区)?)" % (
        "|".join(_MUNICIPALITIES), "|".join(_PROVINCES), "|".join(_AUTONOMOUS), "|".join(_SARS)))
_PROV_SUFFIX = {0: "市", 2: "省", 4: "自治区", 6: "特别行政区"}
_CENTRAL_RE = re.compile(r"(?:国家|中央|国务院|全国|中华人民共和国)")
_CITY_RE = re.compile(rf"([{CJK}]{{2,3}}?)(市|自治州|地区|盟)")
_ZONE_RE = re.compile(rf"([{CJK}]{{2,6}}?)(综合实验区|新区)")
_DISTRICT_RE = re.compile(rf"(?:[{CJK}]{{2,3}}?区|[{CJK}]{{1,3}}?[县旗])(?![域划级属])")
_COUNTY_START_RE = re.compile(rf"([{CJK}]{{1,3}}?)(县|旗)")
_TOWN_RE = re.compile(rf"([{CJK}]{{2,3}}?)(乡|镇)(?=人民政府|政府|$)")
_PARTY_RE = re.compile(r"^(?:中国共产党|中共)")

# Longest suffix first so that 综合实验区 wins over 区.
_UNIT_SUFFIXES = ("特别行政区", "综合实验区", "自治区", "自治州", "新区", "地区",
                  "省", "市", "盟", "区", "县", "旗", "乡", "镇")


def unit_stem(unit: str) -> str:
    """普陀区 → 普陀, 江苏省 → 江苏, 平潭综合实验区 → 平潭; 魏县 → 魏 (stems compare units)."""
    for suf in _UNIT_SUFFIXES:
        if unit.endswith(suf) and len(unit) > len(suf):
            return unit[: -len(suf)]
    return unit


@dataclass
class OrgName:
    units: list[str]  # administrative regions, outermost first, full forms ("上海市", "普陀区")
    rest: str  # the name after the regions ("商务委员会"), as written
    party: bool = False  # 中共/中国共产党 prefix

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(unit_stem(u) for u in self.units)


def split_region(name: str) -> OrgName:
    """Split a name into leading administrative regions and the rest.

    "上海市普陀区人民政府办公室" → (["上海市", "普陀区"], "人民政府办公室");
    "中共江苏省委办公厅" → (["江苏省"], "委办公厅", party); "国家信访局" → (["中央"], "信访局");
    "上海交通职业技术学院" → (["上海市"], "交通职业技术学院").
    """
    s = re.sub(r"\s+", "", name)
    party = False
    m = _PARTY_RE.match(s)
    if m:
        party, s = True, s[m.end():]
    units: list[str] = []
    m = _CENTRAL_RE.match(s)
    if m:
        # 国家信访局, 中华人民共和国审计署: the prefix is the level, the rest names the body.
        keep = m.group(0) not in ("国家", "中华人民共和国")
        return OrgName(["中央"], s if keep else s[m.end():], party)
    m = _PROV_RE.match(s)
    if m:
        idx = next(i for i in (0, 2, 4, 6) if m.group(i + 1))
        units.append(m.group(idx + 1) + _PROV_SUFFIX[idx])
        s = s[m.end():]
    m = _CITY_RE.match(s)
    if m and not (units and units[0].endswith("市")):  # no city inside 上海市
        units.append(m.group(0))
        s = s[m.end():]
    for rx in (_ZONE_RE, _DISTRICT_RE):
        m = rx.match(s)
        if m:
            units.append(m.group(0))
            s = s[m.end():]
            break
    else:
        if not units:
            m = _COUNTY_START_RE.match(s)
            if m:
                units.append(m.group(0))
                s = s[m.end():]
    if units:
        m = _TOWN_RE.match(s)
        if m:
            units.append(m.group(0))
            s = s[m.end():]
    return OrgName(units, s, party)


# Long official wording → the short form people use (lexicon/org_abbreviations.tsv);
# applied to both sides.
_ABBREV: list[tuple[str, str]] = list(_LEX.org_abbreviations)
_ABBREV_RE = re.compile("|".join(re.escape(a) for a, _ in sorted(_ABBREV, key=lambda p: -len(p[0]))))
_ABBREV_MAP = dict(_ABBREV)
_PAREN_RE = re.compile(r"[（(][^）)]*[）)]")
_ORG_END = "局委办院厅部署室队所馆场校站处心会府道"

# Looser names people use for a whole body (lexicon/org_variants.tsv).
_VARIANTS: list[tuple[str, tuple[str, ...]]] = list(_LEX.org_variants)


def canonical_core(rest: str) -> str:
    """The comparable key of a name with its regions removed.

    "人民政府办公室" → "政府办", "商务委员会（本级）" → "商务委", "科学技术局" → "科技局",
    "医疗保障局部门" → "医保局", "人民政府国有资产监督管理委员会" → "国资委".
    """
    s = _PAREN_RE.sub("", re.sub(r"\s+", "", rest))
    if s.endswith("部门") and len(s) > 3 and s[-3] in _ORG_END:
        s = s[:-2]
    s = _ABBREV_RE.sub(lambda m: _ABBREV_MAP[m.group(0)], s)
    # "政府国资委", "政府口岸办", "政府万里街道": the 人民政府 prefix is usually dropped.
    if s.startswith("政府") and len(s) > 2 and s[2] != "办":
        s = s[2:]
    return s


def org_key(name: str) -> tuple[tuple[str, ...], str]:
    """(region stems, core key) of an organisation name."""
    org = split_region(name)
    return org.stems, canonical_core(org.rest)


def core_variants(core: str) -> list[str]:
    """Looser keys for a canonical core (the party prefix 委 dropped, 人大 for 人大常委会办公厅…)."""
    out: list[str] = []
    for key, alts in _VARIANTS:
        if core.endswith(key):
            out.extend(core[: -len(key)] + a for a in alts)
    if core.startswith("委") and core.endswith("部") and len(core) > 2:  # 中共X市委宣传部 → 宣传部
        out.append(core[1:])
    return [v for v in out if v and v != core]


# --------------------------------------------------------------------------- matching


@dataclass
class DeptMatch:
    mention: str  # the words of the question that name an organisation/region ("" if none)
    scores: dict[int, float]  # index into metas -> match strength in (0, 1]; only matching docs
    mentions: list[str] = field(default_factory=list)  # each mention separately, in question order
    missing: list[str] = field(default_factory=list)  # mentions naming an organisation not held


@dataclass
class _Doc:
    units: list[str]  # full forms, outermost first
    stems: tuple[str, ...]
    core: str  # canonical core key ("" when the department is unknown)


_PROVINCIAL = set(_MUNICIPALITIES + _PROVINCES + _AUTONOMOUS + _SARS)
_CONNECTORS = set("和与及跟同比、，,；;：:的在")
# An organisation-like phrase right after a region: tells "广州市审计局" (an organisation
# the corpus lacks) from "北京城市道路…" (a region followed by a topic).
_ORG_PHRASE_RE = re.compile(
    rf"[{CJK}]{{1,8}}?(?:局|委员会|委|办公室|办公厅|办|法院|检察院|院|厅|署|中心|政府|街道"
    rf"|宣传部|工作部|组织部|统战部|总队|支队)")
_UNKNOWN_REGION_RE = re.compile(rf"([{CJK}]{{2,3}}?)(省|市|区|县)")
_UNKNOWN_STEM_STOP = set("全本我该各城地社辖外省市区县每")
_MAX_CORE = 20
_Q_STOP = re.compile(rf"[^{CJK}（）()]")  # digits and punctuation end an organisation name


def _compatible(q_stems: Sequence[str], doc_stems: Sequence[str]) -> bool:
    """Every region the question names is one of the document's, in order.

    A province the question adds is fine when the document names none (its region is
    often given as just "西安市").
    """
    pos = 0
    doc_has_prov = any(s in _PROVINCIAL for s in doc_stems)
    for st in q_stems:
        try:
            pos = doc_stems.index(st, pos) + 1
        except ValueError:
            if st in _PROVINCIAL and not doc_has_prov:
                continue
            return False
    return True


class DepartmentIndex:
    """Aliases of a list of DocMeta, precomputed once; ``match`` is then a few dict look-ups."""

    def __init__(self, metas: Sequence[DocMeta]) -> None:
        self.metas = metas
        self.docs = [_doc_of(m) for m in metas]
        self.lexicon: dict[str, str] = {}  # region surface form in a question → unit stem
        self.by_key: dict[tuple[str, str], dict[int, float]] = {}  # (last stem, key) → docs
        self.by_stem: dict[str, list[int]] = {}  # stem → docs having it anywhere in their chain
        self.distinctive: dict[str, dict[int, float]] = {}  # region-less keys unique in corpus
        self._build()
        self.max_region = max(len(k) for k in self.lexicon)

    def _build(self) -> None:
        for p in _PROVINCIAL:
            self._add_region(p, p)
        key_regions: dict[str, set[tuple[str, ...]]] = {}
        for i, d in enumerate(self.docs):
            for u, st in zip(d.units, d.stems):
                self._add_region(u, st)
                self.by_stem.setdefault(st, []).append(i)
            if not d.core:
                continue
            last = d.stems[-1] if d.stems else ""
            for k, s in [(d.core, 1.0)] + [(v, 0.9) for v in core_variants(d.core)]:
                slot = self.by_key.setdefault((last, k), {})
                slot[i] = max(slot.get(i, 0.0), s)
            key_regions.setdefault(d.core, set()).add(d.stems)
        for i, d in enumerate(self.docs):
            # A long core held by one region only ("万里街道", "社会福利院") names its
            # document even without a region; short generic ones ("审计局") never do.
            if d.stems and len(d.core) >= 4 and len(key_regions[d.core]) == 1:
                self.distinctive.setdefault(d.core, {})[i] = 0.8

    def _add_region(self, unit: str, stem: str) -> None:
        self.lexicon.setdefault(unit, stem)
        if stem == "中央":
            self.lexicon.setdefault("国家", stem)
        elif len(stem) >= 2:
            self.lexicon.setdefault(stem, stem)
            for suf in ("省", "市"):  # "江苏省" for 江苏, "上海市" for 上海
                self.lexicon.setdefault(stem + suf, stem)

    # ------------------------------------------------------------------ question side

    def match(self, question: str) -> DeptMatch:
        q = re.sub(r"\s+", "", question)
        scores: dict[int, float] = {}
        mentions: list[str] = []
        missing: list[str] = []
        i, found_region = 0, False
        while i < len(q):
            chain, j = self._region_chain(q, i)
            if chain:
                found_region = True
                end, hit, status = self._after_region(q, chain, j)
                if status != "core" and q[j - 1] in "市省" and j - 1 > i:
                    # "北京市场监管局": the 市 may begin the organisation's name
                    alt = self._after_region(q, chain, j - 1)
                    if alt[2] == "core":
                        end, hit, status = alt
                start = i - 2 if q[max(0, i - 2):i] == "中共" else i
                mentions.append(q[start:end])
                if status == "unknown":
                    missing.append(q[start:end])
                _merge(scores, hit)
                i = end
                continue
            end = self._unknown_org(q, i)
            if end:
                found_region = True
                mentions.append(q[i:end])
                missing.append(q[i:end])
                i = end
                continue
            i += 1
        if not found_region:
            self._distinctive(q, scores, mentions)
        return DeptMatch("、".join(mentions), scores, mentions, missing)

    def _region_chain(self, q: str, i: int) -> tuple[list[str], int]:
        """Consecutive region names starting at i ("上海市普陀区" → [上海, 普陀])."""
        chain: list[str] = []
        while i < len(q):
            for n in range(min(self.max_region, len(q) - i), 1, -1):
                st = self.lexicon.get(q[i:i + n])
                if st is not None and not (chain and st in _PROVINCIAL):
                    # a province only opens a chain: "北京市台湾事务办" is not 台湾 under 北京
                    chain.append(st)
                    i += n
                    break
            else:
                break
        return chain, i

    def _after_region(self, q: str, chain: list[str], j: int) -> tuple[int, dict[int, float], str]:
        """What follows a region: a known core ("core"), an organisation we do not hold
        ("unknown": mention but no documents), or nothing ("region": the region's documents)."""
        run = q[j:j + _MAX_CORE]
        m = _Q_STOP.search(run)
        run = run[: m.start()] if m else run
        for n in range(len(run), 0, -1):
            docs = self.by_key.get((chain[-1], canonical_core(run[:n])))
            if docs:
                hit = {k: s for k, s in docs.items() if _compatible(chain, self.docs[k].stems)}
                if hit:
                    return j + n, hit, "core"
        m = _ORG_PHRASE_RE.match(run)
        if m:
            return j + m.end(), {}, "unknown"
        return j, self._region_only(chain), "region"

    def _region_only(self, chain: list[str]) -> dict[int, float]:
        if chain[-1] == "中央":
            return {}  # "国家" alone is too common a word to select documents
        out: dict[int, float] = {}
        for k in self.by_stem.get(chain[-1], ()):
            d = self.docs[k]
            if not _compatible(chain, d.stems):
                continue
            if d.stems[-1] == chain[-1]:
                # a township's own 人民政府 is the organisation "东庠乡" names
                out[k] = 1.0 if d.core == "政府" else 0.5
            else:
                out[k] = 0.4
        return out

    def _unknown_org(self, q: str, i: int) -> int:
        """End of "成都市审计局"-like mentions: unknown region + organisation; 0 if none."""
        if i > 0 and "\u4e00" <= q[i - 1] <= "\u9fff" and q[i - 1] not in _CONNECTORS:
            return 0
        m = _UNKNOWN_REGION_RE.match(q, i)
        if not m or m.group(1)[0] in _UNKNOWN_STEM_STOP or m.group(1) in _PROVINCIAL:
            return 0
        o = _ORG_PHRASE_RE.match(q, m.end())
        return o.end() if o else 0

    def _distinctive(self, q: str, scores: dict[int, float], mentions: list[str]) -> None:
        cq = _ABBREV_RE.sub(lambda m: _ABBREV_MAP[m.group(0)], q)
        for key, docs in self.distinctive.items():
            if key in cq:
                mentions.append(key)
                _merge(scores, docs)



def _merge(into: dict[int, float], new: dict[int, float]) -> None:
    for k, s in new.items():
        if s > into.get(k, 0.0):
            into[k] = s


def _doc_of(meta: DocMeta) -> _Doc:
    org = split_region(meta.department or "")
    reg = split_region(meta.region) if meta.region else OrgName([], "")
    units = reg.units if len(reg.units) >= len(org.units) else org.units
    rest = org.rest
    if not org.units:
        # "长沙职业教育基地…", "福州经济技术开发区…": a region stem without its suffix.
        for st in sorted((unit_stem(u) for u in units), key=len, reverse=True):
            if len(st) >= 2 and rest.startswith(st):
                rest = rest[len(st):]
                break
    core = canonical_core(rest) if meta.department else ""
    return _Doc(list(units), tuple(unit_stem(u) for u in units), core)


# A few indexes keyed on the identity of the metas list, checked against its contents so
# that a list mutated in place is re-indexed.
_CACHE: dict[int, tuple[Sequence[DocMeta], tuple, DepartmentIndex]] = {}
_CACHE_SIZE = 4


def _fingerprint(metas: Sequence[DocMeta]) -> tuple:
    return tuple((m.department, m.region) for m in metas)


def index_for(metas: Sequence[DocMeta]) -> DepartmentIndex:
    key = id(metas)
    fp = _fingerprint(metas)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is metas and hit[1] == fp:
        return hit[2]
    idx = DepartmentIndex(metas)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (metas, fp, idx)
    return idx


def match(question: str, metas: Sequence[DocMeta]) -> DeptMatch:
    """Documents whose organisation (or region) the question names; see module docstring."""
    return index_for(metas).match(question)


def same_department(a: str, b: str) -> bool:
    """Two spellings of one organisation (used to score extracted metadata).

    Equal canonical cores, and region chains where one is the tail of the other (a name
    may omit its province: "西安市审计局" vs "陕西省西安市审计局", but "审计局" alone is
    not "深圳市审计局").
    """
    sa, ca = org_key(a)
    sb, cb = org_key(b)
    if ca != cb or not ca or (bool(sa) != bool(sb)):
        return False  # different bodies, or one name lost its region altogether
    short, long_ = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return tuple(long_[len(long_) - len(short):]) == tuple(short)
