"""extract_meta on real title pages (short literals copied from ../shared/corpus/text) and,
when the shared corpus is present, on all 255 texts against SOURCES.md."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from assistant.ingest.metadata import close_up, extract_meta, kind_of, unbold

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "text"
SOURCES = SHARED / "corpus" / "SOURCES.md"

# --------------------------------------------------------------------------- literals

# 2017_js_procuratorate_budget.txt: pdfplumber put the year after the title.
JS_PROCURATORATE_2017 = """江苏省人民检察院
年部门预算
2017
目 录
第一部分 部门概况
一、主要职能。
二、2017 年度部门主要工作任务及目标。
"""

# 2025_sh_putuo_commerce_dept_budget.txt: the title names only the district.
PUTUO_COMMERCE_DEPT = """上海市普陀区2025年区级部门预算
预算主管部门：上海市普陀区商务委员会
目 录
一、部门主要职能
二、部门机构设置
"""

# 2025_sh_putuo_govoffice_unit_budget.txt
PUTUO_GOVOFFICE_UNIT = """上海市普陀区2025年区级单位预算
预算单位：上海市普陀区人民政府办公室
目 录
一、单位主要职能
"""

# 2026_shanghai_transport_subunit_unit_budget.txt: the crawler named it 交通运输局.
SHANGHAI_MUNICIPAL_UNIT = """上海市2026年市级单位预算
预算单位：上海交通职业技术学院
目 录
一、单位主要职能
"""

# 2022_xian_healthcare_security_dept_comprehensive_budget.txt: Xi'an 部门综合预算.
XIAN_2022 = """西安市医疗保障局 年部门综合预算
2022
目录
第一部分部门概况
一、部门主要职责及机构设置
二、2022 年部门工作任务
"""

# 2026_shenzhen_ndrc_dept_budget.txt: the name wraps inside （本级）.
SHENZHEN_NDRC = """2026 年深圳市发展和改革委员会（本
级）部门预算
目 录
一、文字部分
第一部分 部门概况
"""

# 2020_weixian_govoffice_budget.txt: the founding example, name as written.
WEIXIAN = """魏县政府办
2020年部门预算公开有关事项的
说明
按照《预算法》的规定，现将我单位2020年部门预算公开如下：
    一、部门职责、机构设置等基本情况
"""

# 2026_central_petition_dept_budget.txt
CENTRAL_PETITION = """国家信访局 年度部门预算
2026
二〇二六年三月
目 录
第一部分 国家信访局基本情况...............................2
一、部门职责................................................................2
"""

# 2018_js_high_court_budget.txt: a publication date under the title.
JS_HIGH_COURT_2018 = """2018 年度江苏省高级
人民法院预算公开
2018 年 2 月 24 日
目 录
第一部分 部门概况
"""

# 2017_js_cppcc_general_office_budget_tables.txt: tables only, year far below.
JS_CPPCC_TABLES = """表一
收支预算总表
部门：江苏省政协办公厅 单位：万元
收入 支出
一、财政拨款 9,066.79 一、一般公共服务支出 6,543.55 一、基本支出 5,916.27
注：我单位无2017年政府性基金支出安排。
2017年政府采购预算表
"""

# 2026_sh_putuo_justice_bureau_dept_budget_REVIEW_CHECKLIST.txt
PUTUO_CHECKLIST = """### sheet: 2026年部门预算 
2026年度普陀区部门预算公开情况检查表
部门名称: 上海市普陀区司法局
2026年度部门预算公开检查内容			符合要求	问题截图
及时性	及时公开部门预算		是
"""

# template_sh_dept_final_account_template.txt
SH_FINAL_TEMPLATE = """上海市 XX 局
2024 年度部门决算
目 录
第一部分 上海市 XX 局概况
"""

# 2026_beijing_gov_general_office_dept_budget.txt: no title page, opens on the TOC.
BEIJING_NO_TITLE = """第一部分 2026 年度部门预算情况说明
一、部门情况说明
二、收入预算情况说明
- 2 -
一、部门情况说明
（一）本部门职责情况
北京市人民政府办公厅主要职责包括：
1.协助市政府领导同志处理市政府日常工作，发挥统筹协
"""

# 2016_pingtan_dongxiang_township_dept_budget.txt: archiver header + one paragraph
# (excerpts of the paragraph joined by "…").
PINGTAN_DONGXIANG = """标题: 平潭2016年东庠乡预算说明
发布时间: 2016-12-08 20:21
文号: 
发布机构: 东庠乡
栏目: 部门预算公开
原文链接: https://www.pingtan.gov.cn/zwgk/zdlyxxgk/czzj/bmyjsgk/bmysgk/201612/t20161208_6112.htm
本地目录: zwgk/zdlyxxgk/czzj/bmyjsgk/bmysgk/201612/6112_平潭2016年东庠乡预算说明
页面链接与图片详见 links.tsv(同目录)
==================== 正文 ====================
当前位置： 首页政务公开重点领域信息公开财政资金部门预决算公开部门预算公开 平潭2016年东庠乡预算说明 时间：2016-12-08 20:21 微信 微博 QQ空间 平潭2016年东庠乡预算说明 平潭2016年部门预算经平潭人大十六届五次会议审议通过 … 以建设平潭综合实验区和实施“十三五”规划 … 位名称 经费性质 人员编制数 在职人数 东庠乡人民政府行政部门 财政拨款 14 13 计生服务中心
"""

# 2017_pingtan_county_level_sangong_final_summary.txt: a 三公 summary, not a 决算.
PINGTAN_SANGONG = """标题: 2017年度平潭综合实验区本级一般公共预算“三公”经费支出决算情况
发布时间: 2018-07-27 10:39
文号: 
发布机构: 平潭综合实验区财政金融局
栏目: 三公经费信息公开
==================== 正文 ====================
当前位置： 首页政务公开重点领域信息公开财政资金三公经费信息公开 2017年度平潭综合实验区本级一般公共预算“三公”经费支出决算情况
"""

CASES = [
    # (text, title, department, region, year, kind)
    (JS_PROCURATORATE_2017, "江苏省人民检察院2017年部门预算", "江苏省人民检察院", "江苏省", 2017, "部门预算"),
    (PUTUO_COMMERCE_DEPT, "上海市普陀区2025年区级部门预算", "上海市普陀区商务委员会", "上海市普陀区", 2025, "部门预算"),
    (PUTUO_GOVOFFICE_UNIT, "上海市普陀区2025年区级单位预算", "上海市普陀区人民政府办公室", "上海市普陀区", 2025, "单位预算"),
    (SHANGHAI_MUNICIPAL_UNIT, "上海市2026年市级单位预算", "上海交通职业技术学院", "上海市", 2026, "单位预算"),
    (XIAN_2022, "西安市医疗保障局2022年部门综合预算", "西安市医疗保障局", "西安市", 2022, "部门预算"),
    (SHENZHEN_NDRC, "2026年深圳市发展和改革委员会（本级）部门预算", "深圳市发展和改革委员会（本级）", "深圳市", 2026, "部门预算"),
    (WEIXIAN, "魏县政府办2020年部门预算公开有关事项的说明", "魏县政府办", "魏县", 2020, "部门预算"),
    (CENTRAL_PETITION, "国家信访局2026年度部门预算", "国家信访局", "中央", 2026, "部门预算"),
    (JS_HIGH_COURT_2018, "2018年度江苏省高级人民法院预算公开", "江苏省高级人民法院", "江苏省", 2018, "部门预算"),
    (JS_CPPCC_TABLES, "收支预算总表", "江苏省政协办公厅", "江苏省", 2017, "部门预算"),
    (PUTUO_CHECKLIST, "2026年度普陀区部门预算公开情况检查表", "上海市普陀区司法局", "上海市普陀区", 2026, "其他"),
    (SH_FINAL_TEMPLATE, "上海市XX局2024年度部门决算", "上海市XX局", "上海市", 2024, "其他"),
    (BEIJING_NO_TITLE, "北京市人民政府办公厅2026年度部门预算", "北京市人民政府办公厅", "北京市", 2026, "部门预算"),
    (PINGTAN_DONGXIANG, "平潭2016年东庠乡预算说明", "平潭综合实验区东庠乡人民政府", "平潭综合实验区东庠乡", 2016, "部门预算"),
    (PINGTAN_SANGONG, "2017年度平潭综合实验区本级一般公共预算“三公”经费支出决算情况",
     "平潭综合实验区财政金融局", "平潭综合实验区", 2017, "其他"),
]


@pytest.mark.parametrize("text,title,department,region,year,kind", CASES,
                         ids=[c[2] + "-" + c[5] for c in CASES])
def test_title_pages(text: str, title: str, department: str, region: str, year: int, kind: str) -> None:
    meta = extract_meta(text)
    assert (meta.title, meta.department, meta.region, meta.year, meta.kind) == (
        title, department, region, year, kind)


def test_web_page_saved_without_archiver_header() -> None:
    body = PINGTAN_DONGXIANG.split("==================== 正文 ====================\n", 1)[1]
    meta = extract_meta(body)
    assert (meta.title, meta.department, meta.year, meta.kind) == (
        "平潭2016年东庠乡预算说明", "平潭综合实验区东庠乡人民政府", 2016, "部门预算")


def test_file_name_is_not_an_input() -> None:
    # extract_meta sees text only; the same text under any name gives the same answer.
    assert extract_meta(SHANGHAI_MUNICIPAL_UNIT).department == "上海交通职业技术学院"


def test_spaced_glyphs_are_closed_up() -> None:
    # the opening line of 2019_js_procuratorate_budget.txt's 情况说明
    line = "江 苏 省 人 民 检 察 院 2019 年 度 收 入 、 支 出 预 算 总 计24,169.74 万元"
    assert close_up(line) == "江苏省人民检察院2019年度收入、支出预算总计24,169.74万元"
    assert extract_meta("江 苏 省 人 民 检 察 院\n2 0 1 9 年 度 部 门 预 算\n目 录\n").year == 2019


def test_fake_bold_xian_2022() -> None:
    # a table header of 2022_xian_commerce_dept_comprehensive_budget.txt
    line = ("222222000000222222222222年年年年年年部部部部部部门门门门门门综综综综综综合合合合合合"
            "预预预预预预算算算算算算收收收收收收支支支支支支总总总总总总表表表表表表")
    assert unbold(line) == "2022年部门综合预算收支总表"
    assert unbold("上海市普陀区2025年区级部门预算") == "上海市普陀区2025年区级部门预算"


def test_kind_words() -> None:
    assert kind_of("西安市商务局2022年部门综合预算") == "部门预算"
    assert kind_of("2026年度苏州市生态环境局单位预算公开") == "单位预算"
    assert kind_of("上海市普陀区财政局2024年度部门决算") == "部门决算"
    assert kind_of("长沙市财政项目支出绩效评价报告") == "其他"
    assert kind_of("广州市生态环境局2026年项目支出绩效目标表（含转移支付项目）") == "其他"


def test_empty_and_garbage_text() -> None:
    assert extract_meta("").department == ""
    assert extract_meta("收入 2019 合计 1234.5\n").department == ""


# --------------------------------------------------------------------------- whole corpus

needs_corpus = pytest.mark.skipif(
    not (CORPUS.is_dir() and SOURCES.is_file()),
    reason=f"shared corpus not found at {CORPUS} (with SOURCES.md); whole-corpus checks skipped")


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "metadata_agreement", REPO / "benchmarks" / "metadata_agreement.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = mod  # dataclasses look their module up while being created
    spec.loader.exec_module(mod)
    return mod


@needs_corpus
def test_agreement_with_sources_md() -> None:
    bench = _benchmark()
    results, summary = bench.run(CORPUS, SOURCES)
    assert summary["n"] == len(list(CORPUS.glob("*.txt")))
    misses = [(t.file, {f: getattr(g, f) for f, ok in o.items() if not ok})
              for t, g, o in results if not all(o.values())]
    assert summary["overall"] >= 0.95, misses
    for field in bench.FIELDS:
        assert summary[field] >= 0.95, (field, misses)


@needs_corpus
def test_every_corpus_text_yields_a_year_and_kind() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        meta = extract_meta(path.read_text(encoding="utf-8"))
        assert meta.year and 2000 <= meta.year <= 2030, path.name
        assert meta.kind in ("部门预算", "单位预算", "部门决算", "其他"), path.name
        assert meta.department and meta.title, path.name
