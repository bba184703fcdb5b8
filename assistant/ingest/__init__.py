"""Read a file of any supported format into a SourceText.

One module per format; each exposes ``read(path: Path) -> SourceText`` and raises
IngestError with a message that names the file and the problem. Modules are imported
lazily so that reading .txt never imports pdfplumber or openpyxl.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from assistant.records import IngestError, SourceText

# extension -> module under assistant.ingest
READERS: dict[str, str] = {
    ".txt": "text",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".xls": "xls",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}

# A disclosure is at most a few MB of text; a larger file is almost surely not one,
# and reading it would stall the whole build.
MAX_BYTES = 100 * 1024 * 1024


# Office files saved with a password (and old .doc/.xls) are OLE compound files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def first_line(e: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message: error lines stay one line long."""
    lines = str(e).strip().splitlines()
    return lines[0][:limit] if lines else ""


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> SourceText:
    """Read one file; raise IngestError naming the file when it cannot be used."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in READERS:
        raise IngestError(f"{path}: unsupported file type '{ext or '(none)'}'; "
                          f"supported: {', '.join(sorted(READERS))}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise IngestError(f"{path}: cannot read ({e.strerror})") from e
    if size == 0:
        raise IngestError(f"{path}: empty file (0 bytes)")
    if size > max_bytes:
        raise IngestError(f"{path}: {size / 2**20:.0f} MB is over the {max_bytes / 2**20:.0f} MB limit "
                          f"for one document; split it or raise BUDGET_QA_MAX_MB")
    try:
        module = importlib.import_module(f"assistant.ingest.{READERS[ext]}")
    except ImportError as e:
        raise IngestError(f"{path}: reading {ext} files needs a package that is not installed ({e.name}); "
                          f"run: pip install -e .") from e
    source = module.read(path)
    if not source.text.strip():
        raise IngestError(f"{path}: no text could be extracted")
    return source
