"""Build time and dev-set scores when the index is built from the original files instead of text twins.

    python benchmarks/eval_orig.py [--embedder none] [--workers 2] [--engine pdfium|pdfplumber]
                                   [--sets [dev dev2]] [--only orig|text] [--keep DIR]

Indexes ../shared/corpus/orig (PDF, XLSX, XLS; the two scanned PDFs are read by OCR when
the ocr extra is installed, else reported as errors) plus every text in
../shared/corpus/text that has no original, answers the question sets (default
../shared/eval/dev.jsonl and dev2.jsonl), and grades with ../shared/eval/grade.py:

  text/   the same questions on an index of text/ alone (the baseline)
  orig/   the mixed index; each cited original is renamed to its text twin for the
          grader (which looks sources up by file name in text/), so "source" and
          "verbatim" are judged against the twin's pdfplumber text.

Prints each build's wall and CPU seconds (this process and its workers) with the
worker count and PDF engine (--engine sets BUDGET_QA_PDF_ENGINE, which the build's
worker processes inherit), then both scores per set. Asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
TEXT, ORIG = SHARED / "corpus" / "text", SHARED / "corpus" / "orig"
EVAL, GRADER = SHARED / "eval", SHARED / "eval" / "grade.py"


def twins() -> dict[str, str]:
    """original file name -> text twin name, from the tables in SOURCES.md."""
    out = {}
    for line in (SHARED / "corpus" / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1].endswith(".txt"):
            for m in re.finditer(r"orig/([\w./-]+\.(?:pdf|xlsx|xls))", line):
                out.setdefault(Path(m.group(1)).name, cells[1])
    return out


def mixed_folder(tmp: Path, names: dict[str, str]) -> Path:
    """Hard links (copies across file systems): the build skips links out of its folder."""
    folder = tmp / "mixed"
    if folder.exists():  # --keep DIR from an earlier run
        for p in folder.iterdir():
            p.unlink()
    folder.mkdir(exist_ok=True)
    covered = set()
    for p in sorted(ORIG.rglob("*")):
        if p.is_file():
            _place(p, folder / p.name)
            covered.add(names.get(p.name, p.stem + ".txt"))
    for p in sorted(TEXT.glob("*.txt")):
        if p.name not in covered:
            _place(p, folder / p.name)
    return folder


def _place(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the build's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ask_and_grade(index: Path, questions: Path, rename: dict[str, str], out: Path) -> str:
    from assistant.answering.answer import answer
    from assistant.index import Index

    idx = Index.load(index)
    with open(out, "w", encoding="utf-8") as f:
        for line in questions.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            row = answer(idx, q["question"]).to_json(q["id"])
            for c in row["citations"]:
                c["source"] = rename.get(c["source"], c["source"])
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return subprocess.run([sys.executable, str(GRADER), str(questions), str(out), "--corpus", str(TEXT)],
                          capture_output=True, text=True).stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedder", default="none")
    ap.add_argument("--workers", type=int, default=2, help="build worker processes (the machine has 2 cores)")
    ap.add_argument("--engine", choices=("pdfium", "pdfplumber"), help="PDF engine (default: the reader's)")
    ap.add_argument("--sets", nargs="*", default=["dev", "dev2"],
                    help="question sets in ../shared/eval (none: time the builds only)")
    ap.add_argument("--only", choices=("orig", "text"), help="build and grade one index only")
    ap.add_argument("--keep", type=Path, help="folder to keep the indexes and answers in")
    args = ap.parse_args()
    if args.engine:
        os.environ["BUDGET_QA_PDF_ENGINE"] = args.engine
    from assistant.index.build import build
    from assistant.ingest.pdf import engine_name

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="eval-orig-"))
    tmp.mkdir(parents=True, exist_ok=True)
    names = twins()
    folder = mixed_folder(tmp, names)
    n_orig = sum(1 for p in folder.iterdir() if p.suffix != ".txt")
    print(f"mixed folder: {n_orig} originals + {sum(1 for p in folder.iterdir()) - n_orig} texts without one; "
          f"PDF engine {engine_name()}, {args.workers} workers, embedder {args.embedder}", flush=True)
    grades: dict[tuple[str, str], str] = {}
    for label, source in (("text/", TEXT), ("orig/", folder)):
        if args.only and label != args.only + "/":
            continue
        index = tmp / ("index-" + label.strip("/"))
        if index.exists():  # a fresh build, not an incremental one
            shutil.rmtree(index)
        wall, cpu = time.perf_counter(), cpu_seconds()
        report = build([source], index, embedder_spec=args.embedder, workers=args.workers, report=None)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(f"{label}: {report.documents} documents, {report.chunks} chunks, {len(report.errors)} errors; "
              f"build {wall:.0f} s wall, {cpu:.0f} s CPU (load average now {os.getloadavg()[0]:.1f})", flush=True)
        for e in report.errors:
            print(f"  error: {e}")
        for name in args.sets:
            questions = EVAL / f"{name}.jsonl"
            grades[(name, label)] = ask_and_grade(index, questions, names,
                                                  tmp / f"answers-{name}-{label.strip('/')}.jsonl")
    for (name, label), grade in grades.items():
        for line in grade.splitlines():
            if line.startswith(("answerable", "negative", "quotes", "score")):
                print(f"{name:5} {label:6} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
