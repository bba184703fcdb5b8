"""Agreement of extract_meta with the hand-made ground truth in SOURCES.md.

    python benchmarks/metadata_agreement.py [--corpus DIR] [--sources FILE] [--quiet]

Reads every table row of ../shared/corpus/SOURCES.md (file, department, region, year,
type), runs ``extract_meta`` on the text (never on the file name) and compares field by
field. What counts as agreement:

* department  the same organisation: equal after removing spaces and parenthesised
              qualifiers (（本级）（汇总）, "(template)", "（魏县人民政府办公室，单位编码…）"),
              and equal under the abbreviation rules of ``assistant.orgs``
              (人大常委会 = 人民代表大会常务委员会, 中共X省委 = 中国共产党X省委员会, a trailing
              "部门" dropped …); the region prefix may omit higher levels ("西安市审计局" vs
              "陕西省西安市审计局") but not be missing altogether. Template rows
              ("XX局 template") agree with any name holding the XX placeholder.
              ``strict`` in the output is plain string equality after removing spaces and
              parentheses, shown for reference.
* region      equal after removing spaces and parentheses ("上海市（市级）" = "上海市"),
              or one chain of administrative units is the tail of the other
              ("西安市" vs "陕西省西安市", "魏县" vs "河北省邯郸市魏县"); "上海市" vs
              "上海市普陀区" does NOT agree.
* year        equal integers.
* kind        the SOURCES type mapped to four values: 部门预算 (incl. 部门综合预算,
              部门预算（报表）, 部门预算（有关事项的说明）), 单位预算, 部门决算, 其他
              (templates, 检查表, 三公 summaries, 绩效评价报告, stand-alone 绩效目标表).
* overall     all four fields agree.

With ../shared/eval/dev.jsonl present it also scores the department resolver
(``assistant.answering.departments``) on
the dev questions against the metadata extracted above (all corpus documents):
recall = questions whose gold document(s) are all among the matches; precision = share of
matched documents that belong to a gold document's department (counted over organisation-
level matches, score >= 0.9, and over all matches incl. region-only ones); negatives whose
organisation is not in the corpus (no gold document and the note says so) must match none.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from assistant.answering.departments import DepartmentResolver  # noqa: E402
from assistant.orgs import (  # noqa: E402
    same_department,
    split_region,
    unit_stem,
)
from assistant.ingest.metadata import extract_meta  # noqa: E402
from assistant.records import DocMeta  # noqa: E402

FIELDS = ("department", "region", "year", "kind")
_PAREN = re.compile(r"[（(][^）)]*[）)]")


@dataclass
class Truth:
    file: str
    department: str
    region: str
    year: int | None
    kind: str
    raw_type: str


def parse_sources(path: Path) -> list[Truth]:
    """Rows of every markdown table whose first cell names a .txt file."""
    rows: list[Truth] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].endswith(".txt"):
            continue
        year = int(cells[3]) if cells[3].isdigit() else None
        rows.append(Truth(cells[0], cells[1], cells[2], year, normalise_kind(cells[4]), cells[4]))
    return rows


def normalise_kind(raw: str) -> str:
    if re.search(r"模板|template|检查表|三公|绩效", raw):
        return "其他"
    if raw.startswith("部门决算"):
        return "部门决算"
    if raw.startswith("单位预算"):
        return "单位预算"
    if raw.startswith(("部门预算", "部门综合预算")):
        return "部门预算"
    return "其他"


def _bare(s: str) -> str:
    return re.sub(r"\s+", "", _PAREN.sub("", s or ""))


def dept_agrees(truth: str, got: str) -> bool:
    if "template" in truth:
        return "XX" in got
    return _bare(truth) == _bare(got) or same_department(_bare(truth), _bare(got))


def region_agrees(truth: str, got: str) -> bool:
    t, g = _bare(truth), _bare(got)
    if t == g:
        return True
    if not t or not g:
        return False
    tu, gu = split_region(t), split_region(g)
    if tu.rest or gu.rest:  # not parsed as a chain of units: plain tail test
        return t.endswith(g) or g.endswith(t)
    ts, gs = [unit_stem(u) for u in tu.units], [unit_stem(u) for u in gu.units]
    short, long_ = (ts, gs) if len(ts) <= len(gs) else (gs, ts)
    return long_[len(long_) - len(short):] == short


def compare(truth: Truth, got: DocMeta) -> dict[str, bool]:
    return {
        "department": dept_agrees(truth.department, got.department),
        "region": region_agrees(truth.region, got.region),
        "year": truth.year == got.year,
        "kind": truth.kind == got.kind,
    }


def run(corpus: Path, sources: Path) -> tuple[list[tuple[Truth, DocMeta, dict[str, bool]]], dict]:
    truths = parse_sources(sources)
    results = []
    strict = 0
    t0 = time.perf_counter()
    for t in truths:
        got = extract_meta((corpus / t.file).read_text(encoding="utf-8"))
        results.append((t, got, compare(t, got)))
        strict += _bare(t.department) == _bare(got.department)
    elapsed = time.perf_counter() - t0
    n = len(results)
    summary = {f: sum(r[2][f] for r in results) / n for f in FIELDS}
    summary["overall"] = sum(all(r[2].values()) for r in results) / n
    summary["department_strict"] = strict / n
    summary["n"] = n
    summary["ms_per_doc"] = 1000 * elapsed / n
    return results, summary


class _Matcher:
    """The resolver's answer as {document: score} plus the words that named them."""

    def __init__(self, metas):
        self.resolver = DepartmentResolver(metas)

    def match(self, question: str):
        from types import SimpleNamespace

        res = self.resolver.resolve(question)
        scores: dict[int, float] = {}
        for m in res.mentions:
            for c in m.candidates:
                for i in c.department.doc_ids:
                    scores[i] = max(scores.get(i, 0.0), c.score)
        return SimpleNamespace(scores=scores, mention=res.text)


def dev_matching(results: list[tuple[Truth, DocMeta, dict[str, bool]]], dev: Path) -> dict:
    """Department matching on the dev questions, over the metadata extract_meta produced."""
    files = [r[0].file for r in results]
    metas = [r[1] for r in results]
    index = _Matcher(metas)
    out = {"questions": 0, "recall_hits": 0, "org_ok": 0, "org_all": 0, "all_ok": 0,
           "all_all": 0, "neg": 0, "neg_ok": 0, "misses": [], "ms": 0.0}
    t0 = time.perf_counter()
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        m = index.match(row["question"])
        gold = row.get("docs") or ([row["doc"]] if row.get("doc") else [])
        if not gold:
            if "没有" in (row.get("note") or "") and "文件" in (row.get("note") or ""):
                out["neg"] += 1  # the organisation itself is absent (d051-like)
                out["neg_ok"] += not m.scores and bool(m.mention)
                if m.scores or not m.mention:
                    out["misses"].append((row["id"], row["question"], "matched an absent organisation"))
            continue
        out["questions"] += 1
        gi = [files.index(g) for g in gold]
        if all(i in m.scores for i in gi):
            out["recall_hits"] += 1
        else:
            out["misses"].append((row["id"], row["question"], "gold not matched"))
        gold_depts = [metas[i].department for i in gi]
        for k, score in m.scores.items():
            ok = any(same_department(metas[k].department, g) for g in gold_depts)
            out["all_all"] += 1
            out["all_ok"] += ok
            if score >= 0.9:
                out["org_all"] += 1
                out["org_ok"] += ok
    out["ms"] = 1000 * (time.perf_counter() - t0) / max(1, len(rows))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "text")
    ap.add_argument("--sources", type=Path, default=SHARED / "corpus" / "SOURCES.md")
    ap.add_argument("--dev", type=Path, default=SHARED / "eval" / "dev.jsonl")
    ap.add_argument("--quiet", action="store_true", help="summary only, no list of misses")
    args = ap.parse_args(argv)
    results, summary = run(args.corpus, args.sources)
    listed = {r[0].file for r in results}
    unlisted = sorted(p.name for p in args.corpus.glob("*.txt") if p.name not in listed)

    print(f"documents: {summary['n']} (texts not in SOURCES.md: {len(unlisted)})")
    for f in FIELDS:
        print(f"  {f:<11} {summary[f]:7.1%}")
    print(f"  {'overall':<11} {summary['overall']:7.1%}   (all four fields)")
    print(f"  department strict string equality: {summary['department_strict']:.1%}")
    print(f"  {summary['ms_per_doc']:.1f} ms per document")
    dev = dev_matching(results, args.dev) if args.dev.exists() else None
    if dev:
        print(f"\ndepartment matching on {args.dev.name} ({dev['questions']} questions with a gold document):")
        print(f"  recall     {dev['recall_hits'] / dev['questions']:7.1%}   (gold document(s) matched)")
        print(f"  precision  {dev['org_ok'] / max(1, dev['org_all']):7.1%}   "
              f"(organisation-level matches, {dev['org_all']} document matches)")
        print(f"  precision  {dev['all_ok'] / max(1, dev['all_all']):7.1%}   "
              f"(all matches incl. region-only, {dev['all_all']} document matches)")
        print(f"  absent organisations matched to nothing: {dev['neg_ok']}/{dev['neg']}")
        print(f"  {dev['ms']:.3f} ms per question")
    if not args.quiet:
        misses = [r for r in results if not all(r[2].values())]
        print(f"\nmisses ({len(misses)}):")
        for t, got, ok in misses:
            print(f"- {t.file}")
            for f in FIELDS:
                if not ok[f]:
                    want = t.raw_type if f == "kind" else getattr(t, f)
                    print(f"    {f}: want {want!r} got {getattr(got, f)!r}")
        for name in unlisted:
            print(f"- {name}: not in SOURCES.md")
        if dev and dev["misses"]:
            print(f"\nmatching misses ({len(dev['misses'])}):")
            for qid, question, why in dev["misses"]:
                print(f"- {qid} {question}: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
