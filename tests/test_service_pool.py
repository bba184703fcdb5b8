"""Build workers: results and large-document progress come back through real processes."""
from __future__ import annotations

import os

from assistant.index.pool import Workers, relay


def square_reporting(n: int) -> tuple[int, int]:
    """Runs in a worker: reports progress of "doc{n}" and returns its pid and n squared."""
    report = relay(f"doc{n}")
    if report is not None:
        report("chunks", 1, 2)
    return os.getpid(), n * n


def test_workers_return_results_and_relay_progress():
    seen: list[tuple[str, str, int, int]] = []
    with Workers(2, on_progress=lambda *msg: seen.append(msg)) as pool:
        results = dict(pool.run(square_reporting, [(i, i) for i in range(6)]))
    assert {i: r[1] for i, r in results.items()} == {i: i * i for i in range(6)}
    assert os.getpid() not in {r[0] for r in results.values()}, "ran in worker processes"
    assert sorted(seen) == sorted((f"doc{i}", "chunks", 1, 2) for i in range(6))


def test_few_jobs_run_in_this_process():
    with Workers(2) as pool:
        results = dict(pool.run(square_reporting, [(0, 3), (1, 4)]))
    assert {i: r for i, (_, r) in results.items()} == {0: 9, 1: 16}
    assert {pid for pid, _ in results.values()} == {os.getpid()}
