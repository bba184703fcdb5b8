"""Index build time with one process against worker processes, in the same run.

    python benchmarks/build_workers.py [--folder ../shared/corpus/orig] [--limit 12]

Builds the first LIMIT supported files of the folder with workers=1 and workers=2
(fresh temporary indexes, BM25 only) and prints seconds and the speed-up.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, default=REPO.parent / "shared" / "corpus" / "orig")
    ap.add_argument("--limit", type=int, default=12)
    args = ap.parse_args()
    from assistant.index.build import build
    from assistant.ingest import supported

    files = sorted(p for p in args.folder.iterdir() if p.is_file() and supported(p))[: args.limit]
    if not files:
        print(f"no supported files in {args.folder}", file=sys.stderr)
        return 2
    sub = Path(tempfile.mkdtemp(prefix="workers-"))
    for p in files:
        (sub / p.name).symlink_to(p.resolve())
    times = {}
    for workers in (1, 2):
        index = Path(tempfile.mkdtemp(prefix="workers-index-"))
        t0 = time.perf_counter()
        r = build([sub], index, embedder_spec="none", report=None, workers=workers)
        times[workers] = time.perf_counter() - t0
        print(f"workers={workers}: {r.documents} files, {r.chunks} chunks, {times[workers]:.1f} s, "
              f"{len(r.errors)} errors")
        shutil.rmtree(index)
    shutil.rmtree(sub)
    print(f"speed-up with 2 workers: {times[1] / times[2]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
