"""How much of each corpus twin's text the PDF reader reproduces.

For every ../shared/corpus/orig/*.pdf with a twin in ../shared/corpus/text/ (pdfplumber's
plain extract_text, pages joined by "\\f\\n"), read the PDF with assistant.ingest.pdf and
compare, with all white space removed (so TAB-joined table rows and space-joined twin
rows compare equal):

- chars:  character-multiset recall = sum over characters of min(count in twin, count in
          ours) / characters in twin. Order-blind; says whether text was lost.
- extra:  the same overlap divided by our length; below 1 means we emit characters the
          twin lacks (e.g. duplicated table text), which recall alone would not show.
- 8gram:  recall of the twin's distinct 8-character shingles. Order-aware, so it also
          drops where we *fixed* the twin's order (a number put back into its sentence
          makes new shingles), not only where text is missing.
- detached: "年初预算为 万元"-style spots (a Chinese character, spaces, then 万元 or %: the
          amount was moved off its sentence), counted in the twin, in ours, and in
          pypdfium2's own text order (get_text_range: PDFium's reading order, which the
          pdfium engine does not use; it groups PDFium's characters by baseline).

Both are linear in the text length (SequenceMatcher on 100k-char strings is quadratic).
--engine picks the PDF engine of assistant.ingest.pdf (default: the reader's own, pdfium);
"seconds" is each file's read time in its worker.

    python benchmarks/extraction_coverage.py [--corpus DIR] [--engine pdfium|pdfplumber] [--jobs 2]
                                             [--limit N] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path
from statistics import mean

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.records import IngestError  # noqa: E402

SHINGLE = 8
_WS = re.compile(r"\s+")
_DETACHED_UNIT = re.compile(r"(?<=[\u4e00-\u9fff]) +(?:万元|%)")


def squeeze(text: str) -> str:
    return _WS.sub("", text)


def char_overlap(twin: str, ours: str) -> int:
    a, b = Counter(twin), Counter(ours)
    return sum(min(n, b[ch]) for ch, n in a.items())


def shingle_recall(twin: str, ours: str, k: int = SHINGLE) -> float:
    want = {twin[i:i + k] for i in range(len(twin) - k + 1)}
    if not want:
        return 1.0
    have = {ours[i:i + k] for i in range(len(ours) - k + 1)}
    return len(want & have) / len(want)


def detached(text: str) -> int:
    return len(_DETACHED_UNIT.findall(text))


def pdfium_text(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()
    return "\f\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in pages)


def measure(args: tuple[str, str, str | None]) -> dict:
    from assistant.ingest import pdf

    pdf_path, twin_path, engine = Path(args[0]), Path(args[1]), args[2]
    twin = twin_path.read_text(encoding="utf-8")
    row = {"file": pdf_path.stem, "pages": twin.count("\f") + 1, "twin_chars": len(squeeze(twin))}
    start = time.monotonic()
    try:
        ours = pdf.read(pdf_path, engine=engine).text
    except IngestError as e:
        row.update(error=str(e), chars=0.0, extra=0.0, ngram=0.0, seconds=time.monotonic() - start)
        return row
    row["seconds"] = time.monotonic() - start
    a, b = squeeze(twin), squeeze(ours)
    overlap = char_overlap(a, b)
    row.update(our_chars=len(b), chars=overlap / max(len(a), 1), extra=overlap / max(len(b), 1),
               ngram=shingle_recall(a, b), pages_ours=ours.count("\f") + 1,
               detached_twin=detached(twin), detached_ours=detached(ours),
               detached_pdfium=detached(pdfium_text(pdf_path)))
    return row


def pairs(corpus: Path, engine: str | None = None) -> list[tuple[str, str, str | None]]:
    out = []
    for pdf_path in sorted((corpus / "orig").glob("*.pdf")):
        twin = corpus / "text" / f"{pdf_path.stem}.txt"
        if twin.exists():
            out.append((str(pdf_path), str(twin), engine))
    return out


def fmt(row: dict) -> str:
    if "error" in row:
        return f"{row['file'][:58]:58} ERROR {row['error'][:90]}"
    flag = "" if row["pages_ours"] == row["pages"] else f"  pages {row['pages']}->{row['pages_ours']}"
    return (f"{row['file'][:58]:58} {row['pages']:4d}p {row['twin_chars']:7d} "
            f"chars {row['chars']:.4f} extra {row['extra']:.4f} 8gram {row['ngram']:.4f} "
            f"detached {row['detached_twin']:2d}/{row['detached_ours']}/{row['detached_pdfium']} "
            f"{row['seconds']:5.1f}s{flag}")


def summary(rows: list[dict], wall: float, engine: str = "") -> None:
    ok = [r for r in rows if "error" not in r]
    print(f"\n{len(rows)} PDFs with a twin; {len(rows) - len(ok)} unreadable; {wall:.0f} s wall, "
          f"{sum(r['seconds'] for r in rows):.0f} s reading in the workers (engine {engine})")
    if not ok:
        return
    print(f"mean chars recall  {mean(r['chars'] for r in ok):.4f}   "
          f"(weighted by size {sum(r['chars'] * r['twin_chars'] for r in ok) / sum(r['twin_chars'] for r in ok):.4f})")
    print(f"mean extra (precision) {mean(r['extra'] for r in ok):.4f}")
    print(f"mean 8-gram recall {mean(r['ngram'] for r in ok):.4f}")
    print(f"detached amounts ('为 万元'): twin {sum(r['detached_twin'] for r in ok)}, "
          f"ours {sum(r['detached_ours'] for r in ok)}, pypdfium2 {sum(r['detached_pdfium'] for r in ok)}; "
          f"files affected: {sum(r['detached_twin'] > 0 for r in ok)} / {sum(r['detached_ours'] > 0 for r in ok)}"
          f" / {sum(r['detached_pdfium'] > 0 for r in ok)}")
    print(f"page count differs from twin: {sum(r['pages_ours'] != r['pages'] for r in ok)} files")
    for key, label in (("chars", "chars recall"), ("ngram", "8-gram recall"), ("extra", "extra")):
        print(f"\nworst five by {label}:")
        for r in sorted(rows, key=lambda r: r.get(key, 0.0))[:5]:
            print("  " + fmt(r))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--engine", choices=("pdfium", "pdfplumber"), help="PDF engine (default: the reader's)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (the machine has 2 cores)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--json", type=Path, help="write per-file figures here")
    args = ap.parse_args()
    from assistant.ingest.pdf import engine_name

    engine = engine_name(args.engine)
    todo = pairs(args.corpus, engine)[: args.limit or None]
    if not todo:
        sys.exit(f"no PDF with a twin under {args.corpus}/orig and {args.corpus}/text")
    print(f"{len(todo)} PDFs, {args.jobs} workers, PDF engine {engine}", flush=True)
    start = time.monotonic()
    rows = []
    with Pool(args.jobs) as pool:
        for i, row in enumerate(pool.imap_unordered(measure, todo), 1):
            rows.append(row)
            print(f"[{i:3d}/{len(todo)}] {fmt(row)}", flush=True)
    rows.sort(key=lambda r: r["file"])
    summary(rows, time.monotonic() - start, engine)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
