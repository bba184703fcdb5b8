"""Serve the web UI: python app.py [--host H] [--port P] [--index DIR] [--corpus DIR] [--embedder SPEC].

On first start there is no index yet: it is built from the corpus folder, with progress
on the terminal, then loaded; later starts load it at once. Problems the user can fix
(missing or empty corpus folder, busy port) print one line and exit with status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from assistant import config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cfg = config.load()
    ap = argparse.ArgumentParser(description="预算公开问答 web UI (settings: BUDGET_QA_* env vars, overridden here)")
    ap.add_argument("--host", default=cfg.host, help=f"address to serve on (default {cfg.host})")
    ap.add_argument("--port", type=int, default=cfg.port, help=f"port (default {cfg.port})")
    ap.add_argument("--index", type=Path, default=cfg.index, help=f"index folder (default {cfg.index})")
    ap.add_argument("--corpus", type=Path, default=cfg.corpus,
                    help=f"documents to index when there is no index yet (default {cfg.corpus})")
    # None unless set (flag or BUDGET_QA_EMBEDDER): an existing index keeps its own model.
    ap.add_argument("--embedder", default=os.environ.get("BUDGET_QA_EMBEDDER") or None,
                    help='model for building the index: "use", "none", "hash", "st:/path" (default: the '
                         f'existing index\'s, else {cfg.embedder})')
    ap.add_argument("--max-mb", type=int, default=cfg.max_mb, help="skip files larger than this when indexing")
    return ap.parse_args(argv)


class UserError(Exception):
    """Something the user can fix; the message is the whole story."""


def check_corpus(corpus: Path) -> None:
    if not corpus.exists():
        raise UserError(f"corpus folder {corpus} does not exist: create it and put the budget "
                        "documents there, or pass --corpus DIR")
    if corpus.is_dir() and not any(p.is_file() and not p.name.startswith(".") for p in corpus.rglob("*")):
        raise UserError(f"corpus folder {corpus} is empty: put the budget documents "
                        "(.txt .pdf .docx .xlsx .xls .html) there, or pass --corpus DIR")


def check_port(host: str, port: int) -> None:
    """Fail before the (possibly long) first build, not after it, when the port is taken."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind((host, port))
        except OSError as e:
            raise UserError(f"cannot serve on {host}:{port} ({e.strerror or e}): "
                            "pass --port N or set BUDGET_QA_PORT") from None


def build_index(args: argparse.Namespace) -> None:
    """First start: index the corpus folder, showing stage, done/total and ETA."""
    from assistant.index.build import build
    from assistant.progress import print_report

    check_corpus(args.corpus)
    spec = args.embedder or config.load().embedder
    print(f"no index at {args.index} yet: indexing {args.corpus} (embedder {spec}) ...",
          file=sys.stderr, flush=True)
    t0 = time.time()
    r = build([args.corpus], args.index, embedder_spec=spec, report=print_report,
              max_bytes=args.max_mb * 2**20, on_error=lambda m: print(f"\nwarning: {m}", file=sys.stderr))
    print(f"indexed {r.documents} documents, {r.chunks} chunks, {len(r.errors)} problems, "
          f"{time.time() - t0:.1f}s", file=sys.stderr, flush=True)


def load_index(args: argparse.Namespace):
    from assistant.index import Index
    from assistant.index.store import IndexMissing

    try:
        return Index.load(args.index)
    except IndexMissing:
        build_index(args)  # also repairs an index whose live generation is incomplete
        return Index.load(args.index)


def warm_up(index) -> None:
    """Load the tokenizer and the embedding model now, so the first question is not slow."""
    from assistant.answering.answer import answer

    answer(index, "预算支出")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_port(args.host, args.port)
        index = load_index(args)
    except (UserError, FileNotFoundError, NotADirectoryError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    # Questions use the embedder the index was built with; the UI's 更新索引 keeps it unless
    # --embedder asks for another (a silent switch would re-embed the whole corpus).
    if args.embedder and args.embedder != index.embedder_spec:
        print(f"note: the index was built with embedder {index.embedder_spec!r}; questions use it "
              f"until 更新索引 rebuilds it with {args.embedder!r}.", file=sys.stderr)
    print(f"{len(index.doc_list)} documents, {len(index.chunks)} chunks; loading models ...",
          file=sys.stderr, flush=True)
    warm_up(index)

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline machines: no phoning home
    from assistant.apps.ui import launch, make_ui

    demo = make_ui(args.index, args.corpus, args.embedder or index.embedder_spec, index=index)
    try:
        launch(demo, args.host, args.port)
    except OSError as e:  # the port was taken while the index loaded
        print(f"error: cannot serve on {args.host}:{args.port} ({e})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
