"""End to end on a handful of real disclosures from ../shared (skipped without it)."""
from __future__ import annotations

import re
import shutil

import pytest

from assistant.answering.answer import answer
from assistant.index.build import build
from assistant.index import Index
from assistant.answering.search import search
from conftest import SHARED_TEXT, needs_shared

pytestmark = needs_shared
DOCS = ["2026_xian_audit_dept_budget.txt", "2026_yantai_audit_dept_budget.txt",
        "2018_js_procuratorate_budget.txt", "2019_js_procuratorate_budget.txt",
        "2025_sh_putuo_commerce_dept_budget.txt", "2025_sh_putuo_commerce_unit_budget.txt"]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    for name in DOCS:
        shutil.copy(SHARED_TEXT / name, folder / name)
    path = tmp_path_factory.mktemp("real-index")
    build([folder], path, embedder_spec="none", report=None)
    return Index.load(path)


def _in_source(quote: str, source: str) -> bool:
    squash = lambda s: re.sub(r"\s+", "", s)
    return squash(quote) in squash((SHARED_TEXT / source).read_text(encoding="utf-8"))


def test_compare_cites_each_document(index):
    a = answer(index, "西安市审计局和烟台市审计局2026年谁的三公经费多")
    assert a.found
    sources = {c.source for c in a.citations}
    assert sources == {"2026_xian_audit_dept_budget.txt", "2026_yantai_audit_dept_budget.txt"}
    assert a.citations[0].source == "2026_xian_audit_dept_budget.txt"  # 10.20 > 3.4
    assert all(_in_source(c.quote, c.source) for c in a.citations)


def test_year_picks_the_document(index):
    a18 = answer(index, "江苏检察院2018年招待费预算是多少")
    a19 = answer(index, "江苏检察院2019年招待费预算是多少")
    assert a18.citations[0].source.startswith("2018") and a19.citations[0].source.startswith("2019")
    assert a18.figure != a19.figure


def test_page_number_inside_a_sentence_is_not_part_of_the_figure(index):
    a = answer(index, "江苏检察院2019年公车运行维护费比上年减少了多少？")
    assert a.found and "30.8" in a.figure and "3030" not in a.answer
    assert _in_source(a.citations[0].quote, a.citations[0].source)


def test_unit_budget_asked_for_by_name(index):
    a = answer(index, "普陀区商务委2025年单位预算里政府采购预算多少")
    assert a.citations[0].source == "2025_sh_putuo_commerce_unit_budget.txt"


def test_absent_year_and_absent_department(index):
    assert not answer(index, "江苏省检察院2020年三公经费预算是多少").found
    assert not answer(index, "广州市审计局2026年公务接待费预算是多少").found


def test_search_filters_by_short_department_name(index):
    results = search(index, "公务接待费", department="西安审计局")
    assert results and {r.citation.source for r in results} == {"2026_xian_audit_dept_budget.txt"}
    assert search(index, "公务接待费", department="不存在的机构") == []
