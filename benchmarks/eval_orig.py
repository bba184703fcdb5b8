"""Dev-set score when the index is built from the original files instead of text twins.

    python benchmarks/eval_orig.py [--embedder none] [--keep DIR]

Indexes ../shared/corpus/orig (PDF, XLSX, XLS; the scanned PDFs are reported as
errors) plus every text in ../shared/corpus/text that has no original, answers
../shared/eval/dev.jsonl, and grades twice with ../shared/eval/grade.py:

  text/   the same questions on an index of text/ alone (the baseline)
  orig/   the mixed index; each cited original is renamed to its text twin for the
          grader (which looks sources up by file name in text/), so "source" and
          "verbatim" are judged against the twin's pdfplumber text.

Prints both scores. Asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
TEXT, ORIG = SHARED / "corpus" / "text", SHARED / "corpus" / "orig"
DEV, GRADER = SHARED / "eval" / "dev.jsonl", SHARED / "eval" / "grade.py"


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
    folder = tmp / "mixed"
    folder.mkdir()
    covered = set()
    for p in sorted(ORIG.rglob("*")):
        if p.is_file():
            (folder / p.name).symlink_to(p)
            covered.add(names.get(p.name, p.stem + ".txt"))
    for p in sorted(TEXT.glob("*.txt")):
        if p.name not in covered:
            (folder / p.name).symlink_to(p)
    return folder


def ask_and_grade(index: Path, rename: dict[str, str], out: Path) -> str:
    from assistant.answering.answer import answer
    from assistant.index import Index

    idx = Index.load(index)
    with open(out, "w", encoding="utf-8") as f:
        for line in DEV.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            row = answer(idx, q["question"]).to_json(q["id"])
            for c in row["citations"]:
                c["source"] = rename.get(c["source"], c["source"])
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return subprocess.run([sys.executable, str(GRADER), str(DEV), str(out), "--corpus", str(TEXT)],
                          capture_output=True, text=True).stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedder", default="none")
    ap.add_argument("--keep", type=Path, help="folder to keep the two indexes in")
    args = ap.parse_args()
    from assistant.index.build import build

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="eval-orig-"))
    tmp.mkdir(parents=True, exist_ok=True)
    names = twins()
    folder = mixed_folder(tmp, names)
    n_orig = sum(1 for p in folder.iterdir() if p.suffix != ".txt")
    print(f"mixed folder: {n_orig} originals + {sum(1 for p in folder.iterdir()) - n_orig} texts without one")
    results = {}
    for label, source in (("text/", TEXT), ("orig/", folder)):
        index = tmp / ("index-" + label.strip("/"))
        report = build([source], index, embedder_spec=args.embedder)
        print(f"{label}: {report.documents} documents, {report.chunks} chunks, {len(report.errors)} errors")
        for e in report.errors:
            print(f"  error: {e}")
        results[label] = ask_and_grade(index, names, tmp / f"answers-{label.strip('/')}.jsonl")
    for label, grade in results.items():
        for line in grade.splitlines():
            if line.startswith(("answerable", "negative", "quotes", "score")):
                print(f"{label:6} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
