"""The index a long-running server answers from, swapped for a newer one between requests.

A build (command line, scheduled, or the web UI's) publishes a new generation by
rewriting CURRENT (store.publish). ``LiveIndex.get()`` notices that within
``check_every`` seconds and loads the new generation before handing it out; a request
holds the Index object it got for its whole life, so nothing changes mid-answer.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant.index import store
from assistant.index.loaded import Index


class LiveIndex:
    def __init__(self, path: Path, index: Index | None = None, check_every: float = 2.0) -> None:
        self.path = Path(path)
        self.check_every = check_every
        self._lock = threading.Lock()
        self._index = index if index is not None else Index.load(self.path)
        self._generation = self._current_name()
        self._checked = time.monotonic()

    def _current_name(self) -> str:
        try:
            return (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    @property
    def generation(self) -> str:
        return self._generation

    def get(self) -> Index:
        """The newest published index (reloaded at most every ``check_every`` seconds)."""
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            self.refresh()
        return self._index

    def refresh(self, force: bool = False) -> bool:
        """Load the live generation if it is not the one held; True when it swapped."""
        with self._lock:
            self._checked = time.monotonic()
            name = self._current_name()
            if not force and (not name or name == self._generation):
                return False
            try:
                fresh = Index.load(self.path)
            except (store.IndexMissing, OSError, ValueError):
                return False  # a damaged or half-written generation: keep answering from the old one
            self._index, self._generation = fresh, name
            return True
