"""Answers on the real documents, one test per kind of question of issue 6 (points 2-5) and
issue 7 (answers across documents, table figures, versions).

Every expected figure, line and source below was read from the document itself
(../shared/corpus/text, `grep -n`); every quote must be a verbatim slice of the lines it
names. Uses the session index of the whole shared corpus (skipped without ../shared).
"""
from __future__ import annotations

import json
import re

import pytest

from assistant.answering.answer import answer
from conftest import DEV, DEV2, REPO, SHARED_TEXT, needs_shared

pytestmark = needs_shared

_TEXTS: dict[str, str] = {}


def _text(source: str) -> str:
    if source not in _TEXTS:
        _TEXTS[source] = (SHARED_TEXT / source).read_text(encoding="utf-8")
    return _TEXTS[source]


def _verbatim(c) -> None:
    """The quote is a slice of the document's own lines line_start..line_end (page breaks,
    a form feed in the text, are not quoted)."""
    lines = _text(c.source).split("\n")[c.line_start - 1:c.line_end]
    assert c.quote and c.quote in "\n".join(lines).replace("\f", ""), (c.source, c.line_start, c.line_end, c.quote)


def _number(figure: str | None) -> float | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", figure or "")
    return float(m.group().replace(",", "")) if m else None


def _said(a) -> str:
    """What the answer states before its first quote (the figure and how it was read)."""
    return a.answer.split("：“")[0]


def _one(index, question: str, source: str, lines: tuple[int, int] | None = None):
    a = answer(index, question)
    assert a.found, (question, a.answer)
    c = a.citations[0]
    assert c.source == source, (question, c.source)
    if lines is not None:
        assert (c.line_start, c.line_end) == lines, (question, c.line_start, c.line_end)
    for cite in a.citations:
        _verbatim(cite)
    return a


# ---------------------------------------------------------------- amount, count, code

def test_amount_with_its_quote_lines_and_the_department_used(real_index):
    a = _one(real_index, "北京市府办2026年公务接待费多少", "2026_beijing_gov_general_office_dept_budget.txt", (100, 101))
    assert a.figure == "15.00万元"  # line 100: "（二）公务接待费。2026 年预算数 15.00 万元，主要用于"
    assert "公务接待费" in a.citations[0].quote and "15.00" in a.citations[0].quote
    assert "北京市人民政府办公厅2026年部门预算" in a.answer  # the short name resolved, and said


@pytest.mark.parametrize("question, source, lines, figure", [
    ("北京市交通委部门有多少辆车", "2026_beijing_transport_dept_budget.txt", (198, 199), "328台"),
    ("江苏省检察院2019年一共有几辆车", "2019_js_procuratorate_budget.txt", (760, 760), "55辆"),
    # "年末公务用车保有量5辆" comes first in the document and counts only the 一般公务用车
    ("平潭财政金融局2016年末一共有几辆车", "2016_pingtan_finance_bureau_dept_final.txt", (10, 10), "6辆"),
])
def test_count_with_its_unit(real_index, question, source, lines, figure):
    a = _one(real_index, question, source, lines)
    assert a.figure == figure and "共有车辆" in a.citations[0].quote


def test_words_jieba_splits_are_found_where_they_stand_together(real_index):
    # "养老服务" is cut into 养老/服务; line 309's "行政事业单位养老支出(20805)705.90万元…服务" holds
    # both words apart, line 341 together: "⑥养老服务（2081006）3,000.00 万元"
    a = _one(real_index, "西安民政局2021年养老服务这个科目多少钱",
             "2021_xian_civil_affairs_dept_comprehensive_budget.txt", (341, 342))
    assert a.figure == "3,000.00万元"


def test_a_performance_target_is_no_amount(real_index):
    # The project's 绩效目标 says "项目总成本控制 ≤6000万元" (a cap, not the budget); its row in
    # the project table (line 598) holds the amount
    a = _one(real_index, "烟台交通局2026年公路养护及业务等经费是多少", "2026_yantai_transport_dept_budget.txt", (598, 598))
    assert a.figure == "550.00" and "≤" not in _said(a)


@pytest.mark.parametrize("question, source, lines, figure", [
    # line 155, the 收入预算表 row of one of 广州市民政局's units (its first column is the total)
    ("广州市老人院2026年预算是多少", "2026_guangzhou_civil_affairs_dept_budget.txt", (155, 155), "53,125.45万元"),
    # line 747, its own paragraph in 深圳市人力资源和社会保障局's budget
    ("深圳市考试院26年项目支出多少", "2026_shenzhen_hrss_dept_budget.txt", (747, 749), "12,966.72万元"),
])
def test_a_unit_without_documents_of_its_own_is_answered_from_its_departments(real_index, question, source,
                                                                                lines, figure):
    a = _one(real_index, question, source, lines)
    assert a.figure == figure
    unit = question[:6]
    assert f"语料中没有“{unit}”自己的文件" in a.answer and unit in a.citations[0].quote


def test_which_department_a_unit_belongs_to(real_index):
    # line 293 "2.烟台市特种设备检验研究院" in 烟台市市场监督管理局's list of units (the question drops 市);
    # a unit with its own document answers from its own description ("…是上海市水务局（上海市海洋局）所属…")
    a = _one(real_index, "烟台特种设备检验研究院归哪个部门", "2026_yantai_market_regulation_dept_budget.txt")
    assert "烟台市特种设备检验研究院" in a.citations[0].quote and "烟台市市场监督管理局" in a.answer
    b = _one(real_index, "上海海洋监测预报中心是哪个局下面的", "2026_shanghai_water_affairs_subunit_unit_budget.txt")
    assert "上海市水务局" in b.citations[0].quote and "所属" in b.citations[0].quote


def test_a_name_only_mentioned_in_passing_is_still_not_in_the_corpus(real_index):
    # "江苏省财政厅" is in 9 documents of other departments ("根据《江苏省财政厅关于编制省级
    # 2017 年部门预算…", 2017 江苏省政协办公厅 line 125), never as a row or heading of theirs
    a = answer(real_index, "江苏省财政厅2019年预算多少")
    assert not a.found and "语料中没有“江苏省财政厅”的文件" in a.answer


def test_a_row_amount_is_the_money_cell_and_a_meeting_named_for_the_final_account_is_no_final_account(real_index):
    # line 737, a 政府采购 row: "…一般会议服务 决算汇审会 1 302 15 502 02 230,000.00" (quantity and codes
    # before the amount, 元); the budget of 2026, not a 2026 决算 (there is none)
    a = _one(real_index, "西安财政局2026年决算汇审会花多少", "2026_xian_finance_dept_budget.txt", (737, 737))
    assert a.figure == "230,000.00元" and "23.00万元" in _said(a)


def test_a_rows_own_item_comes_first(real_index):
    # lines 366-367: "30226 劳务费 50205 委托业务费 70,000.00 …" is 劳务费's row (委托业务费 names only its
    # 政府预算经济分类); "30227 委托业务费 50205 委托业务费 5,046,100.00 …" is the one asked
    a = _one(real_index, "西安市政府办公厅2026年委托业务费多少", "2026_xian_gov_general_office_dept_budget.txt", (367, 367))
    assert a.figure == "5,046,100.00元" and "504.61万元" in _said(a)


def test_everyday_words_for_an_economic_items_row(real_index):
    # line 186 "302 14 租赁费 16,508,374 16,508,374" (元): 房租 is 租赁费, and 每年 asks nothing more
    a = _one(real_index, "上海刑科院每年房租多少钱", "2026_shanghai_public_security_subunit_unit_budget.txt", (186, 186))
    assert a.figure == "16,508,374元" and "1,650.84万元" in _said(a)


def test_a_question_that_names_a_table_is_answered_by_its_row(real_index):
    # line 871, the 合计 row of 2026 烟台市教育局's 政府采购预算表 (29,837.96), where its text (lines 894-895)
    # says "2026年政府采购预算0万元"
    a = _one(real_index, "烟台教育局2026年政府采购预算表合计是多少", "2026_yantai_education_dept_budget.txt", (871, 871))
    assert a.figure == "29,837.96万元" and "政府采购预算表" in a.answer


def test_a_region_glued_to_the_thing_asked_is_part_of_it(real_index):
    # "新疆班经费" (line 766): 新疆 is no department of the index, and the question named 烟台教育局
    a = _one(real_index, "烟台教育局2026年新疆班经费是多少", "2026_yantai_education_dept_budget.txt", (766, 766))
    assert a.figure == "416.40"


def test_code_to_item_and_amount(real_index):
    # 2017_js_cppcc_general_office_budget_tables.txt line 78: "2010204 政协会议 1,027.90"
    a = _one(real_index, "江苏政协2017年 2010204 是什么科目，多少钱", "2017_js_cppcc_general_office_budget_tables.txt",
             (78, 78))
    assert a.figure == "2010204" and _said(a).startswith("2010204 政协会议，1,027.90")


def test_item_to_code_and_amount(real_index):
    # 2026_shenzhen_port_office_dept_budget.txt line 516: "2010907 口岸管理 43,108.34 0.00 43,108.34"
    a = _one(real_index, "深圳口岸办“口岸管理”这个功能科目编码是多少，多少钱", "2026_shenzhen_port_office_dept_budget.txt",
             (516, 516))
    assert a.figure == "2010907" and "43,108.34" in _said(a) and "口岸管理" in a.citations[0].quote


def test_a_table_figure_in_yuan_is_shown_in_both_units(real_index):
    # 2025_shanghai_municipal_finance_bureau_budget.txt line 145 "201 06 05 财政国库业务 14,111,000 14,111,000",
    # a table in 元 (单位：元)
    a = _one(real_index, "上海市财政局2025年 201 06 05 财政国库业务", "2025_shanghai_municipal_finance_bureau_budget.txt",
             (145, 145))
    assert a.figure == "14,111,000元" and "1,411.10万元" in _said(a)


# ---------------------------------------------------------------- change

def test_change_in_the_documents_words_with_its_percentage(real_index):
    a = _one(real_index, "北京市交通委2026年三公经费比上年涨了多少", "2026_beijing_transport_dept_budget.txt", (145, 148))
    assert a.figure == "增加419.84万元" and "46.22%" in _said(a)  # lines 146-147: 增加 419.84 万元，增长 46.22%


@pytest.mark.parametrize("question, source, stated", [
    # line 376-377: "…预算数为 112.61 万元，与 2025 年“三公”经费预算持平。"
    ("国家信访局2026年三公经费比上年增加还是减少", "2026_central_petition_dept_budget.txt", "持平"),
    # line 646: "（2）公务用车运行维护费预算支出 266.8 万元，与上年一致。"
    ("江苏高院2019年公务用车运行维护费比上年增加还是减少", "2019_js_high_court_budget.txt", "与上年一致"),
    # line 87: "公务接待费减少0万元，与去年持平" — the document's own "减少0" is no decrease
    ("魏县政府办2020年公务接待费比上年减少了多少", "2020_weixian_govoffice_budget.txt", "与去年持平"),
])
def test_no_change_is_said_as_unchanged_never_as_a_decrease_of_zero(real_index, question, source, stated):
    a = _one(real_index, question, source)
    assert a.figure == "持平" and stated in a.citations[0].quote
    assert not re.search(r"(减少|增加)0(\.0+)?万元", _said(a))


def test_a_totals_change_is_not_one_parts_change(real_index):
    # 2019_js_high_court_budget.txt states no change of the 三公 total; only its parts have one
    # (line 642: 因公出国（境）费…比上年预算减少 10 万元). 10万元 is not the 三公 change.
    a = answer(real_index, "江苏高院2019年三公经费比上年少了多少")
    assert not a.found and a.figure is None and a.answer.startswith("未找到")
    assert "10万元" not in a.answer.split("以下是最接近的段落")[0]


# ---------------------------------------------------------------- reason

def test_the_reason_stated_for_the_asked_item(real_index):
    a = _one(real_index, "重庆科技局2026年公务接待费为什么减少25.3万元", "2026_chongqing_science_tech_dept_budget.txt",
             (64, 66))
    assert "重庆市中药研究院已调整为市教委下属单位" in a.figure and "减少25.3万元" in _said(a)


def test_a_reason_under_its_own_heading_after_the_change(real_index):
    # lines 84-87: "…较 2025 年年初预算减少 16,640.31 万元…。预算收支减少主要原因说明：一是 2025 年依据
    # 有关文件安排了深圳市中小微企业融资担保基金注资…"; "1.6个亿" is a hint of the change, no word to find
    a = _one(real_index, "深圳财政局26年预算为啥少了1.6个亿", "2026_shenzhen_finance_dept_budget.txt")
    assert "融资担保基金注资" in a.figure and a.citations[0].line_start in range(84, 88)


def test_no_reason_stated_for_the_item_is_not_found(real_index):
    # 2026_beijing_finance_dept_budget.txt line 136: "（二）项目支出。项目支出预算 16153.10 万元，占本
    # 年支出预算 36.57%。" — no change of 项目支出 and no reason for it anywhere in the document.
    text = _text("2026_beijing_finance_dept_budget.txt")
    assert not re.search(r"项目支出[^。]{0,40}(增加|减少)", re.sub(r"\s+", "", text))
    a = answer(real_index, "北京市财政局2026年项目支出为什么增加")
    assert not a.found and "原因" in a.answer.split("。")[0]


# ---------------------------------------------------------------- yes / no

def test_yes_with_the_figure(real_index):
    a = _one(real_index, "江苏检察院2019年有没有政府采购预算", "2019_js_procuratorate_budget.txt", (756, 758))
    assert _said(a).startswith("有") and a.figure == "2744.84万元"


def test_yes_about_buying_cars_is_the_purchase_not_purchase_and_running(real_index):
    # line 299 "公务用车购置及运行维护费…339.68万元" holds 公务用车购置 inside a longer, different thing;
    # lines 301-305 "公务用车购置支出 151.68 万元…" is the purchase. 买车 asks about money: no count of cars.
    a = _one(real_index, "杭州司法局今年有没有买车的预算", "2026_hangzhou_justice_dept_budget.txt", (301, 305))
    assert _said(a).startswith("有") and a.figure == "151.68万元"


@pytest.mark.parametrize("question, source, lines, says", [
    ("西安国资委2022年有没有出国经费？", "2022_xian_sasac_dept_comprehensive_budget.txt", (247, 247), "无因公出国(境)经费预算"),
    ("上海市财政局有公车吗？", "2025_shanghai_municipal_finance_bureau_budget.txt", (298, 299), "共有车辆0辆"),
    ("苏州市科技局有下属单位吗", "2026_suzhou_science_tech_unit_budget.txt", (94, 94), "本单位无下属单位"),
    # 开会 and 花钱 ask about money, not a count of meetings
    ("西安信访局2026年有开会的预算吗", "2026_xian_petition_dept_budget.txt", (147, 147), "会议费预算支出0.00万元"),
    ("西安卫健委2022年有没有出国花钱", "2022_xian_health_commission_final.txt", (405, 405), "无财政拨款因公出国"),
])
def test_no_with_the_sentence_that_says_none(real_index, question, source, lines, says):
    a = _one(real_index, question, source, lines)
    assert _said(a).startswith("没有") and says in a.citations[0].quote


# ---------------------------------------------------------------- description and list

def _passage_checks(a, *items: str) -> None:
    c = a.citations[0]
    assert len(c.quote) <= 400
    assert c.quote.rstrip()[-1] in "。；;", c.quote[-20:]  # ends where a sentence or an item ends
    for item in items:
        assert item in re.sub(r"\s+", "", c.quote)


def test_what_an_organisation_does_is_its_duties_not_what_a_budget_line_is_for(real_index):
    # the unit's 主要职能 passage, not "财政拨款支出主要内容如下：…主要用于…" (both answer 干什么)
    a = _one(real_index, "上海住建委人才开发评价中心是干什么的", "2026_shanghai_housing_construction_unit_budget.txt")
    assert "主要职能" in a.citations[0].quote and "主要用于" not in a.citations[0].quote


def test_description_is_the_passage_trimmed_at_item_boundaries(real_index):
    a = _one(real_index, "深圳口岸办主要管什么", "2026_shenzhen_port_office_dept_budget.txt")
    assert a.figure is None and a.citations[0].line_start == 29  # "…的主要职能是：1.贯彻执行国"
    _passage_checks(a, "主要职能是", "负责全市口岸设立、开放、关闭、退出")


@pytest.mark.parametrize("question, source, items", [
    ("江苏省委办2019年部门预算包括哪些单位", "2019_js_party_committee_office_budget.txt",
     ("江苏省委办公厅（本级）", "省委机要局", "机关后勤服务中心", "机关文印中心")),
    ("无锡市发改委2025年部门预算包括哪几家单位", "2025_wuxi_ndrc_dept_budget.txt",
     ("无锡市发展改革研究中心", "无锡市价格监测认定中心", "无锡市重点项目服务中心")),
    # lines 86-88 name the units without the word 单位: "烟台市交通运输局部门预算包括：烟台市交通运输局机关、…"
    ("烟台交通局部门预算包括哪几个单位", "2026_yantai_transport_dept_budget.txt",
     ("烟台市交通运输服务中心", "烟台市交通运输应急指挥保障中心")),
])
def test_list_is_the_passage_that_names_the_units(real_index, question, source, items):
    _passage_checks(_one(real_index, question, source), *items)


# ---------------------------------------------------------------- several parts

@pytest.mark.parametrize("question, source, parts", [
    # lines 62-65 "编制338名" and line 312 "本部门共有车辆54辆"
    ("江苏省人大常委会办公厅2019年编制多少人，有多少辆车", "2019_js_npc_standing_committee_budget.txt",
     [("338名", (62, 65)), ("54辆", (312, 312))]),
    # lines 376-377 "112.61 万元" and 403-405 "2,376.26万元"
    ("国家信访局2026年三公经费多少？机关运行经费多少？", "2026_central_petition_dept_budget.txt",
     [("112.61万元", (376, 377)), ("2,376.26万元", (403, 405))]),
])
def test_each_part_has_its_own_figure_and_quote(real_index, question, source, parts):
    a = _one(real_index, question, source)
    assert a.figure == parts[0][0]
    assert [(c.line_start, c.line_end) for c in a.citations] == [lines for _, lines in parts]
    said = a.answer.split("；")
    assert len(said) == 2 and all(said[i].startswith(fig) for i, (fig, _) in enumerate(parts))


def test_a_figure_and_what_it_is_for_are_two_parts(real_index):
    # 2026_fuzhou_traffic_police_unit_budget.txt lines 419-423: 政府性基金预算支出 5000.00 万元 … 主要用于城市交通设施支出
    a = _one(real_index, "福州市公安局交通管理支队2026年政府性基金安排多少，用来干什么",
             "2026_fuzhou_traffic_police_unit_budget.txt", (419, 423))
    assert a.figure == "5000.00万元" and len(a.citations) == 2
    assert "主要用于城市交通设施支出" in a.citations[1].quote


# ---------------------------------------------------------------- years as people mean them

@pytest.mark.parametrize("question, source, lines, figure", [
    # no 2025 document: the 2026 one states "比 2025 年年初预算数 14708.87 万元" (lines 58-59)
    ("北京市府办2025年年初预算是多少", "2026_beijing_gov_general_office_dept_budget.txt", (58, 59), "14708.87万元"),
    # "截至 2025 年底，北京市交通委员会部门共有车辆 328 台" in the 2026 budget (lines 198-199)
    ("北京市交通委截至2025年底有几辆车", "2026_beijing_transport_dept_budget.txt", (198, 199), "328台"),
    # "2025年“三公”经费预算数为346.30万元，与2024年预算持平。" (line 285)
    ("上海市财政局去年（2024）三公经费预算是多少", "2025_shanghai_municipal_finance_bureau_budget.txt", (285, 285),
     "346.30万元"),
])
def test_the_year_before_is_answered_from_the_next_years_document_and_said(real_index, question, source, lines,
                                                                           figure):
    a = _one(real_index, question, source, lines)
    assert a.figure == figure
    year = re.search(r"20\d\d", question).group()
    assert f"没有{year}年的文件，按{int(year) + 1}年文件中的上年数回答" in a.answer


@pytest.mark.parametrize("question, figure", [
    ("普陀区规划资源局2024年三公经费实际花了多少？", "0.39万元"),
    ("普陀区规划资源局2024年三公经费决算多少", "0.39万元"),
    ("上海市普陀区规划资源局2024年三公经费年初预算多少", "2.85万元"),
])
def test_a_final_account_question_takes_the_column_asked(real_index, question, figure):
    # lines 512-513: "“三公”经费财政拨款支出年初预算为 2.85 万元，支出决算为 0.39 万元" — one sentence, both
    a = _one(real_index, question, "2024_sh_putuo_planning_resources_final.txt", (512, 514))
    assert a.figure == figure


def test_a_final_accounts_comparison_year_is_no_column(real_index):
    # line 10: "（四）2010604财政事务—预算改革业务67.42万元，较2015年决算数增加40.03万元" — in a 决算 the
    # item's figure is the actual one; "较2015年决算数" names the year compared with
    a = _one(real_index, "平潭财政金融局2016年2010604预算改革业务实际花了多少", "2016_pingtan_finance_bureau_dept_final.txt",
             (10, 10))
    assert a.figure == "67.42万元"


@pytest.mark.parametrize("question, figure", [
    ("普陀区社会工作部2024年一般公共预算拨款全年预算多少", "321.02万元"),
    ("普陀区社会工作部2024年一般公共预算拨款年初预算多少", "0万元"),
    ("普陀区社会工作部2024年一般公共预算财政拨款实际花了多少", "307.82万元"),
])
def test_the_column_named_of_three_in_one_sentence(real_index, question, figure):
    # lines 350-351: "一般公共预算财政拨款支出年初预算为 0 万元，全年预算为 321.02 万元，支出决算为
    # 307.82 万元" (a question may say 一般公共预算拨款 or 一般公共预算财政拨款: the same money)
    a = _one(real_index, question, "2024_sh_putuo_social_work_dept_final.txt", (350, 351))
    assert a.figure == figure


@pytest.mark.parametrize("question, source, figure, note", [
    ("上海信访办今年收入预算多少", "2026_shanghai_petition_unit_budget.txt", "28,828万元", "“今年”按最新文件的年度（2026年）理解"),
    ("上海市财政局去年三公经费预算是多少", "2025_shanghai_municipal_finance_bureau_budget.txt", "346.30万元",
     "“去年”按最新文件的年度（2025年）理解"),
])
def test_this_year_and_last_year_resolve_against_the_newest_document_and_say_so(real_index, question, source,
                                                                                 figure, note):
    a = _one(real_index, question, source)
    assert a.figure == figure and note in a.answer


# ---------------------------------------------------------------- no department named

def test_an_item_without_a_department_lists_the_departments_newest_first(real_index):
    a = answer(real_index, "招待费多少")
    assert not a.found and "没有指明部门" in a.answer
    sources = [c.source for c in a.citations]
    departments = {real_index.docs[s].meta.department for s in sources}
    assert len(departments) == len(sources) >= 3  # one figure per department, a handful
    years = [real_index.docs[s].meta.year for s in sources]
    assert years == sorted(years, reverse=True)
    for c in a.citations:
        _verbatim(c)
        assert "公务接待费" in c.quote
        figure = re.search(r"公务接待费\s*([\d.]+)\s*万元", c.quote).group(1)
        assert f"{figure}万元" in a.answer  # each listed figure is its quote's


# ---------------------------------------------------------------- filler and short names

# dev/dev2 questions whose answer was checked in the document, and the figure it states there
REWORDED = {
    "d002": ("2018_js_procuratorate_budget.txt", 116.5),  # line 803 公务接待费预算支出 116.5 万元
    "d005": ("2019_js_procuratorate_budget.txt", 55),  # line 760 本部门共有车辆55辆
    "d024": ("2026_beijing_transport_dept_budget.txt", 419.84),  # line 146 增加 419.84 万元
    "d031": ("2026_guangzhou_statistics_dept_budget.txt", 8.16),  # line 474 公务接待费8.16万元
    "e015": ("2026_beijing_gov_general_office_dept_budget.txt", 44.00),  # line 92 “三公”经费预算 44.00 万元
    "e042": ("2026_beijing_hrss_dept_budget.txt", 37.38),  # line 146 公务用车购置费预算 37.38 万元
    "e064": ("2026_beijing_ndrc_dept_budget.txt", 36.72),  # line 165 减少36.72万元
    "e089": ("2026_huzhou_finance_dept_budget.txt", 54.98),  # line 271 培训费预算 54.98 万元
    "e129": ("2018_js_party_committee_office_budget.txt", 933.50),  # line 210 会议费…预算支出933.50万元
    "e160": ("2026_beijing_gov_general_office_dept_budget.txt", 14708.87),  # line 59 2025 年年初预算数 14708.87
}


def _rewordings() -> dict[str, list[str]]:
    """The original question (when ../shared/eval is there) and its three rewordings
    (benchmarks/data/rewordings.jsonl) of each REWORDED id."""
    out: dict[str, list[str]] = {}
    for path in (DEV, DEV2):
        if path.is_file():
            for r in _jsonl(path):
                if r["id"] in REWORDED:
                    out.setdefault(r["id"], []).append(r["question"])
    for r in _jsonl(REPO / "benchmarks" / "data" / "rewordings.jsonl"):
        if r["orig"] in REWORDED:
            out.setdefault(r["orig"], []).append(r["question"])
    return out


def _jsonl(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.parametrize("orig", sorted(REWORDED))
def test_filler_everyday_words_and_short_names_give_the_same_figure(real_index, orig):
    source, value = REWORDED[orig]
    questions = _rewordings()[orig]
    assert len(questions) >= 3  # filler, everyday item, short name (and the original when ../shared/eval is there)
    for q in questions:
        a = answer(real_index, q)
        assert a.found and _number(a.figure) == value, (q, a.figure)
        assert a.citations[0].source == source, (q, a.citations[0].source)
        _verbatim(a.citations[0])


# ---------------------------------------------------------------- across documents

def _rows_are_quoted(a) -> None:
    assert len(a.table) == len(a.citations) >= 2
    for row, c in zip(a.table, a.citations):
        assert (row["source"], row["line_start"], row["line_end"]) == (c.source, c.line_start, c.line_end)
        _verbatim(c)
        assert _number(row["figure"]) == row["value"]
        assert row["figure"].replace("万元", "") in re.sub(r"\s+", "", c.quote)


def test_ranking_across_departments_is_a_table_of_quoted_rows(real_index):
    a = answer(real_index, "2026年北京各委办局公务接待费排名")
    assert a.found and a.chart["type"] == "bar"
    _rows_are_quoted(a)
    values = [r["value"] for r in a.table]
    assert values == sorted(values, reverse=True)
    assert len({r["label"] for r in a.table}) == len(a.table)  # one row per department
    assert all(real_index.docs[r["source"]].meta.year == 2026 and real_index.docs[r["source"]].meta.region == "北京市"
               for r in a.table)
    # the top row: 2026_beijing_public_security_dept_budget.txt lines 116-117 "2026 年预算数 98.8 万元"
    assert (a.table[0]["source"], a.table[0]["value"]) == ("2026_beijing_public_security_dept_budget.txt", 98.8)


def test_a_total_over_departments_is_the_sum_of_its_quoted_rows(real_index):
    a = answer(real_index, "北京各部门2026年三公经费一共多少")
    assert a.found
    _rows_are_quoted(a)
    total = sum(r["value"] for r in a.table)
    assert f"合计 {total:,.2f}万元" in a.answer and "相加所得" in a.answer  # computed, and said so


def test_one_department_over_years_is_a_line_of_each_years_figure(real_index):
    a = answer(real_index, "江苏高院2017到2019年公务接待费")
    assert a.found and a.chart["type"] == "line"
    _rows_are_quoted(a)
    # 2017 line 676 "预算支出 185.72 万元"; 2018 line 614 "183.95 万元"; 2019 line 647 "86.95 万元"
    assert [(r["label"], r["value"], r["source"]) for r in a.table] == [
        ("2017年", 185.72, "2017_js_high_court_budget.txt"),
        ("2018年", 183.95, "2018_js_high_court_budget.txt"),
        ("2019年", 86.95, "2019_js_high_court_budget.txt")]


def test_two_departments_compared_each_quoted(real_index):
    # 2026_beijing_education_dept_budget.txt lines 207-208 "共有车辆 599 台";
    # 2026_beijing_health_commission_dept_budget.txt lines 170-171 "共有车辆 445 台"
    a = answer(real_index, "北京卫健委和北京教委谁的车多")
    assert a.found and a.figure == "599台" and a.answer.startswith("北京市教育委员会更多")
    assert [(c.source, c.line_start) for c in a.citations] == [("2026_beijing_education_dept_budget.txt", 207),
                                                              ("2026_beijing_health_commission_dept_budget.txt", 170)]
    for c in a.citations:
        _verbatim(c)


# ---------------------------------------------------------------- sums, versions, compare rows

def test_a_sum_of_items_is_the_tables_total_column(real_index):
    # 2017_js_cppcc_general_office_budget_tables.txt line 210 is the row under 合计|“三公”经费|
    # …|会议费|培训费: "1,852.32 676.10 … 1,094.62 81.60", and 676.10+1,094.62+81.60 = 1,852.32.
    a = answer(real_index, "江苏政协2017年三公经费、会议费和培训费合起来多少")
    assert a.found and a.figure == "1,852.32万元", a.answer
    c = a.citations[0]
    assert (c.source, c.line_start) == ("2017_js_cppcc_general_office_budget_tables.txt", 210)
    _verbatim(c)


def test_a_sum_no_document_states_is_added_up_and_said_so(real_index):
    # 2019_js_high_court_budget.txt states 会议费 271.02万元 and 培训费 1597.25万元 in sentences;
    # no cell holds their sum, so the answer adds them and says it did.
    a = answer(real_index, "江苏高院2019年会议费和培训费加起来多少")
    assert a.found and a.figure == "1,868.27万元", a.answer
    assert "相加所得" in a.answer
    assert sorted(_number(re.search(r"支出 ([\d.,]+) 万元", c.quote).group(1)) for c in a.citations) == [271.02, 1597.25]


def test_tables_companions_are_no_versions(real_index):
    # The Jiangsu budgets come as prose and "_tables" files: same department, year and kind,
    # different text. Only the clean and the altered 2024 普陀区财政局 决算 are versions.
    assert sorted(real_index.versions) == ["2024_sh_putuo_finance_bureau_final.txt",
                                           "2024_sh_putuo_finance_bureau_final_TAMPERED.txt"]
    assert real_index.versions["2024_sh_putuo_finance_bureau_final.txt"]["preferred"]


def test_a_statement_is_cited_from_the_version_that_adds_up(real_index):
    # The altered copy says "一般公共预算财政拨款基本支出 2336.91 万元" in one line (376); the
    # clean one says the same with its figures on the next line (588-589): cite the clean one.
    a = answer(real_index, "普陀区财政局2024年一般公共预算财政拨款基本支出决算多少")
    assert a.found and _number(a.figure) == 2336.91, a.answer
    c = a.citations[0]
    assert (c.source, c.line_start, c.line_end) == ("2024_sh_putuo_finance_bureau_final.txt", 588, 589)
    _verbatim(c)


def test_a_compare_has_rows_chart_and_what_it_used(real_index):
    # 2026_shenzhen_audit_dept_budget.txt line 646 "30216 培训费 46.05" (单位：万元) and
    # 2026_suzhou_audit_dept_budget.txt "培训费预算支出43万元".
    a = answer(real_index, "深圳审计局和苏州审计局2026年培训费谁安排得多")
    assert a.found and a.answer.startswith("深圳市审计局更多"), a.answer
    assert [(r["label"], r["value"]) for r in a.table] == [("深圳市审计局", 46.05), ("苏州市审计局", 43.0)]
    assert a.chart["type"] == "bar"
    one = answer(real_index, "魏县政府办2020年公务接待费预算是多少？")
    assert (one.department, one.year, one.kind) == ("魏县政府办", 2020, "部门预算")


def test_a_compare_with_one_side_silent_is_no_answer(real_index):
    # 2026_suzhou_audit_dept_budget.txt states 培训费 43万元; no 魏县 document states one.
    a = answer(real_index, "魏县政府办和苏州审计局培训费谁多")
    assert not a.found and a.answer.startswith("未找到"), a.answer


def test_a_reason_a_few_sentences_after_its_change_is_found_and_quoted(real_index):
    # 2026_shanghai_veterans_affairs_unit_budget.txt lines 43-47: three sentences of 收入/支出
    # figures "比2025年预算减少67万元", then "财政拨款收入支出减少的主要原因是…阶段性工作…".
    a = answer(real_index, "上海市退役军人服务中心2026年预算为什么少了67万")
    assert a.found and "阶段性工作" in a.answer, a.answer
    c = a.citations[0]
    assert c.source == "2026_shanghai_veterans_affairs_unit_budget.txt" and c.line_end == 47
    assert "减少67万元" in c.quote and "阶段性工作" in c.quote
    _verbatim(c)


@pytest.mark.parametrize("question, said", [
    # 2017_js_party_committee_office_budget.txt lines 78-79: "…仅包含厅机关本级，" / "不含东郊国宾馆（自收自支）…"
    ("江苏省委办公厅2017年部门预算含不含东郊国宾馆", "不含"),
    ("江苏省委办公厅2017年部门预算含不含厅机关本级", "含"),
])
def test_an_a_not_a_question_is_answered_in_its_own_words(real_index, question, said):
    a = _one(real_index, question, "2017_js_party_committee_office_budget.txt", (78, 79))
    assert a.answer.startswith(said + "。"), a.answer
