"""Command line: python -m assistant index build|info, ask, search."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

from assistant import config
from assistant.index.lock import DEFAULT_WAIT_S
from assistant.textutil import normalize_text

# search -k: more results than a person reads, and a bound on the work one call asks for.
MAX_RESULTS = 100


def _result_count(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_RESULTS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_RESULTS}, got {text!r}")
    return k


def _seconds(text: str) -> float:
    try:
        s = float(text)
    except ValueError:
        s = -1.0
    if not 0 <= s < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds (0 or more), got {text!r}")
    return s


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
    b.add_argument("--full", action="store_true",
                   help="read every file again (after restoring backups, or when in doubt)")
    b.add_argument("--verify", action="store_true",
                   help="hash every file instead of trusting unchanged size and times")
    b.add_argument("--wait", type=_seconds, default=DEFAULT_WAIT_S, metavar="SECONDS",
                   help=f"wait this long for another build of the same index (default {DEFAULT_WAIT_S:.0f}; "
                        "0 refuses at once)")
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
    s.add_argument("-k", type=_result_count, default=10, help=f"number of results (1-{MAX_RESULTS})")
    s.add_argument("--json", action="store_true")

    fg = sub.add_parser("figures", help="the figures table: every figure the documents state, filtered")
    fg.add_argument("--index", type=Path, default=cfg.index)
    fg.add_argument("--department", default="", help="department (short names work)")
    fg.add_argument("--year", type=int, help="document year")
    fg.add_argument("--item", default="", help="item (公务接待费; everyday words such as 招待费 work)")
    fg.add_argument("--code", default="", help="subject or project code (2010301, 201 03 01, 434-1601-JXN-0UT4)")
    fg.add_argument("--region", default="", help="region (上海市普陀区)")
    fg.add_argument("--kind", default="", help="部门预算, 单位预算, 部门决算 or 其他")
    fg.add_argument("--origin", choices=["table", "prose"], help="only table cells or only sentences")
    fg.add_argument("--csv", type=Path, metavar="FILE", help="write every matching figure to a CSV file")
    fg.add_argument("--xlsx", type=Path, metavar="FILE", help="write every matching figure to an XLSX file")
    fg.add_argument("--json", action="store_true", help="one JSON object per figure")

    au = sub.add_parser("audit", help="consistency checks: figures that do not add up, with their lines")
    au.add_argument("docs", nargs="*", help="document names as indexed (default: every document)")
    au.add_argument("--index", type=Path, default=cfg.index)
    au.add_argument("--json", action="store_true", help="one JSON object per finding")

    args = ap.parse_args(argv)
    try:
        if args.command == "index":
            return _build(args) if args.action == "build" else _info(args)
        if args.command == "figures":
            return _figures(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "ask":
            return _ask(args)
        return _search(args)
    except Exception as e:  # a user-fixable problem: one line, no traceback
        from assistant.index.lock import IndexBusy
        from assistant.index.pool import WorkersDied
        from assistant.errors import UserError
        from assistant.index.store import IndexMissing

        if isinstance(e, (IndexMissing, IndexBusy, WorkersDied, UserError, OSError, ValueError)):
            lines = str(e).strip().splitlines() or [type(e).__name__]
            print(f"error: {lines[0]}", file=sys.stderr)
            return 2
        raise


class _Stopped(BaseException):
    """SIGTERM or SIGINT during a build: unwinds it (workers stopped, nothing published)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, signal.SIG_IGN)  # the first one counts; let the clean-up finish
    raise _Stopped(signum)


def _build(args) -> int:
    from assistant.index.build import build

    t0 = time.time()
    print(f"indexing {', '.join(map(str, args.dirs))} -> {args.index}", file=sys.stderr)
    # A service manager stops a build with SIGTERM, a person with Ctrl-C: both unwind the
    # build (its workers stopped, its half-written generation removed, the lock released).
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        r = build(args.dirs, args.index, embedder_spec=args.embedder, max_bytes=args.max_mb * 2**20,
                  on_error=lambda m: print(f"\nerror: {m}", file=sys.stderr),
                  full=args.full, verify=args.verify, lock_wait=args.wait)
    except _Stopped as e:
        print(f"error: build stopped by {signal.Signals(e.signum).name}; nothing was published, "
              f"{_still_live(args.index)}", file=sys.stderr)
        return 128 + e.signum
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    print(f"{r.documents} documents ({r.read} read, {r.reused} unchanged, {r.removed} removed, "
          f"{r.hashed} hashed), {r.chunks} chunks, {r.figures} figures, {r.embedded} new vectors, "
          f"{len(r.errors)} errors, {time.time() - t0:.1f}s; live: {r.generation}", file=sys.stderr)
    return 0


def _still_live(index: Path) -> str:
    from assistant.index.store import IndexMissing, live_generation

    try:
        return f"the index at {index} still answers from {live_generation(index).name}"
    except IndexMissing:
        return f"there is still no index at {index}"


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
        print(f"{len(rows)} documents, {len(index.chunks)} chunks, generation {index.generation}",
              file=sys.stderr)
    return 0


def _figures(args) -> int:
    from assistant.apps import export
    from assistant.figures.query import COLUMNS, FigureFilter, figure_row, select

    index = _load(args.index)
    rows = select(index, FigureFilter(args.department, args.year, args.item, args.code, args.region, args.kind,
                                      args.origin or ""))
    if args.csv:
        args.csv.write_bytes(export.table_csv(COLUMNS, [figure_row(f) for f in rows]))
    if args.xlsx:
        args.xlsx.write_bytes(export.table_xlsx(COLUMNS, [figure_row(f) for f in rows], "数据"))
    if args.json:
        for f in rows:
            print(json.dumps(f.to_row(), ensure_ascii=False))
    elif not (args.csv or args.xlsx):
        for f in rows[:200]:
            where = f.table_title if f.origin == "table" else "正文"
            print(f"{f.doc_id}\t{where}\t{f.item}\t{f.column}\t{f.value_text}{f.unit if f.unit != '%' else ''}"
                  f"\t第{f.line_start}行")
    print(f"{len(rows)} figures" + (f" written to {args.csv or args.xlsx}" if args.csv or args.xlsx else
                                    " (first 200 shown; --csv/--xlsx FILE for all)" if len(rows) > 200 else ""),
          file=sys.stderr)
    return 0


def _audit(args) -> int:
    from assistant.figures.query import CHECK_LABELS, findings

    index = _load(args.index)
    found = findings(index, args.docs)
    for f in found:
        if args.json:
            print(json.dumps(f.to_json(), ensure_ascii=False))
            continue
        lines = f"第{f.lines[0]}-{f.lines[-1]}行" if len(f.lines) > 1 else f"第{f.lines[0]}行"
        print(f"[{CHECK_LABELS.get(f.check, f.check)}] {f.doc_id}｜{lines}：{f.message}（应为：{f.expected}；实为：{f.found}）")
        for q in f.quotes[:2]:
            print("    " + q.strip())
    docs = len({f.doc_id for f in found})
    print(f"{len(found)} findings in {docs} documents", file=sys.stderr)
    return 0


def _ask(args) -> int:
    from assistant.answering.answer import answer

    if args.jsonl:
        index = _load(args.index)
        failed = 0
        with open(args.jsonl, "rb") as f:
            for no, raw in enumerate(f, 1):
                row = _answer_line(index, no, raw, answer)
                if row is None:
                    continue
                failed += "error" in row
                print(json.dumps(row, ensure_ascii=False), flush=True)
        if failed:
            print(f"{failed} line(s) of {args.jsonl} could not be answered; see their \"error\"",
                  file=sys.stderr)
        return 0
    if not args.question or not normalize_text(args.question).strip():
        raise ValueError("ask needs a question (or --jsonl FILE)")
    index = _load(args.index)
    a = answer(index, args.question)
    if args.json:
        print(json.dumps(a.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(a.answer)
    for c in a.citations:
        print(f"\n— {c.source}｜{c.section}｜第{c.line_start}-{c.line_end}行" + (f"（第{c.page}页）" if c.page else ""))
        print("  " + c.quote.replace("\n", "\n  "))
    return 0


def _answer_line(index, no: int, raw: bytes, answer) -> dict | None:
    """The answer to one --jsonl line, or an error object for it (the batch goes on);
    None for a blank line."""
    qid, question = None, ""
    try:
        text = raw.decode("utf-8-sig" if no == 1 else "utf-8")
        if not text.strip():
            return None
        row = json.loads(text)
        if not isinstance(row, dict):
            raise ValueError("not a JSON object")
        qid, question = row.get("id"), row.get("question")
        if not isinstance(question, str) or not normalize_text(question).strip():
            raise ValueError('no "question" text')
    except ValueError as e:  # bad UTF-8 and bad JSON are ValueErrors too
        return _line_error(no, qid, question, f"{str(e)[:120]}; each line must be a JSON object like "
                                              f'{{"id": "q1", "question": "…"}}')
    try:
        return answer(index, question).to_json(qid)
    except Exception as e:  # one question must not stop the batch
        return _line_error(no, qid, question, f"could not be answered ({type(e).__name__}: {str(e)[:120]})")


def _line_error(no: int, qid, question, problem: str) -> dict:
    return {"id": qid, "question": question if isinstance(question, str) else "", "found": False,
            "answer": "", "citations": [], "error": f"line {no}: {problem}"}


def _search(args) -> int:
    from assistant.answering.search import search

    if not normalize_text(args.query).strip():
        raise ValueError("search needs something to look for: a code (434-1601-JXN-0UT4), an item "
                         "(公务接待费) or words")
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
