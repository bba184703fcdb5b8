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
from dataclasses import dataclass

from assistant import lexicon
from assistant.textutil import CJK


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
