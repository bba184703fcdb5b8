#!/usr/bin/env python3
"""Check figures_key.tsv, audit_truth.jsonl and audit_clean_docs.txt (standard library only).

    python3 benchmarks/data/check_figures_data.py [--corpus DIR]

DIR is the folder of corpus texts; default ../shared/corpus/text relative to the repo root.
Line numbers count '\\n' only (as grep -n / sed -n do): the form feeds that separate
PDF pages stay inside a line.

figures_key.tsv: header; every doc exists; 20 documents, each with the 15 items exactly
once and nothing else; item names from the list; '-' rows (not stated) have no
unit/value_wan/line/measure and a note starting "not stated"; other rows: unit 元 or 万元,
where table|prose, measure 本年预算|决算|年初预算, the value occurs on the stated line
(ignoring spaces and thousands separators, as a whole number, not part of a longer one),
value_wan = value (÷ 10000 for 元) rounded to 2 decimals.
audit_truth.jsonl: keys and kinds by source, unique ids, docs exist, quote 10-80
characters and verbatim (ignoring white space) on one of the listed lines or across
consecutive listed lines; for source "tampered" the clean twin exists and clean_lines
are inside it.
audit_clean_docs.txt: 10 distinct existing documents, none of them a checklist, template,
TAMPERED file or its twin, or a document of the audit truth.
Prints counts and "problems: N"; exit status 1 when N > 0.
"""
import csv
import json
import re
import sys
from collections import Counter
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ITEMS = ['收入总计', '支出总计', '财政拨款收入', '基本支出', '项目支出', '人员经费', '公用经费',
         '三公经费', '因公出国（境）费', '公务用车购置及运行费', '公务用车购置费',
         '公务用车运行维护费', '公务接待费', '机关运行经费', '政府采购']
COLS = ['doc', 'item', 'value', 'unit', 'value_wan', 'where', 'line', 'measure', 'note']
MEASURES = {'本年预算', '决算', '年初预算'}
KINDS = {
    'checklist': {'parts_total', 'change', 'percent', 'year', 'mismatch', 'unit', 'stale_year', 'other'},
    'founding': {'parts_total', 'change', 'percent', 'year', 'mismatch', 'unit', 'stale_year', 'other'},
    'tampered': {'parts_total', 'change', 'percent', 'mismatch', 'unit', 'year', 'other'},
}
KEYS = {
    'checklist': ['id', 'doc', 'kind', 'lines', 'quote', 'expected', 'found', 'source', 'checklist_text', 'numeric'],
    'founding': ['id', 'doc', 'kind', 'lines', 'quote', 'expected', 'found', 'source', 'numeric'],
    'tampered': ['id', 'doc', 'clean_doc', 'kind', 'lines', 'clean_lines', 'quote', 'tampered', 'clean',
                 'detectable_by', 'source', 'numeric'],
}
problems = []


def bad(where, msg):
    problems.append('%s: %s' % (where, msg))


def corpus_dir():
    if '--corpus' in sys.argv:
        return Path(sys.argv[sys.argv.index('--corpus') + 1]).resolve()
    return (REPO / '..' / 'shared' / 'corpus' / 'text').resolve()


CORPUS = corpus_dir()
_cache = {}


def lines_of(doc):
    if doc not in _cache:
        p = CORPUS / doc
        _cache[doc] = p.read_text(encoding='utf-8').split('\n') if p.is_file() else None
    return _cache[doc]


def squeeze(s):
    return re.sub(r'\s+', '', s)


def value_on_line(value, line):
    v = value.replace(',', '')
    # tokens of the line as printed (numbers with thousands separators)
    for tok in re.findall(r'\d[\d,]*(?:\.\d+)?', line):
        if tok.replace(',', '') == v:
            return True
    # spaces inside the number (e.g. '1 668.14'): compare with spaces and separators removed
    s = squeeze(line).replace(',', '')
    for m in re.finditer(re.escape(v), s):
        before = s[m.start() - 1] if m.start() > 0 else ''
        after = s[m.end():m.end() + 2]
        if before.isdigit() or before == '.':
            continue
        if after[:1].isdigit() or (after[:1] == '.' and after[1:2].isdigit()):
            continue
        return True
    return False


def check_figures():
    path = HERE / 'figures_key.tsv'
    with open(path, encoding='utf-8', newline='') as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != COLS:
        bad('figures_key.tsv', 'header must be ' + '\t'.join(COLS))
        return Counter(), 0
    per_doc = {}
    stated = Counter()
    absent = Counter()
    for i, r in enumerate(rows[1:], 2):
        where = 'figures_key.tsv:%d' % i
        if len(r) != len(COLS):
            bad(where, 'expected %d columns, got %d' % (len(COLS), len(r)))
            continue
        d = dict(zip(COLS, r))
        doc, item = d['doc'], d['item']
        lines = lines_of(doc)
        if lines is None:
            bad(where, 'document not in corpus: ' + doc)
            continue
        if item not in ITEMS:
            bad(where, 'unknown item ' + item)
        per_doc.setdefault(doc, []).append(item)
        if d['value'] == '-':
            absent[item] += 1
            if any(d[k] for k in ('unit', 'value_wan', 'where', 'line', 'measure')):
                bad(where, "'-' row must leave unit/value_wan/where/line/measure empty")
            if not d['note'].startswith('not stated'):
                bad(where, "'-' row needs a note starting 'not stated'")
            continue
        stated[item] += 1
        if d['unit'] not in ('元', '万元'):
            bad(where, 'unit must be 元 or 万元')
            continue
        if d['where'] not in ('table', 'prose'):
            bad(where, 'where must be table or prose')
        if d['measure'] not in MEASURES:
            bad(where, 'measure must be one of ' + '/'.join(sorted(MEASURES)))
        if not re.fullmatch(r'\d[\d,]*(\.\d+)?', d['value']):
            bad(where, 'value not a number: ' + d['value'])
            continue
        try:
            n = int(d['line'])
        except ValueError:
            bad(where, 'line not a number')
            continue
        if not 1 <= n <= len(lines):
            bad(where, 'line %d outside the document (%d lines)' % (n, len(lines)))
            continue
        if not value_on_line(d['value'], lines[n - 1]):
            bad(where, 'value %s not on line %d of %s' % (d['value'], n, doc))
        v = Decimal(d['value'].replace(',', ''))
        if d['unit'] == '元':
            v = v / 10000
        want = str(v.quantize(Decimal('0.01'), ROUND_HALF_UP))
        if d['value_wan'] != want:
            bad(where, 'value_wan %s, expected %s' % (d['value_wan'], want))
    for doc, items in per_doc.items():
        if sorted(items) != sorted(ITEMS):
            c = Counter(items)
            bad('figures_key.tsv', '%s: items missing %s, repeated %s' % (
                doc, [x for x in ITEMS if x not in c], [x for x in c if c[x] > 1]))
    if len(per_doc) != 20:
        bad('figures_key.tsv', '%d documents, expected 20' % len(per_doc))
    return stated, absent, len(rows) - 1, len(per_doc)


def quote_on_lines(quote, lines, nums):
    q = squeeze(quote)
    nums = sorted(set(nums))
    runs, run = [], []
    for n in nums:
        if run and n == run[-1] + 1:
            run.append(n)
        else:
            if run:
                runs.append(run)
            run = [n]
    if run:
        runs.append(run)
    for run in runs:
        text = ''.join(squeeze(lines[n - 1]) for n in run)
        if q in text:
            return True
    return False


def check_audit():
    path = HERE / 'audit_truth.jsonl'
    ids = set()
    docs = set()
    counts = Counter()
    for i, ln in enumerate(path.read_text(encoding='utf-8').split('\n'), 1):
        if not ln.strip():
            continue
        where = 'audit_truth.jsonl:%d' % i
        try:
            o = json.loads(ln)
        except ValueError as e:
            bad(where, 'bad JSON: %s' % e)
            continue
        src = o.get('source')
        if src not in KEYS:
            bad(where, 'source must be checklist, tampered or founding')
            continue
        for k in KEYS[src]:
            if k not in o:
                bad(where, 'missing key ' + k)
        if o.get('id') in ids:
            bad(where, 'duplicate id %s' % o.get('id'))
        ids.add(o.get('id'))
        if not re.fullmatch({'checklist': r'c\d\d', 'tampered': r't\d\d', 'founding': r'f\d\d'}[src], str(o.get('id'))):
            bad(where, 'id %s does not fit source %s' % (o.get('id'), src))
        if o.get('kind') not in KINDS[src]:
            bad(where, 'kind %s not allowed for %s' % (o.get('kind'), src))
        if not isinstance(o.get('numeric'), bool):
            bad(where, 'numeric must be true or false')
        if o.get('kind') == 'other' and src == 'checklist' and o.get('numeric') is not False:
            bad(where, "checklist kind 'other' must be numeric false")
        counts[(src, o.get('kind'), o.get('numeric'))] += 1
        doc = o.get('doc', '')
        docs.add(doc)
        lines = lines_of(doc)
        if lines is None:
            bad(where, 'document not in corpus: %s' % doc)
            continue
        nums = o.get('lines')
        if not nums or not all(isinstance(n, int) and 1 <= n <= len(lines) for n in nums):
            bad(where, 'lines must be line numbers inside %s' % doc)
            continue
        q = o.get('quote', '')
        if not 10 <= len(q) <= 80:
            bad(where, 'quote has %d characters (10-80)' % len(q))
        if not quote_on_lines(q, lines, nums):
            bad(where, 'quote not found on lines %s of %s' % (nums, doc))
        if src == 'tampered':
            clean = lines_of(o.get('clean_doc', ''))
            docs.add(o.get('clean_doc', ''))
            if clean is None:
                bad(where, 'clean twin not in corpus: %s' % o.get('clean_doc'))
            elif not o.get('clean_lines') or not all(isinstance(n, int) and 1 <= n <= len(clean)
                                                     for n in o['clean_lines']):
                bad(where, 'clean_lines must be line numbers inside the clean twin')
            if not isinstance(o.get('error', True), bool):
                bad(where, 'error must be true or false')
    return counts, docs


def check_clean(audit_docs):
    path = HERE / 'audit_clean_docs.txt'
    names = [ln.strip() for ln in path.read_text(encoding='utf-8').split('\n')
             if ln.strip() and not ln.startswith('#')]
    if not any(ln.startswith('#') for ln in path.read_text(encoding='utf-8').split('\n')):
        bad('audit_clean_docs.txt', 'needs a comment line saying how the documents were chosen')
    if len(names) != 10 or len(set(names)) != 10:
        bad('audit_clean_docs.txt', 'expected 10 distinct documents, got %d' % len(names))
    for n in names:
        if lines_of(n) is None:
            bad('audit_clean_docs.txt', 'not in corpus: ' + n)
        if re.search(r'_TAMPERED|_REVIEW_CHECKLIST|^template_|justice_bureau', n) or n in audit_docs:
            bad('audit_clean_docs.txt', 'not a clean document: ' + n)
    return names


def main():
    if not CORPUS.is_dir():
        print('corpus folder not found: %s (use --corpus DIR)' % CORPUS)
        sys.exit(2)
    stated, absent, nrows, ndocs = check_figures()
    print('figures_key.tsv: %d rows, %d documents' % (nrows, ndocs))
    for it in ITEMS:
        print('  %-12s stated %2d, not stated %2d' % (it, stated[it], absent[it]))
    counts, docs = check_audit()
    print('audit_truth.jsonl: %d entries' % sum(counts.values()))
    for src in ('checklist', 'tampered', 'founding'):
        sub = {k: v for k, v in counts.items() if k[0] == src}
        kinds = Counter()
        for k, v in sub.items():
            kinds[k[1]] += v
        print('  %-9s %2d  (numeric %d, non-numeric %d)  %s' % (
            src, sum(sub.values()), sum(v for k, v in sub.items() if k[2] is True),
            sum(v for k, v in sub.items() if k[2] is False),
            ', '.join('%s %d' % kv for kv in sorted(kinds.items()))))
    names = check_clean(docs)
    print('audit_clean_docs.txt: %d documents' % len(names))
    for p in problems:
        print('PROBLEM', p)
    print('problems: %d' % len(problems))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
