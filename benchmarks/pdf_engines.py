"""Seconds per page of each PDF engine, side by side on the same files, and how far they agree.

    python benchmarks/pdf_engines.py [--files A.pdf B.pdf ...] [--all] [--quick] [--jobs N] [--json out.json]

Reads a fixed sample of ../shared/corpus/orig (the 262-page Shenzhen budget and a dozen
files from every producer family: rotated table pages, a media box off the origin, white
boxes behind text, fake-bold headings, missing glyphs) with assistant.ingest.pdf under
both engines, one file at a time in this process, and prints per file:

- pages, seconds per page of each engine and the speed-up;
- agreement of the texts with all white space removed: character-multiset recall of
  pdfplumber's text in pdfium's (did we lose text?) and precision (did we add any?);
- pages whose texts are the same (white space ignored) and TAB rows (table rows) in each,
  flagged "(differ)" when the rows themselves differ.

The default sample (13 files, 687 pages) takes about 2 minutes on the idle 2-core machine, nearly
all of it pdfplumber's; --quick leaves out the 262-page file; --all reads every PDF
(--jobs 2: about 10 minutes). Asserts nothing. Times are wall seconds of each read in its
process, so other load on the machine inflates both engines alike.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ORIG = REPO.parent / "shared" / "corpus" / "orig"
ENGINES = ("pdfium", "pdfplumber")
BIG = "2026_shenzhen_hrss_dept_budget.pdf"
SAMPLE = [
    BIG,                                                    # 262 pages, the long pole of a build
    "2018_js_party_committee_office_budget_tables.pdf",     # landscape tables on /Rotate 90 pages
    "2022_xian_commerce_dept_comprehensive_budget.pdf",     # media box off the origin, fake bold
    "2026_changsha_petition_dept_budget.pdf",               # white boxes behind every text run
    "2026_beijing_audit_dept_budget.pdf",                   # a title font without its glyphs
    "2024_sh_putuo_finance_bureau_final.pdf",               # Times digits inside SimSun sentences
    "2026_guangzhou_statistics_dept_budget.pdf",
    "2026_fuzhou_science_tech_unit_budget.pdf",
    "2026_huzhou_transport_dept_budget.pdf",
    "2026_shanghai_education_subunit_unit_budget.pdf",
    "2019_foshan_rail_transit_final.pdf",
    "2026_xian_statistics_dept_budget.pdf",
    "2026_wuxi_housing_construction_unit_budget.pdf",
]
_WS = re.compile(r"\s+")


def squeeze(text: str) -> str:
    return _WS.sub("", text)


def agreement(ref: str, other: str) -> tuple[float, float]:
    """(recall, precision) of other's characters against ref's, white space removed."""
    a, b = Counter(squeeze(ref)), Counter(squeeze(other))
    both = sum(min(n, b[ch]) for ch, n in a.items())
    return both / max(sum(a.values()), 1), both / max(sum(b.values()), 1)


def tab_rows(text: str) -> int:
    return sum(1 for line in text.split("\n") if "\t" in line)


def warm_up() -> None:
    """Import both engines' libraries before any timing (pdfplumber alone takes ~1.5 s)."""
    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401
    from pdfplumber.table import TableFinder  # noqa: F401

    from assistant.ingest import pdf, pdf_pdfium  # noqa: F401


def measure(path: Path) -> dict:
    from assistant.ingest import pdf

    row: dict = {"file": path.name}
    texts = {}
    for engine in ENGINES:
        start = time.perf_counter()
        source = pdf.read(path, engine=engine)
        row[f"{engine}_s"] = time.perf_counter() - start
        row[f"{engine}_warnings"] = source.warnings
        texts[engine] = source.text
    ref, fast = texts["pdfplumber"], texts["pdfium"]
    pages_ref, pages_fast = ref.split("\f\n"), fast.split("\f\n")
    row["pages"] = len(pages_ref)
    row["pages_pdfium"] = len(pages_fast)
    row["recall"], row["precision"] = agreement(ref, fast)
    row["same_pages"] = sum(squeeze(a) == squeeze(b) for a, b in zip(pages_ref, pages_fast))
    row["tab_rows_pdfplumber"], row["tab_rows_pdfium"] = tab_rows(ref), tab_rows(fast)
    row["same_tab_rows"] = _rows(ref) == _rows(fast)
    prose = [(a, b) for a, b in zip(pages_ref, pages_fast) if "\t" not in a]
    row["prose_pages"] = len(prose)
    row["same_prose_pages"] = sum(squeeze(a) == squeeze(b) for a, b in prose)
    return row


def _rows(text: str) -> list[str]:
    """TAB rows with white space inside cells removed."""
    return [squeeze(line.replace("\t", "|")) for line in text.split("\n") if "\t" in line]


def fmt(r: dict) -> str:
    per = {e: r[f"{e}_s"] / max(r["pages"], 1) for e in ENGINES}
    flag = "" if r["pages_pdfium"] == r["pages"] else f"  PAGES {r['pages']}->{r['pages_pdfium']}"
    fallback = "  (fell back to pdfplumber)" if any("read with pdfplumber" in w for w in r["pdfium_warnings"]) else ""
    return (f"{r['file'][:52]:52} {r['pages']:4d}p  pdfium {per['pdfium']:.4f}  pdfplumber {per['pdfplumber']:.4f} "
            f"s/page  x{per['pdfplumber'] / max(per['pdfium'], 1e-9):5.1f}  recall {r['recall']:.4f} "
            f"precision {r['precision']:.4f}  same pages {r['same_pages']:3d}/{r['pages']:<3d} "
            f"TAB rows {r['tab_rows_pdfium']}/{r['tab_rows_pdfplumber']}"
            f"{'' if r['same_tab_rows'] else ' (differ)'}{flag}{fallback}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", nargs="*", help="PDF names in ../shared/corpus/orig (default: the fixed sample)")
    ap.add_argument("--all", action="store_true", help="every PDF of ../shared/corpus/orig")
    ap.add_argument("--quick", action="store_true", help=f"leave out {BIG}")
    ap.add_argument("--jobs", type=int, default=1,
                    help="worker processes, each reading a file with both engines (--all: 2 halves the wait)")
    ap.add_argument("--json", type=Path, help="write per-file figures here")
    args = ap.parse_args()
    if args.all:
        files = sorted(ORIG.glob("*.pdf"))
    else:
        files = [ORIG / name for name in (args.files or SAMPLE) if not (args.quick and name == BIG)]
    missing = [f.name for f in files if not f.exists()]
    if missing or not files:
        print(f"not found under {ORIG}: {', '.join(missing) or '(no PDF)'}", file=sys.stderr)
        return 2
    print(f"{len(files)} PDFs, {args.jobs} process(es), engines side by side (pdfium first)", flush=True)
    rows = []
    if args.jobs > 1:
        from multiprocessing import Pool

        with Pool(args.jobs, initializer=warm_up) as pool:
            for row in pool.imap(measure, files):
                rows.append(row)
                print(fmt(row), flush=True)
    else:
        warm_up()
        for path in files:
            rows.append(measure(path))
            print(fmt(rows[-1]), flush=True)
    pages = sum(r["pages"] for r in rows)
    secs = {e: sum(r[f"{e}_s"] for r in rows) for e in ENGINES}
    print(f"\n{len(rows)} files, {pages} pages")
    for e in ENGINES:
        print(f"  {e:10} {secs[e]:7.1f} s   {secs[e] / pages:.4f} s/page")
    print(f"  speed-up   x{secs['pdfplumber'] / max(secs['pdfium'], 1e-9):.1f}")
    print(f"  mean recall {sum(r['recall'] for r in rows) / len(rows):.5f}   "
          f"mean precision {sum(r['precision'] for r in rows) / len(rows):.5f}   "
          f"worst recall {min(r['recall'] for r in rows):.4f} ({min(rows, key=lambda r: r['recall'])['file']})")
    print(f"  pages identical but for white space: {sum(r['same_pages'] for r in rows)}/{pages}, "
          f"of pages without tables {sum(r['same_prose_pages'] for r in rows)}/{sum(r['prose_pages'] for r in rows)}")
    print(f"  TAB rows pdfium {sum(r['tab_rows_pdfium'] for r in rows)} / pdfplumber "
          f"{sum(r['tab_rows_pdfplumber'] for r in rows)}; files whose TAB rows differ: "
          f"{sum(not r['same_tab_rows'] for r in rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
