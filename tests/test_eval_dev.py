"""End to end on the real corpus: index ../shared/corpus/text, answer the dev set, grade it.

Slow (about two minutes). The embedder defaults to "none" (BM25 only) so CI stays within
its time; set BUDGET_QA_EVAL_EMBEDDER=use to grade the default configuration
(benchmarks/run_eval.py reports both).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import DEV, GRADER, REPO, SHARED_TEXT, needs_shared

pytestmark = [needs_shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    embedder = os.environ.get("BUDGET_QA_EVAL_EMBEDDER", "none")
    index = tmp / "index"
    subprocess.run([sys.executable, "-m", "assistant", "index", "build", str(SHARED_TEXT), "--index", str(index),
                    "--embedder", embedder], check=True, env=env, capture_output=True, timeout=1500)
    answers = tmp / "answers.jsonl"
    with open(answers, "w", encoding="utf-8") as out:
        subprocess.run([sys.executable, "-m", "assistant", "ask", "--index", str(index), "--jsonl", str(DEV)],
                       check=True, env=env, stdout=out, timeout=600)
    report = subprocess.run([sys.executable, str(GRADER), str(DEV), str(answers), "--corpus", str(SHARED_TEXT),
                             "--show-misses"], check=True, capture_output=True, text=True).stdout
    print(report)
    return report, [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]


def test_dev_score_at_least_60_percent(graded):
    report, _ = graded
    score = float(re.search(r"^score \d+/\d+ = ([\d.]+)%", report, re.M).group(1))
    assert score >= 60.0, report


def test_every_quote_is_verbatim(graded):
    report, answers = graded
    m = re.search(r"quotes verbatim in their source: (\d+)/(\d+)", report)
    assert int(m.group(2)) > 0 and m.group(1) == m.group(2), report


def test_every_dev_question_answered_with_contract_fields(graded):
    _, answers = graded
    ids = [json.loads(line)["id"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [a["id"] for a in answers] == ids
    for a in answers:
        assert isinstance(a["found"], bool) and a["answer"]
        if a["found"]:
            assert a["citations"] and a["citations"][0]["source"].endswith(".txt")
        else:
            assert "未找到" in a["answer"]
