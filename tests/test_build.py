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


# ---------------------------------------------------------------- what is re-read: content

def _aged(folder: Path, seconds: float = 600) -> None:
    """Date the files back, as a corpus that has sat on disk (not racy-recent)."""
    for p in folder.iterdir():
        t = time.time() - seconds
        os.utime(p, (t, t))


def _edit_keeping_size_and_mtime(path: Path) -> None:
    """What restoring a backup, cp -p or rsync -t do: new bytes, same size and mtime."""
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "公务接待费50万元" in text
    path.write_text(text.replace("公务接待费50万元", "公务接待费53万元"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)


def _figure(index: Path) -> str:
    a = answer(Index.load(index), "魏县政府办2020年公务接待费预算是多少？")
    return a.figure or ""


def test_an_edit_that_keeps_size_and_mtime_is_read_again(tmp_path):
    folder, index = tmp_path / "docs", tmp_path / "index"
    folder.mkdir()
    shutil.copy(DEMO, folder / "weixian.txt")
    _aged(folder)
    build([folder], index, embedder_spec="none", report=None)
    assert build([folder], index, embedder_spec="none", report=None).hashed == 0  # the shortcut holds
    _edit_keeping_size_and_mtime(folder / "weixian.txt")
    r = build([folder], index, embedder_spec="none", report=None)
    assert (r.read, r.hashed) == (1, 1)  # the change time moved: hashed, found changed, read
    assert _figure(index) == "53万元"


def test_verify_hashes_every_file_and_full_reads_every_file(tmp_path, monkeypatch):
    import assistant.index.build as build_module

    folder, index = _corpus(tmp_path, 3), tmp_path / "index"
    shutil.copy(DEMO, folder / "weixian.txt")
    _aged(folder)
    # A file system whose change times and inodes say nothing (some network shares):
    # only size and mtime are left to compare.
    # (workers=1: the stand-in must also apply where files are read)
    monkeypatch.setattr(build_module, "signature", lambda st, since: [st.st_size, st.st_mtime_ns])
    build([folder], index, embedder_spec="none", report=None, workers=1)
    _edit_keeping_size_and_mtime(folder / "weixian.txt")
    missed = build([folder], index, embedder_spec="none", report=None, workers=1)
    assert (missed.read, missed.hashed) == (0, 0) and _figure(index) == "50万元"  # the shortcut is fooled
    verified = build([folder], index, embedder_spec="none", report=None, workers=1, verify=True)
    assert (verified.read, verified.reused, verified.hashed) == (1, 3, 4) and _figure(index) == "53万元"
    (folder / "doc0.txt").unlink()
    full = build([folder], index, embedder_spec="none", report=None, workers=1, full=True)
    assert (full.read, full.reused, full.hashed, full.removed) == (3, 0, 0, 1)


def test_links_out_of_the_folder_are_named_and_not_followed(tmp_path):
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("绝密外部文件：不应被索引。\n" * 5, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    (folder / "alias.txt").symlink_to(folder / "doc0.txt")  # inside the folder: followed
    r = build([folder], index, embedder_spec="none", report=None)
    assert sorted(Index.load(index).docs) == ["alias.txt", "doc0.txt"]
    out = [e for e in r.errors if "outside" in e]
    assert len(out) == 2 and any("passwd.txt" in e for e in out) and any("elsewhere" in e for e in out)
    assert not any("绝密" in c.text for c in Index.load(index).chunks)



# ---------------------------------------------------------------- stages: chunk and figures

class _Extractor:
    """A stand-in for figures.extract: one Figure per chunk that states 万元."""

    def __init__(self, fail: bool = False) -> None:
        self.calls, self.fail = 0, fail

    def __call__(self, doc, chunks):
        from assistant.figures.records import Figure

        self.calls += 1
        if self.fail:
            raise RuntimeError("extractor bug")
        return [Figure(doc_id=doc.doc_id, origin="prose", item="x", value_text=c.text[:10], unit="万元")
                for c in chunks if "万元" in c.text][:5]


def test_figures_are_extracted_once_and_again_only_when_their_code_changes(tmp_path, monkeypatch):
    import assistant.index.build as build_module
    from assistant.figures import store as figure_store

    extractor = _Extractor()
    monkeypatch.setattr(build_module, "extract_figures", extractor)
    folder, index = _corpus(tmp_path, 2), tmp_path / "index"
    first = build([folder], index, embedder_spec="none", report=None)
    gen = store.live_generation(index)
    stored = [f for p in sorted(gen.glob("seg-*/" + figure_store.FILENAME)) for f in figure_store.read_all(p)]
    assert first.figures == len(stored) == 10 and extractor.calls == 2

    again = build([folder], index, embedder_spec="none", report=None)
    assert (again.figures, again.read, extractor.calls) == (10, 0, 2)  # reused from the live generation

    monkeypatch.setattr(build_module, "figures_version", lambda: "changed-extractor")
    refigured = build([folder], index, embedder_spec="none", report=None)
    assert (refigured.read, refigured.rechunked, extractor.calls) == (0, 0, 4)  # no re-read, no re-chunk

    monkeypatch.setattr(build_module, "pipeline_version", lambda: "changed-chunking")
    rechunked = build([folder], index, embedder_spec="none", report=None)
    assert (rechunked.read, rechunked.rechunked, extractor.calls) == (0, 2, 6)


def test_a_failing_figures_extractor_does_not_drop_the_document(tmp_path, monkeypatch):
    import assistant.index.build as build_module

    monkeypatch.setattr(build_module, "extract_figures", _Extractor(fail=True))
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    r = build([folder], index, embedder_spec="none", report=None)
    assert r.documents == 1 and r.figures == 0
    assert len(r.errors) == 1 and "figures could not be extracted" in r.errors[0]


def test_versions_hash_the_word_lists_and_the_code_they_name(tmp_path, monkeypatch):
    import assistant.index.build as build_module

    package = tmp_path / "assistant"
    for name in build_module.PIPELINE_FILES:
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(build_module.PACKAGE / name, package / name)
    shutil.copytree(build_module.PACKAGE / "figures", package / "figures")
    assert {"orgs.py", "textutil.py", "ingest/clean.py"} <= set(build_module.PIPELINE_FILES)
    monkeypatch.setattr(build_module, "PACKAGE", package)
    pipeline, figures = build_module.pipeline_version(), build_module.figures_version()
    (package / "lexicon").mkdir()
    (package / "lexicon" / "synonyms.tsv").write_text("招待费\t公务接待费\n", encoding="utf-8")
    assert build_module.pipeline_version() != pipeline and build_module.figures_version() != figures
    pipeline, figures = build_module.pipeline_version(), build_module.figures_version()
    (package / "figures" / "extract.py").write_text("# changed\n", encoding="utf-8")
    assert build_module.pipeline_version() == pipeline and build_module.figures_version() != figures
    figures = build_module.figures_version()
    (package / "figures" / "tables.py").write_text("# a new table reader\n", encoding="utf-8")
    assert build_module.pipeline_version() == pipeline and build_module.figures_version() != figures
    (package / "orgs.py").write_text("# changed\n", encoding="utf-8")
    assert build_module.pipeline_version() != pipeline


def test_a_large_document_reports_its_own_progress(tmp_path, monkeypatch):
    import assistant.index.build as build_module

    monkeypatch.setattr(build_module, "LARGE_DOC_CHARS", 10_000)  # the demo stands in for a 12 MB 汇编
    lines: list[tuple[str, int, int]] = []
    folder, index = _corpus(tmp_path, 1), tmp_path / "index"
    build([folder], index, embedder_spec="none", report=lambda stage, done, total, eta: lines.append(
        (stage, done, total)))
    stages = {stage for stage, _, _ in lines}
    assert {"doc0.txt: lines", "doc0.txt: paragraphs", "doc0.txt: chunks", "documents"} <= stages
    chunks = [(d, t) for s, d, t in lines if s == "doc0.txt: chunks"]
    assert chunks[-1][0] == chunks[-1][1] == len(Index.load(index).chunks)


def test_full_width_digits_and_zero_width_spaces_in_a_document_still_answer(tmp_path):
    folder, index = tmp_path / "docs", tmp_path / "index"
    folder.mkdir()
    text = DEMO.read_text(encoding="utf-8").replace("公务接待费50万元", "公务接待费５０\u200b万元")
    (folder / "pasted.txt").write_text(text, encoding="utf-8")
    build([folder], index, embedder_spec="none", report=None)
    a = answer(Index.load(index), "魏县政府办2020年公务接待费预算是多少？")
    assert a.found and a.figure == "50万元"
    assert "公务接待费５０\u200b万元" in a.citations[0].quote and a.citations[0].quote in text  # verbatim
