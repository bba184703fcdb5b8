"""Cleaning: page furniture out, wrapped lines joined, every char traceable to the raw text."""
from __future__ import annotations

from assistant.ingest.clean import is_table_line, paragraphs, split_lines, unbold
from assistant.textutil import normalize_char, normalize_text
from conftest import shared_text


def _texts(raw: str) -> list[str]:
    return [p.text for p in paragraphs(raw)]


def test_page_number_between_halves_of_a_sentence_is_dropped():
    # dev d004: "减少⏎30\f⏎30.8 万元" must read 减少30.8万元, not 3030.8
    raw = "公务用车运行维护费预算支出237万元，比上年预算减少\n30\f\n30.8 万元，主要原因是部分车辆转隶。\n"
    [p] = paragraphs(raw)
    assert "减少30.8万元" in p.text
    assert "3030" not in p.text


def test_every_cleaned_char_maps_back_to_the_same_raw_char():
    raw = "江 苏 省 人 民 检 察 院 2019 年 度 收 入 、 支 出 预 算 总 计\n24,169.74 万元，增长 10.06 %。\n"
    [p] = paragraphs(raw)
    assert p.text.startswith("江苏省人民检察院2019年度")
    for i, ch in enumerate(p.text):
        a, b = p.raw_span(i, i + 1)
        assert normalize_char(raw[a:b]) == ch  # "，" in the raw text reads "," (NFKC)


def test_raw_span_of_a_sentence_is_verbatim_modulo_whitespace():
    raw = "减少\n30\f\n30.8 万元，主要原因是转隶。\n"
    [p] = paragraphs(raw)
    a, b = p.raw_span(0, len(p.text))
    assert raw[a:b].startswith("减少") and raw[a:b].endswith("转隶。")


def test_toc_leaders_and_dashed_page_numbers_are_noise():
    raw = "目 录\n第一部分 部门概况……………………3\n- 17 -\n正文第一句。\n"
    texts = _texts(raw)
    assert not any("……" in t or "17" in t for t in texts)
    assert any(t.endswith("正文第一句。") for t in texts)


def test_running_header_repeated_on_pages_is_removed():
    bodies = ["收入预算总计一百万元。", "支出预算总计一百万元。", "三公经费预算十万元。",
              "机关运行经费五万元。", "政府采购预算八万元。", "国有资产情况说明。"]
    pages = [f"苏州市审计局2026年度部门预算公开\n第{i}页：{b}\n{i}" for i, b in enumerate(bodies, 1)]
    raw = "\f\n".join(pages)
    texts = "".join(_texts(raw))
    assert "苏州市审计局2026年度部门预算公开" not in texts
    assert "第3页:三公经费预算十万元。" in texts  # "：" reads ":" (NFKC)


def test_fake_bold_glyphs_collapse():
    kept = "".join(ch for _, ch in unbold("表表表表表表111111年年年年年年部部部部部部门门门门门门"))
    assert kept == "表1年部门"
    assert "".join(ch for _, ch in unbold("收入1000万元")) == "收入1000万元"


def test_table_rows_versus_prose_with_figures():
    assert is_table_line("2040410 检察监督 1,185.60")
    assert is_table_line("30217\t公务接待费\t36.50")
    assert not is_table_line("24,169.74 万元，与上年相比收、支预算总计各增加 2214.39")
    assert not is_table_line("机关运行经费支出 142.80 万元，比 2023 年度减少 13.52 万")


def test_real_pdf_text_keeps_numbers_with_their_sentence():
    raw = shared_text("2019_js_procuratorate_budget.txt")
    joined = "\n".join(_texts(raw))
    assert "比上年预算减少30.8万元" in joined


def test_full_width_digits_and_zero_width_characters_read_as_questions_do():
    # Pasted from a web page: full-width digits, a zero-width space inside the year, a
    # soft hyphen in the figure. Questions are normalised the same way (textutil).
    raw = "２０２０\u200b年公务接待费５０\u00ad万元，比上年减少２万元。\n"
    [p] = paragraphs(raw)
    assert p.text == normalize_text(raw.strip()) == "2020年公务接待费50万元,比上年减少2万元。"
    a, b = p.raw_span(0, len(p.text))
    assert raw[a:b] == raw.strip()  # the quote is the original, verbatim
    i = p.text.index("50")
    a, b = p.raw_span(i, i + 2)
    assert raw[a:b] == "５０"


def test_a_character_that_normalises_to_several_keeps_its_raw_offset():
    raw = "办公用房面积1200㎡，其中：①业务用房800㎡。\n"
    [p] = paragraphs(raw)
    assert "1200m2" in p.text and "1业务用房800m2" in p.text
    i = p.text.index("m2")
    a, b = p.raw_span(i, i + 2)
    assert raw[a:b] == "㎡"
    a, b = p.raw_span(0, len(p.text))
    assert raw[a:b] == raw.strip()


def test_a_table_of_many_rows_is_one_paragraph_built_in_linear_time():
    # A compiled volume's table: 20,000 rows in one paragraph (was quadratic string growth).
    rows = [f"20103{i:02d}\t行政运行{i}\t1,185.60" for i in range(20_000)]
    [p] = paragraphs("\n".join(rows))
    assert p.kind == "table" and p.text.count("\n") == 19_999
    a, b = p.raw_span(0, len(p.text))
    assert (a, b) == (0, len("\n".join(rows)))
