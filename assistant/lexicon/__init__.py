"""Domain knowledge as data: budget terms, everyday synonyms, cue words, stopwords,
organisation-name rules and regions, in TSV/TXT files a finance officer can edit.

Each file is read once (``load()``), checked by ``problems()`` (a test runs it), and
hashed into the index's pipeline version (``digest()``), so editing a word list makes
the next build re-tokenise what depends on it.

File format: UTF-8, one entry a line, columns separated by TAB, "|" between
alternatives inside a column, lines starting with "#" are comments.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.textutil import normalize_text

HERE = Path(__file__).resolve().parent
FILES = ("terms.tsv", "synonyms.tsv", "cues.tsv", "stopwords.txt", "org_abbreviations.tsv",
         "org_variants.tsv", "org_synonyms.tsv", "org_generic.txt", "regions.tsv",
         "question_kinds.tsv", "count_units.tsv", "relative_years.tsv", "filler.txt", "cities.tsv",
         "distinct_terms.tsv", "bundles.tsv", "table_columns.tsv", "totals.tsv", "parts.tsv")
TERM_CLASSES = ("item", "term", "doc_kind")
CUE_KINDS = ("change", "reason", "amount", "final", "count", "measure", "column", "list", "describe", "negative")
QUESTION_KINDS = ("ranking", "total", "compare", "reason", "change", "yesno", "list", "describe", "count", "code_name", "code_of",
                  "amount")
REGION_LEVELS = ("municipality", "province", "autonomous", "sar")


@dataclass(frozen=True)
class Region:
    name: str  # 江苏
    level: str  # municipality | province | autonomous | sar
    suffix: str  # 省
    abbreviations: tuple[str, ...] = ()  # 苏


@dataclass(frozen=True)
class Lexicon:
    terms: dict[str, str]  # term -> class (item | term | doc_kind)
    synonyms: dict[str, tuple[str, ...]]  # everyday word -> document terms
    cues: dict[str, tuple[str, tuple[str, ...]]]  # cue -> (kind, document words)
    stopwords: frozenset[str]
    org_abbreviations: tuple[tuple[str, str], ...]  # (long, short), file order
    org_variants: tuple[tuple[str, tuple[str, ...]], ...]
    regions: tuple[Region, ...]
    org_synonyms: tuple[tuple[str, str], ...] = ()  # (typed, canonical), question side only
    org_generic: frozenset[str] = frozenset()  # name endings that name no department alone
    question_kinds: tuple[tuple[str, str], ...] = ()  # (kind, regex), tried in order
    # (question words, units, document words): "多少人" counts in 人/名, said as 实有人员…
    count_units: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = ()
    relative_years: dict[str, int] = field(default_factory=dict)  # 今年 -> 0, 去年 -> -1
    filler: tuple[str, ...] = ()  # phrases removed from questions, longest first
    cities: dict[str, tuple[str, ...]] = field(default_factory=dict)  # city -> one-character names
    distinct: tuple[tuple[str, str], ...] = ()  # (longer term, the shorter term it is not)
    bundles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (total, the parts people list for it)
    table_columns: tuple[tuple[str, int, tuple[str, ...]], ...] = ()  # (title pattern, values, columns)
    totals: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 支出 -> 支出总计|本年支出合计…
    # (names of a total, (names of each part, …)): 三公经费 = 出国 + 公车 + 接待
    parts: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = ()
    sources: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def budget_terms(self) -> list[str]:
        """Every term jieba keeps whole, in file order."""
        return list(self.terms)

    @property
    def cue_words(self) -> frozenset[str]:
        return frozenset(self.cues)

    @property
    def item_terms(self) -> list[str]:
        """Budget items a figure can belong to ("因公出国（境）费 5万元")."""
        return [t for t, c in self.terms.items() if c == "item"]


def _rows(name: str, folder: Path = HERE) -> list[tuple[int, list[str]]]:
    """(line number, columns) of every entry line of one file, normalised as questions and
    documents are (NFKC: "因公出国（境）费" is read as "因公出国(境)费")."""
    out = []
    for n, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append((n, [normalize_text(c).strip() for c in line.split("\t")]))
    return out


def _alts(cell: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in cell.split("|") if a.strip())


def read(folder: Path = HERE) -> Lexicon:
    """Read the lexicon files of a folder (the package's own unless a test gives another)."""
    src = {name: _rows(name, folder) for name in FILES}
    terms = {cols[0]: (cols[1] if len(cols) > 1 else "term") for _, cols in src["terms.tsv"]}
    synonyms = {cols[0]: _alts(cols[1]) if len(cols) > 1 else () for _, cols in src["synonyms.tsv"]}
    regions = tuple(Region(cols[0], cols[1] if len(cols) > 1 else "", cols[2] if len(cols) > 2 else "",
                           _alts(cols[3]) if len(cols) > 3 else ())
                    for _, cols in src["regions.tsv"])
    return Lexicon(
        terms=terms,
        synonyms=synonyms,
        cues={cols[0]: (cols[1] if len(cols) > 1 else "", _alts(cols[2]) if len(cols) > 2 else ())
              for _, cols in src["cues.tsv"]},
        stopwords=frozenset(cols[0] for _, cols in src["stopwords.txt"]),
        org_abbreviations=tuple((cols[0], cols[1] if len(cols) > 1 else "")
                                for _, cols in src["org_abbreviations.tsv"]),
        org_variants=tuple((cols[0], _alts(cols[1]) if len(cols) > 1 else ())
                           for _, cols in src["org_variants.tsv"]),
        regions=regions,
        org_synonyms=tuple((cols[0], cols[1] if len(cols) > 1 else "") for _, cols in src["org_synonyms.tsv"]),
        org_generic=frozenset(cols[0] for _, cols in src["org_generic.txt"]),
        question_kinds=tuple((cols[0], cols[1] if len(cols) > 1 else "") for _, cols in src["question_kinds.tsv"]),
        count_units=tuple((_alts(cols[0]), _alts(cols[1]) if len(cols) > 1 else (),
                           _alts(cols[2]) if len(cols) > 2 else ()) for _, cols in src["count_units.tsv"]),
        relative_years={cols[0]: int(cols[1]) for _, cols in src["relative_years.tsv"]
                        if len(cols) > 1 and re.fullmatch(r"[+-]?\d+", cols[1])},
        cities={cols[0]: _alts(cols[1]) if len(cols) > 1 else () for _, cols in src["cities.tsv"]},
        distinct=tuple((cols[0], cols[1]) for _, cols in src["distinct_terms.tsv"] if len(cols) > 1),
        bundles=tuple((cols[0], _alts(cols[1])) for _, cols in src["bundles.tsv"] if len(cols) > 1),
        table_columns=tuple((cols[0], int(cols[1]), _alts(cols[2])) for _, cols in src["table_columns.tsv"]
                            if len(cols) > 2 and cols[1].isdigit()),
        totals={cols[0]: _alts(cols[1]) for _, cols in src["totals.tsv"] if len(cols) > 1},
        parts=tuple((_alts(cols[0]), tuple(_alts(c) for c in cols[1:])) for _, cols in src["parts.tsv"] if len(cols) > 2),
        filler=tuple(sorted((cols[0] for _, cols in src["filler.txt"]), key=len, reverse=True)),
        sources=src,
    )


@lru_cache(maxsize=1)
def load() -> Lexicon:
    """The package's lexicon, read once per process."""
    return read()


def digest(folder: Path = HERE) -> str:
    """A hash of every lexicon file (sorted by name): part of the index's pipeline version."""
    h = hashlib.sha1()
    for path in sorted(folder.glob("*")):
        if path.suffix in (".tsv", ".txt"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def problems(lex: Lexicon | None = None) -> list[str]:
    """What is wrong with the lexicon files, one line each ([] when all is well)."""
    lex = lex or load()
    out: list[str] = []
    for name, rows in lex.sources.items():
        seen: dict[str, int] = {}
        for n, cols in rows:
            key = "\t".join(cols[:2]) if name == "table_columns.tsv" else cols[0]
            if not key:
                out.append(f"{name}:{n}: empty first column")
            elif key in seen:
                out.append(f"{name}:{n}: duplicate entry “{key}” (first at line {seen[key]})")
            seen.setdefault(key, n)
    for n, cols in lex.sources["terms.tsv"]:
        if len(cols) < 2 or cols[1] not in TERM_CLASSES:
            out.append(f"terms.tsv:{n}: class must be one of {', '.join(TERM_CLASSES)}")
    for n, cols in lex.sources["synonyms.tsv"]:
        targets = _alts(cols[1]) if len(cols) > 1 else ()
        if not targets:
            out.append(f"synonyms.tsv:{n}: “{cols[0]}” has no document terms")
        for t in targets:
            if t not in lex.terms:
                out.append(f"synonyms.tsv:{n}: target “{t}” is not a term of terms.tsv")
    for n, cols in lex.sources["cues.tsv"]:
        if len(cols) < 2 or cols[1] not in CUE_KINDS:
            out.append(f"cues.tsv:{n}: kind must be one of {', '.join(CUE_KINDS)}")
    for n, cols in lex.sources["org_abbreviations.tsv"]:
        if len(cols) < 2 or not cols[1] or len(cols[1]) >= len(cols[0]):
            out.append(f"org_abbreviations.tsv:{n}: the short form must be shorter than “{cols[0]}”")
    for n, cols in lex.sources["distinct_terms.tsv"]:
        if len(cols) < 2 or cols[1] not in cols[0].replace("（", "").replace("）", "") and cols[1] not in cols[0]:
            out.append(f"distinct_terms.tsv:{n}: “{cols[1] if len(cols) > 1 else ''}” must be part of “{cols[0]}”")
    for n, cols in lex.sources["table_columns.tsv"]:
        try:
            re.compile(cols[0])
        except re.error as e:
            out.append(f"table_columns.tsv:{n}: pattern does not compile ({e})")
        if len(cols) < 3 or not cols[1].isdigit() or len(_alts(cols[2])) != int(cols[1]):
            out.append(f"table_columns.tsv:{n}: needs as many columns as values")
    for n, cols in lex.sources["bundles.tsv"]:
        if cols[0] not in lex.terms or len(cols) < 2 or len(_alts(cols[1])) < 2:
            out.append(f"bundles.tsv:{n}: the total must be a term of terms.tsv and have two parts or more")
    for n, cols in lex.sources["parts.tsv"]:
        if len(cols) < 3:
            out.append(f"parts.tsv:{n}: “{cols[0]}” needs two parts or more")
        for name in (a for c in cols for a in _alts(c)):
            if name not in lex.terms:
                out.append(f"parts.tsv:{n}: “{name}” is not a term of terms.tsv")
    for n, cols in lex.sources["totals.tsv"]:
        if len(cols) < 2 or not _alts(cols[1]):
            out.append(f"totals.tsv:{n}: “{cols[0]}” needs the names documents give its total")
    if lex.sources["totals.tsv"] and lex.sources["totals.tsv"][0][1][0] != "预算":
        out.append("totals.tsv: the first row must be 预算 (the budget as a whole)")
    for n, cols in lex.sources["org_synonyms.tsv"]:
        if len(cols) < 2 or not cols[1]:
            out.append(f"org_synonyms.tsv:{n}: “{cols[0]}” needs its canonical words")
    for n, cols in lex.sources["regions.tsv"]:
        if len(cols) < 3 or cols[1] not in REGION_LEVELS:
            out.append(f"regions.tsv:{n}: level must be one of {', '.join(REGION_LEVELS)}")
    for n, cols in lex.sources["question_kinds.tsv"]:
        if cols[0] not in QUESTION_KINDS:
            out.append(f"question_kinds.tsv:{n}: kind must be one of {', '.join(QUESTION_KINDS)}")
        try:
            re.compile(cols[1] if len(cols) > 1 else "")
        except re.error as e:
            out.append(f"question_kinds.tsv:{n}: pattern does not compile ({e})")
    for n, cols in lex.sources["count_units.tsv"]:
        if len(cols) < 2 or not _alts(cols[1]):
            out.append(f"count_units.tsv:{n}: needs the units a count is written in")
    for n, cols in lex.sources["relative_years.tsv"]:
        if len(cols) < 2 or not re.fullmatch(r"[+-]?\d+", cols[1]):
            out.append(f"relative_years.tsv:{n}: offset must be a whole number of years")
    abbrevs: dict[str, str] = {}
    for name, short in [(r.name, a) for r in lex.regions for a in r.abbreviations] + \
            [(c, a) for c, alts in lex.cities.items() for a in alts]:
        if short in abbrevs:
            out.append(f"regions.tsv/cities.tsv: abbreviation “{short}” used by {abbrevs[short]} and {name}")
        abbrevs[short] = name
    return out
