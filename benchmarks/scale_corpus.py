"""The corpus 1×, 10× and 100× its size, for each storage backend (issue 10, point 3).

    python benchmarks/scale_corpus.py [--scales 1,10,100] [--backends local,milvus]
                                      [--work /tmp/budget-qa-scale] [--embedder hash]

Makes synthetic corpora from ../shared/corpus/text: copy 0 is the real corpus (so the
dev questions still have their answers, among 9 or 99 distractors); every other copy
rewrites each document so it is a distinct disclosure -- the first two characters of
its department (and wherever they occur: 魏县… -> 甲乙…), its years (shifted by -4..+4,
so copies spread over years) and every other number (a digit permutation per copy:
amounts, codes) -- always with strings of the same length, so line numbers and quotes
stay exact.

Per scale and backend it prints: build time, index size, peak memory of the building
and of the answering process, load time, warm ``ask`` and ``search`` p50/p95 over the
dev and dev2 questions, and the dev/dev2 scores (grade.py's rule) with how many answers
equal the local backend's. Each figure runs in a fresh process (peak memory is its
ru_maxrss). Vectors come from the hashing embedder; the real embedder's cost is stated
from benchmarks/embed_speed.py's throughput (--embed-rate, texts per second).

What is measured and what is extrapolated is printed beside each figure:
* 1× and 10× are built by ``build()`` from the files (read, chunk, figures, stores).
* 100× in the time a 2-core machine allows: the local keyword index and vectors are made
  at full size from the 1× ones with numpy (a token holding a digit is a new token in
  each copy, as the rewrite makes it), saved, memory-mapped and timed as answering uses
  them (BM25 of every row, dense top 40 unfiltered and within 1%), and the matrix rebuild
  that every add or delete costs is timed; ingest, the rest of ``ask`` and the serving
  memory are extrapolated from 10×. ``--full-100x`` instead rewrites the 1× chunks as
  the files are and writes every copy through the write stage (hours here).
* A backend whose build would not fit ``--budget-min`` is extrapolated from its 1× and
  10× rates (rows per second), and its latency is not reported.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "text"
QUESTIONS = {"dev": SHARED / "eval" / "dev.jsonl", "dev2": SHARED / "eval" / "dev2.jsonl"}
GRADER = SHARED / "eval" / "grade.py"
_POOL = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"  # names of copies: 甲乙, 甲丙, …
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(19|20)\d\d")
_COPY = re.compile(r"c\d{3}_")
# USE multilingual on this machine, measured by benchmarks/embed_speed.py (texts of
# chunk length, one process, 2 cores): the real embedder's cost is vectors / this.
DEFAULT_EMBED_RATE = 60.0
BYTES_PER_INDEX_MB = 2**20


# ---------------------------------------------------------------- the synthetic corpus

class Rewrite:
    """The rule that makes copy ``n`` of a document: same length, everything distinct."""

    def __init__(self, copy: int, department: str) -> None:
        self.copy = copy
        self.shift = (copy % 9) - 4 if copy else 0
        digits = list("123456789")
        rotate = copy % 9
        digits = digits[rotate:] + digits[:rotate]
        if copy // 9 % 2:
            digits.reverse()
        self.table = str.maketrans("123456789", "".join(digits))
        head = department[:2] if len(department) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in department[:2]) else ""
        self.head = head
        self.name = _POOL[copy // len(_POOL) % len(_POOL)] + _POOL[copy % len(_POOL)] if copy else head

    def __call__(self, text: str) -> str:
        if not self.copy:
            return text
        if self.head:
            text = text.replace(self.head, self.name)
        return _NUMBER.sub(self._number, text)

    def _number(self, m: re.Match) -> str:
        s = m.group(0)
        if len(s) == 4 and _YEAR.fullmatch(s):
            return str(int(s) + self.shift)
        return s.translate(self.table)


def copy_name(copy: int, name: str) -> str:
    return name if copy == 0 else f"c{copy:03d}_{name}"


def make_corpus(scale: int, folder: Path) -> int:
    """Write ``scale`` copies of the shared corpus into ``folder``; returns bytes written."""
    from assistant.ingest.metadata import extract_meta

    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for src in sorted(CORPUS.glob("*.txt")):
        text = src.read_text(encoding="utf-8")
        department = extract_meta(text).department
        for copy in range(scale):
            out = folder / copy_name(copy, src.name)
            # same length, so the same bytes: a file of another size was cut short
            if not out.exists() or out.stat().st_size != src.stat().st_size:
                out.write_text(Rewrite(copy, department)(text), encoding="utf-8")
            total += out.stat().st_size
    return total


# ---------------------------------------------------------------- probes (fresh processes)

PROBE = r'''
import json, resource, sys, time, os
from pathlib import Path
sys.path.insert(0, str(Path(os.environ["SCALE_REPO"]) / "benchmarks"))
what, args = sys.argv[1], json.loads(sys.argv[2])
if args.get("max_gb"):  # never take the shared machine down: fail with MemoryError instead
    limit = int(args["max_gb"] * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
out = {}
t = time.perf_counter()
if what == "build":
    from assistant.index.build import build
    r = build([Path(args["corpus"])], Path(args["index"]), embedder_spec=args["embedder"], report=None, on_note=None,
              full=args.get("full", False))
    out.update(documents=r.documents, chunks=r.chunks)
elif what == "grow":
    import scale_corpus
    out.update(scale_corpus.grow(Path(args["index"]), args["copies"], args["embedder"], args["batch"]))
elif what == "stores":
    import scale_corpus
    out.update(scale_corpus.stores_at(Path(args["index"]), args["scale"], Path(args["folder"]), args["sets"]))
elif what == "query":
    from assistant.index import Index
    from assistant.answering.answer import answer
    from assistant.answering.search import search
    ix = Index.load(Path(args["index"]))
    out["load_s"] = time.perf_counter() - t
    out["documents"], out["chunks"] = len(ix.doc_list), len(ix.chunks)
    qs = [json.loads(l) for name, f in args["sets"].items() for l in open(f, encoding="utf-8") if l.strip()]
    answers = {}
    t1 = time.perf_counter()
    for q in qs:
        answers[q["id"]] = answer(ix, q["question"]).to_json(q["id"])
    out["first_pass_s"] = time.perf_counter() - t1
    with open(args["answers"], "w", encoding="utf-8") as f:
        json.dump(answers, f, ensure_ascii=False)
    def timed(name, fn):
        ts = []
        for q in qs:
            t1 = time.perf_counter(); fn(q["question"]); ts.append(time.perf_counter() - t1)
        ts.sort()
        out[name + "_p50_ms"] = 1000 * ts[len(ts) // 2]
        out[name + "_p95_ms"] = 1000 * ts[int(0.95 * (len(ts) - 1))]
    timed("ask", lambda q: answer(ix, q))
    out["ask_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        t1 = time.perf_counter(); search(ix, qs[0]["question"], k=10); out["search_first_s"] = time.perf_counter() - t1
        timed("search", lambda q: search(ix, q, k=10))
    except MemoryError:
        out["search_error"] = "over the memory limit"
out["seconds"] = time.perf_counter() - t
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("PROBE " + json.dumps(out))
'''


def probe(what: str, store: str, **args) -> dict:
    env = {**os.environ, "BUDGET_QA_STORE": store, "SCALE_REPO": str(REPO), "BUDGET_QA_WORKERS": "2"}
    p = subprocess.run([sys.executable, "-c", PROBE, what, json.dumps(args)], cwd=REPO, env=env,
                       capture_output=True, text=True)
    line = next((x for x in p.stdout.splitlines() if x.startswith("PROBE ")), None)
    if line is None:
        raise SystemExit(f"probe {what} ({store}) failed:\n{p.stderr[-3000:]}")
    return json.loads(line[6:])


# ---------------------------------------------------------------- 100×: rewritten chunks

def grow(index: Path, copies: list[int], embedder: str, batch: int) -> dict:
    """Add ``copies`` of the documents of copy 0 to the index at ``index``, written
    through the build's write stage ``batch`` copies at a time (no figures for copies)."""
    from assistant.index import store
    from assistant.index.build import Action, DocBuild, figures_version, load_previous, pipeline_version
    from assistant.index.write import write_generation
    from assistant.records import DocMeta, Document

    added = rows = 0
    for start in range(0, len(copies), batch):
        prev = load_previous(index, pipeline_version(), figures_version())
        builds = []
        originals = [d for d in prev.live.values() if not _COPY.match(d.doc_id)]
        for d in prev.live.values():  # every document stays
            builds.append(DocBuild(prev.docs[d.doc_id], [], [], [], Action.REUSE, None, stored=d))
        for copy in copies[start:start + batch]:
            for d in originals:
                doc = prev.docs[d.doc_id]
                rw = Rewrite(copy, doc.meta.department)
                chunks, tokens = prev.chunks_of(d)
                for c in chunks:
                    c.doc_id = copy_name(copy, c.doc_id)
                    c.text, c.context, c.section = rw(c.text), rw(c.context), [rw(s) for s in c.section]
                tokens = [[rw(t) for t in row] for row in tokens]
                m = doc.meta
                meta = DocMeta(rw(m.title), rw(m.department), rw(m.region), m.year + rw.shift if m.year else None,
                               m.kind)
                new = Document(copy_name(copy, doc.doc_id), copy_name(copy, doc.source), meta, rw(doc.text),
                               doc.sha256, doc.size, doc.mtime, doc.format)
                builds.append(DocBuild(new, chunks, tokens, [], Action.READ, None))
                added += 1
                rows += len(chunks)
        builds.sort(key=lambda b: b.doc.doc_id)
        gen = store.new_generation(index)
        info = {"pipeline": pipeline_version(), "figures": figures_version(), "sources": prev.manifest.get("sources")}
        write_generation(gen, index, builds, prev, embedder, None, info, lambda m: None, full=False)
        store.publish(index, gen)
    return {"documents_added": added, "rows_added": rows}


def stores_at(index: Path, scale: int, folder: Path, sets: dict) -> dict:
    """The local keyword index and vectors of ``index`` made ``scale`` times larger with
    numpy (rows repeated; a token holding a digit is another token in each copy, as the
    copies rewrite numbers), saved, memory-mapped back, and timed as the Index uses them:
    BM25 of every row for each dev/dev2 question, and the best 40 vectors (unfiltered,
    and within 1% of the rows as a named department does)."""
    import numpy as np

    from assistant.index import store
    from assistant.index.backends.local import Bm25Keyword, FaissVectors
    from assistant.index.embed import get_embedder
    from assistant.index.vectors import VectorIndex
    from assistant.tokenize import tokenize

    out: dict = {}
    gen = store.live_generation(index)
    kw = Bm25Keyword.load(gen / "keyword", mmap=False)
    kw._ids()
    vocab = list(kw.vocab)
    changes = np.fromiter((any(ch.isdigit() for ch in t) for t in vocab), dtype=bool, count=len(vocab))
    extra = np.cumsum(changes) - 1  # index of a changing token among the changing ones
    per_copy = int(changes.sum())
    t = time.perf_counter()
    big = Bm25Keyword()
    tids = [np.asarray(kw.tids)]
    for copy in range(1, scale):
        ids = np.asarray(kw.tids)
        tids.append(np.where(changes[ids], len(vocab) + (copy - 1) * per_copy + extra[ids], ids).astype(np.int32))
    big.tids = np.concatenate(tids)
    del tids
    big.tfs = np.tile(np.asarray(kw.tfs), scale)
    n_pairs = int(kw.pair_end[-1])
    big.pair_end = np.concatenate([np.asarray(kw.pair_end) + c * n_pairs for c in range(scale)])
    big.length = np.tile(np.asarray(kw.length), scale)
    rows = len(kw.table)
    big.table.keys = np.concatenate([(np.int64(c + 1) << 32) | np.arange(rows, dtype=np.int64) for c in range(scale)])
    big.table.doc = np.tile(np.asarray(kw.table.doc), scale)
    big.table.doc_ids, big.table.metas = list(kw.table.doc_ids), list(kw.table.metas)
    big.vocab = vocab + [f"{vocab[i]}#{c}" for c in range(1, scale) for i in np.flatnonzero(changes)]
    big._vocab_ids = {tok: i for i, tok in enumerate(big.vocab)}
    out["rows"], out["pairs"], out["vocab"] = len(big.table), int(big.tids.shape[0]), len(big.vocab)
    out["made_s"] = time.perf_counter() - t
    t = time.perf_counter()
    big._model()  # the matrix: what every add or delete of the local store rebuilds
    out["matrix_s"] = time.perf_counter() - t
    t = time.perf_counter()
    big.save(folder / "keyword")
    out["save_s"] = time.perf_counter() - t
    vs = FaissVectors.load(gen / "vectors", mmap=False)
    base = np.stack([vs._index._index.reconstruct(int(k)) for k in vs.table.keys])
    rng = np.random.default_rng(0)
    vecs = np.concatenate([base + (rng.standard_normal(base.shape).astype(np.float32) * 0.05 if c else 0)
                           for c in range(scale)])
    vkeys = np.concatenate([(np.int64(c + 1) << 32) | (np.asarray(vs.table.keys) & 0xFFFFFFFF) for c in range(scale)])
    VectorIndex.build(vecs, vkeys).save(folder / "vectors.faiss")
    out["vectors"] = int(vecs.shape[0])
    del big, vecs, base
    out["keyword_mb"] = sum(p.stat().st_size for p in (folder / "keyword").rglob("*") if p.is_file()) / 2**20
    out["vectors_mb"] = (folder / "vectors.faiss").stat().st_size / 2**20
    # served: memory-mapped, as Index.load opens them
    t = time.perf_counter()
    served = Bm25Keyword.load(folder / "keyword", mmap=True)
    index_v = VectorIndex.load(folder / "vectors.faiss", mmap=True)
    out["load_s"] = time.perf_counter() - t
    qs = [json.loads(line)["question"] for f in sets.values() for line in open(f, encoding="utf-8") if line.strip()]
    embedder = get_embedder("hash")
    positions = np.arange(len(served.table), dtype=np.int64)
    bm, dense, narrow = [], [], []
    some = vkeys[rng.choice(vkeys.shape[0], size=max(1, vkeys.shape[0] // 100), replace=False)]
    for q in qs:
        tokens = tokenize(q)
        t = time.perf_counter()
        full = np.zeros(len(positions), dtype=np.float32)
        full[positions] = served.scores(tokens)
        bm.append(time.perf_counter() - t)
        v = embedder.encode([q])[0]
        t = time.perf_counter()
        index_v.search(v, 40)
        dense.append(time.perf_counter() - t)
        t = time.perf_counter()
        index_v.search(v, 40, allowed_ids=some)
        narrow.append(time.perf_counter() - t)
    for name, ts in (("bm25", bm), ("dense", dense), ("dense_1pct", narrow)):
        ts.sort()
        out[name + "_p50_ms"] = 1000 * ts[len(ts) // 2]
        out[name + "_p95_ms"] = 1000 * ts[int(0.95 * (len(ts) - 1))]
    return out


# ---------------------------------------------------------------- the report

def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def live_size(index: Path, extra: Path | None = None) -> int:
    """Bytes of the live generation and the embedding cache, and of ``extra`` (a
    milvus-lite folder)."""
    from assistant.index import store

    gen = store.live_generation(index)
    return du(gen) + du(index / "embedding-cache") + (du(extra) if extra else 0)


def score(set_name: str, answers: dict) -> tuple[int, int]:
    """grade.py's rule (answer_quality.right) over one question set: (right, total)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import answer_quality

    grade = answer_quality._grader()
    rows = answer_quality._rows(QUESTIONS[set_name])
    return sum(answer_quality.right(grade, q, answers[q["id"]]) for q in rows if q["id"] in answers), len(rows)


def same_answers(a: dict, b: dict) -> int:
    def key(x: dict):
        c = (x.get("citations") or [{}])[0]
        return x.get("found"), x.get("answer"), c.get("source"), c.get("line_start"), c.get("quote")

    return sum(key(a[i]) == key(b[i]) for i in a if i in b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", default="1,10,100")
    ap.add_argument("--backends", default="local,milvus")
    ap.add_argument("--work", type=Path, default=Path("/tmp/budget-qa-scale"))
    ap.add_argument("--embedder", default="hash")
    ap.add_argument("--embed-rate", type=float, default=DEFAULT_EMBED_RATE,
                    help="texts per second of the real embedder (benchmarks/embed_speed.py)")
    ap.add_argument("--budget-min", type=float, default=60.0, help="longest build to attempt, minutes")
    ap.add_argument("--batch", type=int, default=10, help="100×: copies per write")
    ap.add_argument("--full-100x", action="store_true",
                    help="100×: write every copy through the write stage (hours on 2 cores) instead of "
                         "measuring the stores at full size and extrapolating the rest")
    ap.add_argument("--max-gb", type=float, default=12.0,
                    help="address-space limit of the answering process (a shared machine stays up)")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"needs ../shared/corpus/text beside the repo; not found at {CORPUS}", file=sys.stderr)
        return 2
    scales = [int(s) for s in args.scales.split(",")]
    backends = args.backends.split(",")
    need = sum(scales) * (du(CORPUS) + 220 * BYTES_PER_INDEX_MB) * len(backends)
    free = shutil.disk_usage(args.work.parent if args.work.parent.exists() else Path("/tmp")).free
    print(f"# {time.strftime('%H:%M')} load {os.getloadavg()[0]:.2f}; about {need / 2**30:.1f} GB needed, "
          f"{free / 2**30:.1f} GB free under {args.work.parent}")
    if need > free:
        print(f"not enough disk under {args.work}: pass --work on a larger disk or fewer --scales", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    rates: dict = {}  # seconds per document (ingest), per row (store fill), 10× ask
    for earlier in sorted(args.work.glob("row-*x-*.json")):  # figures of an earlier run at a smaller scale
        r = json.loads(earlier.read_text(encoding="utf-8"))
        if r.get("built") and r["backend"] == "local" and r["scale"] == 10:
            rates["ask_10x"] = {"p50": r["ask_p50_ms"], "p95": r["ask_p95_ms"], "peak_mb": r["peak_mb"]}
            rates["ingest_s_per_doc"] = r["build_s"] / (len(list(CORPUS.glob("*.txt"))) * 10)
        if r.get("built") and r["backend"] == "milvus" and r["scale"] < 100:
            rates["milvus_s_per_row"], rates["milvus_from"] = r["build_s"] / max(r["rows"], 1), r["scale"]
    local_answers: dict[int, dict] = {}
    table = []
    for scale in scales:
        corpus = args.work / f"corpus-{scale}x"
        t = time.perf_counter()
        size = make_corpus(scale, corpus)
        print(f"# {scale}×: {len(list(corpus.iterdir()))} documents, {size / 2**20:.0f} MB of text, made in "
              f"{time.perf_counter() - t:.0f} s")
        for backend in backends:
            index = args.work / f"index-{scale}x-{backend}"
            store = "local" if backend == "local" else f"milvus:{args.work / f'milvus-{scale}x.db'}"
            row = {"scale": scale, "backend": backend, "notes": []}
            if scale >= 100 and not args.full_100x:
                row.update(_stores_only(scale, backend, args, rates))
            elif scale >= 100:
                row.update(_grow(scale, backend, index, store, args, rates))
            else:
                row.update(_build(scale, backend, index, store, args, rates))
            if row.get("built"):
                answers_file = args.work / f"answers-{scale}x-{backend}.json"
                q = probe("query", store, index=str(index), sets={k: str(v) for k, v in QUESTIONS.items()},
                          answers=str(answers_file), max_gb=args.max_gb)
                lite = args.work / f"milvus-{scale}x.db" if backend != "local" else None
                row.update(q, size_mb=live_size(index, lite) / 2**20)
                answers = json.loads(answers_file.read_text(encoding="utf-8"))
                for name in QUESTIONS:
                    row[name] = score(name, answers)
                if backend == "local":
                    local_answers[scale] = answers
                    if scale == 10:
                        rates["ask_10x"] = {"p50": q["ask_p50_ms"], "p95": q["ask_p95_ms"], "peak_mb": q["peak_mb"]}
                elif scale in local_answers:
                    row["same_as_local"] = same_answers(answers, local_answers[scale])
                    row["questions"] = len(answers)
            table.append(row)
            _print_row(row, args)
            (args.work / f"row-{scale}x-{backend}.json").write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    _print_table(table, args)
    return 0


def _build(scale: int, backend: str, index: Path, store: str, args, rates: dict) -> dict:
    """Build from the files (local) or fill the Milvus collection from the local index's
    stored chunks (its ingest is the local build's)."""
    corpus = args.work / f"corpus-{scale}x"
    docs = len(list(corpus.iterdir()))
    if backend == "local":
        shutil.rmtree(index, ignore_errors=True)
        b = probe("build", store, corpus=str(corpus), index=str(index), embedder=args.embedder)
        rates["ingest_s_per_doc"] = b["seconds"] / docs
        return {"built": True, "build_s": b["seconds"], "build_peak_mb": b["peak_mb"], "rows": b["chunks"],
                "how": "measured: build() from the files"}
    source = args.work / f"index-{scale}x-local"
    rows = _chunks(source)
    if "milvus_s_per_row" in rates and rates["milvus_s_per_row"] * rows > args.budget_min * 60:
        return {"built": False, "build_s": rates["milvus_s_per_row"] * rows, "rows": rows,
                "how": f"extrapolated from {rates['milvus_from']}× ({rates['milvus_s_per_row'] * 1000:.2f} ms a row)"}
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(source, index, symlinks=True)
    shutil.rmtree(args.work / f"milvus-{scale}x.db", ignore_errors=True)
    b = probe("build", store, corpus=str(corpus), index=str(index), embedder=args.embedder)
    rates["milvus_s_per_row"], rates["milvus_from"] = b["seconds"] / max(rows, 1), scale
    return {"built": True, "build_s": b["seconds"], "build_peak_mb": b["peak_mb"], "rows": rows,
            "how": "measured: stores filled from the local index's chunks (ingest as local)"}


def _stores_only(scale: int, backend: str, args, rates: dict) -> dict:
    """100× on a 2-core machine shared with others: the stores measured at full size, the
    rest of ``ask`` extrapolated from 10× (see the module docstring)."""
    if backend != "local":
        return _grow(scale, backend, Path(), "", args, rates)
    folder = args.work / f"stores-{scale}x"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sets = {k: str(v) for k, v in QUESTIONS.items()}
    big = probe("stores", "local", index=str(args.work / "index-1x-local"), scale=scale, folder=str(folder), sets=sets)
    ref = args.work / "index-10x-local"
    small = probe("stores", "local", index=str(ref), scale=1, folder=str(args.work / "stores-10x"), sets=sets) \
        if (ref / "CURRENT").exists() else None
    row = {"built": False, "rows": big["rows"], "stores": big, "stores_10x": small,
           "build_s": big["made_s"] + big["matrix_s"] + big["save_s"]
           + rates.get("ingest_s_per_doc", float("nan")) * len(list(CORPUS.glob("*.txt"))) * scale,
           "size_mb": big["keyword_mb"] + big["vectors_mb"], "build_peak_mb": big["peak_mb"],
           "load_s": big["load_s"],
           "how": f"stores measured at full size ({big['rows']:,} rows, {big['vectors']:,} vectors: BM25 p95 "
                  f"{big['bm25_p95_ms']:.0f} ms, dense p95 {big['dense_p95_ms']:.0f} ms, matrix rebuild "
                  f"{big['matrix_s']:.0f} s); ingest and the rest of ask extrapolated from 10×"}
    ten = rates.get("ask_10x")
    if ten and small:
        extra = {k: big[f"{p}_ms"] - small[f"{p}_ms"] for k, p in (("p50", "bm25_p50"), ("p95", "bm25_p95"))}
        extra_d = {k: big[f"{p}_ms"] - small[f"{p}_ms"] for k, p in (("p50", "dense_p50"), ("p95", "dense_p95"))}
        row["ask_p50_ms"] = ten["p50"] + extra["p50"] + extra_d["p50"]
        row["ask_p95_ms"] = ten["p95"] + extra["p95"] + extra_d["p95"]
        row["peak_mb"] = ten["peak_mb"] * 10  # documents and parsed chunks grow with the corpus
    return row


def _grow(scale: int, backend: str, index: Path, store: str, args, rates: dict) -> dict:
    if backend != "local":
        rows = _chunks(args.work / "index-1x-local") * scale
        return {"built": False, "rows": rows,
                "build_s": rates.get("milvus_s_per_row", float("nan")) * rows,
                "how": f"extrapolated from {rates.get('milvus_from', '?')}× ({rates.get('milvus_s_per_row', 0) * 1000:.2f} "
                       "ms a row); milvus-lite is pure Python: a Milvus server is the path at this size"}
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(args.work / "index-1x-local", index, symlinks=True)
    b = probe("grow", store, index=str(index), copies=list(range(1, scale)), embedder=args.embedder,
              batch=args.batch)
    docs = len(list(CORPUS.glob("*.txt"))) * scale
    ingest = rates.get("ingest_s_per_doc", float("nan")) * docs
    return {"built": True, "build_s": b["seconds"] + ingest, "grow_s": b["seconds"], "build_peak_mb": b["peak_mb"],
            "rows": _chunks(index),
            "how": f"stores and segments measured ({b['seconds']:.0f} s, {scale - 1} copies in batches of {args.batch}); "
                   f"ingest extrapolated from the 10× rate ({ingest:.0f} s); copies have no figures table"}


def _chunks(index: Path) -> int:
    from assistant.index import segments, store

    return sum(d.count for d in segments.load_live(store.live_generation(index)))


def _fmt(v, spec: str = ".0f") -> str:
    return "—" if v is None or (isinstance(v, float) and v != v) else format(v, spec)


def _print_row(r: dict, args) -> None:
    print(f"# {time.strftime('%H:%M')} {r['scale']}× {r['backend']}: {json.dumps(r, ensure_ascii=False)}", flush=True)


def _print_table(table: list[dict], args) -> None:
    print()
    print("| scale | backend | chunks | build s | index MB | build peak MB | load s | serve peak MB | ask p50/p95 ms "
          "| search p50/p95 ms | dev | dev2 | same answers as local | how |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        dev = f"{r['dev'][0]}/{r['dev'][1]}" if "dev" in r else "—"
        dev2 = f"{r['dev2'][0]}/{r['dev2'][1]}" if "dev2" in r else "—"
        same = f"{r['same_as_local']}/{r['questions']}" if "same_as_local" in r else "—"
        print(f"| {r['scale']}× | {r['backend']} | {r.get('rows', 0):,} | {_fmt(r.get('build_s'))} | "
              f"{_fmt(r.get('size_mb'))} | {_fmt(r.get('build_peak_mb'))} | {_fmt(r.get('load_s'), '.1f')} | "
              f"{_fmt(r.get('peak_mb'))} | {_fmt(r.get('ask_p50_ms'))}/{_fmt(r.get('ask_p95_ms'))} | "
              f"{_fmt(r.get('search_p50_ms'))}/{_fmt(r.get('search_p95_ms'))}{' (' + r['search_error'] + ')' if r.get('search_error') else ''} "
              f"| {dev} | {dev2} | {same} | {r['how']} |")
    prose = [r for r in table if r["backend"] == "local" and r.get("rows")]
    if prose:
        r = prose[-1]
        vectors = r["rows"] * 0.35  # share of chunks that get a vector (write.embed_text), measured at 1×
        print(f"\nreal embedder at {r['scale']}×: about {vectors:,.0f} vectors at {args.embed_rate:g} texts/s = "
              f"{vectors / args.embed_rate / 60:,.0f} min once (cached by text afterwards)")


if __name__ == "__main__":
    sys.exit(main())
