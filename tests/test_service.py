"""Run as a shared service: one writer at a time, readers see the newest index, builds
stop cleanly and leave no worker behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.index import Index, store
from assistant.index.build import build
from assistant.index.live import LiveIndex
from assistant.index.lock import IndexBusy, holder, index_lock
from conftest import DEMO, REPO

QUESTION = "魏县政府办2020年公务接待费预算是多少？"
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _folder(tmp_path: Path, n: int = 1, name: str = "docs") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    text = DEMO.read_text(encoding="utf-8")
    (folder / "weixian.txt").write_text(text, encoding="utf-8")
    for i in range(1, n):
        (folder / f"copy{i}.txt").write_text(text.replace("魏县政府办", f"魏县第{i}办公室", 1), encoding="utf-8")
    return folder


def _set_figure(folder: Path, wan: int) -> None:
    """公务接待费50万元 -> {wan}万元 in the demo document (same length)."""
    p = folder / "weixian.txt"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("公务接待费50万元", f"公务接待费{wan}万元").replace("公务接待费53万元", f"公务接待费{wan}万元"),
                 encoding="utf-8")


def _cli_build(folder: Path, index: Path, *extra: str, workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant", "index", "build", str(folder), "--index", str(index),
                             "--embedder", "none", *extra], env={**ENV, "BUDGET_QA_WORKERS": str(workers)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ---------------------------------------------------------------- one writer at a time

def test_two_builds_at_once_both_succeed_and_the_index_answers(tmp_path):
    folder, index = _folder(tmp_path, 3), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    _set_figure(folder, 53)
    with index_lock(index):  # both start while a third writer holds the index: they must overlap
        procs = [_cli_build(folder, index), _cli_build(folder, index)]
        time.sleep(3)
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "is being written by pid" in err and "waiting" in err
    # One of them read the changed file; the other found the index already up to date.
    assert sorted("1 read" in err for _, err in outs) == [False, True]
    loaded = Index.load(index)  # every file checked against the manifest
    assert len(loaded.chunks) > 0 and sorted(loaded.docs) == ["copy1.txt", "copy2.txt", "weixian.txt"]
    a = answer(loaded, QUESTION)
    assert a.found and "53万元" in a.answer
    assert len(list(index.glob("gen-*"))) <= store.KEEP_GENERATIONS and holder(index) is None


def test_a_second_writer_refuses_clearly_when_told_not_to_wait(tmp_path):
    folder, index = _folder(tmp_path), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    live = store.live_generation(index)
    with index_lock(index):
        p = _cli_build(folder, index, "--wait", "0")
        _, err = p.communicate(timeout=120)
        assert p.returncode == 2 and "Traceback" not in err
        assert f"is being written by pid {os.getpid()}" in err and "--wait" in err
        refused: list[BaseException] = []

        def web_rebuild() -> None:  # another thread of this process, as the web app's 更新索引
            try:
                build([folder], index, embedder_spec="none", report=None, lock_wait=0)
            except IndexBusy as e:
                refused.append(e)

        t = threading.Thread(target=web_rebuild)
        t.start()
        t.join()
        assert len(refused) == 1 and f"pid {os.getpid()}" in str(refused[0])
    assert store.live_generation(index) == live


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    folder, index = _folder(tmp_path), tmp_path / "index"
    refused: list[str] = []

    def other_writer() -> None:
        try:
            with index_lock(index, wait=0):
                pass
        except IndexBusy as e:
            refused.append(str(e))

    with index_lock(index):  # the web app's upload holds it, then builds
        r = build([folder], index, embedder_spec="none", report=None)
        t = threading.Thread(target=other_writer)
        t.start()
        t.join()
    assert r.documents == 1 and len(refused) == 1 and "being written" in refused[0]
    other_writer()  # free again
    assert len(refused) == 1


def test_a_stale_lock_from_a_killed_writer_is_taken_over(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (index / ".lock").write_text(f'{{"pid": {dead.stdout.strip()}, "command": "index build", "started": 1}}')
    notes: list[str] = []
    t0 = time.monotonic()
    with index_lock(index, wait=0, on_note=notes.append):
        assert holder(index).pid == os.getpid()
    assert time.monotonic() - t0 < 1
    assert notes and f"pid {dead.stdout.strip()}" in notes[0] and "no longer running" in notes[0]


# ---------------------------------------------------------------- readers see the newest index

def test_a_cli_build_changes_the_figure_the_running_app_answers(tmp_path):
    folder, index = _folder(tmp_path), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    with LiveIndex(index, check_every=0.2) as live:
        before = answer(live.get(), QUESTION)
        assert "50万元" in before.answer and before.generation == live.generation
        _set_figure(folder, 53)
        p = _cli_build(folder, index)
        assert p.wait(timeout=300) == 0
        new = store.live_generation(index).name
        deadline = time.monotonic() + 30
        while live.get().generation != new and time.monotonic() < deadline:
            time.sleep(0.1)
        after = answer(live.get(), QUESTION)
    assert after.generation == new != before.generation
    assert after.found and "53万元" in after.answer and "50万元" not in after.answer
    quote = after.citations[0].quote
    assert "53万元" in quote and quote in (folder / "weixian.txt").read_text(encoding="utf-8")
    assert after.to_json()["generation"] == new


def test_no_request_sees_a_half_loaded_index(tmp_path):
    folder, index = _folder(tmp_path), tmp_path / "index"
    figure = {build([folder], index, embedder_spec="none", report=None).generation: "50万元"}
    seen: list[tuple[str, str, str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                held = live.get()
                a = answer(held, QUESTION)
                seen.append((held.generation, a.generation, a.figure or ""))
            except BaseException as e:  # noqa: BLE001 - any failure is the finding
                failures.append(e)

    with LiveIndex(index, check_every=0.05) as live:
        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        for wan in (53, 50, 53):
            _set_figure(folder, wan)
            figure[build([folder], index, embedder_spec="none", report=None).generation] = f"{wan}万元"
            time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
    assert not failures
    assert {g for g, _, _ in seen} == set(figure), "every generation was served"
    for held, stamped, fig in seen:
        assert held == stamped and fig == figure[held]


def test_a_damaged_new_generation_keeps_the_old_one_answering(tmp_path):
    folder, index = _folder(tmp_path), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=None)
    live = LiveIndex(index, watch=False)
    good = live.generation
    bad = store.new_generation(index)
    for p in store.live_generation(index).iterdir():
        if p.is_file():
            bad.joinpath(p.name).write_bytes(p.read_bytes())
    (bad / "bm25").mkdir()
    (bad / "chunks.jsonl").write_bytes(b"")
    (index / "CURRENT").write_text(bad.name)  # as a writer without checks would have done
    assert live.refresh() is False and live.generation == good
    assert "damaged" in live.error and "\n" not in live.error
    assert answer(live.get(), QUESTION).found
    r = build([folder], index, embedder_spec="none", report=None)  # repairs
    assert live.refresh() is True and live.generation == r.generation and not live.error


# ---------------------------------------------------------------- clean shutdown

def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _build_with_workers(tmp_path: Path) -> tuple[Path, str, subprocess.Popen, list[int]]:
    """A live index, and a CLI build of 40 documents with 2 workers, caught while its
    workers are busy; returns the build's child processes (workers, resource tracker)."""
    small, index = _folder(tmp_path, 1, "small"), tmp_path / "index"
    live = build([small], index, embedder_spec="none", report=None).generation
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", "build", str(_folder(tmp_path, 40)),
                             "--index", str(index), "--embedder", "none"],
                            env={**ENV, "BUDGET_QA_WORKERS": "2"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(_children(proc.pid)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # past their start-up: busy with documents
    kids = _children(proc.pid)
    assert len(kids) >= 3 and proc.poll() is None, "the build finished before its workers could be caught"
    return index, live, proc, kids


def _gone(pids: list[int], within: float = 15.0) -> list[int]:
    deadline = time.monotonic() + within
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@needs_proc
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_and_sigint_stop_the_build_and_its_workers(tmp_path, sig):
    index, live, proc, kids = _build_with_workers(tmp_path)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    err = proc.stderr.read()
    assert proc.returncode == 128 + sig, err
    assert f"stopped by {sig.name}" in err and f"still answers from {live}" in err and "Traceback" not in err
    assert not _gone(kids), "workers outlived the build"
    assert store.live_generation(index).name == live
    assert [p.name for p in index.glob("gen-*")] == [live], "the half-written generation was left"
    assert holder(index) is None
    assert answer(Index.load(index), QUESTION).found


@needs_proc
def test_kill_9_of_the_build_leaves_no_worker_alive(tmp_path):
    index, live, proc, kids = _build_with_workers(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    left = _gone(kids)
    for pid in left:  # don't leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers outlived their parent"
    assert store.live_generation(index).name == live and holder(index) is None
