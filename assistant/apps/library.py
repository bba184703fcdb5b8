"""Changing the served documents from the web app: upload, replace, delete, rebuild.

Each uploaded file is checked on its own first (name, type, size, then read and chunked
exactly as the index build does), so a bad file gets its own error line and never
reaches the documents folder. Good files are moved in atomically, then one incremental
build (only new, changed and removed files are read) publishes a new index generation,
and the live index is swapped for it before the call returns: the next question already
sees the change. If the build fails, the folder is put back as it was, and the index
that was answering keeps answering.

Messages name files by their document name, never by a server path.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant.index.build import BuildReport, build
from assistant.index.live import LiveIndex
from assistant.ingest import READERS, read_file
from assistant.ingest.sections import chunk_document
from assistant.records import IngestError

MAX_FILES = 50  # files in one upload
MAX_NAME = 120  # characters in a file name
STAGING = ".upload"  # hidden folder inside the corpus (the build skips hidden paths)

Step = Callable[[str, int, int], None]  # (what, done, total)


class LibraryError(Exception):
    """A change that cannot be made; the message says why and what to do."""


@dataclass
class FileOutcome:
    name: str
    ok: bool
    message: str
    doc_id: str = ""


@dataclass
class Change:
    files: list[FileOutcome] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    read: int = 0
    removed: int = 0
    message: str = ""


def safe_name(name: str) -> str:
    """The upload's own file name, or LibraryError when it has path parts or odd characters."""
    if not name or name != name.strip():
        raise LibraryError("文件名为空或首尾有空格：请改名后再上传")
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name.split("."):
        raise LibraryError(f"文件名“{name}”含有路径：只能上传单个文件名，如 2024_xx_budget.pdf")
    if name.startswith("."):
        raise LibraryError(f"文件名“{name}”以点开头（隐藏文件）：请改名后再上传")
    if len(name) > MAX_NAME or re.search(r"[\x00-\x1f\x7f<>:\"|?*]", name):
        raise LibraryError(f"文件名“{name[:40]}…”过长或含有特殊字符：请改用 {MAX_NAME} 字以内的普通文件名")
    ext = Path(name).suffix.lower()
    if ext not in READERS:
        raise LibraryError(f"“{name}”的格式 {ext or '（无扩展名）'} 不受支持；可上传："
                           + " ".join(sorted(READERS)))
    return name


class Library:
    def __init__(self, corpus: Path, index_path: Path, embedder: str, live: LiveIndex, max_mb: int = 100):
        self.corpus = Path(corpus)
        self.index_path = Path(index_path)
        self.embedder = embedder
        self.live = live
        self.max_bytes = max_mb * 2**20
        self.max_mb = max_mb
        self._lock = threading.Lock()  # one change at a time: uploads, deletes and rebuilds queue

    # ------------------------------------------------------------------ public actions

    def add(self, uploads: list[tuple[str, Path]], step: Step | None = None) -> Change:
        """Add new documents; a name already indexed is refused (use replace)."""
        return self._apply(uploads, replace_id=None, step=step)

    def replace(self, doc_id: str, upload: tuple[str, Path], step: Step | None = None) -> Change:
        """Replace one document's file with a new version of the same format."""
        self._existing(doc_id)
        if Path(upload[0]).suffix.lower() != Path(doc_id).suffix.lower():
            raise LibraryError(f"替换文件须与原文件格式相同（{Path(doc_id).suffix}）；"
                               "其他格式请先删除原文件再上传")
        return self._apply([upload], replace_id=doc_id, step=step)

    def delete(self, doc_id: str, step: Step | None = None) -> Change:
        with self._lock:
            try:
                path = self._existing(doc_id)
                backup = self._staging() / "deleted"
                os.replace(path, backup)
                try:
                    report = self._build(step)
                except Exception:
                    os.replace(backup, path)
                    raise
                change = self._summary(report, f"已删除“{doc_id}”")
                change.files.append(FileOutcome(doc_id, True, "已删除，问答与检索中不再出现", doc_id))
                return change
            finally:
                self._cleanup()

    def rebuild(self, step: Step | None = None) -> Change:
        with self._lock:
            try:
                return self._summary(self._build(step), "索引已更新")
            finally:
                self._cleanup()

    # ------------------------------------------------------------------ internals

    def _apply(self, uploads: list[tuple[str, Path]], replace_id: str | None, step: Step | None) -> Change:
        if not uploads:
            raise LibraryError("没有选择文件：请先选择要上传的文件")
        if len(uploads) > MAX_FILES:
            raise LibraryError(f"一次最多上传 {MAX_FILES} 个文件（选择了 {len(uploads)} 个）：请分批上传")
        with self._lock:
            try:
                return self._apply_locked(uploads, replace_id, step)
            finally:
                self._cleanup()

    def _apply_locked(self, uploads, replace_id, step) -> Change:
        outcomes, staged = self._check_all(uploads, replace_id, step)
        change = Change(files=outcomes)
        if not staged:
            change.message = "没有可收录的文件：" + "；".join(o.message for o in outcomes if not o.ok)
            return change
        moved: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
        try:
            for src, target in staged:
                backup = None
                if target.exists():
                    backup = self._staging() / f"old-{len(moved)}-{target.name}"
                    os.replace(target, backup)
                os.replace(src, target)
                moved.append((target, backup))
            report = self._build(step)
            # Read by the checks but not by the build (rare: a reader that fails only in a
            # worker): put those files back as they were and index again.
            failed = {self._doc_id(t) for t, _ in moved} & _failed_ids(report, self.corpus)
            if failed:
                for o in outcomes:
                    if o.ok and o.doc_id in failed:
                        o.ok, o.message = False, "读入索引时出错：" + _error_for(report, o.doc_id, self.corpus)
                _restore([m for m in moved if self._doc_id(m[0]) in failed])
                moved = [m for m in moved if self._doc_id(m[0]) not in failed]
                report = self._build(step)
        except Exception:
            _restore(moved)
            raise
        ok = sum(o.ok for o in outcomes)
        verb = "已替换" if replace_id else "已收录"
        bad = f"，{len(outcomes) - ok} 个有问题" if ok < len(outcomes) else ""
        return self._summary(report, f"{verb} {ok} 个文件{bad}", change)

    def _check_all(self, uploads, replace_id, step):
        outcomes: list[FileOutcome] = []
        staged: list[tuple[Path, Path]] = []
        names_seen: set[str] = set()
        indexed = set(self.live.get().docs)
        for n, (name, path) in enumerate(uploads, 1):
            if step:
                step(f"检查 {name}", n - 1, len(uploads))
            try:
                name = safe_name(name)
                doc_id = replace_id or name
                if name in names_seen:
                    raise LibraryError(f"“{name}”在本次上传中出现了两次")
                names_seen.add(name)
                if replace_id is None and (doc_id in indexed or (self.corpus / name).exists()):
                    raise LibraryError(f"已有同名文件“{name}”：如要更新它，请用「替换」")
                staged_path = self._check_one(name, Path(path))
                staged.append((staged_path, self.corpus / doc_id))
                outcomes.append(FileOutcome(name, True, "检查通过", doc_id))
            except LibraryError as e:
                outcomes.append(FileOutcome(name, False, str(e)))
        if step:
            step("检查完毕", len(uploads), len(uploads))
        return outcomes, staged

    def _check_one(self, name: str, path: Path) -> Path:
        """Copy the upload into the staging folder and read it as the build will."""
        size = path.stat().st_size
        if size == 0:
            raise LibraryError(f"“{name}”是空文件（0 字节）")
        if size > self.max_bytes:
            raise LibraryError(f"“{name}”有 {size / 2**20:.0f} MB，超过单个文件 {self.max_mb} MB 的上限"
                               "（BUDGET_QA_MAX_MB）：请拆分后再上传")
        folder = Path(tempfile.mkdtemp(dir=self._staging()))
        staged = folder / name
        shutil.copyfile(path, staged)
        try:
            source = read_file(staged, max_bytes=self.max_bytes)
            if not chunk_document(name, source.text):
                raise IngestError("清理后没有可检索的文字")
        except IngestError as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise LibraryError(f"“{name}”无法读取：{_without_path(str(e), staged)}") from None
        except Exception as e:  # a reader crashing on a malformed file is that file's problem only
            shutil.rmtree(folder, ignore_errors=True)
            raise LibraryError(f"“{name}”无法读取（{type(e).__name__}）：文件可能已损坏") from None
        return staged

    def _build(self, step: Step | None) -> BuildReport:
        def report(stage: str, done: int, total: int, eta: float | None) -> None:
            if step:
                label = {"documents": "读入文件", "vectors": "计算向量"}.get(stage, stage)
                step(label + (f"（约 {eta:.0f} 秒）" if eta else ""), done, total)

        try:
            report_ = build([self.corpus], self.index_path, embedder_spec=self.embedder, report=report,
                            max_bytes=self.max_bytes)
        except ValueError as e:  # nothing left to index: the old index stays live
            raise LibraryError(f"索引未更新：{_without_path(str(e), self.corpus)}") from None
        self.live.refresh(force=True)
        return report_

    def _summary(self, report: BuildReport, head: str, change: Change | None = None) -> Change:
        change = change or Change()
        change.documents, change.chunks = report.documents, report.chunks
        change.read, change.removed = report.read, report.removed
        change.message = f"{head}。索引现有 {report.documents} 份文件、{report.chunks} 个段落。"
        return change

    def _existing(self, doc_id: str) -> Path:
        if doc_id not in self.live.get().docs:
            raise LibraryError(f"索引中没有“{doc_id}”：请从文件列表中选择")
        path = (self.corpus / doc_id).resolve()
        if self.corpus.resolve() not in path.parents or not path.is_file():
            raise LibraryError(f"“{doc_id}”不在文档目录中（它可能来自另一个目录）：请在服务器上处理")
        return path

    def _staging(self) -> Path:
        folder = self.corpus / STAGING
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _cleanup(self) -> None:
        shutil.rmtree(self.corpus / STAGING, ignore_errors=True)

    def _doc_id(self, target: Path) -> str:
        return target.relative_to(self.corpus).as_posix()


def _restore(moved: list[tuple[Path, Path | None]]) -> None:
    for target, backup in reversed(moved):
        target.unlink(missing_ok=True)
        if backup is not None:
            os.replace(backup, target)


def _failed_ids(report: BuildReport, corpus: Path) -> set[str]:
    out = set()
    for e in report.errors:
        head = e.split(":", 1)[0]
        try:
            out.add(Path(head).resolve().relative_to(corpus.resolve()).as_posix())
        except ValueError:
            continue
    return out


def _error_for(report: BuildReport, doc_id: str, corpus: Path) -> str:
    for e in report.errors:
        if e.split(":", 1)[0].endswith(doc_id):
            return _without_path(e.split(":", 1)[1].strip(), corpus)
    return "未知错误"


def _without_path(message: str, path: Path) -> str:
    """An error line with server folders taken out (the document name stays)."""
    for p in {str(path), str(Path(path).resolve()), str(Path(path).parent), str(Path(path).resolve().parent)}:
        message = message.replace(p + os.sep, "").replace(p, "")
    return message
