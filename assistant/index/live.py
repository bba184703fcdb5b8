"""The index a long-running server answers from, swapped for a newer one between requests.

A build (command line, scheduled, or the web UI's) publishes a new generation by
rewriting CURRENT (store.publish). A watcher thread notices that within
``check_every`` seconds and loads the new generation beside the old one; only a fully
loaded Index is swapped in, in one assignment. ``LiveIndex.get()`` never waits for a
load: a request holds the Index object it got for its whole life, so nothing changes
mid-answer, and the next request gets the newer one.

Before this, an app kept answering 50万元 from memory after a scheduled build had
changed the file to 53万元, with a "verbatim" quote the file no longer held.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant.index import store
from assistant.index.loaded import Index

# How often the watcher reads CURRENT (a few bytes): "within seconds" for staff, and
# nothing measurable for the server.
CHECK_EVERY_S = 2.0


class LiveIndex:
    """Holds the newest loadable generation of the index at ``path``.

    Args:
        path: the index folder.
        index: an Index already loaded from it (None loads it now).
        check_every: seconds between looks at CURRENT.
        watch: start the watcher thread; without it, ``get()`` starts a background
            check when one is due (tests and one-shot tools).
    """

    def __init__(self, path: Path, index: Index | None = None, check_every: float = CHECK_EVERY_S,
                 watch: bool = True) -> None:
        self.path = Path(path)
        self.check_every = check_every
        self._index = index if index is not None else Index.load(self.path)
        self._generation = self._index.generation or self._current_name()
        self._failed = ""  # a generation that would not load: not retried until CURRENT moves on
        self.error = ""  # the last load problem, one line (shown by the web app's status)
        self._load_lock = threading.Lock()  # one load at a time
        self._checked = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if watch:
            self._thread = threading.Thread(target=self._watch, name="live-index-watch", daemon=True)
            self._thread.start()

    @property
    def generation(self) -> str:
        return self._generation

    def get(self) -> Index:
        """The newest fully loaded index. Never blocks on a load."""
        if self._thread is None and time.monotonic() - self._checked >= self.check_every:
            self._checked = time.monotonic()
            if not self._load_lock.locked():
                threading.Thread(target=self._quiet_refresh, name="live-index-refresh", daemon=True).start()
        return self._index

    def refresh(self, force: bool = False) -> bool:
        """Load the live generation if it is not the one held; True when it swapped.

        A generation that fails to load (damaged, or removed while loading) leaves the
        held index answering; ``error`` says why.
        """
        with self._load_lock:
            self._checked = time.monotonic()
            name = self._current_name()
            if not force and (not name or name == self._generation or name == self._failed):
                return False
            try:
                fresh = Index.load(self.path)
            except (store.IndexMissing, OSError, ValueError) as e:
                self._failed, self.error = name, str(e).splitlines()[0] if str(e) else type(e).__name__
                return False
            # One assignment: a request sees the old index or the new one, never a mix.
            self._index = fresh
            self._generation, self._failed, self.error = fresh.generation, "", ""
            return True

    def close(self) -> None:
        """Stop the watcher (the held index stays usable)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.check_every + 1)

    def __enter__(self) -> LiveIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _watch(self) -> None:
        while not self._stop.wait(self.check_every):
            self._quiet_refresh()

    def _quiet_refresh(self) -> None:
        try:
            self.refresh()
        except Exception as e:  # the watcher must outlive any one bad generation
            self.error = f"{type(e).__name__}: {e}".splitlines()[0]

    def _current_name(self) -> str:
        try:
            return (self.path / store.CURRENT).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return ""
