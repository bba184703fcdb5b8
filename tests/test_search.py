"""Auditor search: codes in every written form, true totals, paging, filters, sections.

The real-corpus tests index three disclosures from ../shared: two that write the subject
code 行政运行 as "201 03 01" (table cells) and one that writes it "2010301". What counts
as a hit is checked against a plain regular expression over the documents' own text,
independent of the code map the search uses.
"""
from __future__ import annotations

import re
import shutil

import pytest

from assistant.answering.search import Filters, find, find_all, hit_spans, query_words, search
from assistant.tokenize import code_spans, codes_in
from conftest import CORPUS, SHARED_TEXT, needs_shared

SPACED = ["2025_sh_putuo_govoffice_dept_budget.txt", "2026_xian_gov_general_office_dept_budget.txt"]
JOINED = ["2025_wuxi_petition_dept_budget.txt"]
FORMS = ["2010301", "201 03 01", "201-03-01", "201\t03\t01"]
# 行政运行 written any way, not inside a longer number or code
ORACLE = re.compile(r"(?<![A-Za-z0-9.,-])201[ \t-]?03[ \t-]?01(?![A-Za-z0-9.,%-])")


@pytest.mark.parametrize("form", FORMS)
def test_subject_code_has_one_normal_form(form):
    assert codes_in(f"科目 {form} 行政运行") == ["2010301"]


def test_project_code_any_case_and_amounts_are_not_codes():
    assert codes_in("434-1601-jxn-0ut4") == ["434-1601-JXN-0UT4"]
    assert codes_in("合计 110,000.00 元，3,146 人") == []
    # a 3-digit figure ending one table row never joins the next row's first cell
    assert codes_in("合计\t123\n45\t人") == []
    text = "201\t03\t01\t行政运行"
    (a, b, code), = code_spans(text)
    assert (text[a:b], code) == ("201\t03\t01", "2010301")


def test_query_words_drop_codes_department_and_year():
    assert query_words("434-1601-JXN-0UT4 预算数") == ["预算数"]
    assert query_words("魏县政府办 2020年 公务接待费", mention="魏县政府办", years=[2020]) == ["公务接待费"]


def test_a_year_inside_a_code_scopes_nothing(demo_index):
    page = find(demo_index, "HS-2022-AUD-0042")
    assert not page.reason and page.documents == len(demo_index.doc_list) and page.total == 0


def test_hit_spans_ignore_spaces_and_case():
    text = "项目编码 434-1601-jxn-0ut4，公务接待\n费 5 万元"
    spans = hit_spans(text, ["434-1601-JXN-0UT4"], ["公务接待费"])
    assert [text[a:b] for a, b in spans] == ["434-1601-jxn-0ut4", "公务接待\n费"]


@pytest.fixture(scope="module")
def subject_index(tmp_path_factory):
    from assistant.index import Index
    from assistant.index.build import build

    if not SHARED_TEXT.is_dir():
        pytest.skip(f"real corpus not found at {SHARED_TEXT} (../shared is absent)")
    folder = tmp_path_factory.mktemp("subject-docs")
    for name in SPACED + JOINED:
        shutil.copy(SHARED_TEXT / name, folder / name)
    path = tmp_path_factory.mktemp("subject-index")
    build([folder], path, embedder_spec="none", report=None)
    return Index.load(path)


def _oracle_chunks(index) -> set[int]:
    return {i for i, c in enumerate(index.chunks) if ORACLE.search(c.text)}


@needs_shared
@pytest.mark.parametrize("form", FORMS[:3])
def test_code_search_is_complete_in_every_written_form(subject_index, form):
    expected = _oracle_chunks(subject_index)
    for name in SPACED:  # the documents that hold exactly "201 03 01"
        assert "201 03 01" in (SHARED_TEXT / name).read_text(encoding="utf-8")
    page = find(subject_index, form, per_page=5)
    assert page.codes == ["2010301"]
    assert page.total == len(expected) > page.per_page  # the true total, not the page size
    seen = []
    for n in range(1, page.pages + 1):
        p = find(subject_index, form, page=n, per_page=5)
        assert p.total == page.total and p.page == n
        seen += [r for r in p.results]
    assert len(seen) == page.total and all(r.via == "code" for r in seen)
    chunk_of = {(c.doc_id, c.line_start): i for i, c in enumerate(subject_index.chunks)}
    found = {chunk_of[(r.citation.source, r.citation.line_start)] for r in seen}
    assert found == expected
    assert {r.citation.source for r in seen} == set(SPACED + JOINED)
    assert not page.related  # exact hits are never padded with other passages


@needs_shared
def test_every_hit_shows_its_code_and_line(subject_index):
    _, rows = find_all(subject_index, "201 03 01")
    for r in rows:
        assert r.spans and all(ORACLE.search(r.window[a:b]) for a, b in r.spans)
        line = (SHARED_TEXT / r.citation.source).read_text(encoding="utf-8").split("\n")[r.line - 1]
        assert ORACLE.search(line), (r.citation.source, r.line, line)
        assert r.citation.line_start <= r.line <= r.citation.line_end


@needs_shared
def test_related_passages_only_on_request_and_never_exact(subject_index):
    assert not find(subject_index, "行政运行", per_page=100).related
    page = find(subject_index, "行政运行", per_page=100, related=True)
    assert page.total and all("行政运行" in re.sub(r"\s+", "", r.citation.quote) for r in page.results)
    exact = {(r.citation.source, r.citation.line_start) for r in page.results}
    assert page.related and all(r.via in ("bm25", "dense", "fused") for r in page.related)
    assert not exact & {(r.citation.source, r.citation.line_start) for r in page.related}


@needs_shared
def test_filters_and_sorting(subject_index):
    all_hits = find(subject_index, "2010301", per_page=100)
    years = {r.year for r in all_hits.results}
    assert len(years) > 1
    newest = max(years)
    by_year = find(subject_index, "2010301", Filters(year=newest), per_page=100)
    assert by_year.total == sum(r.year == newest for r in all_hits.results)
    region = all_hits.results[0].region
    by_region = find(subject_index, "2010301", Filters(region=region), per_page=100)
    assert by_region.total == sum(r.region == region for r in all_hits.results)
    up = find(subject_index, "2010301", sort="year", descending=False, per_page=100).results
    assert [r.year for r in up] == sorted(r.year for r in up)
    by_source = find(subject_index, "2010301", sort="source", descending=False, per_page=100).results
    assert [r.citation.source for r in by_source] == sorted(r.citation.source for r in by_source)


@needs_shared
def test_unknown_department_gives_one_reason_and_suggestions(subject_index):
    page = find(subject_index, "2010301", Filters(department="政府办"))
    assert page.total == 0 and not page.results and not page.related and "政府办" in page.reason
    assert page.suggestions
    assert all(re.search("政.*府.*办", s) for s in page.suggestions)


def test_word_search_counts_every_passage(demo_index):
    text = (CORPUS / "2020_weixian_govoffice_budget.txt").read_text(encoding="utf-8")
    assert "公务接待费" in text
    page = find(demo_index, "公务接待费", per_page=2)
    flat = [re.sub(r"\s+", "", c.text) for c in demo_index.chunks]
    assert page.total == sum("公务接待费" in t for t in flat) > 2
    assert all("公务接待费" in re.sub(r"\s+", "", r.citation.quote) for r in page.results)
    assert all(r.via == "text" for r in page.results)


def test_command_line_search_keeps_code_hits_and_falls_back_to_related(demo_index):
    assert [r.via for r in search(demo_index, "434-1601-jxn-0ut4")] == ["code"]
    nearest = search(demo_index, "办公设备购置 电子政务 光纤 接待 不存在的词组合", k=3)
    assert 0 < len(nearest) <= 3 and all(r.via != "code" for r in nearest)
