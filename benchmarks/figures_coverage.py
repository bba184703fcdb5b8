"""Coverage of the figures table: the key figures of 20 random documents, found with the
right value? Prints the share per item and every miss. Asserts nothing.

    python benchmarks/figures_coverage.py [--corpus DIR] [--index DIR] [--show]

Truth: benchmarks/data/figures_key.tsv, written by hand (benchmarks/data/README.md): for 20
documents picked at random with a fixed seed, the value each key item has for the
document's own year, as printed. A key figure counts as found when the document's records
(figures/extract.py) hold the item (by the names below, in the record's item or, for a
total row, its table's title) with the same value in 万元 (±0.01). Items a document does
not state ("-") are not counted.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"

# What the documents call each key item (the key file's names on the left).
NAMES = {
    "收入总计": ("收入总计", "收支总计", "收入支出总计", "收支预算总计", "收入支出预算总计", "收入预算合计", "收入合计",
              "收支总预算", "预算总计", "收入支出决算总计", "收入预算", "本年收入"),
    "支出总计": ("支出总计", "收支总计", "收入支出总计", "收支预算总计", "收入支出预算总计", "支出预算合计", "支出合计",
              "收支总预算", "预算总计", "收入支出决算总计", "支出预算", "本年支出"),
    "财政拨款收入": ("财政拨款收入", "一般公共预算拨款收入", "一般公共预算财政拨款收入", "财政拨款", "一般公共预算拨款",
                 "一般公共预算", "财政拨款预算"),
    "基本支出": ("基本支出",),
    "项目支出": ("项目支出", "专项业务经费", "专项业务费"),
    "人员经费": ("人员经费", "人员支出", "人员经费支出"),
    "公用经费": ("公用经费", "日常公用经费", "公用支出", "日常公用支出", "公用经费支出"),
    "三公经费": ("三公经费",),
    "因公出国（境）费": ("因公出国（境）费", "因公出国(境)费", "因公出国（境）经费", "因公出国(境)经费", "因公出国（境）费用",
                   "因公出国境费"),
    "公务用车购置及运行费": ("公务用车购置及运行费", "公务用车购置及运行维护费", "公务用车购置和运行维护费", "公务用车购置和运行费"),
    "公务用车购置费": ("公务用车购置费", "公务用车购置"),
    "公务用车运行维护费": ("公务用车运行维护费", "公务用车运行费", "公务用车运维费"),
    "公务接待费": ("公务接待费",),
    "机关运行经费": ("机关运行经费",),
    "政府采购": ("政府采购", "政府采购预算"),
}


def _flat(s: str) -> str:
    return re.sub(r"[\s“”]", "", s or "").translate(str.maketrans("（）", "()"))


def names_item(f, item: str) -> bool:
    label = _flat(f.item)
    said = _flat(getattr(f, "column", "") if f.origin == "prose" else "")
    names = [_flat(n) for n in NAMES[item]]
    if any(n in label or n in said for n in names):
        return True
    total_row = label in ("合计", "总计", "小计", "") or label.endswith(("合计", "总计"))
    if f.origin != "table" or not total_row:
        return False
    # the total row of a table about the item, or the total row's column that names it
    return any(n in _flat(f.table_title) for n in names) or any(_flat(f.column) == n or _flat(f.column).startswith(n)
                                                                for n in names)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "text")
    ap.add_argument("--key", type=Path, default=REPO / "benchmarks" / "data" / "figures_key.tsv")
    ap.add_argument("--show", action="store_true", help="print every miss")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    from assistant.figures.extract import extract_figures
    from assistant.ingest import read_file
    from assistant.ingest.metadata import extract_meta
    from assistant.ingest.sections import chunk_document
    from assistant.records import Document

    rows = list(csv.DictReader(args.key.open(encoding="utf-8"), delimiter="\t"))
    figures = {}
    for name in sorted({r["doc"] for r in rows}):
        text = read_file(args.corpus / name).text
        doc = Document(doc_id=name, source=name, meta=extract_meta(text), text=text, sha256="", size=0, mtime=0)
        figures[name] = extract_figures(doc, chunk_document(name, text))
    per_item: dict[str, Counter] = {}
    misses = []
    for r in rows:
        if r["value"].strip() in ("-", ""):
            continue
        want = float(r["value_wan"])
        cands = [f for f in figures[r["doc"]] if names_item(f, r["item"])]
        ok = any(f.value_wan is not None and abs(f.value_wan - want) <= 0.011 for f in cands)
        c = per_item.setdefault(r["item"], Counter())
        c["n"] += 1
        c["found"] += ok
        if not ok:
            near = sorted({f.value_text for f in cands})[:5]
            misses.append(f"{r['doc']} {r['item']} = {r['value']}{r['unit']} (line {r['line']}); records of the item: {near}")
    n = sum(c["n"] for c in per_item.values())
    found = sum(c["found"] for c in per_item.values())
    print(f"key figures of {len({r['doc'] for r in rows})} documents: found with the right value "
          f"{found}/{n} = {found / n:.1%}")
    for item, c in per_item.items():
        print(f"  {item:12} {c['found']}/{c['n']}")
    for m in misses if args.show else misses[:15]:
        print("  MISS " + m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
