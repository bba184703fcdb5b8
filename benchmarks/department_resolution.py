"""Department names as people type them, resolved against every department of the corpus.

    python benchmarks/department_resolution.py [--corpus DIR] [--forms FILE] [--show N]

The short forms in benchmarks/data/department_short_forms.tsv were written by hand from
naming habits (region dropped, city only, 沪/苏 abbreviations, 市府办-style level words,
standard abbreviations, year or code glued), without the resolver's rules. Each form is
resolved twice: alone ("沪财政局") and inside a question ("沪财政局2026年三公经费是多少";
the ``typed`` column's glued string where given). Metadata comes from each text's own
title page (extract_meta), as in an index; the truth of which file is which department
from ../shared/corpus/SOURCES.md.

Counts:
* right        the best candidate is the department (its documents include the form's);
               for forms marked ambiguous, any of the departments it fits.
* refused      nothing resolved for a department the corpus holds (target 0).
* wrong        another department chosen.
* not held     rows naming departments the corpus lacks: right when nothing is chosen.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from assistant.answering.departments import DepartmentResolver  # noqa: E402
from assistant.ingest.metadata import extract_meta  # noqa: E402


def _sources(path: Path):
    spec = importlib.util.spec_from_file_location("metadata_agreement", ROOT / "benchmarks" / "metadata_agreement.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["metadata_agreement"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod.parse_sources(path), mod._bare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "text")
    ap.add_argument("--forms", type=Path, default=ROOT / "benchmarks" / "data" / "department_short_forms.tsv")
    ap.add_argument("--show", type=int, default=20, help="print this many misses")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    truths, bare = _sources(args.corpus.parent / "SOURCES.md")
    files = sorted(p.name for p in args.corpus.glob("*.txt"))
    metas = [extract_meta((args.corpus / f).read_text(encoding="utf-8")) for f in files]
    docs_of: dict[str, set[int]] = {}
    for t in truths:
        if t.file in files:
            docs_of.setdefault(bare(t.department), set()).add(files.index(t.file))
    t0 = time.perf_counter()
    resolver = DepartmentResolver(metas)
    build_s = time.perf_counter() - t0
    rows = list(csv.DictReader(args.forms.open(encoding="utf-8"), delimiter="\t"))
    tally: Counter = Counter()
    by_habit: dict[str, Counter] = {}
    misses: list[str] = []
    n_q = 0
    t0 = time.perf_counter()
    for row in rows:
        form = row["short_form"]
        typed = row.get("typed") or ""
        habit = row["habit"]
        gold = docs_of.get(bare(row["department"]), set())
        ok_docs = set(gold)
        for other in filter(None, (row.get("ambiguous_with") or "").split("；")):
            ok_docs |= docs_of.get(bare(other), set())
        for variant, text in (("alone", typed or form), ("question", (typed or form) + "2026年三公经费是多少")):
            n_q += 1
            res = resolver.resolve(text)
            held = [m for m in res.mentions if not m.missing and m.candidates and m.candidates[0].how != "region"]
            best = held[0].candidates[0] if held else None
            if habit == "not_in_corpus":
                outcome = "not held: right" if best is None else "not held: wrong"
            elif best is None:
                outcome = "refused"
            elif set(best.department.doc_ids) & ok_docs:
                outcome = "right"
            else:
                outcome = "wrong"
            tally[outcome] += 1
            by_habit.setdefault(habit, Counter())[outcome] += 1
            if outcome in ("refused", "wrong", "not held: wrong"):
                got = best.department.name if best else ("(missing: " + "、".join(res.missing) + ")" if res.missing else "-")
                misses.append(f"{outcome:16} {habit:16} {text!r:40} -> {got}   (truth: {row['department']})")
    per_q = (time.perf_counter() - t0) / max(n_q, 1) * 1000
    held_total = sum(v for k, v in tally.items() if not k.startswith("not held"))
    not_held = tally["not held: right"] + tally["not held: wrong"]
    print(f"forms: {len(rows)} ({n_q} resolutions: each form alone and in a question); "
          f"departments indexed: {len(resolver.departments)}; resolver built in {build_s * 1000:.0f} ms, "
          f"{per_q:.2f} ms a question")
    print(f"right: {tally['right']}/{held_total} = {tally['right'] / max(held_total, 1):.1%}   "
          f"refused: {tally['refused']}   wrong: {tally['wrong']}")
    print(f"not in corpus, nothing chosen: {tally['not held: right']}/{not_held}")
    for habit, c in sorted(by_habit.items()):
        total = sum(c.values())
        good = c["right"] + c["not held: right"]
        print(f"  {habit:16} {good}/{total}" + (f"  refused {c['refused']}" if c["refused"] else "")
              + (f"  wrong {c['wrong'] + c['not held: wrong']}" if c["wrong"] + c["not held: wrong"] else ""))
    for line in misses[:args.show]:
        print("  MISS " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
