"""The typed parse of a question (issue 6 point 6): years and what each refers to, the kind
of each part, the items, multi-part questions, bundles, totals, and that filler never
changes what is understood.

Parsed against the demo index (corpus/: 魏县政府办), whose resolver sets the department
name aside, so these run without ../shared.
"""
from __future__ import annotations

import pytest

from assistant import lexicon
from assistant.answering.answer import answer
from assistant.answering.question import MAX_QUESTION_CHARS, understand
from assistant.errors import UserError

DEPT = "魏县政府办"


def _q(index, text: str):
    return understand(index, text)


def _meaning(q) -> list[tuple]:
    """What a question asks, without the words it was asked in: per part its kind, measure
    flags and concepts (word, document strings, item?, cue)."""
    return [(p.kind, p.final, p.initial, p.percent, p.units,
             [(c.word, c.alts, c.item, c.cue) for c in p.concepts]) for p in q.parts]


def _items(part) -> list[str]:
    return [c.word for c in part.items]


# ---------------------------------------------------------------- years

def test_two_digit_year_is_this_century(demo_index):
    q = _q(demo_index, f"{DEPT}26年公务接待费多少")
    assert q.asked_years == [2026] and q.base_years == [] and q.relative == []
    assert _items(q.parts[0]) == ["公务接待费"]  # "26" is no figure or word of the question


def test_this_year_with_the_year_in_brackets_is_that_year(demo_index):
    q = _q(demo_index, f"{DEPT}今年（2026）公务接待费多少")
    assert q.asked_years == [2026]
    assert q.relative == []  # the bracketed year says which year 今年 is; nothing left to resolve
    assert _meaning(q) == _meaning(_q(demo_index, f"{DEPT}2026年公务接待费多少"))


def test_a_year_range_asks_every_year_of_it(demo_index):
    q = _q(demo_index, "江苏检察院2017到2019年三公经费变化")
    assert q.asked_years == [2017, 2018, 2019]
    assert _items(q.parts[0]) == ["三公经费"]


def test_recent_years_are_relative_until_scope_resolves_them(demo_index):
    q = _q(demo_index, f"{DEPT}近三年三公经费")
    assert q.asked_years == []
    assert sorted(r.relative for r in q.relative) == [-2, -1, 0]


@pytest.mark.parametrize("word, offset", [("今年", 0), ("去年", -1)])
def test_this_year_and_last_year_without_digits_are_relative(demo_index, word, offset):
    q = _q(demo_index, f"{DEPT}{word}公务接待费多少")
    assert q.asked_years == [] and [(r.said, r.relative) for r in q.relative] == [(word, offset)]


def test_two_years_joined_by_and_are_both_asked(demo_index):
    q = _q(demo_index, f"{DEPT}2018年和2019年公务接待费哪年多")
    assert q.asked_years == [2018, 2019] and q.base_years == []
    assert q.kind == "compare" and _items(q.parts[0]) == ["公务接待费"]


def test_the_year_compared_with_is_the_base_not_the_year_asked(demo_index):
    q = _q(demo_index, f"{DEPT}2026年公务接待费比2025年增加了多少")
    assert q.asked_years == [2026] and q.base_years == [2025]
    assert q.kind == "change"


# ---------------------------------------------------------------- filler

FILLER_PAIRS = [
    (f"{DEPT}2020年公务接待费是多少", f"请问{DEPT}2020年公务接待费一共大概是多少？"),
    (f"{DEPT}2020年公务接待费是多少", f"帮我查一下{DEPT}2020年公务接待费是多少"),
    (f"{DEPT}2020年三公经费是多少", f"帮我查一下{DEPT}2020年的三公经费大概是多少"),
    (f"{DEPT}2020年公务接待费安排了多少", f"请问{DEPT}今年（2020）公务接待费一共安排了多少？"),
    (f"{DEPT}2020年三公经费多少", f"{DEPT}2020年三公经费一共多少？"),
]


@pytest.mark.parametrize("plain, padded", FILLER_PAIRS)
def test_filler_never_changes_the_parse(demo_index, plain, padded):
    a, b = _q(demo_index, plain), _q(demo_index, padded)
    assert _meaning(a) == _meaning(b)
    assert a.asked_years == b.asked_years and a.doc_kind == b.doc_kind and a.codes == b.codes
    # and filler is no word a sentence must say
    filler = set(lexicon.load().filler)
    assert not [c.word for p in b.parts for c in p.concepts if c.word in filler]


# ---------------------------------------------------------------- kinds

@pytest.mark.parametrize("question, kind", [
    (f"{DEPT}有没有公务用车购置费", "yesno"),
    (f"{DEPT}2020年公务接待费安排了吗", "yesno"),
    (f"{DEPT}包括哪些单位", "list"),
    (f"{DEPT}的主要职责是什么", "describe"),
    (f"{DEPT}是什么单位", "describe"),
    (f"{DEPT}2020年财政拨款为什么增加", "reason"),
    (f"{DEPT}2020年公务接待费比上年增加还是减少", "change"),
    (f"{DEPT}有几辆车", "count"),
    (f"{DEPT}编制多少人", "count"),
    ("2010301是什么科目", "code_name"),
    ("行政运行的科目编码是多少", "code_of"),
    (f"{DEPT}和魏县财政局谁的三公经费多", "compare"),
    ("2026年北京各委办局公务接待费排名", "ranking"),
    (f"{DEPT}2020年公务接待费是多少", "amount"),
])
def test_kind_of_question(demo_index, question, kind):
    assert _q(demo_index, question).kind == kind


def test_a_count_says_what_is_counted_and_in_which_units(demo_index):
    part = _q(demo_index, f"{DEPT}有几辆车").parts[0]
    assert "辆" in part.units
    counted = [c for c in part.concepts if c.cue == "count"]
    assert counted and "共有车辆" in counted[0].alts  # the words documents count cars with


def test_a_code_is_read_as_a_code_not_a_year_or_a_figure(demo_index):
    q = _q(demo_index, "2010301是什么科目")
    assert q.codes == ["2010301"] and q.years == []


# ---------------------------------------------------------------- parts, bundles, totals

def test_initial_budget_and_actual_spending_are_two_parts(demo_index):
    q = _q(demo_index, f"{DEPT}2020年的年初预算是多少？实际花了多少？")
    assert [p.kind for p in q.parts] == ["amount", "amount"]
    first, second = q.parts
    assert first.initial and not first.final
    assert second.final and not second.initial  # 实际花了: the 决算 figure
    assert q.doc_kind == "部门决算"


def test_items_listed_as_one_amount_are_one_part_each(demo_index):
    q = _q(demo_index, f"{DEPT}2020年三公、会议费、培训费加起来一共多少")
    assert len(q.parts) == 3 and {p.kind for p in q.parts} == {"amount"}
    assert sorted(w for p in q.parts for w in _items(p)) == sorted(["三公", "会议费", "培训费"])
    assert all(len(_items(p)) == 1 for p in q.parts)
    assert "三公经费" in next(c for p in q.parts for c in p.items if c.word == "三公").alts


def test_the_parts_of_a_bundle_name_its_total(demo_index):
    # lexicon/bundles.tsv: 出国、接待、公车 listed as one figure are the 三公经费
    q = _q(demo_index, f"{DEPT}2020年出国、接待、公车一共多少钱")
    assert len(q.parts) == 1 and _items(q.parts[0]) == ["三公经费"]


@pytest.mark.parametrize("word", ["支出", "收入"])
def test_a_bare_spending_or_income_asks_the_total(demo_index, word):
    part = _q(demo_index, f"{DEPT}2020年{word}多少").parts[0]
    [total] = part.items
    assert total.alts == lexicon.load().totals[word]  # the names documents give that total
    assert f"{word}总计" in total.alts


# ---------------------------------------------------------------- limits

def test_a_question_over_the_limit_is_refused_with_what_to_do(demo_index):
    long = f"{DEPT}2020年公务接待费" + "是多少" * MAX_QUESTION_CHARS
    with pytest.raises(UserError) as err:
        understand(demo_index, long)
    assert str(MAX_QUESTION_CHARS) in str(err.value) and "缩短" in str(err.value)
    a = answer(demo_index, long)
    assert not a.found and a.answer.startswith("未找到") and str(MAX_QUESTION_CHARS) in a.answer


def test_a_question_at_the_limit_is_parsed(demo_index):
    q = f"{DEPT}2020年公务接待费是多少"
    q = q + "？" * (MAX_QUESTION_CHARS - len(q))
    assert len(q) == MAX_QUESTION_CHARS
    assert _items(understand(demo_index, q).parts[0]) == ["公务接待费"]


@pytest.mark.parametrize("said, digits", [("三千多万", "3000多万"), ("1.6个亿", "1.6个亿"), ("两个亿", "2个亿")])
def test_a_change_said_in_words_is_a_hint_not_a_word_to_find(demo_index, said, digits):
    # "为啥少了三千多万": the size is read as 3000多万 (a range the reason's change must fall in);
    # neither it nor 亿 is something a sentence must say
    from assistant.answering.answer import _hinted_change

    q = _q(demo_index, f"{DEPT}2020年委托业务费为啥少了{said}")
    assert digits in q.text
    words = [c.word for p in q.parts for c in p.concepts]
    assert "委托业务费" in words and not any(ch in w for w in words for ch in "千亿万")
    assert _hinted_change(q.text) is not None


@pytest.mark.parametrize("question, counts", [
    (f"{DEPT}2020年有没有公车", ("辆", "台")),
    (f"{DEPT}2020年有开会的预算吗", ()),  # money, not a number of meetings
    (f"{DEPT}2020年有没有买车的钱", ()),
])
def test_a_yes_no_about_money_counts_nothing(demo_index, question, counts):
    assert _q(demo_index, question).parts[0].units == counts


@pytest.mark.parametrize("question", [f"{DEPT}2020年三公怎么多了11.5万", f"{DEPT}2020年预算咋少了三百多万"])
def test_how_come_before_a_change_asks_why(demo_index, question):
    assert _q(demo_index, question).parts[0].kind == "reason"
