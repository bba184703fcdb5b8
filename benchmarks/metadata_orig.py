"""Metadata read from the original files (PDF, XLSX, XLS) against SOURCES.md.

    python benchmarks/metadata_orig.py --index DIR

DIR is an index built from ../shared/corpus/orig (benchmarks/eval_orig.py --keep X
leaves one at X/index-orig). Each original is compared with the SOURCES.md row of its
text twin, with the rules of benchmarks/metadata_agreement.py. Prints per-field and
overall agreement and the misses. Asserts nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from eval_orig import SHARED, twins  # noqa: E402
from metadata_agreement import compare, parse_sources  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    args = ap.parse_args()
    from assistant.index import Index

    truth = {t.file: t for t in parse_sources(SHARED / "corpus" / "SOURCES.md")}
    names = twins()
    index = Index.load(args.index)
    rows = []
    for doc in index.doc_list:
        if doc.format == "txt":
            continue
        t = truth.get(names.get(Path(doc.doc_id).name, ""))
        if t is None:
            print(f"no SOURCES row for {doc.doc_id}")
            continue
        rows.append((doc, t, compare(t, doc.meta)))
    fields = ["department", "region", "year", "kind"]
    print(f"originals compared: {len(rows)}")
    for f in fields:
        print(f"  {f:10} {100 * sum(r[2][f] for r in rows) / max(len(rows), 1):.1f}%")
    overall = sum(all(r[2][f] for f in fields) for r in rows)
    print(f"  overall    {100 * overall / max(len(rows), 1):.1f}% ({overall}/{len(rows)})")
    for doc, t, ok in rows:
        if not all(ok[f] for f in fields):
            bad = [f for f in fields if not ok[f]]
            print(f"MISS {doc.doc_id}: {bad} got {doc.meta.department!r} {doc.meta.region!r} {doc.meta.year} "
                  f"{doc.meta.kind} | SOURCES {t.department!r} {t.region!r} {t.year} {t.kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
