"""One writer at a time: an exclusive lock on an index folder.

Every write to an index (a command-line or scheduled build, the web app's upload, delete
and 更新索引) runs inside ``with index_lock(index_dir):``. Two builds at once used to
delete each other's generation and publish one without chunks; now the second waits
(saying who it waits for) or refuses with a message that names the holder.

The lock is ``flock`` on ``index/.lock``. The kernel releases it when its holder dies,
even by kill -9, so a stale lock cannot block anyone: the next writer simply gets it and
says whose leftover note it found. The note in the file (pid, command, start time) is
only for messages; the flock decides.

The lock is reentrant within one thread (the web app takes it for an upload and then
calls build(), which takes it again) and exclusive between threads and processes.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

LOCK_FILE = ".lock"
# How long a second writer waits by default before refusing. A full build of the shared
# corpus with the default embedder takes minutes; a scheduled rebuild that meets a staff
# member's upload should wait for it, not fail.
DEFAULT_WAIT_S = 3600.0
# How often a waiting writer retries the lock: short enough that it starts promptly,
# long enough to cost nothing.
POLL_S = 0.2


class IndexBusy(Exception):
    """Another writer holds the index; the message names it and says what to do."""


@dataclass
class Holder:
    """Who holds (or last held) the lock, as written in the lock file."""

    pid: int
    command: str
    started: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"pid {self.pid} ({self.command[:80]}) since {when}"


# realpath of a lock file -> (thread ident, depth): lets the holding thread re-enter.
_held: dict[str, tuple[int, int]] = {}
_held_guard = threading.Lock()


@contextmanager
def index_lock(index_dir: Path, wait: float = DEFAULT_WAIT_S,
               on_note: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the index's write lock for the body of a ``with`` block.

    Args:
        index_dir: the index folder (created if missing, so the lock has a home).
        wait: seconds to wait for another writer; 0 refuses at once.
        on_note: called with one line when this writer has to wait, and when it takes
            over the leftover note of a writer that died.

    Raises:
        IndexBusy: another writer still holds the lock after ``wait`` seconds.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    key = os.path.realpath(path)
    me = threading.get_ident()
    with _held_guard:
        owner, depth = _held.get(key, (0, 0))
        if owner == me:
            _held[key] = (me, depth + 1)
    if owner == me:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] = (me, _held[key][1] - 1)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, index_dir, wait, on_note)
        leftover = _read_holder(fd)
        if leftover is not None and on_note is not None and leftover.pid != os.getpid():
            on_note(f"took over the index lock left by {leftover.describe()}, which is no longer running")
        _write_holder(fd, Holder(os.getpid(), _command(), time.time()))
        with _held_guard:
            _held[key] = (me, 1)
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)  # a clean release leaves no note behind
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


def holder(index_dir: Path) -> Holder | None:
    """The writer holding the index's lock now, or None when nobody does."""
    path = Path(index_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or Holder(0, "unknown writer", time.time())
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _acquire(fd: int, index_dir: Path, wait: float, on_note: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + max(wait, 0.0)
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
        other = _read_holder(fd)
        who = other.describe() if other else "another writer"
        if time.monotonic() >= deadline:
            raise IndexBusy(f"index at {index_dir} is being written by {who}; try again when it has "
                            f"finished, or wait for it with --wait SECONDS")
        if not told and on_note is not None:
            on_note(f"index at {index_dir} is being written by {who}; waiting up to {wait:.0f}s for it to finish")
            told = True
        time.sleep(POLL_S)


def _read_holder(fd: int) -> Holder | None:
    try:
        raw = os.pread(fd, 4096, 0)
        row = json.loads(raw.decode("utf-8")) if raw.strip() else None
        return Holder(int(row["pid"]), str(row["command"]), float(row["started"])) if row else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a note half-written by a writer that was killed says nothing


def _write_holder(fd: int, who: Holder) -> None:
    data = json.dumps({"pid": who.pid, "command": who.command, "started": who.started},
                      ensure_ascii=False).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _command() -> str:
    argv = list(getattr(sys, "orig_argv", None) or sys.argv) or ["python"]
    return " ".join([os.path.basename(argv[0]), *argv[1:]])
