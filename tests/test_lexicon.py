"""Domain knowledge as data (issue 6 point 7): the lexicon files parse, ``problems()``
catches each kind of mistake a finance officer editing them could make (on a copy with one
broken line), and the lexicon is part of the index's pipeline version, so an edited word
list re-tokenises what depends on it. Package files are never edited: a tmp copy is."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import lexicon
from assistant.index import build as build_module

PACKAGE_LEXICON = lexicon.HERE


def test_the_package_lexicon_has_no_problems():
    assert lexicon.problems() == []


def test_every_file_parses_and_is_loaded_once():
    for name in lexicon.FILES:
        assert (PACKAGE_LEXICON / name).is_file(), name
    lex = lexicon.load()
    assert lex is lexicon.load()  # read once per process
    assert lex.terms["公务接待费"] == "item"
    assert "公务接待费" in lex.synonyms["招待费"]  # an everyday word maps to the document term
    assert lex.filler and lex.totals and lex.question_kinds


# ---------------------------------------------------------------- a broken copy

@pytest.fixture()
def folder(tmp_path) -> Path:
    out = tmp_path / "lexicon"
    shutil.copytree(PACKAGE_LEXICON, out, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return out


def _append(path: Path, line: str) -> int:
    """Append one entry line; returns its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    text += line + "\n"
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def _first_line_of(path: Path, first_column: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.split("\t")[0] == first_column:
            return n
    raise AssertionError(f"{first_column} not in {path.name}")


def _problems(folder: Path) -> list[str]:
    return lexicon.problems(lexicon.read(folder))


def test_an_untouched_copy_has_no_problems(folder):
    assert _problems(folder) == []


def test_a_synonym_whose_target_is_no_term(folder):
    n = _append(folder / "synonyms.tsv", "买车钱\t公车购买费用")
    [p] = _problems(folder)
    assert p.startswith(f"synonyms.tsv:{n}:") and "公车购买费用" in p and "terms.tsv" in p


def test_a_duplicate_entry(folder):
    first = _first_line_of(folder / "terms.tsv", "公务接待费")
    n = _append(folder / "terms.tsv", "公务接待费\titem")
    [p] = _problems(folder)
    assert p.startswith(f"terms.tsv:{n}:") and "公务接待费" in p and f"line {first}" in p


def test_a_cue_of_an_unknown_kind(folder):
    n = _append(folder / "cues.tsv", "涨价\tmoney\t增加")
    [p] = _problems(folder)
    assert p.startswith(f"cues.tsv:{n}:") and "change" in p  # says which kinds are allowed


def test_table_columns_whose_count_does_not_match(folder):
    n = _append(folder / "table_columns.tsv", "测试专用表\t3\t合计|基本支出")
    [p] = _problems(folder)
    assert p.startswith(f"table_columns.tsv:{n}:") and "columns" in p


def test_totals_must_start_with_the_budget_as_a_whole(folder):
    path = folder / "totals.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    entries = [i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    a, b = entries[:2]
    assert lines[a].startswith("预算\t")
    lines[a], lines[b] = lines[b], lines[a]
    path.write_text("\n".join(lines), encoding="utf-8")
    [p] = _problems(folder)
    assert p.startswith("totals.tsv") and "预算" in p


# ---------------------------------------------------------------- part of the pipeline version

@pytest.fixture()
def package_copy(tmp_path, monkeypatch) -> Path:
    """The files the versions hash (pipeline code, figures code, lexicon), copied; the build
    module reads them from the copy."""
    root = tmp_path / "assistant"
    for rel in build_module.PIPELINE_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build_module.PACKAGE / rel, root / rel)
    for folder in ("lexicon", build_module.FIGURES_FOLDER):
        shutil.copytree(build_module.PACKAGE / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_module, "PACKAGE", root)
    return root


def test_a_lexicon_edit_changes_the_pipeline_and_figures_versions(package_copy):
    before = build_module.pipeline_version(), build_module.figures_version()
    _append(package_copy / "lexicon" / "synonyms.tsv", "养车的钱\t公务用车运行维护费")
    after = build_module.pipeline_version(), build_module.figures_version()
    assert after[0] != before[0] and after[1] != before[1]


def test_the_copy_hashes_like_the_package_and_other_files_do_not_count(package_copy, monkeypatch):
    copied = build_module.pipeline_version()
    (package_copy / "apps").mkdir()
    (package_copy / "apps" / "ui.py").write_text("# not part of the pipeline\n", encoding="utf-8")
    assert build_module.pipeline_version() == copied
    monkeypatch.undo()
    assert build_module.pipeline_version() == copied  # the copy is byte for byte the package


def test_a_build_after_a_lexicon_edit_rechunks_without_reading_again(package_copy, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "2023_demo_budget.txt").write_text(
        "鹿山县审计局2023年部门预算公开说明\n一、“三公”经费\n公务接待费预算为45万元。\n", encoding="utf-8")
    index = tmp_path / "index"
    first = build_module.build([corpus], index, embedder_spec="hash", report=None)
    assert first.read == 1
    again = build_module.build([corpus], index, embedder_spec="hash", report=None)
    assert again.read == 0 and again.rechunked == 0  # nothing changed
    _append(package_copy / "lexicon" / "stopwords.txt", "测试停用词")
    edited = build_module.build([corpus], index, embedder_spec="hash", report=None)
    assert edited.read == 0 and edited.rechunked == 1
