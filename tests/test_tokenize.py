"""Tokens: codes, subject codes and amounts stay whole; everyday words map to document terms."""
from __future__ import annotations

from assistant.tokenize import codes_in, concepts, normalize_number, query_tokens, tokenize


def test_project_code_is_one_token():
    assert "434-1601-JXN-0UT4" in tokenize("项目编码434-1601-JXN-0UT4项目名称")


def test_subject_code_spaced_and_joined_meet():
    assert "2010301" in tokenize("201 03 01 行政运行")
    assert "2010301" in tokenize("2010301行政运行")


def test_amounts_normalised():
    toks = tokenize("收支预算总计24,169.74 万元")
    assert "24169.74" in toks
    assert normalize_number("1,185.60") == "1185.6"


def test_budget_terms_kept_whole():
    toks = tokenize("2020年公务接待费50万元，机关运行经费293万元")
    assert "公务接待费" in toks and "机关运行经费" in toks
    assert "2020" in toks


def test_everyday_words_reach_document_terms():
    assert "公务接待费" in query_tokens("普陀区政府办2025年招待费")
    assert "公务用车" in query_tokens("公车有几辆")
    words = dict(concepts("江苏检察院2018年招待费预算是多少"))
    assert "公务接待费" in words["招待费"]


def test_duoshao_is_not_a_decrease():
    # "多少" contains 少 (as in 减少); it must not turn a plain question into a change question
    assert "减少" not in query_tokens("收入预算是多少")


def test_codes_for_exact_lookup():
    assert codes_in("434-1601-JXN-0UT4 与 2040410") == ["434-1601-JXN-0UT4", "2040410"]
    assert codes_in("2019年预算") == []
