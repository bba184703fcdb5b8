"""The two PDF engines of assistant.ingest.pdf: pdfium (default, fast) against pdfplumber.

Generated PDFs (tests/test_ingest_formats.py's writer) check each behaviour under both
engines; real disclosures from ../shared/corpus/orig (skipped without it) check that the
fast engine gives the pdfplumber engine's text.

Thresholds come from benchmarks/pdf_engines.py --all over the 205 corpus PDFs (7,214 pages):
with white space removed, 7,213 pages are identical (all 2,772 pages without tables), the
character multisets agree to 1.00000 on average (no file below 0.99995), and 204 files
have the same TAB rows (one wrapped header cell orders its chars differently). What PDFium
leaves out is white space drawn as a zero-width text object of its own ("— 12 —" reads
"—12—"). The tests ask for 99% of prose pages (all of them on samples this small) and
0.999 of the characters, a margin for what the sample cannot show.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.ingest import pdf
from assistant.records import IngestError
from test_ingest_formats import (CORPUS, NEEDS_CORPUS, cjk, grid, make_pdf, sentence_page, table_page,
                                 text_at)

ENGINES = pdf.ENGINES
_WS = re.compile(r"\s+")


def squeeze(text: str) -> str:
    return _WS.sub("", text)


def char_agreement(ref: str, other: str) -> float:
    """min(recall, precision) of other's characters against ref's, white space removed."""
    a, b = Counter(squeeze(ref)), Counter(squeeze(other))
    both = sum(min(n, b[ch]) for ch, n in a.items())
    return min(both / max(sum(a.values()), 1), both / max(sum(b.values()), 1))


def both_engines(path: Path) -> dict[str, str]:
    return {engine: pdf.read(path, engine=engine).text for engine in ENGINES}


def pdfium_only(path: Path) -> list[str]:
    """Pages from the pdfium engine, failing if any page would go to pdfplumber."""
    from assistant.ingest import pdf_pdfium

    def no_fallback(i: int) -> str:
        raise AssertionError(f"page {i + 1} was handed to pdfplumber")

    pages, _ = pdf_pdfium.extract_pages(path, pdf.compose_page, no_fallback)
    return pages


# ---------------------------------------------------------------- engine choice

def test_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pdf.ENGINE_ENV, raising=False)
    assert pdf.engine_name() == "pdfium"
    monkeypatch.setenv(pdf.ENGINE_ENV, "PDFPlumber")
    assert pdf.engine_name() == "pdfplumber"
    assert pdf.engine_name("pdfium") == "pdfium"  # an argument beats the environment
    monkeypatch.setenv(pdf.ENGINE_ENV, "mupdf")
    with pytest.raises(ValueError, match="mupdf"):
        pdf.engine_name()


# ---------------------------------------------------------------- generated PDFs, both engines

@pytest.mark.parametrize("engine", ENGINES)
def test_sentence_and_table_page(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "sample.pdf"
    path.write_bytes(make_pdf([sentence_page(), table_page()]))
    source = pdf.read(path, engine=engine)
    assert source.warnings == []
    assert source.text == (
        "年初预算为2993.92万元，支出决算为2940.05万元。\n其中：基本支出2336.91万元。\f\n"
        "表七 “三公”经费预算表\n单位：万元\n项目\t2025年\t2026年\n公务接待费\t30.00\t28.50\n合计\t\t28.50\n"
        "注：公务接待费比上年减少1.50万元。")


def test_pdfium_engine_needs_no_fallback(tmp_path: Path) -> None:
    path = tmp_path / "sample.pdf"
    path.write_bytes(make_pdf([sentence_page(), table_page()]))
    assert pdf.PAGE_SEP.join(pdfium_only(path)) == pdf.read(path, engine="pdfplumber").text


def _landscape_table() -> str:
    """sentence + ruled table drawn for a page shown turned by /Rotate 90 (842 x 595)."""
    body = text_at(72, 540, [("F1", cjk("表一 收支总表"))])
    body += grid([72, 300, 500, 700], [520, 500, 480])
    for r, row in enumerate([[cjk("项目"), cjk("预算数"), cjk("决算数")],
                             [cjk("合计"), "(1,935.36)", "(1,900.00)"]]):
        for c, cell in enumerate(row):
            body += text_at([76, 304, 504][c], 506 - 20 * r, [("F2" if cell.startswith("(") else "F1", cell)],
                            size=10)
    return "q 0 1 -1 0 595 0 cm\n" + body + "Q\n"


@pytest.mark.parametrize("engine", ENGINES)
def test_rotated_page_reads_as_displayed(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "landscape.pdf"
    path.write_bytes(make_pdf([_landscape_table()], rotate=90))
    assert pdf.read(path, engine=engine).text == "表一 收支总表\n项目\t预算数\t决算数\n合计\t1,935.36\t1,900.00"


@pytest.mark.parametrize("engine", ENGINES)
def test_media_box_off_the_origin(tmp_path: Path, engine: str) -> None:
    # The page's coordinates start at (0, 100): text and rules are shifted alike.
    page = "q 1 0 0 1 0 100 cm\n" + table_page() + "Q\n"
    path = tmp_path / "shifted.pdf"
    path.write_bytes(make_pdf([page], mediabox=(0, 100, 595, 942)))
    assert pdf.read(path, engine=engine).text.split("\n")[2:5] == [
        "项目\t2025年\t2026年", "公务接待费\t30.00\t28.50", "合计\t\t28.50"]


@pytest.mark.parametrize("engine", ENGINES)
def test_fake_bold_heading_is_read_once(tmp_path: Path, engine: str) -> None:
    # Fake bold: the same run drawn three times, 0.3 pt apart.
    heading = "".join(text_at(72 + dx, 760, [("F1", cjk("表七 “三公”经费"))]) for dx in (0, 0.3, 0.6))
    path = tmp_path / "bold.pdf"
    path.write_bytes(make_pdf([heading + text_at(72, 740, [("F1", cjk("单位：万元"))])]))
    assert pdf.read(path, engine=engine).text == "表七 “三公”经费\n单位：万元"


@pytest.mark.parametrize("engine", ENGINES)
def test_invisible_boxes_are_not_a_table(tmp_path: Path, engine: str) -> None:
    cells = [(x, y, w) for y in (675, 695) for x, w in ((70, 100), (170, 60), (230, 90))]
    boxes = "1 g\n" + "\n".join(f"{x} {y} {w} 20 re f" for x, y, w in cells) + "\n0 g\n"
    page = boxes + text_at(72, 700, [("F1", cjk("收入预算")), ("F2", "(1935.36)"), ("F1", cjk("万元，"))])
    path = tmp_path / "white_boxes.pdf"
    path.write_bytes(make_pdf([page]))
    assert pdf.read(path, engine=engine).text == "收入预算1935.36万元，"


def test_image_only_page_is_found_by_both(tmp_path: Path) -> None:
    path = tmp_path / "with_scan_page.pdf"
    path.write_bytes(make_pdf([sentence_page(), "q 100 0 0 100 72 600 cm /Im1 Do Q\n"], image=True))
    found = {}
    for engine in ENGINES:
        source = pdf.read(path, engine=engine)
        found[engine] = (source.text.count("\f"), source.warnings)
    assert found["pdfium"] == found["pdfplumber"]
    assert found["pdfium"][0] == 1 and "2" in found["pdfium"][1][0]


def _error(path: Path, engine: str) -> str:
    with pytest.raises(IngestError) as err:
        pdf.read(path, engine=engine)
    return str(err.value)


def test_bad_files_get_the_same_messages(tmp_path: Path) -> None:
    good = make_pdf([sentence_page(), table_page()])
    cases = {
        "cut_off.pdf": good[: len(good) * 2 // 3],
        "locked.pdf": make_pdf([sentence_page()], password="secret"),
        "garbled.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n",
        "really_a_page.pdf": b"<html>404 Not Found</html>",
    }
    expected = {"cut_off.pdf": "truncated", "locked.pdf": "password-protected",
                "garbled.pdf": "damaged or unreadable", "really_a_page.pdf": "not a PDF"}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        messages = {engine: _error(path, engine) for engine in ENGINES}
        assert messages["pdfium"] == messages["pdfplumber"], name
        assert expected[name] in messages["pdfium"] and str(path) in messages["pdfium"]


# ---------------------------------------------------------------- extract_text, re-done

def _random_chars(rng: random.Random, n: int) -> list[dict]:
    chars = []
    for _ in range(n):
        top = rng.choice([100.0, 101.5, 103.2, 107.0, 120.0]) + rng.choice([0, 0, 0.4])
        x0 = rng.uniform(50, 300)
        width = rng.choice([0.0, 5.0, 10.5])
        upright = rng.random() > 0.1
        chars.append({"text": rng.choice(["年", "1", " ", "ﬁ", "", "\u3000", "。"]), "x0": x0,
                      "x1": x0 + width, "top": top, "bottom": top + 10, "doctop": top, "upright": upright})
    return chars


def test_extract_text_is_pdfplumbers() -> None:
    from pdfplumber.utils import extract_text

    rng = random.Random(7)
    for n in [0, 1, 2, 5, 30, 200] * 20:
        chars = _random_chars(rng, n)
        assert pdf.extract_text(chars) == (extract_text(chars) if chars else "")


def _random_edges(rng: random.Random) -> list[dict]:
    """Ruling lines on a coarse lattice, some broken, some doubled: merged cells and gaps."""
    edges = []
    xs, ys = [50 + 40 * i for i in range(6)], [100 + 20 * j for j in range(6)]
    for y in ys:
        for a, b in zip(xs, xs[1:]):
            if rng.random() < 0.85:
                edges.append({"x0": a, "x1": b, "top": y, "bottom": y, "width": b - a, "height": 0,
                              "orientation": "h", "object_type": "line"})
    for x in xs:
        for a, b in zip(ys, ys[1:]):
            if rng.random() < 0.7:
                edges.append({"x0": x, "x1": x, "top": a, "bottom": b, "width": 0, "height": b - a,
                              "orientation": "v", "object_type": "line"})
    return edges


def test_table_cells_are_pdfplumbers() -> None:
    from pdfplumber.table import TableFinder, TableSettings

    from assistant.ingest import pdf_pdfium

    rng = random.Random(11)
    for _ in range(200):
        edges = _random_edges(rng)
        ours = [t.cells for t in pdf_pdfium.find_tables(edges)]
        theirs = [t.cells for t in TableFinder(pdf_pdfium._EdgePage(edges), TableSettings.resolve(None)).tables]
        assert ours == theirs


# ---------------------------------------------------------------- real disclosures

# Small files (about 5 s for both engines): plain text pages, ruled tables with merged
# header cells, landscape table pages under /Rotate 90, a title font without glyphs.
SAMPLE = ["2024_sh_putuo_finance_bureau_final.pdf", "2018_js_party_committee_office_budget_tables.pdf",
          "2026_beijing_audit_dept_budget.pdf", "2026_beijing_sasac_dept_budget.pdf"]


@pytest.fixture(scope="module")
def sample_texts() -> dict[str, dict[str, str]]:
    if not (CORPUS / "orig").is_dir():
        pytest.skip(f"real corpus not present at {CORPUS}")
    return {name: both_engines(CORPUS / "orig" / name) for name in SAMPLE}


def _tab_rows(text: str) -> list[str]:
    return [squeeze(line.replace("\t", "|")) for line in text.split("\n") if "\t" in line]


@NEEDS_CORPUS
@pytest.mark.parametrize("name", SAMPLE)
def test_real_pages_same_text_as_pdfplumber(sample_texts: dict, name: str) -> None:
    fast, ref = sample_texts[name]["pdfium"], sample_texts[name]["pdfplumber"]
    twin = (CORPUS / "text" / name.replace(".pdf", ".txt")).read_text(encoding="utf-8")
    assert fast.count("\f") == ref.count("\f") == twin.count("\f")  # one form feed per page break
    pages = [(a, b) for a, b in zip(ref.split("\f\n"), fast.split("\f\n")) if "\t" not in a]
    assert pages, "the sample should have pages without tables"
    same = sum(squeeze(a) == squeeze(b) for a, b in pages)
    assert same / len(pages) >= 0.99, f"{same}/{len(pages)} prose pages identical"
    assert char_agreement("".join(a for a, _ in pages), "".join(b for _, b in pages)) >= 0.999


@NEEDS_CORPUS
@pytest.mark.parametrize("name", SAMPLE)
def test_real_tables_same_rows_as_pdfplumber(sample_texts: dict, name: str) -> None:
    fast, ref = sample_texts[name]["pdfium"], sample_texts[name]["pdfplumber"]
    assert _tab_rows(fast) == _tab_rows(ref)


@NEEDS_CORPUS
def test_real_tables_keep_headers(sample_texts: dict) -> None:
    putuo = sample_texts["2024_sh_putuo_finance_bureau_final.pdf"]["pdfium"]
    assert "收入\t\t支出" in putuo  # header row, merged cells as empty strings
    assert "一、一般公共预算财政拨款收入\t2,940.05\t一、一般公共服务支出\t2,106.66" in putuo
    assert "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完" in putuo
    rotated = sample_texts["2018_js_party_committee_office_budget_tables.pdf"]["pdfium"]
    assert len(_tab_rows(rotated)) > 100  # the landscape pages are read as tables, not columns of chars


@NEEDS_CORPUS
def test_real_title_in_a_font_without_glyphs(sample_texts: dict) -> None:
    # PDFium skips the title's zero-width glyphs; the page goes to pdfplumber instead.
    text = sample_texts["2026_beijing_audit_dept_budget.pdf"]["pdfium"]
    assert text.startswith("北京市审计局 2026 年度部门预算信息公开\n目 录\n")
    assert squeeze(text) == squeeze(sample_texts["2026_beijing_audit_dept_budget.pdf"]["pdfplumber"])


@NEEDS_CORPUS
def test_real_file_needs_no_fallback(sample_texts: dict) -> None:
    name = "2024_sh_putuo_finance_bureau_final.pdf"
    assert pdf.PAGE_SEP.join(pdfium_only(CORPUS / "orig" / name)) == sample_texts[name]["pdfium"]
