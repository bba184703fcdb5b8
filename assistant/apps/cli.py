"""Command line: python -m assistant index build|info, ask, search."""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from assistant import config


def main(argv: list[str] | None = None) -> int:
    cfg = config.load()
    ap = argparse.ArgumentParser(prog="python -m assistant",
                                 description="预算公开问答: index budget disclosures, ask questions, search.")
    sub = ap.add_subparsers(dest="command", required=True)

    idx = sub.add_parser("index", help="build or inspect an index")
    idx_sub = idx.add_subparsers(dest="action", required=True)
    b = idx_sub.add_parser("build", help="index folders of documents (incremental)")
    b.add_argument("dirs", nargs="+", type=Path, help="folders or files to index")
    b.add_argument("--index", type=Path, default=cfg.index, help=f"index folder (default {cfg.index})")
    b.add_argument("--embedder", default=cfg.embedder,
                   help='"use" (default, packaged), "none" (keyword only), "st:/path/to/model"')
    b.add_argument("--max-mb", type=int, default=cfg.max_mb, help="skip files larger than this")
    info = idx_sub.add_parser("info", help="list the indexed documents")
    info.add_argument("--index", type=Path, default=cfg.index)
    info.add_argument("--json", action="store_true")

    ask = sub.add_parser("ask", help="answer a question with quoted sources")
    ask.add_argument("question", nargs="?", help="the question (Chinese)")
    ask.add_argument("--index", type=Path, default=cfg.index)
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--jsonl", type=Path, help="answer every {id, question} line of FILE")

    s = sub.add_parser("search", help="ranked passages for auditors (exact code hits first)")
    s.add_argument("query")
    s.add_argument("--index", type=Path, default=cfg.index)
    s.add_argument("--department", default="", help="only this department (short names work)")
    s.add_argument("--year", type=int, help="only documents of this year")
    s.add_argument("-k", type=int, default=10, help="number of results")
    s.add_argument("--json", action="store_true")

    args = ap.parse_args(argv)
    try:
        if args.command == "index":
            return _build(args) if args.action == "build" else _info(args)
        if args.command == "ask":
            return _ask(args)
        return _search(args)
    except Exception as e:  # a user-fixable problem: one line, no traceback
        from assistant.index.store import IndexMissing

        if isinstance(e, (IndexMissing, FileNotFoundError, ValueError)):
            print(f"error: {e}", file=sys.stderr)
            return 2
        raise


def _build(args) -> int:
    from assistant.index.build import build

    t0 = time.time()
    print(f"indexing {', '.join(map(str, args.dirs))} -> {args.index}", file=sys.stderr)
    r = build(args.dirs, args.index, embedder_spec=args.embedder, max_bytes=args.max_mb * 2**20,
              on_error=lambda m: print(f"\nerror: {m}", file=sys.stderr))
    print(f"{r.documents} documents ({r.read} read, {r.reused} unchanged, {r.removed} removed), "
          f"{r.chunks} chunks, {r.embedded} new vectors, {len(r.errors)} errors, "
          f"{time.time() - t0:.1f}s", file=sys.stderr)
    return 0


def _load(path: Path):
    from assistant.index import Index

    return Index.load(path)


def _info(args) -> int:
    index = _load(args.index)
    rows = [{"source": d.source, "department": d.meta.department, "region": d.meta.region,
             "year": d.meta.year, "kind": d.meta.kind, "title": d.meta.title, "format": d.format}
            for d in index.doc_list]
    if args.json:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
    else:
        for r in rows:
            print(f"{r['source']}\t{r['department']}\t{r['year'] or '-'}\t{r['kind']}")
        print(f"{len(rows)} documents, {len(index.chunks)} chunks", file=sys.stderr)
    return 0


def _ask(args) -> int:
    from assistant.answering.answer import answer

    index = _load(args.index)
    if args.jsonl:
        with open(args.jsonl, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                row = json.loads(line)
                a = answer(index, row["question"])
                print(json.dumps(a.to_json(row.get("id")), ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        raise ValueError("ask needs a question or --jsonl FILE")
    a = answer(index, args.question)
    if args.json:
        print(json.dumps(a.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(a.answer)
    for c in a.citations:
        print(f"\n— {c.source}｜{c.section}｜第{c.line_start}-{c.line_end}行" + (f"（第{c.page}页）" if c.page else ""))
        print("  " + c.quote.replace("\n", "\n  "))
    return 0


def _search(args) -> int:
    from assistant.answering.search import search

    index = _load(args.index)
    results = search(index, args.query, department=args.department, year=args.year, k=args.k)
    if args.json:
        for r in results:
            print(json.dumps(asdict(r), ensure_ascii=False))
        return 0
    if not results:
        print("未找到匹配的段落。")
    for r in results:
        c = r.citation
        print(f"{r.rank}. [{r.via}] {c.source}｜{c.section}｜第{c.line_start}-{c.line_end}行")
        print("   " + r.marked.replace("\n", " ")[:300])
    return 0
