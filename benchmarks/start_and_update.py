"""Fast starts and updates (issue 10, point 4), each beside the code before it, in one run.

    python benchmarks/start_and_update.py [--baseline REF] [--embedder hash] [--repeat 3]

Over a copy of ../shared/corpus/text (255 documents) under /tmp, for this checkout and
for REF (default: where this branch left main, ``git merge-base HEAD main``, unpacked
with ``git archive`` into a temporary folder and run with the same .venv):

* second start of app.py to a served page: start it, poll ``/`` until HTTP 200, stop it,
  start it again and time that;
* adding, replacing and deleting one document end to end: ``build()`` on the folder,
  then loading the new generation as a server does (LiveIndex) -- the web app's upload,
  replace and delete run exactly this (apps/library.py);
* warm ``ask`` p50/p95 over the dev and dev2 questions (one pass to warm up first), and
  the dev/dev2 scores of both (grade.py's rule) with how many answers are equal.

Prints each figure for both codes and their ratio. Targets: start <= 5 s, one-document
change <= 3 s, warm ask p95 <= 20 ms. Timings on a shared machine are noisy: the load
average is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "text"
QUESTIONS = [SHARED / "eval" / "dev.jsonl", SHARED / "eval" / "dev2.jsonl"]
# The document added, replaced and deleted: a real one under a new name, its department
# renamed so it is a distinct disclosure.
SAMPLE = "2020_weixian_govoffice_budget.txt"
START_TIMEOUT_S = 300

PROBE = r'''
import json, sys, time, statistics
from pathlib import Path
what, corpus, index, embedder = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
from assistant.index.build import build
from assistant.index.live import LiveIndex
out = {"code": __import__("assistant").__file__}
if what == "build":
    t = time.perf_counter(); build([corpus], index, embedder_spec=embedder, report=None, on_note=None)
    out["s"] = time.perf_counter() - t
elif what == "changes":
    live = LiveIndex(index, watch=False)
    sample = corpus / sys.argv[5]
    added = corpus / ("zz_added_" + sample.name)
    text = sample.read_text(encoding="utf-8")
    def step(name, change):
        change()
        t = time.perf_counter()
        build([corpus], index, embedder_spec=embedder, report=None, on_note=None)
        built = time.perf_counter() - t
        live.refresh()
        out[name] = {"build_s": built, "end_to_end_s": time.perf_counter() - t, "chunks": len(live.get().chunks)}
    step("add", lambda: added.write_text(text.replace("魏县政府办", "魏县政务服务办"), encoding="utf-8"))
    step("replace", lambda: added.write_text(text.replace("魏县政府办", "魏县政务服务办").replace("50万元", "53万元"),
                                             encoding="utf-8"))
    step("delete", lambda: added.unlink())
    live.close()
elif what == "ask":
    from assistant.index import Index
    from assistant.answering.answer import answer
    t = time.perf_counter(); ix = Index.load(index); out["load_s"] = time.perf_counter() - t
    rows = [json.loads(l) for f in sys.argv[6:] for l in open(f, encoding="utf-8") if l.strip()]
    qs = [r["question"] for r in rows]
    answers = {r["id"]: answer(ix, r["question"]).to_json(r["id"]) for r in rows}
    json.dump(answers, open(sys.argv[5], "w", encoding="utf-8"), ensure_ascii=False)
    ts = []
    for q in qs:
        t = time.perf_counter(); answer(ix, q); ts.append(time.perf_counter() - t)
    ts.sort()
    out.update(n=len(ts), p50_ms=1000 * ts[len(ts) // 2], p95_ms=1000 * ts[int(0.95 * (len(ts) - 1))])
print("PROBE " + json.dumps(out))
'''


def probe(code: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "BUDGET_QA_WORKERS": "2"}
    p = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=code, env=env, capture_output=True, text=True)
    line = next((x for x in p.stdout.splitlines() if x.startswith("PROBE ")), None)
    if line is None:
        raise SystemExit(f"probe {args[0]} failed in {code}:\n{p.stderr[-2000:]}")
    out = json.loads(line[6:])
    if not out["code"].startswith(str(code)):
        raise SystemExit(f"probe ran {out['code']}, not the code in {code}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_to_page(code: Path, corpus: Path, index: Path) -> float:
    """Seconds from starting app.py to the first HTTP 200 of its page."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(code), "GRADIO_ANALYTICS_ENABLED": "False"}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--index", str(index), "--corpus", str(corpus),
                             "--port", str(port)], cwd=code, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        while time.perf_counter() - t < START_TIMEOUT_S:
            if proc.poll() is not None:
                raise SystemExit(f"app.py in {code} exited: {proc.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"app.py in {code} served nothing within {START_TIMEOUT_S}s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def baseline_code(ref: str, into: Path) -> Path:
    commit = ref or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=REPO, capture_output=True,
                                   text=True, check=True).stdout.strip()
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def quality(answers: dict) -> dict[str, tuple[int, int]]:
    """grade.py's rule (answer_quality.right) per question set: (right, total)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import answer_quality

    grade = answer_quality._grader()
    out = {}
    for path in QUESTIONS:
        rows = answer_quality._rows(path)
        out[path.stem] = (sum(answer_quality.right(grade, q, answers[q["id"]]) for q in rows if q["id"] in answers),
                          len(rows))
    return out


def _key(a: dict):
    c = (a.get("citations") or [{}])[0]
    return a.get("found"), a.get("answer"), c.get("source"), c.get("line_start"), c.get("quote")


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", default="", help="git ref of the code to compare with (default: merge-base with main)")
    ap.add_argument("--embedder", default="hash", help="embedder of both builds (default hash: the fast fake)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of the change sequence; the best is printed")
    ap.add_argument("--skip-baseline", action="store_true", help="measure this checkout only")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"needs ../shared/corpus/text beside the repo; not found at {CORPUS}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="start-update-"))
    try:
        codes = {"now": REPO}
        if not args.skip_baseline:
            codes["before"] = baseline_code(args.baseline, work / "before-code")
        print(f"# {load()}; corpus {CORPUS} ({len(list(CORPUS.glob('*.txt')))} documents), embedder {args.embedder}")
        results: dict[str, dict] = {name: {} for name in codes}
        where = {name: (work / f"{name}-corpus", work / f"{name}-index") for name in codes}
        # Each step runs for every code before the next step, best of --repeat, so a load
        # change on the shared machine hits both figures of a ratio alike.
        for name, code in codes.items():
            corpus, index = where[name]
            shutil.copytree(CORPUS, corpus)
            results[name]["first_build_s"] = probe(code, "build", str(corpus), str(index), args.embedder)["s"]
            start_to_page(code, corpus, index)  # the first start; the OS now caches the files
        for _ in range(args.repeat):
            for name, code in codes.items():
                r, (corpus, index) = results[name], where[name]
                r["second_start_s"] = min(r.get("second_start_s", 1e9), start_to_page(code, corpus, index))
        for _ in range(args.repeat):
            for name, code in codes.items():
                r, (corpus, index) = results[name], where[name]
                run = probe(code, "changes", str(corpus), str(index), args.embedder, SAMPLE)
                for step in ("add", "replace", "delete"):
                    r[step] = min(r.get(step, 1e9), run[step]["end_to_end_s"])
                    r[step + "_build"] = min(r.get(step + "_build", 1e9), run[step]["build_s"])
        for name, code in codes.items():
            r, (corpus, index) = results[name], where[name]
            answers_file = work / f"{name}-answers.json"
            r.update(probe(code, "ask", str(corpus), str(index), args.embedder, str(answers_file),
                           *map(str, QUESTIONS)))
            r["answers"] = json.loads(answers_file.read_text(encoding="utf-8"))
        print(f"# measured ({load()})", file=sys.stderr)
        rows = [("first build of 255 documents (s)", "first_build_s", None),
                ("second start of app.py to a served page (s)", "second_start_s", 5.0),
                ("index load in-process (s)", "load_s", None),
                ("add one document, end to end (s)", "add", 3.0),
                ("  of which build() (s)", "add_build", None),
                ("replace one document, end to end (s)", "replace", 3.0),
                ("  of which build() (s)", "replace_build", None),
                ("delete one document, end to end (s)", "delete", 3.0),
                ("  of which build() (s)", "delete_build", None),
                ("warm ask p50 (ms)", "p50_ms", None),
                ("warm ask p95 (ms)", "p95_ms", 20.0)]
        head = f"{'':46} {'now':>9}" + (f" {'before':>9} {'now/before':>10}" if "before" in results else "") + "  target"
        print(head)
        for label, key, target in rows:
            now = results["now"][key]
            line = f"{label:46} {now:9.3f}"
            if "before" in results:
                before = results["before"][key]
                line += f" {before:9.3f} {now / before:10.2f}"
            if target is not None:
                line += f"  <= {target:g} {'ok' if now <= target else 'MISSED'}"
            print(line)
        print(f"# questions timed: {results['now']['n']}; {load()}")
        for name, r in results.items():
            print(f"answer quality ({name}): " + ", ".join(
                f"{s} {right}/{total}" for s, (right, total) in quality(r["answers"]).items()))
        if "before" in results:
            a, b = results["now"]["answers"], results["before"]["answers"]
            same = sum(_key(a[i]) == _key(b[i]) for i in a if i in b)
            print(f"answers equal to before (answer, first source, lines, quote): {same}/{len(a)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
