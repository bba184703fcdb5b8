#!/usr/bin/env python3
"""Check the hand-written test data in benchmarks/data/ (standard library only).

    python3 benchmarks/data/check_data.py [--simulate-grader] [--corpus DIR] [--eval DIR]

Paths default to the shared material next to the repository: corpus texts at
../shared/corpus/text and the eval sets at ../shared/eval (relative to the repo root).

1. department_short_forms.tsv: header, habits, every department (and its region) as
   SOURCES.md writes it, 3-6 short forms for each, every corpus department covered,
   `typed` for year_glued / code_glued rows, `ambiguous_with` naming corpus departments,
   not_in_corpus rows naming no corpus department.
2. rewordings.jsonl: keys, `orig` an answerable question of dev.jsonl / dev2.jsonl,
   every such question with all three types, id = orig-type, set = the orig's file.
3. fresh.jsonl: the checks of ../shared/eval/dev2_verify.py (schema, ids f001.. in
   order, accept strings in the gold document, evidence spans verbatim and unique to
   their document, compare fields, negatives absent by the regex probes written in
   their `note`), plus: documents used by neither dev.jsonl nor dev2.jsonl, at least
   30 documents, no question repeated from dev/dev2.
Prints counts and "problems: N"; exit status 1 when N > 0.
"""
import json, re, sys, unicodedata, subprocess, tempfile, os, csv
from pathlib import Path
from collections import Counter, defaultdict

HERE = Path(__file__).resolve().parent           # <repo>/benchmarks/data
REPO = HERE.parent.parent


def arg(name, default):
    if name in sys.argv:
        return Path(sys.argv[sys.argv.index(name) + 1]).resolve()
    return default


CORPUS = arg('--corpus', (REPO / '..' / 'shared' / 'corpus' / 'text').resolve())
EVAL = arg('--eval', (REPO / '..' / 'shared' / 'eval').resolve())
SOURCES = CORPUS.parent / 'SOURCES.md'
SHORT = HERE / 'department_short_forms.tsv'
REWORD = HERE / 'rewordings.jsonl'
FRESH = HERE / 'fresh.jsonl'

NEG_ACCEPT = ["未找到", "没有找到", "未检索到", "没有相关"]
KINDS = {"amount", "change", "reason", "count", "code", "text", "compare", "negative"}
REQ = ["id", "question", "kind", "doc", "answer", "accept", "evidence", "found"]
OPT = ["docs", "evidence_all", "note"]
EXCLUDED = re.compile(r'_TAMPERED|_REVIEW_CHECKLIST|^template_')
HABITS = {"region_dropped", "city_only", "district_only", "province_abbrev", "level_word",
          "standard_abbrev", "year_glued", "code_glued", "informal", "not_in_corpus"}
TSV_COLS = ["department", "region", "short_form", "habit", "typed", "ambiguous_with"]
REWORD_TYPES = ["filler", "everyday_item", "short_name"]

problems = []
warnings = []


def bad(where, msg):
    problems.append(f"{where}: {msg}")


def norm(text):  # same normalisation as grade.py / dev2_verify.py
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def load_jsonl(path):
    rows = []
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                bad(path.name, f'line {n} is not JSON: {e}')
    return rows


def strip_note(name):
    """SOURCES.md department cell without its parenthetical note."""
    return re.sub(r'\s*[（(].*?[)）]', '', name).strip()


def read_sources():
    """file -> (department, region, year, type) from SOURCES.md tables."""
    rows = {}
    for line in open(SOURCES, encoding='utf-8'):
        if not line.startswith('| ') or line.startswith('| file') or line.startswith('|---'):
            continue
        c = [x.strip() for x in line.strip().strip('|').split('|')]
        if len(c) >= 5 and c[0].endswith('.txt'):
            rows[c[0]] = (strip_note(c[1]), c[2], c[3], c[4])
    return rows


def organisations(sources):
    """department -> set of regions, for real organisations (no templates, no checklists)."""
    deps = defaultdict(set)
    for f, (d, reg, y, t) in sources.items():
        if f.startswith('template_') or '_REVIEW_CHECKLIST' in f:
            continue
        deps[d].add(reg)
    return deps


# ---------------------------------------------------------------- part 1
def check_short_forms(sources, texts):
    if not SHORT.exists():
        bad(SHORT.name, 'missing')
        return
    deps = organisations(sources)
    rows = list(csv.reader(open(SHORT, encoding='utf-8', newline=''), delimiter='\t'))
    if not rows or rows[0] != TSV_COLS:
        bad(SHORT.name, f'header must be {TSV_COLS}, got {rows[0] if rows else None}')
        return
    per_dep = Counter()
    habits = Counter()
    seen = set()
    n_amb = n_out = 0
    for n, r in enumerate(rows[1:], 2):
        where = f'{SHORT.name}:{n}'
        if len(r) != len(TSV_COLS):
            bad(where, f'{len(r)} columns, expected {len(TSV_COLS)}')
            continue
        dep, reg, sf, habit, typed, amb = r
        if habit not in HABITS:
            bad(where, f'unknown habit {habit!r}')
        habits[habit] += 1
        if not sf.strip() or sf != sf.strip():
            bad(where, 'empty or padded short_form')
        if (dep, sf, habit) in seen:
            bad(where, f'duplicate row {dep} / {sf} / {habit}')
        seen.add((dep, sf, habit))
        if habit == 'not_in_corpus':
            n_out += 1
            if dep in deps:
                bad(where, f'not_in_corpus department {dep} is in SOURCES.md')
            if any(dep in t for t in texts.values()):
                warnings.append(f'{where}: not_in_corpus name {dep} occurs in some corpus text (mentioned, not a disclosure)')
            for d in deps:
                if sf == d:
                    bad(where, f'not_in_corpus short form equals corpus department {d}')
            continue
        if dep not in deps:
            bad(where, f'department {dep!r} not in SOURCES.md')
            continue
        if reg not in deps[dep]:
            bad(where, f'region {reg!r} is not SOURCES.md\'s region for {dep} ({sorted(deps[dep])})')
        per_dep[dep] += 1
        if sf == dep:
            bad(where, 'short_form is the full name')
        if habit in ('year_glued', 'code_glued'):
            if not typed or sf not in typed:
                bad(where, f'{habit} needs `typed` containing the short form')
            if habit == 'year_glued' and not re.search(r'20\d\d', typed):
                bad(where, 'year_glued `typed` has no year')
            if habit == 'code_glued' and not re.search(r'\d{3}\s?\d{2}\s?\d{2}|\d{7}', typed):
                bad(where, 'code_glued `typed` has no 7-digit code')
        elif typed and sf not in typed:
            bad(where, '`typed` does not contain the short form')
        if amb:
            n_amb += 1
            for other in amb.split('；'):
                other = other.strip()
                if other not in deps:
                    bad(where, f'ambiguous_with names {other!r}, not a SOURCES.md department')
                if other == dep:
                    bad(where, 'ambiguous_with names the row\'s own department')
    for d in deps:
        if not (3 <= per_dep[d] <= 6):
            bad(SHORT.name, f'{d}: {per_dep[d]} short forms (need 3-6)')
    print(f"department_short_forms.tsv: {len(rows) - 1} rows; {len(per_dep)} of {len(deps)} corpus departments; "
          f"{n_out} not_in_corpus rows; {n_amb} rows marked ambiguous")
    print(f"   by habit: {dict(sorted(habits.items(), key=lambda x: -x[1]))}")


# ---------------------------------------------------------------- part 2
def check_rewordings(dev_rows, dev2_rows):
    if not REWORD.exists():
        bad(REWORD.name, 'missing')
        return
    origs = {}
    for setname, rows in (('dev', dev_rows), ('dev2', dev2_rows)):
        for r in rows:
            if r.get('found'):
                origs[r['id']] = (setname, r)
    rows = load_jsonl(REWORD)
    have = defaultdict(set)
    ids = Counter()
    for n, r in enumerate(rows, 1):
        where = f'{REWORD.name}:{n}'
        if set(r) != {'id', 'orig', 'type', 'question', 'set'}:
            bad(where, f'keys {sorted(r)}')
            continue
        ids[r['id']] += 1
        if r['orig'] not in origs:
            bad(where, f'orig {r["orig"]} is not an answerable dev/dev2 question')
            continue
        setname, o = origs[r['orig']]
        if r['type'] not in REWORD_TYPES:
            bad(where, f'bad type {r["type"]}')
        if r['id'] != f'{r["orig"]}-{r["type"]}':
            bad(where, f'id {r["id"]} != {r["orig"]}-{r["type"]}')
        if r['set'] != setname:
            bad(where, f'set {r["set"]} != {setname}')
        q = r['question']
        if not isinstance(q, str) or len(q) < 4:
            bad(where, 'question empty')
        elif q.strip() == o['question'].strip():
            bad(where, 'rewording identical to the original')
        have[r['orig']].add(r['type'])
    for i, c in ids.items():
        if c > 1:
            bad(REWORD.name, f'duplicate id {i}')
    for o in origs:
        if have[o] != set(REWORD_TYPES):
            bad(REWORD.name, f'{o}: types {sorted(have[o])}, need all of {REWORD_TYPES}')
    by_set = Counter(origs[o][0] for o in have if o in origs)
    print(f"rewordings.jsonl: {len(rows)} rewordings of {len(have)} originals "
          f"(dev {by_set['dev']}, dev2 {by_set['dev2']}; answerable originals {len(origs)}); "
          f"by type {dict(Counter(r.get('type') for r in rows))}")


# ---------------------------------------------------------------- part 3
def parse_probes(note):
    if not note or ' probes: ' not in note:
        return []
    out = []
    for part in note.rsplit(' probes: ', 1)[1].split(' || '):
        if ' :: ' not in part:
            return None
        f, pat = part.split(' :: ', 1)
        out.append((f.strip(), pat.strip()))
    return out


def check_fresh(texts, dev_rows, dev2_rows):
    if not FRESH.exists():
        bad(FRESH.name, 'missing')
        return []
    flat = {k: v.replace('\n', '') for k, v in texts.items()}
    normed = {k: norm(v) for k, v in texts.items()}
    used = set()
    old_questions = set()
    for r in dev_rows + dev2_rows:
        if r.get('doc'):
            used.add(r['doc'])
        used.update(r.get('docs') or [])
        old_questions.add(norm(r['question']))
    allowed = {f for f in texts if not EXCLUDED.search(f)}
    rows = load_jsonl(FRESH)
    ids = [r.get('id') for r in rows]
    if ids != [f"f{i:03d}" for i in range(1, len(rows) + 1)]:
        bad(FRESH.name, 'ids are not f001..fNNN in order')
    kc = Counter(r.get('kind') for r in rows)
    for qq, c in Counter(r.get('question') for r in rows).items():
        if c > 1:
            bad(FRESH.name, f'duplicate question {qq}')
    n_evid = n_acc = n_probe = 0
    gold_docs = Counter()
    all_docs = set()
    for r in rows:
        rid = r.get('id')
        for k in REQ:
            if k not in r:
                bad(rid, f'missing key {k}')
        for k in r:
            if k not in REQ + OPT:
                bad(rid, f'unexpected key {k}')
        if r.get('kind') not in KINDS:
            bad(rid, f'bad kind {r.get("kind")}')
        if not isinstance(r.get('question'), str) or len(r['question']) < 4:
            bad(rid, 'question empty')
            continue
        if norm(r['question']) in old_questions:
            bad(rid, 'question repeats a dev/dev2 question')
        if 'note' in r and (not isinstance(r['note'], str) or not r['note']):
            bad(rid, 'note must be a non-empty string')
        if not isinstance(r.get('accept'), list) or not r['accept'] or not all(isinstance(a, str) and a for a in r['accept']):
            bad(rid, 'accept must be a non-empty list of strings')
            continue
        if r['kind'] == 'negative':
            if r['found'] is not False or r['doc'] is not None or r['evidence'] != '' \
                    or r['answer'] != '未找到' or r['accept'] != NEG_ACCEPT:
                bad(rid, 'negative fields wrong')
            if 'docs' in r or 'evidence_all' in r:
                bad(rid, 'negative must not have docs/evidence_all')
            probes = parse_probes(r.get('note'))
            if not probes:
                bad(rid, 'no absence probes in note (" probes: FILE :: REGEX || ...")')
                continue
            if not (1 <= len(probes) <= 4):
                bad(rid, f'{len(probes)} probes, expected 1-4')
            for fname, pat in probes:
                n_probe += 1
                try:
                    rx = re.compile(pat)
                except re.error as e:
                    bad(rid, f'bad probe regex /{pat}/: {e}')
                    continue
                files = list(texts) if fname == '*' else [fname]
                for f in files:
                    if f not in texts:
                        bad(rid, f'probe file missing {f}')
                        continue
                    m = rx.search(flat[f]) or rx.search(texts[f])
                    if m:
                        bad(rid, f'negative probe /{pat}/ hits {f}: {m.group(0)!r}')
            continue
        if r['found'] is not True:
            bad(rid, 'found must be true')
        doc = r.get('doc')
        if doc not in texts:
            bad(rid, f'doc not in corpus: {doc}')
            continue
        gold_docs[doc] += 1
        all_docs.add(doc)
        if doc not in allowed:
            bad(rid, f'excluded file {doc}')
        if doc in used:
            bad(rid, f'doc used by dev.jsonl or dev2.jsonl: {doc}')
        t, tf, tn = texts[doc], flat[doc], normed[doc]
        if r['accept'][0] not in t:
            bad(rid, f'first accept not verbatim in {doc}: {r["accept"][0]!r}')
        for a in r['accept']:
            if a not in t and norm(a) not in tn:
                bad(rid, f'accept not in {doc} (raw or normalised): {a!r}')
        n_acc += 1
        ev = r['evidence']
        if not isinstance(ev, str) or '\n' in ev or not (10 <= len(ev) <= 60):
            bad(rid, f'evidence length/format: {len(ev)} {ev!r}')
        if ev not in tf:
            bad(rid, f'evidence not verbatim in {doc}: {ev!r}')
        else:
            n_evid += 1
        if not isinstance(r.get('answer'), str) or not r['answer']:
            bad(rid, 'answer empty')
        if r['kind'] == 'compare':
            ds, ea = r.get('docs'), r.get('evidence_all')
            if not (isinstance(ds, list) and len(ds) == 2 and len(set(ds)) == 2 and doc in ds):
                bad(rid, 'compare docs must be 2 distinct files incl. doc')
                continue
            if not (isinstance(ea, list) and len(ea) == 2 and sorted(x[0] for x in ea) == sorted(ds)):
                bad(rid, 'evidence_all must hold one span per compared file')
                continue
            for f, sp in ea:
                all_docs.add(f)
                if f not in texts:
                    bad(rid, f'compare doc missing {f}')
                    continue
                if f not in allowed or f in used:
                    bad(rid, f'compare doc excluded or used by dev/dev2: {f}')
                if not (10 <= len(sp) <= 60) or '\n' in sp or sp not in flat[f]:
                    bad(rid, f'evidence_all span bad for {f}: {sp!r}')
                else:
                    n_evid += 1
            if dict(ea)[doc] != ev:
                bad(rid, 'evidence must equal the evidence_all span of doc')
        elif 'docs' in r or 'evidence_all' in r:
            bad(rid, 'docs/evidence_all only for compare')
        for f, sp in (r.get('evidence_all') or [[doc, ev]]):
            dup = [g for g, tg in normed.items() if g != f and norm(sp) in tg]
            real = [g for g in dup if not EXCLUDED.search(g)]
            if real:
                bad(rid, f'evidence span of {f} also occurs in {real} (ambiguous source)')
            elif dup:
                warnings.append(f"{rid}: evidence span of {f} also occurs in excluded twin {dup}")
        if not any(norm(a) in norm(r['answer']) for a in r['accept']):
            bad(rid, 'gold answer text itself contains no accept string')
    if len(all_docs) < 30:
        bad(FRESH.name, f'only {len(all_docs)} documents, need at least 30')
    n_neg = kc.get('negative', 0)
    print(f"fresh.jsonl: {len(rows)} questions ({len(rows) - n_neg} answerable + {n_neg} negatives); "
          f"kinds {dict(sorted(kc.items(), key=lambda x: -x[1]))}")
    print(f"   documents used (doc + compare docs): {len(all_docs)}; as gold doc: {len(gold_docs)}; "
          f"overlap with dev/dev2: {len(all_docs & used)}")
    print(f"   found questions with accept checked: {n_acc}; evidence spans verified: {n_evid}; "
          f"negatives probed: {n_neg} ({n_probe} probes)")
    return rows


def simulate(rows):
    grader = EVAL / 'grade.py'
    if not grader.exists():
        bad('simulate', f'no grader at {grader}')
        return
    with tempfile.TemporaryDirectory() as td:
        perfect, nothing = os.path.join(td, 'perfect.jsonl'), os.path.join(td, 'nothing.jsonl')
        with open(perfect, 'w', encoding='utf-8') as f1, open(nothing, 'w', encoding='utf-8') as f2:
            for r in rows:
                if r['found']:
                    a = {"id": r['id'], "found": True, "answer": r['answer'],
                         "citations": [{"source": r['doc'], "quote": r['evidence']}]}
                else:
                    a = {"id": r['id'], "found": False, "answer": "未找到相关内容", "citations": []}
                f1.write(json.dumps(a, ensure_ascii=False) + '\n')
                f2.write(json.dumps({"id": r['id'], "found": False, "answer": "未找到", "citations": []},
                                    ensure_ascii=False) + '\n')
        n = len(rows)
        n_neg = sum(1 for r in rows if not r['found'])
        for name, path, want in (('perfect', perfect, f'score {n}/{n}'),
                                 ('always-not-found', nothing, f'score {n_neg}/{n}')):
            out = subprocess.run([sys.executable, str(grader), str(FRESH), path, '--corpus', str(CORPUS)],
                                 capture_output=True, text=True)
            print(f"   grade.py with {name} answers: " + (out.stdout.strip().splitlines() or [out.stderr.strip()])[-1])
            if want not in out.stdout:
                bad('simulate', f'{name} answers do not give "{want}"')


def main():
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS} (use --corpus DIR)")
        return 2
    texts = {p.name: p.read_text(encoding='utf-8') for p in CORPUS.iterdir() if p.is_file()}
    sources = read_sources()
    dev_rows = load_jsonl(EVAL / 'dev.jsonl')
    dev2_rows = load_jsonl(EVAL / 'dev2.jsonl')
    print(f"corpus {len(texts)} texts; SOURCES.md {len(sources)} rows; dev {len(dev_rows)}, dev2 {len(dev2_rows)} questions")
    check_short_forms(sources, texts)
    check_rewordings(dev_rows, dev2_rows)
    rows = check_fresh(texts, dev_rows, dev2_rows)
    if rows and '--simulate-grader' in sys.argv:
        simulate(rows)
    for w in warnings:
        print('   warning', w)
    print(f"problems: {len(problems)}")
    for p in problems:
        print('  ', p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
