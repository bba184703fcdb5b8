"""Worker processes for a build: started, relayed and stopped so none outlives it.

Reading a PDF costs 0.3-0.8 s a page and jieba is pure Python: both scale with
processes, not threads. A killed build used to leave its workers (about 195 MB each)
running forever. Now:

* each worker dies with its parent: prctl(PR_SET_PDEATHSIG) on Linux makes the kernel
  kill it when the build process dies, even by kill -9; elsewhere a thread watches
  os.getppid();
* leaving ``Workers`` by an exception (SIGTERM or SIGINT turned into one by the CLI, an
  error) terminates the workers before it returns;
* workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent, not
  each worker, decides what stops.

Workers relay per-document progress of large files through a queue; the parent reports
it while it waits for results.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, TypeVar

J = TypeVar("J")
R = TypeVar("R")
DocProgress = Callable[[str, str, int, int], None]  # doc_id, unit, done, total

# Fewer jobs than this run in the build's own process: starting workers (each loads
# jieba) costs more than it saves.
MIN_JOBS_FOR_WORKERS = 4
# How often the parent wakes while waiting for results, to relay progress.
RELAY_EVERY_S = 0.5
# How long terminated workers get to exit before they are killed.
STOP_GRACE_S = 2.0
# How often a worker without prctl looks for its parent.
PARENT_POLL_S = 1.0
_PR_SET_PDEATHSIG = 1

_progress_queue: Any = None  # set in each worker by _init_worker


class WorkersDied(RuntimeError):
    """A worker process was killed from outside (out of memory, a signal)."""


def relay(doc_id: str) -> Callable[[str, int, int], None] | None:
    """In a worker: a callback that sends (unit, done, total) of doc_id to the parent."""
    q = _progress_queue
    if q is None:
        return None
    return lambda unit, done, total: q.put((doc_id, unit, done, total))


class Workers:
    """Run ``work(job)`` for each job, in worker processes when it pays.

    Use as a context manager; leaving it stops every worker, by terminate when it was
    left by an exception.
    """

    def __init__(self, count: int, on_progress: DocProgress | None = None) -> None:
        self.count = count
        self.on_progress = on_progress
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._pool is not None:
            self._stop(kill=exc_type is not None)

    def run(self, work: Callable[[J], R], jobs: list[tuple[int, J]],
            local: Callable[[J], R] | None = None) -> Iterator[tuple[int, R]]:
        """(slot, result) of each job as it finishes. ``local`` is what runs in this
        process when no workers are started (it may report progress directly)."""
        if self.count <= 1 or len(jobs) < MIN_JOBS_FOR_WORKERS:
            for slot, job in jobs:
                yield slot, (local or work)(job)
            return
        import multiprocessing

        # spawn, not fork: the web UI rebuilds from a thread of a multi-threaded server, and
        # a forked child can inherit a lock held by another thread. Workers load jieba once.
        ctx = multiprocessing.get_context("spawn")
        # SimpleQueue: a worker's put is written before its result is sent, so the
        # parent has every progress line of a document by the time it has the document.
        self._queue = ctx.SimpleQueue()
        self._pool = ProcessPoolExecutor(max_workers=self.count, mp_context=ctx, initializer=_init_worker,
                                         initargs=(os.getpid(), self._queue))
        pending: dict[Future, int] = {self._pool.submit(work, job): slot for slot, job in jobs}
        while pending:
            done, _ = wait(pending, timeout=RELAY_EVERY_S, return_when=FIRST_COMPLETED)
            self._relay()
            for future in done:
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    raise WorkersDied("a build worker process died (out of memory, or killed); nothing was "
                                      "published: run the build again, with BUDGET_QA_WORKERS=1 to use "
                                      "less memory") from None
                yield pending.pop(future), outcome
        self._relay()

    def _relay(self) -> None:
        while not self._queue.empty():
            msg = self._queue.get()
            if self.on_progress is not None:
                self.on_progress(*msg)

    def pids(self) -> list[int]:
        """The worker processes now running (tests look for leftovers)."""
        procs = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.pid]

    def _stop(self, kill: bool) -> None:
        pool, self._pool = self._pool, None
        procs = list((getattr(pool, "_processes", None) or {}).values())
        # CPython's ProcessPoolExecutor internals; shutdown() drops its references to them
        results = getattr(pool, "_result_queue", None)
        manager = getattr(pool, "_executor_manager_thread", None)
        if kill:
            for p in procs:
                if p.is_alive():
                    p.terminate()
        pool.shutdown(wait=not kill, cancel_futures=True)
        deadline = time.monotonic() + STOP_GRACE_S
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(STOP_GRACE_S)
        if kill:
            _unblock_result_reader(results, manager)
        if self._queue is not None:
            self._queue.close()


def _unblock_result_reader(results: Any, manager: threading.Thread | None) -> None:
    """After its workers were killed: let the pool's manager thread finish.

    A worker killed while it sends a result leaves half a message in the result pipe,
    and the pool's manager thread then waits in recv() for the rest for ever; Python
    joins that thread at exit, so a build stopped by Ctrl-C printed its message and
    never exited (1 stop in 50 or so while workers were busy; once in CI). With every
    worker gone, closing this process's writing end of that pipe turns the wait into
    end-of-file, which the manager thread takes for a broken pool and exits.
    """
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
    if manager is not None:
        manager.join(STOP_GRACE_S)


def _init_worker(parent: int, progress_queue: Any) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Make this process exit when ``parent`` (the process that started it) dies."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before we asked
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)
