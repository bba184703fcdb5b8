"""Index builds: incremental, per-file errors, atomic publish that survives a kill."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.index import store
from assistant.answering.answer import answer
from assistant.index.build import build
from assistant.index import Index
from conftest import DEMO, REPO


def _corpus(tmp_path: Path, n: int = 2) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir(parents=True)
    text = DEMO.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"doc{i}.txt").write_text(text.replace("魏县政府办", f"魏县第{i}办公室", 1), encoding="utf-8")
    return folder


def test_incremental_build_reads_only_what_changed(tmp_path):
    folder, index = _corpus(tmp_path, 3), tmp_path / "index"
    first = build([folder], index, embedder_spec="hash", report=None)
    assert (first.documents, first.read, first.reused) == (3, 3, 0)

    again = build([folder], index, embedder_spec="hash", report=None)
    assert (again.read, again.reused, again.embedded) == (0, 3, 0)

    (folder / "doc1.txt").write_text(DEMO.read_text(encoding="utf-8") + "\n补充说明：新增一段。\n", encoding="utf-8")
    (folder / "doc2.txt").unlink()
    changed = build([folder], index, embedder_spec="hash", report=None)
    assert (changed.documents, changed.read, changed.reused, changed.removed) == (2, 1, 1, 1)
    loaded = Index.load(index)
    assert sorted(loaded.docs) == ["doc0.txt", "doc1.txt"]
    assert any("新增一段" in c.text for c in loaded.chunks)
    assert not any(c.doc_id == "doc2.txt" for c in loaded.chunks)


def test_touched_but_identical_file_is_not_rechunked(tmp_path):
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    build([folder], index, embedder_spec="hash", report=None)
    os.utime(folder / "doc0.txt", (time.time() + 60, time.time() + 60))
    r = build([folder], index, embedder_spec="hash", report=None)
    assert (r.read, r.reused) == (0, 1)


def test_bad_file_does_not_stop_the_rest(tmp_path):
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 50)
    (folder / "notes.rtf").write_text("x")
    seen = []
    r = build([folder], index, embedder_spec="none", report=None, on_error=seen.append)
    assert r.documents == 1 and len(r.errors) == 3 == len(seen)
    assert any("empty.txt" in e for e in r.errors) and any("junk.txt" in e for e in r.errors)


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(ValueError, match="empty"):
        build([tmp_path / "nothing"], tmp_path / "index", embedder_spec="none", report=None)


def test_failed_build_keeps_previous_index(tmp_path):
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    before = (index / "CURRENT").read_text()
    for p in folder.iterdir():
        p.write_bytes(b"")  # every file now bad: the build must refuse, not publish nothing
    with pytest.raises(ValueError):
        build([folder], index, embedder_spec="none", report=None)
    assert (index / "CURRENT").read_text() == before
    assert Index.load(index).docs


def test_build_killed_half_way_leaves_previous_index_answering(tmp_path):
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    live = (index / "CURRENT").read_text()
    big = _corpus(tmp_path / "more", 25)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", "build", str(big), "--index", str(index),
                             "--embedder", "hash"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    # Kill as soon as the new generation folder exists: it is being written.
    while time.time() < deadline and proc.poll() is None:
        if any(p.name != live for p in index.glob("gen-*")):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "build finished before it could be killed"
    assert (index / "CURRENT").read_text() == live
    a = answer(Index.load(index), "魏县第0办公室2020年公务接待费预算是多少？")
    assert a.found and "50万元" in a.answer
    # The next build takes over the dead build's lock and cleans up its half-written
    # generation; the one it replaces stays for readers still loading it.
    r = build([folder], index, embedder_spec="none", report=None, lock_wait=0)
    assert any("no longer running" in n for n in r.notes)
    assert sorted(p.name for p in index.glob("gen-*")) == sorted([live, r.generation])
    shutil.rmtree(index)
