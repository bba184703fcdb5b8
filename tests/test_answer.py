"""Answers on the demo corpus: the figure, a verbatim quote, the right section, or 未找到."""
from __future__ import annotations

import re

from assistant.answering.amounts import to_wan
from assistant.answering.answer import answer
from assistant.answering.search import mark, search
from conftest import DEMO

TEXT = DEMO.read_text(encoding="utf-8")


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _verbatim(a) -> bool:
    return all(_squash(c.quote) in _squash(TEXT) for c in a.citations)


def test_amount_with_quote_section_and_lines(demo_index):
    a = answer(demo_index, "魏县政府办2020年公务接待费预算是多少？")
    assert a.found and a.figure == "50万元"
    c = a.citations[0]
    assert "公务接待费50万元" in _squash(c.quote)
    assert c.section.startswith("四、财政拨款“三公”经费")
    lines = TEXT.split("\n")[c.line_start - 1:c.line_end]
    assert _squash(c.quote) in _squash("\n".join(lines))
    assert _verbatim(a)


def test_everyday_words(demo_index):
    a = answer(demo_index, "魏县政府办招待费多少钱")
    assert a.found and a.figure == "50万元"


def test_total_budget(demo_index):
    a = answer(demo_index, "魏县政府办2020年收入预算共计多少")
    assert a.found and "1284.11" in a.figure


def test_project_code_answers_with_the_project(demo_index):
    a = answer(demo_index, "434-1601-JXN-0UT4 预算多少")
    assert a.found
    assert "434-1601-JXN-0UT4" in a.citations[0].quote
    assert "电子政务网络到村光纤租用费" in a.citations[0].quote
    assert _verbatim(a)


def test_unknown_department_and_year_are_not_found(demo_index):
    for q in ("广州市审计局2026年公务接待费预算是多少", "魏县政府办2018年公务接待费预算是多少", "你好"):
        a = answer(demo_index, q)
        assert not a.found and "未找到" in a.answer, q
        assert _verbatim(a)


def test_reason_question_quotes_the_reason(demo_index):
    a = answer(demo_index, "魏县政府办2020年财政拨款预算为什么比2019年增加")
    assert a.found and "人员经费增加" in _squash(a.answer)


def test_search_marks_terms_and_puts_code_hits_first(demo_index):
    results = search(demo_index, "434-1601-JXN-0UT4")
    assert results and results[0].via == "code"
    assert "【434-1601-JXN-0UT4】" in results[0].marked
    assert mark("公务接待费50万元", ["公务接待费"]) == "【公务接待费】50万元"


def test_to_wan_units():
    assert to_wan("116.5万元") == 116.5
    assert to_wan("1,000元") == 0.1
    assert to_wan("5辆") is None


def test_item_listed_without_its_own_figure_is_not_found(demo_index):
    # "机关运行经费共计安排293元，…包括：办公费、邮电费、差旅费…": 293 is not the 差旅费 budget
    a = answer(demo_index, "魏县政府办2020年差旅费预算是多少")
    assert not a.found and "293" not in a.answer


def test_table_figure_carries_the_table_unit(demo_index):
    a = answer(demo_index, "434-1601-JXN-0UT4 预算数是多少")
    assert a.found and "168.30" in a.answer and "单位：万元" in a.answer


def test_a_yes_no_reads_zero_only_as_a_whole_number():
    # 2025 普陀区万里街道: "…比2024年预算减少10万元…新增1辆公务用车购置" — the 0万元 of 10万元 is no "none"
    from assistant.answering.answer import _yesno

    text = "（二）公务用车购置及运行费36.56万元，比2024年预算减少10万元，主要原因是2025年新增1辆公务用车购置。"
    assert _yesno(text, text.index("新增"), text.index("新增") + 2)[1].startswith("有")
    assert _yesno("公务用车购置费预算0万元。", 0, 6)[1].startswith("没有")


def test_an_item_is_not_located_inside_a_longer_different_one():
    from assistant.answering.amounts import locate

    text = "公务用车购置及运行费36.56万元，其中：公务用车购置费15万元"
    start, _ = locate(text, ["公务用车购置"])
    assert text[start:].startswith("公务用车购置费15万元")
