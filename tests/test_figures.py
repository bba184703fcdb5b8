"""The figures table and the audit (issue 7 points 1, 4, 5, 7, 8).

Records from each format: a text disclosure whose tables are flattened into
space-separated rows (the shared corpus), a PDF original (../shared/corpus/orig) and an
XLSX workbook (orig/ holds no spreadsheet with figures, only checklists and empty
templates, so the workbook is written here with the rows of a real table). Prose records
with change, percentage, direction and reason. The audit: each kind of finding on a small
made-up disclosure (one planted error per check, on a known line) with a corrected twin
that must stay silent; the documented real errors of benchmarks/data/audit_truth.jsonl;
clean real documents. figures.sqlite as any SQLite tool sees it; the `figures` and
`audit` commands. Expected figures are read from the documents' own lines.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.figures.store import FILENAME
from conftest import REPO, SHARED_ORIG, SHARED_TEXT, needs_shared

# ---------------------------------------------------------------- a made-up disclosure

QINGSHI = "2023_qingshi_stats_budget.txt"
QINGSHI_V2 = "2023_qingshi_stats_budget_v2.txt"  # the same disclosure, 公务接待费 changed
BAISHUI = "2023_baishui_stats_budget.txt"  # the same text with every error corrected
# One planted error per check; {n} is the line the finding must name.
LINES = {
    "toc": "四、“三公”经费支出表……4",  # missing_table: listed, never in the body
    "stale": "青石县统计局负责全县统计调查工作。2020年围绕县委、县政府的中心工作，完成了各项统计任务。",
    "total": "2023年收入支出总计500万元。",  # mismatch: the tables say 520.00
    "percent": "2022年预算执行数为100万元，2023年预算安排110万元，比2022年预算执行数增加20%。",  # 10%
    "direction": "上年预算数为80万元，2023年预算安排90万元，比上年减少10万元。",  # 80 -> 90 is up
    "unit": "机关运行经费共计安排293元，主要用于办公费、印刷费、水电费。",  # 元 among 万元
    # consistent (5 + 12 + 10 = 27): a 三公 total with its parts stated in prose raises nothing
    "sangong": "2023年“三公”经费预算27万元，其中：因公出国（境）费预算5万元，公务用车购置及运行费预算12万元，"
               "公务接待费预算10万元。",
    "basic": "基本支出预算100万元，其中：人员经费预算70万元，公用经费预算20万元。",  # parts_total: 90
    "year": "培训费预算20万元，比2023年预算增加2万元。",  # year: a 2023 budget compared with 2023
    "row": "2010505 专项统计业务 220.00 0.00 200.00",  # parts_total: 0 + 200 != 220
}
FIXES = {
    "toc": None,  # the table is there in the corrected twin
    "stale": "白水县统计局负责全县统计调查工作。全年围绕县委、县政府的中心工作，完成了各项统计任务。",
    "total": "2023年收入支出总计520万元。",
    "percent": "2022年预算执行数为100万元，2023年预算安排110万元，比2022年预算执行数增加10%。",
    "direction": "上年预算数为80万元，2023年预算安排90万元，比上年增加10万元。",
    "unit": "机关运行经费共计安排293万元，主要用于办公费、印刷费、水电费。",
    "sangong": LINES["sangong"],
    "basic": "基本支出预算90万元，其中：人员经费预算70万元，公用经费预算20万元。",
    "year": "培训费预算20万元，比2022年预算增加2万元。",
    "row": "2010505 专项统计业务 220.00 20.00 200.00",
}
TEMPLATE = """{name}2023年部门预算公开说明
目录
一、部门收支总表……1
二、部门收入总表……2
三、部门支出总表……3
{toc}
第一部分 部门概况
{stale}
第二部分 部门预算情况说明
{total}
{percent}
{direction}
{unit}
{sangong}
{basic}
{year}
第三部分 部门预算表
部门收支总表
单位：万元
项目 预算数 项目 预算数
一般公共预算拨款 520.00 一般公共服务支出 520.00
收入总计 520.00 支出总计 520.00
部门收入总表
单位：万元
科目编码 科目名称 合计 财政拨款收入
2010501 行政运行 300.00 300.00
2010505 专项统计业务 220.00 220.00
部门支出总表
单位：万元
科目编码 科目名称 合计 基本支出 项目支出
2010501 行政运行 300.00 300.00 0.00
{row}
"""
CLEAN_TABLE = """“三公”经费支出表
单位：万元
合计 因公出国（境）费 公务用车购置及运行费 公务接待费
27.00 5.00 12.00 10.00
"""


def _doc(name: str, lines: dict[str, str | None]) -> str:
    return TEMPLATE.format(name=name, **{k: v or "" for k, v in lines.items()})


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


QINGSHI_TEXT = _doc("青石县统计局", LINES)
QINGSHI_V2_TEXT = QINGSHI_TEXT.replace("公务接待费预算10万元", "公务接待费预算13万元")
BAISHUI_TEXT = _doc("白水县统计局", FIXES) + CLEAN_TABLE

# An XLSX workbook with the rows of a real table: 2026_shenzhen_gov_general_office_dept_budget.txt
# lines 504-511 (表7 一般公共预算支出表（按功能分类）, 单位：万元), numbers as numeric cells.
XLSX = "2026_shenzhen_gov_office_tables.xlsx"
XLSX_ROWS = [
    ["2026年深圳市人民政府办公厅部门预算"],
    ["一般公共预算支出表（按功能分类）"],
    ["部门名称：深圳市人民政府办公厅", None, None, None, "单位：万元"],
    ["科目编码", "科目名称", "支出总计", "基本支出", "项目支出"],
    ["201", "一般公共服务支出", 5881.20, 5203.26, 677.95],
    ["20103", "政府办公厅（室）及相关机构事务", 5881.20, 5203.26, 677.95],
    ["2010301", "行政运行", 5203.26, 5203.26, 0.00],
    ["2010302", "一般行政管理事务", 677.95, 0.00, 677.95],
]
PDF = "2019_js_npc_general_office_budget_tables.pdf"  # 87 KB, tables only (公开表一…十三)


def _write_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "表7"
    for row in XLSX_ROWS:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    wb.save(path)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """An index (hash embedder) of the made-up disclosures, the workbook and, when
    ../shared is there, the PDF original."""
    from assistant.index import Index
    from assistant.index.build import build

    tmp = tmp_path_factory.mktemp("figures")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name, text in ((QINGSHI, QINGSHI_TEXT), (QINGSHI_V2, QINGSHI_V2_TEXT), (BAISHUI, BAISHUI_TEXT)):
        (corpus / name).write_text(text, encoding="utf-8")
    _write_xlsx(corpus / XLSX)
    if (SHARED_ORIG / PDF).is_file():
        shutil.copy(SHARED_ORIG / PDF, corpus / PDF)
    path = tmp / "index"
    report = build([corpus], path, embedder_spec="hash", report=None)
    assert report.errors == []
    return Index.load(path)


def _lines_of(index, doc_id: str, f) -> str:
    lines = index.docs[doc_id].text.split("\n")
    return "\n".join(lines[f.line_start - 1:f.line_end])


def _row(index, doc_id: str, code: str) -> list:
    cells = [f for f in index.figures_of(doc_id) if f.origin == "table" and f.code == code]
    assert cells, f"no table row with code {code} in {doc_id}"
    first = cells[0]
    return [f for f in cells if (f.span_start, f.span_end) == (first.span_start, first.span_end)]


# ---------------------------------------------------------------- records, by format

@needs_shared
def test_text_table_row_with_code_columns_unit_and_quote(real_index):
    doc = "2026_shenzhen_gov_general_office_dept_budget.txt"
    text = (SHARED_TEXT / doc).read_text(encoding="utf-8")
    rows = {(f.line_start, f.table_title) for f in real_index.figures_of(doc) if f.code == "2010301"}
    assert rows == {(331, "支出总表"), (511, "一般公共预算支出表(按功能分类)")}  # the two tables that state it
    cells = [f for f in real_index.figures_of(doc) if f.code == "2010301" and "功能分类" in f.table_title]
    assert [c.value_text for c in cells] == ["5,203.26", "5,203.26", "0.00"]  # line 511 as printed
    assert [c.column for c in cells][1:] == ["基本支出", "项目支出"]  # the header line 507 names them
    first = cells[0]
    assert first.item == "行政运行" and first.table_title.startswith("一般公共预算支出表")
    assert first.unit == "万元" and first.value_wan == 5203.26  # 单位：万元 above the table (line 506)
    assert (first.line_start, first.line_end) == (511, 511)
    assert first.quote == text.split("\n")[510] == "2010301 行政运行 5,203.26 5,203.26 0.00"
    assert (first.department, first.region, first.year, first.doc_kind) == ("深圳市人民政府办公厅", "深圳市", 2026, "部门预算")


@needs_shared
def test_pdf_table_row_with_code_page_and_quote(made):
    cells = _row(made, PDF, "2010105")  # 公开表五 财政拨款支出预算表（功能科目）: 2010105 人大立法 729.00
    f = cells[0]
    assert f.item == "人大立法" and f.value_text == "729.00" and f.unit == "万元" and f.value_wan == 729.0
    assert "财政拨款支出预算表" in f.table_title and f.column == "金额"
    assert f.page == 5  # 公开表五 is on the fifth page
    assert f.quote in _lines_of(made, PDF, f) and "2010105" in f.quote and "729.00" in f.quote
    assert (f.department, f.region, f.year, f.doc_kind) == ("江苏省人大常委会办公厅", "江苏省", 2019, "部门预算")
    # the same figure is the text twin's line 78 (pdfplumber's reading of the same page)
    assert "2010105 人大立法 729.00" in (SHARED_TEXT / PDF.replace(".pdf", ".txt")).read_text(encoding="utf-8")


def test_xlsx_cells_with_code_header_columns_and_unit(made):
    cells = _row(made, XLSX, "2010301")
    assert [c.value_text for c in cells] == ["5,203.26", "5,203.26", "0.00"]  # numbers as Excel shows them
    assert [c.column for c in cells] == ["支出总计", "基本支出", "项目支出"]
    assert {c.unit for c in cells} == {"万元"} and [c.value_wan for c in cells] == [5203.26, 5203.26, 0.0]
    f = cells[0]
    assert f.item == "行政运行" and "一般公共预算支出表" in f.table_title
    assert f.quote in _lines_of(made, XLSX, f) and f.quote.startswith("2010301\t行政运行")
    assert (f.department, f.year) == ("深圳市人民政府办公厅", 2026)
    project = _row(made, XLSX, "2010302")
    assert [c.value_wan for c in project] == [677.95, 0.0, 677.95]


@needs_shared
def test_prose_record_with_change_percentage_direction_and_reason(real_index):
    doc = "2026_guangzhou_statistics_dept_budget.txt"
    text = (SHARED_TEXT / doc).read_text(encoding="utf-8")
    [f] = [f for f in real_index.figures_of(doc) if f.origin == "prose" and f.item == "公务接待费"]
    # line 474: "…预算；公务接待费8.16万元，比上年减少5.35万元，下降39.6%，" + line 475 the reason
    assert (f.value_text, f.unit, f.value_wan) == ("8.16", "万元", 8.16)
    assert (f.change_text, f.change_wan, f.pct, f.direction) == ("减少5.35万元", -5.35, "39.6%", "减少")
    assert "压减公务接待费预算" in f.reason
    assert (f.line_start, f.line_end) == (474, 475) and _line(text, "公务接待费8.16万元") == 474
    assert f.quote == text[f.span_start:f.span_end] and f.quote.startswith("公务接待费8.16万元")
    assert (f.department, f.region, f.year, f.doc_kind) == ("广州市统计局", "广州市", 2026, "部门预算")


@needs_shared
def test_prose_record_of_an_increase(real_index):
    doc = "2026_beijing_transport_dept_budget.txt"
    [f] = [f for f in real_index.figures_of(doc) if f.origin == "prose" and f.item == "三公经费" and f.change_text]
    # lines 145-148: "…“三公”经费预算 1328.22 万元，比 2025 年…年初预算增加 419.84 万元，增长 46.22%，主要原因：…"
    assert (f.value_wan, f.change_wan, f.pct, f.direction) == (1328.22, 419.84, "46.22%", "增加")
    assert "公务用车报废更新" in f.reason and (f.line_start, f.line_end) == (145, 148)


def test_prose_records_of_the_made_up_sentence(made):
    got = {f.item: f for f in made.figures_of(QINGSHI) if f.origin == "prose" and _line(QINGSHI_TEXT, "“三公”经费预算27") ==
           f.line_start}
    assert {k: v.value_wan for k, v in got.items()} == {"三公经费": 27.0, "因公出国(境)费": 5.0,
                                                        "公务用车购置及运行费": 12.0, "公务接待费": 10.0}
    assert {v.measure for v in got.values()} == {"预算"}


# ---------------------------------------------------------------- the audit, on the made-up disclosure

def _findings(index, doc_id: str) -> list:
    return (index.findings_by_doc() or {}).get(doc_id, [])


@pytest.mark.parametrize("check, key, expected, found", [
    ("missing_table", "toc", "“三公”经费支出表", "（缺）"),
    ("stale_year", "stale", "2023年", "2020年"),
    ("mismatch", "total", "520.00", "500万元"),
    ("percent", "percent", "增加10.00%", "增加20%"),
    ("change", "direction", "增加", "减少"),
    ("unit", "unit", "293万元（或核对数字）", "293元"),
    ("parts_total", "basic", "人员经费 70万元+公用经费 20万元 = 90.00万元", "基本支出 100万元"),
    ("year", "year", "比2022年", "比2023年"),
    ("parts_total", "row", "0.00 + 200.00 = 200.00", "220.00"),
])
def test_each_check_finds_its_planted_error_on_its_line(made, check, key, expected, found):
    n = _line(QINGSHI_TEXT, LINES[key])
    hits = [f for f in _findings(made, QINGSHI) if f.check == check and n in f.lines]
    assert len(hits) == 1, [(f.check, f.lines) for f in _findings(made, QINGSHI)]
    f = hits[0]
    assert (f.expected, f.found) == (expected, found)
    assert f.message and f.quotes[f.lines.index(n)] == QINGSHI_TEXT.split("\n")[n - 1]


def test_every_finding_is_a_planted_error(made):
    planted = {_line(QINGSHI_TEXT, LINES[k]) for k in LINES}
    assert {n for f in _findings(made, QINGSHI) for n in f.lines} <= planted


def test_two_versions_of_one_disclosure_name_the_figure_that_differs(made):
    n = _line(QINGSHI_TEXT, "公务接待费预算10万元")
    [a] = [f for f in _findings(made, QINGSHI) if f.check == "version"]
    [b] = [f for f in _findings(made, QINGSHI_V2) if f.check == "version"]
    assert a.lines == b.lines == [n]
    assert (a.expected, a.found) == ("13万元", "10万元") and QINGSHI_V2 in a.message
    assert (b.expected, b.found) == ("10万元", "13万元") and QINGSHI in b.message
    assert "公务接待费" in a.message
    assert made.versions[QINGSHI]["others"] == [QINGSHI_V2]


def test_the_corrected_twin_has_no_finding(made):
    assert _findings(made, BAISHUI) == []
    assert BAISHUI not in made.versions  # another department: no other version


# ---------------------------------------------------------------- the audit, on real documents

REAL_ERRORS = [
    # (document, line, check, expected, found) — benchmarks/data/audit_truth.jsonl ids in comments
    ("2026_sh_putuo_justice_bureau_dept_budget.txt", 81, "year", "比2025年", "比2026年"),  # c03
    ("2026_sh_putuo_justice_bureau_dept_budget.txt", 100, "change", "减少", "增加"),  # c06: 43269.3 -> 3845.49
    ("2026_sh_putuo_justice_bureau_unit_budget.txt", 67, "percent", "减少15.13%", "减少1.10%"),  # c11
    ("2026_sh_putuo_justice_bureau_unit_budget.txt", 148, "parts_total", None, "14,348,853.34"),  # c16
    ("2024_sh_putuo_finance_bureau_final_TAMPERED.txt", 293, "mismatch", "2,995.39", "0万元"),  # t02
    ("2024_sh_putuo_finance_bureau_final_TAMPERED.txt", 329, "change", "决算数小于预算数", "决算数大于预算数"),  # t05
    ("2024_sh_putuo_finance_bureau_final_TAMPERED.txt", 10, "missing_table", "支出决算表", "（缺）"),  # t09
    ("2024_sh_putuo_finance_bureau_final_TAMPERED.txt", 433, "stale_year", "截至2024年", None),  # t10
    ("2020_weixian_govoffice_budget.txt", 84, "unit", None, "293元"),  # f01
    ("2020_weixian_govoffice_budget.txt", 91, "stale_year", "2020年", "2017年"),  # f02
]


@needs_shared
@pytest.mark.parametrize("doc, line, check, expected, found", REAL_ERRORS)
def test_documented_real_errors_are_found_on_their_lines(real_index, doc, line, check, expected, found):
    text = (SHARED_TEXT / doc).read_text(encoding="utf-8").split("\n")
    hits = [f for f in _findings(real_index, doc) if f.check == check and line in f.lines]
    assert hits, f"{doc}:{line} {check} not found"
    f = hits[0]
    if expected is not None:
        assert f.expected == expected
    if found is not None:
        assert f.found == found
    for n, q in zip(f.lines, f.quotes):
        assert q == text[n - 1].replace("\f", "")  # each quote is its line, verbatim


@needs_shared
def test_clean_real_documents_have_at_most_one_finding_each_on_average(real_index):
    listed = (REPO / "benchmarks" / "data" / "audit_clean_docs.txt").read_text(encoding="utf-8").splitlines()
    clean = [x.strip() for x in listed if x.strip() and not x.startswith("#")]
    assert len(clean) == 10 and all(d in real_index.docs for d in clean)
    counts = {d: len(_findings(real_index, d)) for d in clean}
    assert sum(counts.values()) <= len(clean), counts
    assert counts["2026_guangzhou_propaganda_dept_budget.txt"] <= 1


@needs_shared
def test_the_clean_twin_of_the_tampered_disclosure_is_preferred(real_index):
    clean, tampered = "2024_sh_putuo_finance_bureau_final.txt", "2024_sh_putuo_finance_bureau_final_TAMPERED.txt"
    assert real_index.versions[clean]["preferred"] and not real_index.versions[tampered]["preferred"]
    assert real_index.versions[clean]["findings"] < real_index.versions[tampered]["findings"]


# ---------------------------------------------------------------- figures.sqlite

FIGURE_COLUMNS = ["id", "doc_id", "origin", "item", "value_text", "unit", "value_wan", "code", "table_title", "column",
                  "measure", "change_text", "change_wan", "pct", "direction", "reason", "section", "line_start",
                  "line_end", "page", "span_start", "span_end", "quote", "department", "region", "year", "doc_kind"]
FINDING_COLUMNS = ["id", "check_name", "doc_id", "lines", "message", "expected", "found", "quotes"]


def test_figures_sqlite_opens_with_sqlite3_and_has_the_documented_tables(made):
    path = made.generation_path / FILENAME
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"figures", "findings"} <= tables
        assert [r[1] for r in con.execute("PRAGMA table_info(figures)")] == FIGURE_COLUMNS
        assert [r[1] for r in con.execute("PRAGMA table_info(findings)")] == FINDING_COLUMNS
        n = con.execute("SELECT count(*) FROM figures WHERE doc_id = ?", (QINGSHI,)).fetchone()[0]
        assert n == len(made.figures_of(QINGSHI)) > 0
        value, unit, line = con.execute("SELECT value_wan, unit, line_start FROM figures WHERE doc_id = ? AND code = ? "
                                        "AND column = '项目支出'", (QINGSHI, "2010505")).fetchone()
        assert (value, unit, line) == (200.0, "万元", _line(QINGSHI_TEXT, LINES["row"]))
        stored = con.execute("SELECT check_name, lines FROM findings WHERE doc_id = ?", (QINGSHI,)).fetchall()
        assert sorted((c, json.loads(x)) for c, x in stored) == \
            sorted((f.check, f.lines) for f in _findings(made, QINGSHI))
    finally:
        con.close()


# ---------------------------------------------------------------- the commands

def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return p


def test_figures_command_writes_every_matching_figure_to_csv(made, tmp_path):
    out = tmp_path / "figures.csv"
    p = _cli("figures", "--index", str(made.path), "--department", "青石统计局", "--year", "2023", "--csv", str(out))
    with open(out, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = len(made.figures_of(QINGSHI)) + len(made.figures_of(QINGSHI_V2))
    assert len(rows) == expected and f"{expected} figures" in p.stderr
    assert {r["文件"] for r in rows} == {QINGSHI, QINGSHI_V2} and {r["部门"] for r in rows} == {"青石县统计局"}
    texts = {QINGSHI: QINGSHI_TEXT.split("\n"), QINGSHI_V2: QINGSHI_V2_TEXT.split("\n")}
    for r in rows:  # each row quotes its document at its lines
        lines = texts[r["文件"]][int(r["起始行"]) - 1:int(r["结束行"])]
        assert r["原文"].replace("\n", "") in "".join(lines)
    row = next(r for r in rows if r["编码"] == "2010505" and r["列"] == "项目支出" and r["文件"] == QINGSHI)
    assert (row["原文数值"], row["单位"], row["万元"], row["来源"]) == ("200.00", "万元", "200.0", "表")


def test_audit_command_prints_one_json_finding_per_line(made):
    p = _cli("audit", QINGSHI, "--index", str(made.path), "--json")
    found = [json.loads(line) for line in p.stdout.splitlines()]
    assert {f["doc_id"] for f in found} == {QINGSHI}
    assert sorted((f["check"], f["lines"]) for f in found) == sorted((f.check, f.lines) for f in _findings(made, QINGSHI))
    lines = QINGSHI_TEXT.split("\n")
    assert all(q == lines[n - 1] for f in found for n, q in zip(f["lines"], f["quotes"]))
    assert _cli("audit", BAISHUI, "--index", str(made.path), "--json").stdout == ""


def test_columns_under_a_spanning_header_are_paths(real_index):
    # 2017_js_cppcc_general_office_budget_tables.txt line 210, under 合计 | “三公”经费 (小计,
    # 因公出国（境）费, 公务用车购置及运行维护费 (小计, 运行维护费), 公务接待费) | 会议费 | 培训费.
    cells = [f for f in real_index.figures_of("2017_js_cppcc_general_office_budget_tables.txt") if f.line_start == 210]
    assert [(c.column, c.value_text) for c in cells] == [
        ("合计", "1,852.32"), ("“三公”经费", "676.10"), ("“三公”经费 › 因公出国(境)费", "76.00"),
        ("“三公”经费 › 公务用车购置及运行费", "156.60"),
        ("“三公”经费 › 公务用车购置及运行费 › 公务用车运行费", "156.60"),
        ("“三公”经费 › 公务接待费", "443.50"), ("会议费", "1,094.62"), ("培训费", "81.60")]
