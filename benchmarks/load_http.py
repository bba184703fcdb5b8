"""Load on the web app over HTTP, loopback only: many users at once, and one worst-case
request beside normal questions.

Starts app.py on a free 127.0.0.1 port over an existing index (--index, --corpus), then:

1. one at a time: every distinct request once (the reference answers and latencies);
2. --users concurrent users (default 50), each sending --per-user requests back to back,
   a mix of chat questions (POST /api/ask) and code searches (GET /api/search), through
   the JSON API and, with --gradio, through Gradio's typed /ask endpoint too;
   prints errors, p50, p95, throughput, and whether every answer under load equals the
   one given alone;
3. a normal question's latency alone and while worst-case requests run (a 500-character
   question, a 500-character search, an export of a large result), and the time to refuse
   a 100,000-character question.

Every loop is bounded in count; the server is stopped at the end.

    .venv/bin/python benchmarks/load_http.py --index /path/to/index --corpus ../shared/corpus/text
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
TIMEOUT_S = 60  # one request
MAX_REQUESTS = 2000  # users x per-user, at most
FALLBACK_QUESTIONS = ["魏县政府办2020年公务接待费预算是多少？", "魏县政府办2020年支出预算共计多少？",
                      "2020年财政拨款预算比2019年增加了多少？", "434-1601-JXN-0UT4 项目预算数是多少？"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int) -> subprocess.Popen:
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", BUDGET_QA_REQUEST_WORKERS=str(args.workers or ""))
    env.pop("BUDGET_QA_CONFIG", None)
    cmd = [sys.executable, str(REPO / "app.py"), "--host", "127.0.0.1", "--port", str(port),
           "--index", str(args.index), "--corpus", str(args.corpus)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(args.log, "w"))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited (status {proc.returncode}); see {args.log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the server did not start within 300 s; see {args.log}")


# ---------------------------------------------------------------- requests

def api_request(base: str, kind: str, text: str) -> dict:
    if kind == "ask":
        req = urllib.request.Request(base + "api/ask", data=json.dumps({"question": text}).encode(),
                                     headers={"content-type": "application/json"})
    elif kind == "search":
        req = urllib.request.Request(base + "api/search?" + urllib.parse.urlencode({"q": text, "per_page": 20}))
    else:  # export
        req = urllib.request.Request(base + "api/search/export?" + urllib.parse.urlencode({"q": text, "format": "xlsx"}))
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
            return {"bytes": len(r.read())}
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
        return json.loads(r.read())


def gradio_ask(base: str, text: str) -> dict:
    """Gradio's typed /ask endpoint: POST the call, then read its event stream."""
    req = urllib.request.Request(base + "gradio_api/call/ask", data=json.dumps({"data": [text]}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
        event = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(base + f"gradio_api/call/ask/{event}", timeout=TIMEOUT_S) as r:
        last = None
        for raw in r:
            line = raw.decode("utf-8").strip()
            if line.startswith("event: error"):
                raise RuntimeError("gradio error event")
            if line.startswith("data:"):
                last = line[5:].strip()
    return json.loads(last)[0]


def call(base: str, job: tuple[str, str]) -> tuple[float, dict | None, str]:
    kind, text = job
    t0 = time.perf_counter()
    try:
        out = gradio_ask(base, text) if kind == "gradio" else api_request(base, kind, text)
        return time.perf_counter() - t0, out, ""
    except (OSError, ValueError, RuntimeError, urllib.error.HTTPError) as e:
        return time.perf_counter() - t0, None, f"{type(e).__name__}: {str(e)[:80]}"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# ---------------------------------------------------------------- phases

def workload(index_path: Path, n_questions: int, n_codes: int) -> tuple[list[str], list[str]]:
    questions = FALLBACK_QUESTIONS
    if DEV.is_file():
        questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    from assistant.index import Index
    from assistant.tokenize import codes_in

    index = Index.load(index_path)
    codes = sorted(index.code_map, key=lambda c: -len(index.code_map[c]))
    subject = [c for c in codes if c.isdigit() and len(c) == 7][: n_codes // 2]
    project = [c for c in codes if "-" in c and not c[:4].isdigit()][: n_codes - len(subject)]
    spaced = [f"{c[:3]} {c[3:5]} {c[5:]}" for c in subject]  # written with spaces, as auditors do
    assert all(codes_in(s) for s in spaced)
    random.Random(7).shuffle(questions)
    return questions[:n_questions], spaced + project


def concurrent(base: str, jobs: list[tuple[str, str]], users: int, reference: dict) -> dict:
    per_user = [jobs[i::users] for i in range(users)]
    results: list[tuple[tuple[str, str], float, dict | None, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(mine):
        start.wait()
        for job in mine:
            dt, out, err = call(base, job)
            with lock:
                results.append((job, dt, out, err))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, per_user))
    wall = time.perf_counter() - t0
    times = [dt for _, dt, _, err in results if not err]
    errors = [err for *_, err in results if err]
    differ = [job for job, _, out, err in results if not err and out != reference.get(job)]
    return {"requests": len(results), "errors": len(errors), "first_error": errors[0] if errors else "",
            "p50": pct(times, 0.5) if times else float("nan"), "p95": pct(times, 0.95) if times else float("nan"),
            "max": max(times) if times else float("nan"), "throughput": len(results) / wall, "wall": wall,
            "differ": len(differ)}


def peak_rss_mb(pid: int) -> float:
    """The server's peak resident memory so far (Linux /proc), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def worst_case(base: str, normal: str, long_question: str, long_query: str, export_query: str, rounds: int) -> None:
    alone = [call(base, ("ask", normal))[0] for _ in range(rounds)]
    stop = threading.Event()
    heavy: list[float] = []

    def hammer(job):
        while not stop.is_set():
            heavy.append(call(base, job)[0])

    threads = [threading.Thread(target=hammer, args=(job,)) for job in
               [("ask", long_question), ("search", long_query), ("export", export_query)]]
    for t in threads:
        t.start()
    time.sleep(0.5)
    during = [call(base, ("ask", normal))[0] for _ in range(rounds)]
    stop.set()
    for t in threads:
        t.join()
    t0 = time.perf_counter()
    dt, out, err = call(base, ("ask", "公务接待费" * 20_000))
    refused = time.perf_counter() - t0
    print(f"worst case: normal question alone p50 {statistics.median(alone) * 1000:.0f} ms, "
          f"p95 {pct(alone, .95) * 1000:.0f} ms; while a 500-char question, a 500-char search and an export "
          f"run ({len(heavy)} of them, median {statistics.median(heavy) * 1000 if heavy else 0:.0f} ms): "
          f"p50 {statistics.median(during) * 1000:.0f} ms, p95 {pct(during, .95) * 1000:.0f} ms")
    print(f"100,000-character question: refused in {refused * 1000:.0f} ms ({err or 'accepted?!'})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an existing index folder")
    ap.add_argument("--corpus", type=Path, required=True, help="its documents folder (the app needs one)")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--per-user", type=int, default=4, help="requests each user sends, one after another")
    ap.add_argument("--workers", type=int, default=0, help="the server's request workers (0: its default)")
    ap.add_argument("--gradio", action="store_true", help="also load Gradio's /ask endpoint")
    ap.add_argument("--log", default="/tmp/budget-qa-load-server.log")
    args = ap.parse_args(argv)
    if args.users * args.per_user > MAX_REQUESTS:
        raise SystemExit(f"at most {MAX_REQUESTS} requests: lower --users or --per-user")
    sys.path.insert(0, str(REPO))
    questions, codes = workload(args.index, n_questions=40, n_codes=10)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    proc = start_server(args, port)
    try:
        jobs = [("ask", q) for q in questions] + [("search", c) for c in codes]
        reference, alone = {}, []
        for job in jobs:  # one at a time: the reference answers
            dt, out, err = call(base, job)
            if err:
                raise SystemExit(f"{job} failed alone: {err}")
            reference[job], _ = out, alone.append(dt)
        print(f"one at a time: {len(jobs)} requests ({len(questions)} questions, {len(codes)} code searches), "
              f"p50 {pct(alone, .5) * 1000:.0f} ms, p95 {pct(alone, .95) * 1000:.0f} ms")
        total = args.users * args.per_user
        mix = [jobs[i % len(jobs)] for i in range(total)]
        random.Random(1).shuffle(mix)
        r = concurrent(base, mix, args.users, reference)
        print(f"/api, {args.users} users x {args.per_user}: {r['requests']} requests, {r['errors']} errors"
              f"{' (' + r['first_error'] + ')' if r['errors'] else ''}, p50 {r['p50'] * 1000:.0f} ms, "
              f"p95 {r['p95'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms, {r['throughput']:.0f} req/s, "
              f"answers differing from one-at-a-time: {r['differ']}")
        if args.gradio:
            for q in questions:
                reference[("gradio", q)] = reference[("ask", q)]
            gmix = [("gradio", questions[i % len(questions)]) for i in range(total)]
            g = concurrent(base, gmix, args.users, reference)
            print(f"gradio /ask, {args.users} users x {args.per_user}: {g['requests']} requests, {g['errors']} errors, "
                  f"p50 {g['p50'] * 1000:.0f} ms, p95 {g['p95'] * 1000:.0f} ms, {g['throughput']:.0f} req/s, "
                  f"answers differing: {g['differ']}")
        long_question = (questions[0] + "以及") * (500 // (len(questions[0]) + 2))
        long_query = " ".join(["公务接待费", "行政运行"] * 80)[:500]
        before = peak_rss_mb(proc.pid)
        worst_case(base, questions[1], long_question[:500], long_query, "公务接待费", rounds=20)
        print(f"server peak memory: {before:.0f} MB before the worst-case phase, {peak_rss_mb(proc.pid):.0f} MB after")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
