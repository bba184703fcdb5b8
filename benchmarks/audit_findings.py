"""The consistency audit against real errors: prints each documented error found or missed,
and the findings on ten clean documents (false alarms). Asserts nothing.

    python benchmarks/audit_findings.py [--corpus DIR] [--show]

Truth (benchmarks/data/audit_truth.jsonl, written by hand): every numeric finding of the
reviewers' checklists for the 2026 普陀区司法局 部门预算 and 单位预算, every altered figure
of 2024_sh_putuo_finance_bureau_final_TAMPERED.txt against its clean twin, and the founding
example's unit slip and stale year. A truth counts as found when a finding of the audit
names one of its lines (or the line next to it). Clean documents:
benchmarks/data/audit_clean_docs.txt (chosen at random, with no known error).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"


def _documents(paths: list[Path]):
    """(doc, chunks, figures) of each text, read and chunked as the index does."""
    from assistant.figures.extract import extract_figures
    from assistant.ingest import read_file
    from assistant.ingest.metadata import extract_meta
    from assistant.ingest.sections import chunk_document
    from assistant.records import Document

    out = []
    for p in paths:
        text = read_file(p).text
        doc = Document(doc_id=p.name, source=p.name, meta=extract_meta(text), text=text, sha256="", size=0, mtime=0)
        chunks = chunk_document(p.name, text)
        out.append((doc, chunks, extract_figures(doc, chunks)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "text")
    ap.add_argument("--show", action="store_true", help="print every finding")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    from assistant.figures.audit import audit_document, audit_versions

    truths = [json.loads(x) for x in (REPO / "benchmarks/data/audit_truth.jsonl").read_text(encoding="utf-8").splitlines()
              if x.strip()]
    clean = [x.strip() for x in (REPO / "benchmarks/data/audit_clean_docs.txt").read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    names = sorted({t["doc"] for t in truths} | {t.get("clean_doc") for t in truths if t.get("clean_doc")} | set(clean))
    paths = [args.corpus / n if (args.corpus / n).exists() else REPO / "corpus" / n for n in names]
    t0 = time.perf_counter()
    docs = _documents(paths)
    findings = []
    for doc, chunks, figures in docs:
        findings += audit_document(doc, chunks, figures)
    by_doc = {d.doc_id: f for d, _, f in docs}
    findings += audit_versions([d for d, _, _ in docs], lambda i: by_doc[i])
    seconds = time.perf_counter() - t0
    print(f"audited {len(docs)} documents in {seconds:.1f} s: {len(findings)} findings")
    found = Counter()
    for t in truths:
        if not t.get("numeric") or not t.get("error", True):
            continue
        lines = set(t["lines"])
        near = lines | {n + 1 for n in lines} | {n - 1 for n in lines}
        hits = [f for f in findings if f.doc_id == t["doc"] and near & set(f.lines)]
        found[t["source"], bool(hits)] += 1
        mark = "FOUND " if hits else "MISSED"
        print(f"  {mark} {t['id']} {t['kind']:12} {t['doc'][:46]:46} lines {t['lines']}: {t['quote'][:40]}"
              + (f"  <- {hits[0].check}: {hits[0].message[:60]}" if hits else ""))
    total_found = sum(v for (s, ok), v in found.items() if ok)
    total = sum(found.values())
    print(f"documented numeric errors found: {total_found}/{total}  ("
          + ", ".join(f"{s} {found[s, True]}/{found[s, True] + found[s, False]}"
                      for s in sorted({s for s, _ in found})) + ")")
    alarms = Counter(f.doc_id for f in findings if f.doc_id in clean)
    print(f"false alarms on {len(clean)} clean documents: {sum(alarms.values())} "
          f"({sum(alarms.values()) / len(clean):.1f} per document): "
          + ", ".join(f"{d} {alarms[d]}" for d in clean))
    if args.show:
        for f in findings:
            print(f"  [{f.check}] {f.doc_id} {f.lines}: {f.message} | expected {f.expected} | found {f.found}")
    else:
        for f in findings:
            if f.doc_id in clean:
                print(f"  alarm [{f.check}] {f.doc_id} {f.lines}: {f.message} | expected {f.expected} | found {f.found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
