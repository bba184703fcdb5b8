#!/usr/bin/env python3
"""Pick the ten clean documents of audit_clean_docs.txt (false-alarm set), fixed seed.

Pool: SOURCES.md rows that are department/unit budgets or final accounts, minus
  - the Putuo justice bureau files (reviewed documents and their checklists),
  - the TAMPERED pair (the tampered file and its clean twin),
  - templates, checklists, 绩效 reports/attachments, 三公 summaries,
  - documents with a known real error (listed in KNOWN_ERRORS below with the reason),
    so that every flag raised on the ten documents can be counted as a false alarm.
Draw: the pool is put in one order with random.Random(7); walking that order, pick 1 is
the first 部门决算, picks 2-3 the first documents whose original is not kept in orig/
(text-only), picks 4-10 the first documents of any kind, always skipping documents of a
region already picked and documents with a known error (so regions, formats and kinds
are spread, and adding a document to KNOWN_ERRORS replaces only that pick).  Writes nothing; prints the
picks (the file was written from this output).  Standard library only.
    python3 benchmarks/data/pick_audit_clean_docs.py [--corpus ../shared/corpus]
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pick_figures_docs import read_sources, region_key, orig_format  # noqa: E402

SEED = 7
N = 10
KNOWN_ERRORS = {
    '2020_weixian_govoffice_budget.txt': 'founding example: unit slip 293元, stale year 2017',
    '2016_pingtan_dongxiang_township_dept_final.txt': '基本支出986.46 ≠ 人员389.85 + 公用71.98',
    '2016_pingtan_dongxiang_township_dept_budget.txt': 'blank amount: “三公”经费控制数 万元',
    '2026_sh_putuo_shiquanlu_subdistrict_unit_budget.txt': '增加的主要原因是…项目支出减少 while amounts fell',
    '2024_sh_putuo_planning_resources_final.txt': 'kept as samples/bad by GovBudgetChecker (real problems)',
    '2024_sh_putuo_social_work_dept_final.txt': 'kept as samples/bad by GovBudgetChecker (real problems)',
    '2018_chongqing_transport_commission_dept_budget.txt': 'garbled sentence 严控290.5万元…严格车运行维护费',
    '2023_sh_putuo_wanli_subdistrict_budget.txt': 'line 63: 政府性基金拨款支出预算0万元，比2022年预算增加1421.25万元',
    '2026_wuxi_housing_construction_unit_budget.txt': '政府性基金 67,808: 增加67,808 (line 523) vs 减少68,212 (line 720)',
    '2022_xian_housing_construction_dept_comprehensive_budget.txt': '政府采购 8704.4万元 in the text vs 87323949.20元 in the table',
    '2026_yantai_water_resources_dept_budget.txt': 'editing note left in (公开时请删除注释), blank vehicle counts (车辆辆)',
    '2016_pingtan_finance_bureau_dept_final.txt': '2010650 事业运行 817.86, +542.31 printed as 增长198.81% (is 196.81%)',
    '2019_foshan_rail_transit_final.txt': 'changes against a zero base printed as 增加1668.14万元，增长0% (borderline, kept out)',
    '2026_yantai_housing_construction_dept_budget.txt': 'editing note left in: （注：上年3,468.18万元，公开时请删除注释）',
    '2016_pingtan_finance_bureau_dept_budget.txt': '“三公经费”控制数20万元 but its parts are 10 + 10 + 11.4 = 31.4',
    '2026_huzhou_veterans_affairs_dept_budget.txt': 'same total 6256.31: 收入 减少336.67 (下降5.0%) vs 支出 增加268.28 (增长4.0%); 三公 −25 printed 下降95.0% (is 95.8%)',
}


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap.add_argument('--corpus', default=os.path.join(root, '..', 'shared', 'corpus'))
    a = ap.parse_args()
    corpus = os.path.normpath(a.corpus)
    pool = []
    for r in read_sources(corpus):
        f, t = r['file'], r['type']
        if ('justice_bureau' in f and '_sh_putuo_' in f) or '_TAMPERED' in f \
                or f == '2024_sh_putuo_finance_bureau_final.txt' or '_REVIEW_CHECKLIST' in f \
                or f.startswith('template_') or '模板' in t or '检查表' in t or '绩效' in t \
                or '三公' in t:
            continue
        if not (t.startswith('部门预算') or t.startswith('单位预算') or t.startswith('部门综合预算')
                or t.startswith('部门决算')):
            continue
        r['fmt'] = orig_format(corpus, r)
        r['rk'] = region_key(r['region'])
        pool.append(r)
    # one seeded order of the whole pool; documents with a known error are skipped while
    # walking it, so adding one to KNOWN_ERRORS replaces only that pick
    pool.sort(key=lambda r: r['file'])
    order = list(pool)
    random.Random(SEED).shuffle(order)
    rules = [lambda r: r['type'].startswith('部门决算'), lambda r: r['fmt'] != 'pdf',
             lambda r: r['fmt'] != 'pdf'] + [lambda r: True] * (N - 3)
    picks = []
    for rule in rules:
        used = {p['rk'] for p in picks}
        for r in order:
            if r in picks or r['file'] in KNOWN_ERRORS or r['rk'] in used or not rule(r):
                continue
            picks.append(r)
            break
    pool = [r for r in pool if r['file'] not in KNOWN_ERRORS]
    print('pool: %d documents (after dropping %d with a known error)' % (len(pool), len(KNOWN_ERRORS)))
    for r in picks:
        print('%s\t%s\t%s\t%s' % (r['file'], r['rk'], r['type'], r['fmt']))


if __name__ == '__main__':
    main()
