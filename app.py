"""Serve the web app: python app.py [--config FILE] [--host H] [--port P] [--index DIR] [--corpus DIR] [--embedder SPEC].

Settings come from budget-qa.toml (or --config / BUDGET_QA_CONFIG), then BUDGET_QA_*
environment variables, then these flags. On first start there is no index yet: it is
built from the corpus folder, with progress on the terminal, then loaded; later starts
load it at once. Problems the user can fix (missing or empty corpus folder, busy port,
a bad setting) print one line and exit with status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from assistant import config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="预算公开问答 web app (settings: budget-qa.toml, BUDGET_QA_* env vars, "
                                             "then these flags)")
    ap.add_argument("--config", type=Path, help="TOML settings file (default ./budget-qa.toml if present)")
    ap.add_argument("--host", help="address to serve on (default 127.0.0.1; 0.0.0.0 for colleagues)")
    ap.add_argument("--port", type=int, help="port (default 7860)")
    ap.add_argument("--index", type=Path, help="index folder (default index/)")
    ap.add_argument("--corpus", type=Path, help="documents folder the app serves and indexes (default corpus/)")
    # None unless set (flag, file or BUDGET_QA_EMBEDDER): an existing index keeps its own model.
    ap.add_argument("--embedder", help='model for building the index: "use", "none", "hash", "st:/path" '
                                       "(default: the existing index's, else use)")
    ap.add_argument("--max-mb", type=int, help="refuse files larger than this (default 100)")
    return ap.parse_args(argv)


class UserError(Exception):
    """Something the user can fix; the message is the whole story."""


def settings(args: argparse.Namespace) -> tuple[config.Config, str | None]:
    """The configuration with the flags applied, and the embedder asked for (None: keep the index's)."""
    cfg = config.load(args.config)
    flags = {"host": args.host, "port": args.port, "index": args.index, "corpus": args.corpus, "max_mb": args.max_mb}
    cfg = replace(cfg, **{k: v for k, v in flags.items() if v is not None})
    asked = args.embedder or os.environ.get("BUDGET_QA_EMBEDDER") or None
    if asked is None and cfg.source and cfg.embedder != config.Config.embedder:
        asked = cfg.embedder
    return cfg, asked


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

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind((host, port))
        except OSError as e:
            raise UserError(f"cannot serve on {host}:{port} ({e.strerror or e}): "
                            "pass --port N or set BUDGET_QA_PORT") from None


def build_index(cfg: config.Config, embedder: str | None) -> None:
    """First start: index the corpus folder, showing stage, done/total and ETA."""
    from assistant.index.build import build
    from assistant.progress import print_report

    check_corpus(cfg.corpus)
    spec = embedder or cfg.embedder
    print(f"no index at {cfg.index} yet: indexing {cfg.corpus} (embedder {spec}) ...", file=sys.stderr, flush=True)
    t0 = time.time()
    r = build([cfg.corpus], cfg.index, embedder_spec=spec, report=print_report, max_bytes=cfg.max_mb * 2**20,
              on_error=lambda m: print(f"\nwarning: {m}", file=sys.stderr))
    print(f"indexed {r.documents} documents, {r.chunks} chunks, {len(r.errors)} problems, "
          f"{time.time() - t0:.1f}s", file=sys.stderr, flush=True)


def load_index(cfg: config.Config, embedder: str | None = None):
    from assistant.index import Index
    from assistant.index.store import IndexMissing

    try:
        return Index.load(cfg.index)
    except IndexMissing:
        build_index(cfg, embedder)  # also repairs an index whose live generation is incomplete
        return Index.load(cfg.index)


def warm_up(index, host: str = "", port: int = 0) -> None:
    """Load the tokenizer, the embedding model and the search tables now, so the first
    question is not slow; with a port, only once the server accepts connections, so the
    warm-up (CPU-bound, under the GIL) does not slow the start it would speed up."""
    from assistant.answering.answer import answer
    from assistant.answering.search import flat_texts

    if port:
        import socket

        address = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((address, port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
    answer(index, "预算支出")
    flat_texts(index)


def _import_web() -> None:
    """Import the web stack (gradio alone takes 2-4 s) beside the index load, which spends
    its time hashing files outside the GIL."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline machines: no phoning home
    import assistant.apps.server  # noqa: F401
    import assistant.apps.state  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    web = threading.Thread(target=_import_web, name="import-web", daemon=True)
    web.start()
    try:
        cfg, embedder = settings(args)
        check_port(cfg.host, cfg.port)
        index = load_index(cfg, embedder)
    except (UserError, config.ConfigError, FileNotFoundError, NotADirectoryError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    # Questions use the embedder the index was built with; an update from the web app keeps
    # it unless --embedder asks for another (a silent switch would re-embed the whole corpus).
    if embedder and embedder != index.embedder_spec:
        print(f"note: the index was built with embedder {index.embedder_spec!r}; questions use it "
              f"until an update rebuilds it with {embedder!r}.", file=sys.stderr)
    print(f"{len(index.doc_list)} documents, {len(index.chunks)} chunks; loading models in the background ...",
          file=sys.stderr, flush=True)
    # Warm up beside the server, not before it: the page is served at once (issue 10: a
    # second start within 5 s), and a question asked in the first second or two only
    # waits for what it needs itself.
    threading.Thread(target=warm_up, args=(index, cfg.host, cfg.port), name="warm-up", daemon=True).start()

    web.join()
    from assistant.apps.server import serve
    from assistant.apps.state import load_state

    try:
        state = load_state(cfg, index, embedder or index.embedder_spec)
        serve(state, cfg.host, cfg.port)
    except ValueError as e:  # a configured hash that is no hash
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # the port was taken while the index loaded
        print(f"error: cannot serve on {cfg.host}:{cfg.port} ({e})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
