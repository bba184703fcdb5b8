"""Index the shared corpus and measure the whole pipeline; prints figures, asserts nothing.

    python benchmarks/bench_pipeline.py [--corpus ../shared/corpus/text] [--embedder use|none]
                                        [--index DIR] [--keep]

Prints: documents, chunks, build seconds, chunks per second, index size on disk, peak
memory, warm in-process `ask` latency p50/p95 over the dev questions, and the dev-set
score from ../shared/eval/grade.py. A fresh temporary index is built unless --index
names an existing one (then the build is incremental and says so).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "text")
    ap.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev.jsonl")
    ap.add_argument("--embedder", default="use")
    ap.add_argument("--index", type=Path, help="index folder (default: a fresh temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary index")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}; pass --corpus DIR", file=sys.stderr)
        return 2

    from assistant.answering.answer import answer
    from assistant.index.build import build
    from assistant.index import Index

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="bench-index-"))
    t0 = time.perf_counter()
    report = build([args.corpus], index_dir, embedder_spec=args.embedder)
    build_s = time.perf_counter() - t0
    size = folder_size(index_dir)

    t0 = time.perf_counter()
    index = Index.load(index_dir)
    load_s = time.perf_counter() - t0
    questions = [json.loads(x) for x in args.questions.read_text(encoding="utf-8").splitlines() if x.strip()]
    answer(index, questions[0]["question"])  # warm: jieba, idf table, embedder weights
    latencies, rows = [], []
    for q in questions:
        t = time.perf_counter()
        a = answer(index, q["question"])
        latencies.append((time.perf_counter() - t) * 1000)
        rows.append(a.to_json(q["id"]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    grade = subprocess.run([sys.executable, str(SHARED / "eval" / "grade.py"), str(args.questions), f.name,
                            "--corpus", str(args.corpus)], capture_output=True, text=True).stdout

    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
    print(f"embedder            {args.embedder}")
    print(f"documents           {report.documents} ({report.read} read, {report.reused} unchanged, "
          f"{len(report.errors)} errors)")
    print(f"chunks              {report.chunks} ({report.embedded} newly embedded)")
    print(f"build seconds       {build_s:.1f}")
    print(f"chunks per second   {report.chunks / build_s:.0f}")
    print(f"index size on disk  {size / 2**20:.1f} MB")
    print(f"index load seconds  {load_s:.2f}")
    print(f"peak memory         {peak_mb:.0f} MB")
    print(f"ask latency (warm)  p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, "
          f"max {latencies[-1]:.0f} ms over {len(latencies)} questions")
    for line in grade.splitlines():
        if line.startswith(("answerable", "negative", "quotes", "by kind", "score")):
            print(f"dev {line}")
    if args.index is None and not args.keep:
        shutil.rmtree(index_dir, ignore_errors=True)
    elif args.index is None:
        print(f"index kept at {index_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
