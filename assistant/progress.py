"""Progress of long work (documents, chunks, vectors) with an ETA.

A Progress reports through a callback (the CLI prints to stderr, the web UI feeds
gr.Progress), at most every ``every`` seconds, so a tight loop costs nothing.
"""
from __future__ import annotations

import sys
import time
from typing import Callable

Report = Callable[[str, int, int, float | None], None]  # stage, done, total, eta seconds


_last_line = [0.0]


def print_report(stage: str, done: int, total: int, eta: float | None) -> None:
    """One updating line on a terminal; a line every 5 s in a log file."""
    eta_s = f", ETA {eta:.0f}s" if eta is not None and done < total else ""
    tty = sys.stderr.isatty()
    if not tty and done < total and time.monotonic() - _last_line[0] < 5:
        return
    _last_line[0] = time.monotonic()
    end = "\n" if done >= total or not tty else "\r"
    print(f"  {stage}: {done}/{total}{eta_s}      ", end=end, file=sys.stderr, flush=True)


class Progress:
    def __init__(self, stage: str, total: int, report: Report | None = print_report, every: float = 0.5):
        self.stage, self.total, self.report, self.every = stage, total, report, every
        self.done = 0
        self.t0 = self.last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.report and (now - self.last >= self.every or self.done >= self.total):
            self.last = now
            rate = self.done / max(now - self.t0, 1e-9)
            eta = (self.total - self.done) / rate if rate > 0 else None
            self.report(self.stage, self.done, self.total, eta)

    def finish(self) -> None:
        if self.report and self.done < self.total:
            self.done = self.total
            self.report(self.stage, self.done, self.total, 0.0)
