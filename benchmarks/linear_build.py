"""Build time against document size: is indexing linear in a document's length?

    python benchmarks/linear_build.py [--sizes 1,4,16] [--folder ../shared/corpus/text]

Makes one document of each size (MB of UTF-8) by joining real disclosures of the folder,
indexes each alone into a fresh temporary index (BM25 only, one process, so the figure is
the document's own cost), and prints seconds, seconds per MB, and each size's time ratio
against the smallest beside its size ratio. Linear: the two ratios agree (time ratio /
size ratio near 1). Before this work, chunking counted line breaks from the start of
the text for every chunk: 1 MB took 8 s, 2 MB 27 s, and 12 MB did not finish in 10 min.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def joined_document(folder: Path, mb: float, out: Path) -> Path:
    """Real disclosures joined (in name order, repeating) until ``mb`` MB of UTF-8."""
    sources = sorted(folder.glob("*.txt"))
    if not sources:
        raise SystemExit(f"no .txt disclosures in {folder}; pass --folder")
    parts, size, i = [], 0, 0
    while size < mb * 2**20:
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        parts.append(text)
        size += len(text.encode("utf-8")) + 1
        i += 1
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,4,16", help="document sizes in MB, comma-separated")
    ap.add_argument("--folder", type=Path, default=REPO.parent / "shared" / "corpus" / "text")
    args = ap.parse_args()
    from assistant.index.build import build
    from assistant.progress import print_report

    sizes = sorted(float(s) for s in args.sizes.split(","))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at start: {load:.2f}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="linear-build-") as tmp:
        for mb in sizes:
            folder = Path(tmp) / f"{mb:g}mb"
            folder.mkdir()
            doc = joined_document(args.folder, mb, folder / f"compiled-{mb:g}mb.txt")
            index = Path(tmp) / f"index-{mb:g}"
            t0 = time.perf_counter()
            r = build([folder], index, embedder_spec="none", report=print_report, workers=1, on_note=None)
            seconds = time.perf_counter() - t0
            real_mb = doc.stat().st_size / 2**20
            rows.append((real_mb, r.chunks, seconds))
            print(f"{real_mb:6.2f} MB  {r.chunks:7d} chunks  {seconds:7.1f} s  {seconds / real_mb:5.2f} s/MB",
                  flush=True)
            shutil.rmtree(index, ignore_errors=True)
    base_mb, _, base_s = rows[0]
    print("\nsize ratio  time ratio  time/size (1.0 = linear)")
    for mb, _, s in rows[1:]:
        print(f"{mb / base_mb:10.1f}  {s / base_s:10.1f}  {(s / base_s) / (mb / base_mb):8.2f}")
    end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at end: {end:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
