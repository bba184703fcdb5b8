"""The figures table and the audit on the web: /api/figures (+ /export, /series), /api/audit
and the HTML of the 数据 and 审计 tabs.

Over a small index of the repo's demo disclosure, the web tests' markup document and two
made-up disclosures of one department (2022, 2023) and one of another (2023): the 2023
one has a table row whose 合计 is not 基本支出 + 项目支出, a sentence saying 增加 of a
figure that fell, and markup in a row label and in sentences. Expected values
come from the documents' own text (their lines, their sentences), never from the code under
test. The real-corpus part indexes five disclosures of ../shared (skipped without it).
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from conftest import SHARED_TEXT, needs_shared
from webapp import DEMO, make_corpus

LUSHAN = "2023_lushan_audit_budget.txt"
BAD_ROW = "2010802\t一般行政管理事务\t40.30\t0.00\t40.00"  # 合计 40.30, but 0.00 + 40.00 = 40.00
LUSHAN_TEXT = f"""鹿山县审计局2023年部门预算公开说明

一、部门基本情况
鹿山县审计局负责全县审计监督。<b>说明</b>

二、“三公”经费预算情况
<script>alert(1)</script>公务接待费上年预算数为50万元，2023年预算安排45万元，比上年增加5万元。
公务用车运行维护费<img src=x onerror=alert(2)>预算为12万元。

三、一般公共预算支出预算表
单位：万元
科目编码\t科目名称\t合计\t基本支出\t项目支出
201\t一般公共服务支出\t120.50\t80.20\t40.30
2010801\t<i>行政运行</i>\t80.20\t80.20\t0.00
{BAD_ROW}
"""
LUSHAN_2022 = "2022_lushan_audit_budget.txt"
LUSHAN_2022_TEXT = """鹿山县审计局2022年部门预算公开说明

一、“三公”经费预算情况
2022年公务接待费预算为50万元，与上年持平。
"""
SONGSHAN = "2023_songshan_finance_budget.txt"
SONGSHAN_TEXT = """松山县财政局2023年部门预算公开说明

一、“三公”经费预算情况
2023年公务接待费预算为20万元，比上年减少1万元。
"""
MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<i>行政运行</i>"]


def _state(tmp: Path, corpus: Path):
    from assistant.apps.state import load_state
    from assistant.config import Config
    from assistant.index import Index
    from assistant.index.build import build

    index = tmp / "index"
    build([corpus], index, embedder_spec="hash", report=None)
    cfg = replace(Config(), index=index, corpus=corpus, embedder="hash", secret="test-secret")
    return load_state(cfg, Index.load(index), "hash"), cfg


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from assistant.apps.server import create_app

    tmp = tmp_path_factory.mktemp("figures-web")
    corpus = make_corpus(tmp / "corpus")
    (corpus / LUSHAN).write_text(LUSHAN_TEXT, encoding="utf-8")
    (corpus / LUSHAN_2022).write_text(LUSHAN_2022_TEXT, encoding="utf-8")
    (corpus / SONGSHAN).write_text(SONGSHAN_TEXT, encoding="utf-8")
    state, cfg = _state(tmp, corpus)
    return TestClient(create_app(state, mount_ui=False)), state, cfg


@pytest.fixture()
def client(setup):
    return setup[0]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def _all_rows(client, **filters) -> list[dict]:
    first = client.get("/api/figures", params={**filters, "limit": 1000}).json()
    assert first["total"] == first["count"] <= 1000  # this index is small
    return first["rows"]


# ---------------------------------------------------------------- /api/figures

def test_figures_are_the_command_line_json(client, setup, capsys):
    from assistant.apps import cli

    cfg = setup[2]
    assert cli.main(["figures", "--department", "鹿山县审计局", "--index", str(cfg.index), "--json"]) == 0
    expected = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert expected and _all_rows(client, department="鹿山县审计局") == expected


def test_every_row_quotes_its_document_at_its_lines(client, setup):
    docs = setup[1].index.docs
    rows = _all_rows(client)
    assert {r["doc_id"] for r in rows} == set(docs)
    for r in rows:
        text = docs[r["doc_id"]].text
        assert text[r["span_start"]:r["span_end"]] == r["quote"]
        assert r["quote"] in "\n".join(text.split("\n")[r["line_start"] - 1:r["line_end"]])
        assert r["value_text"].replace(" ", "") in r["quote"].replace(" ", "")


def test_filters_narrow_the_rows(client, setup):
    index = setup[1].index
    everything = client.get("/api/figures").json()["total"]
    dept = _all_rows(client, department="鹿山县审计局")
    assert {r["doc_id"] for r in dept} == {LUSHAN, LUSHAN_2022}
    assert len(dept) == len(index.figures_of(LUSHAN)) + len(index.figures_of(LUSHAN_2022)) < everything
    one_year = _all_rows(client, department="鹿山县审计局", year=2023)
    assert {r["doc_id"] for r in one_year} == {LUSHAN} and len(one_year) < len(dept)
    assert {r["doc_id"] for r in _all_rows(client, year=2023)} == {LUSHAN, SONGSHAN}
    assert {r["year"] for r in _all_rows(client, year=2020)} == {2020}
    assert {r["region"] for r in _all_rows(client, region="鹿山县")} == {"鹿山县"}
    # everyday words: 招待费 finds the rows of 公务接待费, in every document stating it
    hosting = _all_rows(client, item="招待费")
    assert hosting and all("公务接待费" in r["item"] + r["column"] for r in hosting)
    stating = {d for d, doc in index.docs.items() if "公务接待费" in re.sub(r"\s", "", doc.text)}
    assert {r["doc_id"] for r in hosting} == stating
    code = _all_rows(client, code="2010802")
    assert code and all(r["quote"] == BAD_ROW and r["origin"] == "table" for r in code)
    table = _all_rows(client, department="鹿山县审计局", origin="table")
    prose = _all_rows(client, department="鹿山县审计局", origin="prose")
    assert {r["origin"] for r in table} == {"table"} and {r["origin"] for r in prose} == {"prose"}
    assert len(table) + len(prose) == len(dept)
    assert client.get("/api/figures", params={"kind": "部门决算"}).json()["total"] == 0


def test_pages_cover_the_total(client):
    total = client.get("/api/figures", params={"department": "魏县政府办"}).json()["total"]
    seen = []
    for offset in range(0, total, 40):
        body = client.get("/api/figures", params={"department": "魏县政府办", "limit": 40, "offset": offset}).json()
        assert body["total"] == total and body["offset"] == offset
        seen += body["rows"]
    assert len(seen) == total > 40
    assert len({(r["span_start"], r["column"], r["value_text"]) for r in seen}) == total


def test_bad_parameters_get_a_400_saying_what_to_do(client):
    cases = [("/api/figures", {"departmnet": "鹿山县审计局"}, "departmnet"),
             ("/api/figures", {"year": "二〇二三"}, "年度"),
             ("/api/figures", {"limit": 0}, "limit"),
             ("/api/figures", {"limit": 1_000_000}, "limit"),
             ("/api/figures", {"offset": -1}, "offset"),
             ("/api/figures", {"origin": "pdf"}, "table"),
             ("/api/figures", {"kind": "决算"}, "部门决算"),
             ("/api/figures", {"department": "火星县"}, "火星县"),
             ("/api/figures/export", {"format": "pdf"}, "xlsx"),
             ("/api/figures/export", {"q": "x"}, "'q'"),
             ("/api/figures/series", {"department": "鹿山县审计局"}, "item"),
             ("/api/figures/series", {"item": "公务接待费"}, "year"),
             ("/api/audit", {"doc": "<b>nope</b>.txt"}, "/api/documents"),
             ("/api/audit", {"document": LUSHAN}, "doc")]
    for path, params, named in cases:
        r = client.get(path, params=params)
        assert r.status_code == 400, (path, params, r.text)
        message = r.json()["error"]
        assert named in message and "\n" not in message and len(message) < 200, message


# ---------------------------------------------------------------- export

def test_export_csv_and_xlsx_hold_the_rows_of_the_api(client):
    from openpyxl import load_workbook

    from assistant.figures.query import COLUMNS

    params = {"department": "鹿山县审计局"}
    rows = _all_rows(client, **params)
    expected = [[r["doc_id"], str(r["line_start"]), r["value_text"], r["quote"]] for r in rows]
    r = client.get("/api/figures/export", params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''" in r.headers["content-disposition"] and r.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert table[0] == COLUMNS
    pick = [COLUMNS.index(c) for c in ("文件", "起始行", "原文数值", "原文")]
    assert [[row[i] for i in pick] for row in table[1:]] == expected
    x = client.get("/api/figures/export", params={**params, "format": "xlsx"})
    assert x.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert x.headers["content-disposition"].startswith('attachment; filename="figures.xlsx"')
    sheet = list(load_workbook(io.BytesIO(x.content)).active.values)
    assert list(sheet[0]) == COLUMNS
    assert [[str(row[i]) for i in pick] for row in sheet[1:]] == expected


def test_xlsx_holds_text_with_page_breaks_and_control_characters():
    """A passage running onto the next page holds a form feed, which XLSX cannot store."""
    from openpyxl import load_workbook

    from assistant.apps import export

    passage = "公务接待费预算支出 28 万元，本年数与上年预算数\n— 11 —\f一致。\x01"
    data = export.table_xlsx(["原文"], [[passage], ["=SUM(A1)"]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [r[0] for r in sheet.values] == ["原文", passage.replace("\f", "\n").replace("\x01", ""), "=SUM(A1)"]
    assert sheet.cell(row=3, column=1).data_type == "s"  # text that looks like a formula stays text
    assert export.table_csv(["原文"], [[passage]]).decode("utf-8-sig").count("\f") == 1  # CSV keeps it


def test_export_over_the_cap_is_refused(client, monkeypatch):
    from assistant.apps import export

    total = client.get("/api/figures").json()["total"]
    monkeypatch.setattr(export, "MAX_EXPORT_ROWS", total - 1)
    r = client.get("/api/figures/export", params={"format": "csv"})
    assert r.status_code == 413 and str(total - 1) in r.json()["error"] and "筛选" in r.json()["error"]


# ---------------------------------------------------------------- series

def test_series_of_one_department_across_years_takes_each_years_own_figure(client):
    body = client.get("/api/figures/series", params={"item": "公务接待费", "department": "鹿山县审计局"}).json()
    assert body["type"] == "line" and body["unit"] == "万元"
    assert [r["label"] for r in body["rows"]] == ["2022年", "2023年"]
    # each year's own budget, not the 上年 figure the 2023 document states first
    own = {LUSHAN_2022: re.search(r"公务接待费预算为(\d+)万元", LUSHAN_2022_TEXT),
           LUSHAN: re.search(r"预算安排(\d+)万元", LUSHAN_TEXT)}
    for r in body["rows"]:
        assert r["value"] == float(own[r["source"]].group(1))
        text = LUSHAN_TEXT if r["source"] == LUSHAN else LUSHAN_2022_TEXT
        assert r["line_start"] == _line_of(text, own[r["source"]].group(0))


def test_series_across_departments_is_a_bar_per_department(client, setup):
    index = setup[1].index
    body = client.get("/api/figures/series", params={"item": "招待费", "year": 2023}).json()
    assert body["type"] == "bar" and body["item"] == "招待费"
    stated = {LUSHAN: re.search(r"预算安排(\d+)万元", LUSHAN_TEXT).group(1),
              SONGSHAN: re.search(r"公务接待费预算为(\d+)万元", SONGSHAN_TEXT).group(1)}
    assert {r["source"]: r["figure"] for r in body["rows"]} == {k: f"{v}万元" for k, v in stated.items()}
    assert {r["label"] for r in body["rows"]} == {index.docs[d].meta.department for d in stated}
    values = [r["value"] for r in body["rows"]]
    assert values == sorted(values, reverse=True)  # largest first
    for r in body["rows"]:
        line = index.docs[r["source"]].text.split("\n")[r["line_start"] - 1]
        assert r["figure"] in line


# ---------------------------------------------------------------- audit

def test_audit_finds_the_made_up_inconsistency_with_its_line(client):
    body = client.get("/api/audit", params={"doc": LUSHAN}).json()
    assert body["documents"] == 1 and {f["doc_id"] for f in body["findings"]} == {LUSHAN}
    n = _line_of(LUSHAN_TEXT, BAD_ROW)
    row = [f for f in body["findings"] if f["lines"] == [n]]
    assert len(row) == 1
    f = row[0]
    assert f["check"] == "parts_total" and f["label"] == "合计与分项" and f["quotes"] == [BAD_ROW]
    total, basic, project = BAD_ROW.split("\t")[2:]
    assert total in f["found"] and project in f["expected"] and f["message"]
    # and the sentence that says 增加 of a figure that fell from 50 to 45
    said = _line_of(LUSHAN_TEXT, "比上年增加")
    change = [f for f in body["findings"] if f["lines"] == [said] and f["check"] == "change"]
    assert len(change) == 1 and change[0]["found"] == "增加" and change[0]["expected"] == "减少"


def test_audit_of_the_index_is_the_command_line_json(client, setup, capsys):
    from assistant.apps import cli

    assert cli.main(["audit", "--index", str(setup[2].index), "--json"]) == 0
    expected = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    body = client.get("/api/audit").json()
    assert [{k: v for k, v in f.items() if k != "label"} for f in body["findings"]] == expected
    assert body["total"] == len(expected) and {f["doc_id"] for f in expected} >= {LUSHAN, DEMO.name}
    both = client.get("/api/audit", params=[("doc", LUSHAN), ("doc", DEMO.name)]).json()
    assert both["total"] == sum(f["doc_id"] in (LUSHAN, DEMO.name) for f in expected)


def test_audit_quotes_are_the_lines_they_name(client, setup):
    docs = setup[1].index.docs
    for f in client.get("/api/audit").json()["findings"]:
        lines = docs[f["doc_id"]].text.split("\n")
        assert f["quotes"] and len(f["quotes"]) <= len(f["lines"])
        for n, q in zip(f["lines"], f["quotes"]):
            assert q == lines[n - 1].replace("\f", "")


# ---------------------------------------------------------------- the tabs' HTML

def test_data_tab_html_escapes_and_links_each_row(setup):
    from assistant.apps import figures_html

    state = setup[1]
    f = state.figure_filter(department="鹿山县审计局", year=2023)
    rows = state.figures(f)
    out = figures_html.figures_table(rows)
    for s in MARKUP:
        assert s not in out and html.escape(s) in out
    assert out.count("<tr>") == len(rows) + 1 and "<script" not in out and "<img" not in out
    bad = next(x for x in rows if x.quote == BAD_ROW)
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', out)]
    link = next(h for h in hrefs if f"from={bad.line_start}" in h)
    q = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "view" and q["doc"] == [LUSHAN] and q["quote"] == [BAD_ROW]
    typed = state.figure_filter(item="<img src=x>接待")
    status = figures_html.status_html(typed, 0, 0)
    assert "<img" not in status and "&lt;img src=x&gt;" in status
    links = figures_html.export_links(f, len(rows))
    csv_link = html.unescape(re.search(r'href="([^"]+format=csv[^"]*)"', links).group(1))
    assert parse_qs(urlsplit(csv_link).query) == {"format": ["csv"], "department": ["鹿山县审计局"], "year": ["2023"]}


def test_chart_html_escapes_its_labels(setup):
    from assistant.apps import figures_html

    series = {"item": "<b>接待</b>", "type": "bar", "unit": "万元",
              "rows": [{"label": "<script>x</script>局", "figure": "5万元", "value": 5.0, "source": "a.txt",
                        "line_start": 1, "line_end": 1},
                       {"label": "乙局", "figure": "3万元", "value": 3.0, "source": "<i>b</i>.txt",
                        "line_start": 2, "line_end": 2}]}
    out = figures_html.chart_html(series)
    assert "<svg" in out and "<script" not in out and "<b>" not in out and "<i>" not in out
    assert "&lt;script&gt;" in out and "&lt;b&gt;接待&lt;/b&gt;" in out
    assert figures_html.chart_html({**series, "rows": series["rows"][:1]}) == figures_html.CHART_HINT


def test_audit_tab_html_groups_by_document_and_escapes(setup):
    from assistant.apps import figures_html

    state = setup[1]
    found = state.audit([])
    out = figures_html.audit_html(found, state.index.docs)
    docs = {f.doc_id for f in found}
    assert out.count('<section class="au-doc">') == len(docs) and out.count('class="au-finding"') == len(found)
    assert "<script" not in out and "<img" not in out and html.escape(MARKUP[0]) in out
    one = figures_html.audit_html(state.audit([LUSHAN]), state.index.docs, LUSHAN)
    n = _line_of(LUSHAN_TEXT, BAD_ROW)
    item = next(li for li in re.findall(r'<li class="au-finding">.*?</li>', one) if f"第 {n} 行" in li)
    assert "合计与分项" in item and "应为：" in item and "实为：" in item
    assert html.escape(BAD_ROW) in item
    link = html.unescape(re.search(r'href="([^"]+)"[^>]*>第 \d+ 行', item).group(1))
    q = parse_qs(urlsplit(link).query)
    assert q["doc"] == [LUSHAN] and q["from"] == [str(n)] and urlsplit(link).fragment == f"L{n}"
    assert "没有发现" in figures_html.audit_html([], state.index.docs, "<b>x</b>")
    assert "<b>x" not in figures_html.audit_html([], state.index.docs, "<b>x</b>")


def test_audit_choices_put_documents_with_findings_first(setup):
    from assistant.apps import figures_html

    index = setup[1].index
    by_doc = index.findings_by_doc() or {}
    choices = figures_html.audit_choices(by_doc, [d.doc_id for d in index.doc_list])
    assert choices[0] == ("全部文件", "") and {v for _, v in choices[1:]} == set(index.docs)
    counts = [len(by_doc.get(v, [])) for _, v in choices[1:]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0


# ---------------------------------------------------------------- real disclosures

REAL = ["2017_js_high_court_budget.txt", "2018_js_high_court_budget.txt", "2019_js_high_court_budget.txt",
        "2024_sh_putuo_finance_bureau_final.txt", "2024_sh_putuo_finance_bureau_final_TAMPERED.txt"]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    import shutil

    from assistant.apps.server import create_app

    tmp = tmp_path_factory.mktemp("figures-real")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name in REAL:
        shutil.copy(SHARED_TEXT / name, corpus / name)
    state, _ = _state(tmp, corpus)
    return TestClient(create_app(state, mount_ui=False)), state


@needs_shared
def test_real_series_of_a_court_over_three_years_are_its_stated_figures(real):
    client, state = real
    body = client.get("/api/figures/series", params={"item": "公务接待费", "department": "江苏高院"}).json()
    assert body["type"] == "line" and [r["label"] for r in body["rows"]] == ["2017年", "2018年", "2019年"]
    for r in body["rows"]:
        text = state.index.docs[r["source"]].text
        # the disclosure's own sentence "公务接待费预算支出 185.72 万元" (not the 30217 table row)
        stated = re.search(r"公务接待费预算支出\s*([\d.]+)\s*万元", text)
        assert r["value"] == float(stated.group(1))
        lines = "".join(text.split("\n")[r["line_start"] - 1:r["line_end"]])
        assert stated.group(1) in lines


@needs_shared
def test_real_filters_and_audit_of_the_tampered_disclosure(real):
    client, state = real
    court = client.get("/api/figures", params={"department": "江苏高院"}).json()["total"]
    per_year = [client.get("/api/figures", params={"department": "江苏高院", "year": y}).json()["total"]
                for y in (2017, 2018, 2019)]
    assert all(per_year) and sum(per_year) == court < client.get("/api/figures").json()["total"]
    x = client.get("/api/figures/export", params={"format": "xlsx", "department": "江苏高院"})
    assert x.status_code == 200
    from openpyxl import load_workbook

    assert len(list(load_workbook(io.BytesIO(x.content)).active.values)) == court + 1
    tampered = REAL[-1]
    body = client.get("/api/audit", params={"doc": tampered}).json()
    assert body["total"] > 0 and {f["doc_id"] for f in body["findings"]} == {tampered}
    lines = state.index.docs[tampered].text.split("\n")
    for f in body["findings"]:
        assert all(q == lines[n - 1].replace("\f", "") for n, q in zip(f["lines"], f["quotes"]))
    # a sentence whose direction word the tampering changed: its stated word is what was found
    change = [f for f in body["findings"] if f["check"] == "change"]
    assert change and all(f["found"] in "".join(f["quotes"]) for f in change)


def test_figures_and_audit_need_the_login_when_all_users_must_log_in(tmp_path):
    from assistant.apps.server import create_app
    from webapp import USER_PASSWORD, make_state

    state, _ = make_state(tmp_path, users=True)
    c = TestClient(create_app(state, mount_ui=False))
    for path in ("/api/figures", "/api/figures/export", "/api/figures/series?item=x&year=2020", "/api/audit"):
        assert c.get(path).status_code == 401, path
    token = c.post("/api/login", json={"password": USER_PASSWORD}).json()["token"]
    c.cookies.clear()
    r = c.get("/api/figures", params={"item": "公务接待费"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["total"] >= 1


def test_openapi_describes_the_figures_endpoints(client):
    spec = client.get("/openapi.json").json()
    paths = {"/api/figures", "/api/figures/export", "/api/figures/series", "/api/audit"}
    assert paths <= set(spec["paths"])
    params = {p["name"]: p.get("description", "") for p in spec["paths"]["/api/figures"]["get"]["parameters"]}
    assert set(params) == {"department", "year", "item", "code", "region", "kind", "origin", "limit", "offset"}
    assert all(params.values())
