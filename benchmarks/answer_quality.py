"""Answer quality on every question set, the way users type: prints figures, asserts nothing.

    python benchmarks/answer_quality.py [--index DIR | --embedder none|use] [--sets dev,dev2,fresh,fresh2,fresh3]
                                        [--no-rewordings] [--no-departments] [--show-misses]

For each set (../shared/eval/dev.jsonl, dev2.jsonl, and benchmarks/data/fresh.jsonl,
fresh2.jsonl and fresh3.jsonl, sets written by hand on 39, 32 and 32 further documents no other
set uses): the score and precision printed by
../shared/eval/grade.py, and precision per kind (share of stated answers that are right).
Then rewording robustness (benchmarks/data/rewordings.jsonl: every answerable dev/dev2
question reworded three ways): the share whose answer is still right, and the share that
returns the same figure as the original wording. Then department resolution
(benchmarks/department_resolution.py). Warm in-process latency p50/p95 over all questions.

Without --index a fresh index of ../shared/corpus/text is built (BM25 only unless
--embedder says otherwise).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
SETS = {"dev": SHARED / "eval" / "dev.jsonl", "dev2": SHARED / "eval" / "dev2.jsonl",
        "fresh": REPO / "benchmarks" / "data" / "fresh.jsonl",
        "fresh2": REPO / "benchmarks" / "data" / "fresh2.jsonl",
        "fresh3": REPO / "benchmarks" / "data" / "fresh3.jsonl"}
GRADER = SHARED / "eval" / "grade.py"


def _grader():
    spec = importlib.util.spec_from_file_location("grade", GRADER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def right(grade, q: dict, a: dict) -> bool:
    """grade.py's rule for one answer (found questions: accepted string and gold source first)."""
    if not q.get("found", True):
        return a.get("found") is False
    cites = a.get("citations") or []
    first = cites[0] if cites else {}
    shown = grade.norm(a.get("answer", ""))
    quote = grade.norm(first.get("quote", ""))
    if len(quote) <= grade.MAX_QUOTE:
        shown += "\u0000" + quote
    accept = [grade.norm(s) for s in q.get("accept", []) if grade.norm(s)]
    return (a.get("found") is True and any(s in shown for s in accept)
            and Path(str(first.get("source", ""))).name == q.get("doc"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, help="an index of ../shared/corpus/text (default: build one)")
    ap.add_argument("--embedder", default="none")
    ap.add_argument("--sets", default="dev,dev2,fresh,fresh2,fresh3")
    ap.add_argument("--no-rewordings", action="store_true")
    ap.add_argument("--no-departments", action="store_true")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    corpus = SHARED / "corpus" / "text"
    if not corpus.is_dir() or not GRADER.is_file():
        print(f"needs ../shared (corpus and eval) beside the repo; not found at {SHARED}", file=sys.stderr)
        return 2
    from assistant.answering.answer import answer
    from assistant.index import Index
    from assistant.index.build import build

    index_dir = args.index
    if index_dir is None:
        index_dir = Path(tempfile.mkdtemp(prefix="quality-index-"))
        t0 = time.perf_counter()
        build([corpus], index_dir, embedder_spec=args.embedder, report=None)
        print(f"built index of {corpus} with embedder {args.embedder!r} in {time.perf_counter() - t0:.0f} s")
    index = Index.load(index_dir)
    grade = _grader()
    answer(index, "预算支出")  # warm: jieba, idf, resolver
    latencies: list[float] = []
    answers: dict[str, dict] = {}
    print(f"index: {len(index.doc_list)} documents, embedder {index.embedder_spec!r}")
    for name in args.sets.split(","):
        path = SETS[name]
        if not path.is_file():
            print(f"{name}: {path} not found, skipped")
            continue
        rows = _rows(path)
        out_path = Path(tempfile.mkdtemp()) / f"{name}.jsonl"
        kinds: dict[str, Counter] = {}
        with open(out_path, "w", encoding="utf-8") as out:
            for q in rows:
                t0 = time.perf_counter()
                a = answer(index, q["question"]).to_json(q["id"])
                latencies.append(time.perf_counter() - t0)
                answers[q["id"]] = a
                out.write(json.dumps(a, ensure_ascii=False) + "\n")
                k = kinds.setdefault(q.get("kind", "?"), Counter())
                if a["found"]:
                    k["stated"] += 1
                    k["stated_right"] += right(grade, q, a)
        cmd = [sys.executable, str(GRADER), str(path), str(out_path), "--corpus", str(corpus)]
        report = subprocess.run(cmd + (["--show-misses"] if args.show_misses else []),
                                capture_output=True, text=True, check=True).stdout
        print(f"== {name} ({len(rows)} questions)")
        for line in report.splitlines():
            if line.startswith(("score", "precision", "by kind", "negative", "quotes", "MISS")):
                print("   " + line)
        print("   precision by kind: " + ", ".join(
            f"{k} {c['stated_right']}/{c['stated']}" for k, c in sorted(kinds.items()) if c["stated"]))
    if not args.no_rewordings:
        _rewordings(index, grade, answers, latencies)
    if latencies:
        ms = sorted(x * 1000 for x in latencies)
        print(f"latency over {len(ms)} questions: p50 {statistics.median(ms):.0f} ms, "
              f"p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms")
    if not args.no_departments:
        spec = importlib.util.spec_from_file_location("department_resolution",
                                                      REPO / "benchmarks" / "department_resolution.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print("== department resolution")
        mod.main(["--show", "0"])
    return 0


def _rewordings(index, grade, answers: dict[str, dict], latencies: list[float]) -> None:
    from assistant.answering.answer import answer

    path = REPO / "benchmarks" / "data" / "rewordings.jsonl"
    if not path.is_file():
        return
    gold = {q["id"]: q for name in ("dev", "dev2") if SETS[name].is_file() for q in _rows(SETS[name])}
    tally: dict[str, Counter] = {}
    for r in _rows(path):
        q = gold.get(r["orig"])
        if q is None or r["orig"] not in answers:
            continue
        t0 = time.perf_counter()
        a = answer(index, r["question"]).to_json(r["id"])
        latencies.append(time.perf_counter() - t0)
        orig = answers[r["orig"]]
        t = tally.setdefault(r["type"], Counter())
        t["n"] += 1
        t["right"] += right(grade, q, a)
        t["orig_right"] += right(grade, q, orig)
        same = (a["found"] == orig["found"]) and (a.get("figure") == orig.get("figure")) and \
            ((a.get("citations") or [{}])[0].get("source") == (orig.get("citations") or [{}])[0].get("source"))
        t["same"] += same
    total = Counter()
    print("== rewordings (same question, reworded: filler / everyday item words / short name or no year)")
    for kind, t in sorted(tally.items()):
        total.update(t)
        print(f"   {kind:14} right {t['right']}/{t['n']} = {t['right'] / t['n']:.1%} "
              f"(original wording {t['orig_right']}/{t['n']}); same answer as the original "
              f"{t['same']}/{t['n']} = {t['same'] / t['n']:.1%}")
    if total["n"]:
        print(f"   all            right {total['right']}/{total['n']} = {total['right'] / total['n']:.1%}; "
              f"same answer as the original {total['same']}/{total['n']} = {total['same'] / total['n']:.1%}")


if __name__ == "__main__":
    sys.exit(main())
