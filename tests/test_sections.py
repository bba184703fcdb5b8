"""Headings form a tree; chunks carry their path and never cut a number or a code."""
from __future__ import annotations

import re

from assistant.ingest.sections import TABLE_RANK, chunk_document, heading_rank
from assistant.textutil import normalize_text
from conftest import DEMO, shared_text


def test_heading_ranks():
    assert heading_rank("第三部分 2019年度部门预算情况说明") == 1
    assert heading_rank("四、财政拨款“三公”经费预算情况") == 2
    assert heading_rank("（四）预算项目绩效目标") == 3
    assert heading_rank("2025年部门“三公”经费和机关运行经费预算表") == TABLE_RANK
    assert heading_rank("2022年部门综合预算一般公共预算基本支出明细表（按支出功能分类科目-不含上年结转）") == TABLE_RANK
    # "（1）" items stand under "1." items; a labelled sentence cut by a line break is no heading
    assert heading_rank("4.北方工业大学延庆新校区（一期）建设项目") == 4
    assert heading_rank("（3）预算安排") == 5
    assert heading_rank("（2）绩效目标：满足学校师生教学、住宿、就餐、活") is None
    assert heading_rank("1、收入说明：2020年收入预算共计1284.11万元，全部为财政拨款收入。") is None
    assert heading_rank("三、国防支出3,990.40") is None


def test_demo_chunks_have_paths_and_lines():
    text = DEMO.read_text(encoding="utf-8")
    chunks = chunk_document("demo", text)
    lines = text.split("\n")
    sangong = [c for c in chunks if "公务接待费50万元" in c.text]
    assert sangong and sangong[0].section[-1].startswith("四、财政拨款“三公”经费")
    for c in chunks:
        assert 1 <= c.line_start <= c.line_end <= len(lines)
    per_project = [c for c in chunks if "434-1601-JXN-0UT4" in c.text]
    assert per_project and "绩效目标表" in per_project[0].section_path


def test_no_chunk_boundary_inside_a_number_or_code():
    text = shared_text("2026_shenzhen_petition_dept_budget.txt")
    chunks = chunk_document("sz", text)
    for c in chunks:
        a, b = c.raw_span(0, len(c.text))
        before, after = text[a - 1:a], text[b:b + 1]
        assert not (re.match(r"[\d.,]", before) and c.text[:1].isdigit()), c.text[:30]
        assert not (re.match(r"[\d.,]", after) and c.text[-1:].isdigit()), c.text[-30:]


def test_chunk_quotes_are_raw_slices():
    text = DEMO.read_text(encoding="utf-8")
    for c in chunk_document("demo", text):
        a, b = c.raw_span(0, len(c.text))
        squash = re.sub(r"\s+", "", normalize_text(text[a:b]))  # chunks are NFKC, quotes raw
        assert re.sub(r"\s+", "", c.text) in squash or c.kind == "table"


def test_lines_and_pages_of_a_long_document():
    # 200 pages of the demo's opening: line and page numbers far from the start are right
    # (they are found by bisecting line breaks now, not by counting from the start).
    head = "\n".join(DEMO.read_text(encoding="utf-8").split("\n")[:40])
    text = "\n\f".join([head] * 200)
    lines = text.split("\n")
    seen: list[tuple[str, int, int]] = []
    chunks = chunk_document("long", text, progress=lambda unit, done, total: seen.append((unit, done, total)))
    last = chunks[-1]
    assert last.page == 200 and last.line_end <= len(lines)
    for c in chunks[-5:]:
        a, _ = c.raw_span(0, 1)
        assert text.count("\n", 0, a) + 1 == c.line_start
        assert text.count("\f", 0, a) + 1 == c.page
    # Progress: lines cleaned, then paragraphs sectioned, each from 0 to all.
    assert [u for u, _, _ in seen] == sorted(u for u, _, _ in seen) and {u for u, _, _ in seen} == {"lines", "paragraphs"}
    for unit in ("lines", "paragraphs"):
        mine = [(d, t) for u, d, t in seen if u == unit]
        assert mine[0][0] == 0 and mine[-1][0] == mine[-1][1] and len(mine) >= 10


def test_numbered_lines_after_a_list_opener_are_its_items_not_headings():
    # 2026 烟台市商务局 部门预算, lines 176-183: the four units were four empty sections
    text = ("二、机构设置情况\n烟台市商务局部门预算包括：。\n1.烟台市商务局\n2.烟台市会展业服务中心\n"
            "3.烟台三站批发交易市场服务中心\n4.烟台市国际商务促进中心\n第二部分 部门预算表\n"
            "三、收入说明\n1.财政拨款收入\n本年收入6,263.22万元。\n")
    chunks = chunk_document("d", text)
    units = next(c for c in chunks if "部门预算包括" in c.text)
    assert "2.烟台市会展业服务中心" in units.text and units.section == ["二、机构设置情况"]
    # one numbered line with text under it is still a heading
    income = next(c for c in chunks if "6,263.22" in c.text)
    assert income.section[-1] == "1.财政拨款收入"
