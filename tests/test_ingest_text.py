"""Text files in any encoding a Chinese government office uses; bad input named clearly."""
from __future__ import annotations

import pytest

from assistant.ingest import read_file
from assistant.records import IngestError

SAMPLE = "魏县政府办2020年公务接待费50万元。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings_detected(tmp_path, encoding):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(SAMPLE.encode(encoding))
    assert read_file(path).text.strip() == SAMPLE.strip()


def test_crlf_normalised(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行\r\n第二行\r\n".encode("gbk"))
    assert read_file(path).text == "第一行\n第二行\n"


@pytest.mark.parametrize("name,content,problem", [
    ("empty.txt", b"", "empty"),
    ("junk.txt", bytes(range(256)) * 40, "not a text file"),
    ("notes.rtf", b"{\\rtf1}", "unsupported"),
])
def test_bad_files_raise_named_errors(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as e:
        read_file(path)
    assert name in str(e.value) and problem in str(e.value)


def test_oversized_file_refused_without_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(200 * 2**20)  # sparse: costs no disk
    with pytest.raises(IngestError, match="huge.txt.*200 MB"):
        read_file(path)
