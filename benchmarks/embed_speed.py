"""How fast do the embedders run on corpus-like chunks? (CPU, no network.)

Usage:
    python benchmarks/embed_speed.py [--n 300] [--lengths 100 200 380] [--repeats 3]
        [--models use hash minilm] [--batch-sizes 1 8 32 128]
    python benchmarks/embed_speed.py --models use/t1 use/t2 --batch-sizes   # BLAS threads

For each model: load seconds, chunks/s at each chunk length (characters), and ms per
query (one short question, median of 20). For USE it also times the 380-char chunks at
several batch sizes, and projects how many chunks fit in 5 minutes.

Chunks are consecutive pieces of the corpus text (whitespace collapsed, as the chunker
rejoins wrapped lines), drawn evenly from every file of ../shared/corpus/text (else
./corpus), so prose, tables and numbers are represented as in a real index build.
The VM's speed drifts by 2-5x over minutes (other tenants): compare figures from one
run only, and read the median and best together.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.index.embed import (  # noqa: E402  (needs the path above)
    Embedder,
    HashEmbedder,
    SentenceTransformerEmbedder,
    UseEmbedder,
    minilm_folder,
)

CORPUS_DIRS = (ROOT.parent / "shared" / "corpus" / "text", ROOT / "corpus")
QUERY = "2020年一般公共预算财政拨款支出是多少？"
BUDGET_S = 300.0  # the "5 minutes" of the projection


def corpus_files() -> list[Path]:
    """The .txt files of the first corpus folder that has any."""
    for folder in CORPUS_DIRS:
        files = sorted(folder.glob("*.txt"))
        if files:
            return files
    raise SystemExit(f"no corpus .txt files in {' or '.join(map(str, CORPUS_DIRS))}")


def sample_chunks(files: list[Path], n: int, length: int) -> list[str]:
    """``n`` pieces of ``length`` characters, spread evenly over all pieces of all files.

    Args:
        files (list[Path]): corpus text files.
        n (int): pieces wanted.
        length (int): characters per piece (a file's last, shorter piece is dropped).
    """
    pieces: list[str] = []
    for path in files:
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8", errors="replace")).strip()
        pieces += [text[i:i + length] for i in range(0, len(text) - length + 1, length)]
    if len(pieces) <= n:
        return pieces
    step = len(pieces) / n  # even stride, not the first n: every file type gets a say
    return [pieces[int(i * step)] for i in range(n)]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def query_ms(embedder: Embedder, repeats: int = 20) -> float:
    embedder.encode([QUERY])  # warm-up: first call may allocate / compile
    return 1000 * statistics.median(timed(lambda: embedder.encode([QUERY])) for _ in range(repeats))


def make(name: str) -> tuple[Embedder, float] | None:
    """Build and load one embedder; returns (embedder, load seconds) or None if unavailable.

    Args:
        name (str): "use", "use/tN" (USE with N BLAS threads), "hash" or "minilm".
    """
    t0 = time.perf_counter()
    if name == "use" or name.startswith("use/t"):
        emb: Embedder = UseEmbedder(threads=int(name[5:] or 1) if "/t" in name else 1).load()
    elif name == "hash":
        emb = HashEmbedder(64)
    elif name == "minilm":
        try:
            emb = SentenceTransformerEmbedder(minilm_folder(), name="st:all-MiniLM-L6-v2").load()
        except (ValueError, ImportError) as exc:
            print(f"minilm: skipped ({exc})")
            return None
    else:
        raise SystemExit(f"unknown model {name!r}: use, hash, minilm")
    return emb, time.perf_counter() - t0


def rates(embedder: Embedder, runs: dict[str, list[str]], repeats: int,
          batch_size: int | dict[str, int] = 32) -> dict[str, list[float]]:
    """Chunks/s of each run, ``repeats`` times, round-robin.

    Args:
        embedder (Embedder): a loaded embedder.
        runs (dict[str, list[str]]): label -> texts.
        repeats (int): passes over all runs.
        batch_size (int | dict[str, int], default 32): one size, or one per label.

    Round-robin rather than run after run: on a shared VM the CPU speed drifts over
    minutes, and interleaving spreads the drift over every label instead of one.
    """
    out: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, texts in runs.items():
            bs = batch_size[label] if isinstance(batch_size, dict) else batch_size
            out[label].append(len(texts) / timed(lambda: embedder.encode(texts, batch_size=bs)))
    return out


def fmt(samples: list[float]) -> str:
    """'median (best)' of chunks/s samples."""
    return f"{statistics.median(samples):.1f} ({max(samples):.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300, help="chunks per length (default 300)")
    ap.add_argument("--lengths", type=int, nargs="+", default=[100, 200, 380])
    ap.add_argument("--models", nargs="+", default=["use", "hash", "minilm"],
                    help='use, use/tN (USE with N BLAS threads; "use" is use/t1), hash, minilm')
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure (default 3)")
    ap.add_argument("--batch-sizes", type=int, nargs="*", default=[1, 8, 32, 128],
                    help="USE batch sizes tried on the longest chunks (none: skip)")
    args = ap.parse_args()

    files = corpus_files()
    chunks = {f"{L}": sample_chunks(files, args.n, L) for L in args.lengths}
    longest = str(max(args.lengths))
    print(f"corpus: {len(files)} files in {files[0].parent}; {args.n} chunks per length; "
          f"{os.cpu_count()} CPUs; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"chunks/s as median (best) of {args.repeats}; projection uses the median")
    print(f"{'model':<8} {'load s':>6} {'query ms':>8}  " +
          "  ".join(f"{L + ' chars':>14}" for L in chunks) + f"   chunks in {BUDGET_S:.0f} s")
    for name in args.models:
        made = make(name)
        if made is None:
            continue
        emb, load_s = made
        q_ms = query_ms(emb)
        got = rates(emb, chunks, args.repeats)
        fits = ", ".join(f"{int(statistics.median(r) * BUDGET_S)} x {L}" for L, r in got.items())
        print(f"{name:<8} {load_s:6.2f} {q_ms:8.1f}  " + "  ".join(f"{fmt(got[L]):>14}" for L in chunks)
              + f"   {fits}", flush=True)
        if name.startswith("use") and args.batch_sizes:
            tok = emb._model._tokenizer  # noqa: SLF001  (where does the time go?)
            tok_rate = len(chunks[longest]) / timed(lambda: [tok.encode(t) for t in chunks[longest]])
            runs = {f"bs{bs}": chunks[longest] for bs in args.batch_sizes}
            per_bs = rates(emb, runs, args.repeats, {f"bs{bs}": bs for bs in args.batch_sizes})
            print(f"         {longest}-char chunks: tokenizer alone {tok_rate:.0f}/s; by batch size: "
                  + ", ".join(f"{k[2:]}: {fmt(v)}" for k, v in per_bs.items()), flush=True)


if __name__ == "__main__":
    main()
