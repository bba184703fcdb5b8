#!/usr/bin/env python3
"""Pick the 20 documents of figures_key.tsv at random, with a fixed seed.

Reads the document tables of SOURCES.md (one row per file in text/), drops what is
not a department/unit budget or final account, drops the dev/dev2 evaluation
documents, then draws with random.Random(2026):

  1. two 部门决算 (if any qualify);
  2. two documents whose original in orig/ is an XLSX/XLS (if any qualify -- none do:
     the only spreadsheets in orig/ are review checklists and templates);
  3. two documents with no original in orig/ (text-only: web pages, hand transcriptions,
     or PDFs too large to keep) so that formats are spread;
  4. the rest from the 部门预算/单位预算 pool in a seeded random order, at most 3
     documents per region, until there are 20.

Then it checks: at least 6 regions, at least 4 documents whose original in orig/ is a
PDF.  Standard library only.  Usage:
    python3 benchmarks/data/pick_figures_docs.py [--corpus ../shared/corpus]
"""
import argparse
import json
import os
import random
import re
import sys

SEED = 2026
N = 20
PER_REGION = 3


def read_sources(corpus):
    rows = []
    with open(os.path.join(corpus, 'SOURCES.md'), encoding='utf-8') as f:
        for ln in f:
            if not ln.startswith('| '):
                continue
            cells = [c.strip() for c in ln.strip().strip('|').split('|')]
            if not cells[0].endswith('.txt'):
                continue
            rows.append({'file': cells[0], 'department': cells[1], 'region': cells[2],
                         'year': cells[3], 'type': cells[4], 'original': cells[6]})
    return rows


def region_key(region):
    r = region.split(' ')[0]
    return re.sub(r'（[^）]*）', '', r)


def orig_format(corpus, row):
    m = re.match(r'orig/(\S+)', row['original'])
    if not m:
        return 'web/hand-transcribed (no original)'
    name = m.group(1)
    ext = name.rsplit('.', 1)[-1].lower()
    if os.path.exists(os.path.join(corpus, 'orig', name)):
        return {'pdf': 'pdf', 'xlsx': 'xlsx/xls', 'xls': 'xlsx/xls'}.get(ext, ext)
    return ext + ' (not kept in orig/, text only)'


def dev_docs(evaldir):
    docs = set()
    for fn in ('dev.jsonl', 'dev2.jsonl'):
        p = os.path.join(evaldir, fn)
        if not os.path.exists(p):
            sys.exit('missing ' + p)
        with open(p, encoding='utf-8') as f:
            for ln in f:
                if not ln.strip():
                    continue
                o = json.loads(ln)
                for k in ('doc', 'docs'):
                    v = o.get(k)
                    if isinstance(v, str):
                        docs.add(v)
                    elif isinstance(v, list):
                        docs.update(x for x in v if isinstance(x, str))
    return docs


def excluded(row, dev):
    f, t = row['file'], row['type']
    if '_TAMPERED' in f:
        return 'tampered copy'
    if '_REVIEW_CHECKLIST' in f:
        return 'review checklist'
    if f.startswith('template_') or '模板' in t:
        return 'template'
    if '绩效' in t:
        return '绩效 report/attachment'
    if '三公' in t:
        return '三公 summary'
    if f in dev:
        return 'dev/dev2 eval document'
    if not (t.startswith('部门预算') or t.startswith('单位预算') or t.startswith('部门综合预算')
            or t.startswith('部门决算')):
        return 'not a budget/final disclosure: ' + t
    return None


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap.add_argument('--corpus', default=os.path.join(root, '..', 'shared', 'corpus'))
    ap.add_argument('--eval', default=None, help='folder with dev.jsonl, dev2.jsonl')
    a = ap.parse_args()
    corpus = os.path.normpath(a.corpus)
    evaldir = a.eval or os.path.join(os.path.dirname(corpus), 'eval')
    rows = read_sources(corpus)
    dev = dev_docs(evaldir)
    pool = []
    for r in rows:
        if excluded(r, dev):
            continue
        r['fmt'] = orig_format(corpus, r)
        r['rk'] = region_key(r['region'])
        r['final'] = r['type'].startswith('部门决算')
        pool.append(r)
    pool.sort(key=lambda r: r['file'])
    rng = random.Random(SEED)
    picks = []
    per_region = {}

    def add(r, why):
        picks.append((r, why))
        per_region[r['rk']] = per_region.get(r['rk'], 0) + 1

    def picked(r):
        return any(p is r for p, _ in picks)

    finals = [r for r in pool if r['final']]
    for r in rng.sample(finals, min(2, len(finals))):
        add(r, 'quota: 部门决算')
    xls = [r for r in pool if r['fmt'] == 'xlsx/xls' and not picked(r)]
    for r in rng.sample(xls, min(2, len(xls))):
        add(r, 'quota: xlsx/xls original')
    textonly = [r for r in pool if r['fmt'] != 'pdf' and r['fmt'] != 'xlsx/xls'
                and not r['final'] and not picked(r) and per_region.get(r['rk'], 0) < PER_REGION]
    for r in rng.sample(textonly, min(2, len(textonly))):
        add(r, 'quota: no original in orig/')
    rest = [r for r in pool if not r['final'] and not picked(r)]
    rng.shuffle(rest)
    for r in rest:
        if len(picks) >= N:
            break
        if per_region.get(r['rk'], 0) >= PER_REGION:
            continue
        add(r, 'random (<=%d per region)' % PER_REGION)
    regions = {r['rk'] for r, _ in picks}
    npdf = sum(1 for r, _ in picks if r['fmt'] == 'pdf')
    print('pool: %d documents (of %d in SOURCES.md); finals %d, xlsx/xls %d, no original in orig/ %d'
          % (len(pool), len(rows), len(finals), len(xls),
             sum(1 for r in pool if r['fmt'] not in ('pdf', 'xlsx/xls'))))
    for i, (r, why) in enumerate(picks, 1):
        print('%2d\t%s\t%s\t%s\t%s\t%s' % (i, r['file'], r['rk'], r['type'], r['fmt'], why))
    print('regions: %d, pdf originals: %d, finals: %d, xlsx/xls: %d'
          % (len(regions), npdf, sum(1 for r, _ in picks if r['final']),
             sum(1 for r, _ in picks if r['fmt'] == 'xlsx/xls')))
    assert len(picks) == N and len(regions) >= 6 and npdf >= 4


if __name__ == '__main__':
    main()
