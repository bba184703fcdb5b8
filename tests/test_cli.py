"""The command line as users and the grader call it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import CORPUS, REPO


def run(*args, check=True):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                       timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "index"
    p = run("index", "build", str(CORPUS), "--index", str(path), "--embedder", "none")
    assert "1 documents" in p.stderr
    return path


def test_ask_jsonl_follows_the_answer_contract(index, tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text("\n".join(json.dumps({"id": f"q{i}", "question": q}, ensure_ascii=False) for i, q in
                            enumerate(["魏县政府办2020年公务接待费预算是多少？", "深圳审计局2026年三公经费"])),
                  encoding="utf-8")
    rows = [json.loads(line) for line in run("ask", "--index", str(index), "--jsonl", str(qs)).stdout.splitlines()]
    assert [r["id"] for r in rows] == ["q0", "q1"]
    found, missing = rows
    assert found["found"] is True and "50万元" in found["answer"]
    cite = found["citations"][0]
    assert set(cite) >= {"source", "title", "section", "line_start", "line_end", "quote"}
    assert cite["source"] == "2020_weixian_govoffice_budget.txt"
    assert missing["found"] is False and "未找到" in missing["answer"]


def test_ask_json_and_text(index):
    out = json.loads(run("ask", "--index", str(index), "--json", "魏县政府办2020年公务接待费").stdout)
    assert out["found"]
    text = run("ask", "--index", str(index), "魏县政府办2020年公务接待费").stdout
    assert "50万元" in text and "2020_weixian_govoffice_budget.txt" in text


def test_search_json_code_first(index):
    rows = [json.loads(x) for x in run("search", "--index", str(index), "--json", "434-0402-JXN-9AS9").stdout.splitlines()]
    assert rows[0]["via"] == "code" and "434-0402-JXN-9AS9" in rows[0]["citation"]["quote"]


def test_second_build_is_incremental(index):
    p = run("index", "build", str(CORPUS), "--index", str(index), "--embedder", "none")
    assert "0 read, 1 unchanged" in p.stderr


def test_missing_index_is_one_clear_line(tmp_path):
    p = run("ask", "--index", str(tmp_path / "nope"), "问题", check=False)
    assert p.returncode == 2 and "no index at" in p.stderr and "index build" in p.stderr
    assert "Traceback" not in p.stderr


def test_missing_folder_is_one_clear_line(tmp_path):
    p = run("index", "build", str(tmp_path / "nope"), "--index", str(tmp_path / "i"), check=False)
    assert p.returncode == 2 and "no such file or folder" in p.stderr


def test_a_bad_jsonl_line_gets_an_error_object_and_the_batch_goes_on(index, tmp_path):
    qs = tmp_path / "q.jsonl"
    good = json.dumps({"id": "ok", "question": "魏县政府办2020年公务接待费预算是多少？"}, ensure_ascii=False)
    qs.write_bytes("\n".join([
        good, "{not json", '["a", "list"]', '{"id": "nq"}', '{"id": "blank", "question": " \\u200b "}', "",
    ]).encode("utf-8") + b"\n\xff\xfe broken utf-8\n" + good.replace('"ok"', '"ok2"').encode("utf-8") + b"\n")
    p = run("ask", "--index", str(index), "--jsonl", str(qs))
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["ok", None, None, "nq", "blank", None, "ok2"]
    assert rows[0]["found"] and rows[-1]["found"] and "50万元" in rows[-1]["answer"]
    errors = [r["error"] for r in rows if "error" in r]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5", "line 7"]
    assert all(r["found"] is False and r["citations"] == [] for r in rows if "error" in r)
    assert "Traceback" not in p.stderr and "5 line(s)" in p.stderr


@pytest.mark.parametrize("args, says", [
    (["search", ""], "search needs something to look for"),
    (["search", " \u200b\u3000"], "search needs something to look for"),
    (["search", "公务接待费", "-k", "-5"], "argument -k: must be a whole number from 1 to 100"),
    (["search", "公务接待费", "-k", "0"], "argument -k"),
    (["search", "公务接待费", "-k", "many"], "argument -k"),
    (["ask", ""], "ask needs a question"),
])
def test_empty_or_invalid_arguments_are_one_clear_line(index, args, says):
    p = run(*args, "--index", str(index), check=False)
    assert p.returncode == 2 and says in p.stderr and "Traceback" not in p.stderr
    assert p.stdout == ""


def test_full_build_reads_everything_again_and_answers_name_their_generation(index):
    p = run("index", "build", str(CORPUS), "--index", str(index), "--embedder", "none", "--full")
    assert "1 read, 0 unchanged" in p.stderr
    live = (index / "CURRENT").read_text().strip()
    assert p.stderr.strip().endswith(f"live: {live}")
    out = json.loads(run("ask", "--index", str(index), "--json", "魏县政府办2020年公务接待费").stdout)
    assert out["generation"] == live


@pytest.mark.parametrize("args, named", [
    (["figures", "--department", "火星局"], "火星局"),
    (["audit", "nosuch.txt"], "nosuch.txt"),
])
def test_unknown_names_are_one_line_errors(index, args, named):
    # An unknown department or file is the user's to fix: exit 2, one line naming it, no traceback.
    p = run(*args, "--index", str(index), check=False)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("error: ") and named in p.stderr and "Traceback" not in p.stderr
