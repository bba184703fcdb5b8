"""Latency of the figures and audit endpoints over a built index, beside /api/search in the
same run (the baseline: an endpoint users already find fast enough).

    .venv/bin/python benchmarks/figures_api.py --index DIR [--repeat 5]

In process through Starlette's test client (no network), one request at a time; prints the
median milliseconds of each request and its ratio to the baseline search. Report `uptime`
beside the figures: the machine is shared.
"""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

REPEAT = 5  # runs per request; the median is printed
BASELINE = ("/api/search", {"q": "公务接待费", "per_page": 20})
REQUESTS = [
    ("/api/figures", {}),
    ("/api/figures", {"item": "公务接待费"}),
    ("/api/figures", {"department": "江苏高院"}),
    ("/api/figures", {"code": "2010301"}),
    ("/api/figures/series", {"item": "公务接待费", "year": 2026}),
    ("/api/figures/series", {"item": "三公经费", "department": "江苏高院"}),
    ("/api/figures/export", {"format": "csv", "item": "公务接待费"}),
    ("/api/figures/export", {"format": "xlsx", "item": "公务接待费"}),
    ("/api/audit", {}),
]


def median_ms(client, path: str, params: dict, repeat: int) -> tuple[float, int, str]:
    times = []
    r = None
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(path, params=params)
        times.append((time.perf_counter() - t) * 1000)
    body = r.json() if r.headers["content-type"].startswith("application/json") else {}
    size = body.get("total", body.get("figures", len(r.content)))
    return statistics.median(times), r.status_code, str(size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=REPEAT)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from assistant.apps.server import create_app
    from assistant.apps.state import load_state
    from assistant.config import Config
    from assistant.index import Index

    t = time.perf_counter()
    index = Index.load(args.index)
    cfg = replace(Config(), index=args.index, corpus=args.index, secret="bench")
    client = TestClient(create_app(load_state(cfg, index, index.embedder_spec), mount_ui=False))
    client.get("/api/figures", params={"limit": 1})  # figures.sqlite read once, as a server's first request
    print(f"index loaded and figures read in {time.perf_counter() - t:.1f}s: {len(index.doc_list)} documents")
    base, _, _ = median_ms(client, *BASELINE, args.repeat)
    print(f"{'request':<62} {'ms':>8} {'x search':>9}  status  total/rows/bytes")
    print(f"{'GET /api/search q=公务接待费 (baseline)':<62} {base:8.1f} {1.0:9.2f}")
    for path, params in REQUESTS:
        ms, status, size = median_ms(client, path, params, args.repeat)
        label = f"GET {path} " + " ".join(f"{k}={v}" for k, v in params.items())
        print(f"{label:<62} {ms:8.1f} {ms / base:9.2f}  {status:>6}  {size}")


if __name__ == "__main__":
    main()
