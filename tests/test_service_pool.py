"""Build workers: results and large-document progress come back through real processes."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO

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


# A worker killed while it sends its result leaves half a message in the result pipe: the
# pool's manager thread then waits for the rest, and Python joins that thread at exit, so a
# build stopped by Ctrl-C printed "stopped" and never exited (CI, test_service's SIGINT case).
# The child below leaves exactly that half message (a length header, no body) and then
# leaves Workers by an exception, as a stopped build does; it must exit.
_HALF_SENT = """
import os, struct
from assistant.index.pool import Workers
from tests_pool_jobs import square

class Stop(Exception):
    pass

try:
    with Workers(2) as workers:
        for slot, result in workers.run(square, [(i, i) for i in range(6)]):
            writer = workers._pool._result_queue._writer  # the pipe results come back on
            os.write(writer.fileno(), struct.pack("!i", 1 << 20))  # a header, no message
            raise Stop
except Stop:
    print("stopped")
"""


def test_a_result_cut_off_by_a_killed_worker_does_not_keep_the_process_alive(tmp_path):
    (tmp_path / "tests_pool_jobs.py").write_text("def square(n):\n    return n * n\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(tmp_path)])}
    try:
        done = subprocess.run([sys.executable, "-c", _HALF_SENT], env=env, capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the process hung at exit on the pool's manager thread")
    assert done.returncode == 0 and done.stdout.strip() == "stopped", done.stderr
