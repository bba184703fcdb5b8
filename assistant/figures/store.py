"""figures.sqlite: the figures table of one index generation.

One file any SQLite tool (or Datasette) opens. Schema: see README "The figures table".
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import fields
from pathlib import Path
from typing import Iterable

from assistant.figures.records import Figure

FILENAME = "figures.sqlite"


def _columns() -> list[tuple[str, str]]:
    out = []
    for f in fields(Figure):
        t = str(f.type)
        sql = "REAL" if "float" in t else ("INTEGER" if "int" in t else "TEXT")
        out.append((f.name, sql))
    return out


_FINDING_COLUMNS = ("check_name", "doc_id", "lines", "message", "expected", "found", "quotes")


_INDEXED = ("doc_id", "item", "code", "department", "year")


def write(path: Path, figures: Iterable[Figure], findings: Iterable | None = None) -> int:
    """Write all figures (and the audit's findings) to a new SQLite file at path; returns
    how many figures."""
    return publish(path, figures, findings or (), {})


def publish(path: Path, figures: Iterable[Figure], findings: Iterable, kept: dict[Path, list[str]]) -> int:
    """A new figures file at path: the given figures and findings plus, copied inside
    SQLite, the rows of the documents ``kept`` in other figures files (file -> doc_ids;
    rows of other documents in those files are left behind). The index's one figures
    table is made this way from its segments. Returns how many figures it holds.

    The file is new and only published by the generation's atomic swap, so it is written
    without a journal, and indexed after the rows are in (about 3x faster for the
    shared corpus's 257,695 figures)."""
    path = Path(path)
    if path.exists():
        path.unlink()
    cols = _columns()
    names = [n for n, _ in cols]
    con = _unjournaled(path)
    try:
        con.execute("CREATE TABLE figures (id INTEGER PRIMARY KEY, " + ", ".join(f"{n} {t}" for n, t in cols) + ")")
        # findings: one row per consistency finding (figures/audit.py); lines and quotes as JSON
        con.execute("CREATE TABLE findings (id INTEGER PRIMARY KEY, check_name TEXT, doc_id TEXT, lines TEXT, "
                    "message TEXT, expected TEXT, found TEXT, quotes TEXT)")
        _insert(con, names, figures, findings)
        for n, (src, doc_ids) in enumerate(sorted(kept.items())):
            if not doc_ids or not Path(src).exists():
                continue
            con.execute(f"ATTACH DATABASE ? AS s{n}", (str(src),))
            con.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (doc_id TEXT PRIMARY KEY)")
            con.execute("DELETE FROM wanted")
            con.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(d,) for d in doc_ids])
            listed = ", ".join(names)
            con.execute(f"INSERT INTO figures ({listed}) SELECT {listed} FROM s{n}.figures "
                        "WHERE doc_id IN (SELECT doc_id FROM wanted) ORDER BY id")
            listed = ", ".join(_FINDING_COLUMNS)
            con.execute(f"INSERT INTO findings ({listed}) SELECT {listed} FROM s{n}.findings "
                        "WHERE doc_id IN (SELECT doc_id FROM wanted) ORDER BY id")
            con.commit()
            con.execute(f"DETACH DATABASE s{n}")
        for col in _INDEXED:
            con.execute(f"CREATE INDEX figures_{col} ON figures ({col})")
        con.execute("CREATE INDEX findings_doc_id ON findings (doc_id)")
        con.commit()
        return con.execute("SELECT COUNT(*) FROM figures").fetchone()[0]
    finally:
        con.close()


def _unjournaled(path: Path) -> sqlite3.Connection:
    """A connection for a file no reader sees until the generation is published: no journal."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    return con


def _insert(con: sqlite3.Connection, names: list[str], figures: Iterable[Figure], findings: Iterable) -> None:
    con.executemany(f"INSERT INTO figures ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                    ([row[k] for k in names] for row in (fig.to_row() for fig in figures)))
    con.executemany(f"INSERT INTO findings ({', '.join(_FINDING_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ((f.check, f.doc_id, json.dumps(f.lines), f.message, f.expected, f.found,
                      json.dumps(f.quotes, ensure_ascii=False)) for f in findings))


def patch(path: Path, previous: Path, drop: set[str], figures: Iterable[Figure], findings: Iterable,
          drop_check: str = "") -> int:
    """A new figures file at path: a copy of ``previous`` without the rows of the documents
    in ``drop`` (and without the findings of check ``drop_check``), plus the given rows.
    Adding or replacing one document this way copies the file instead of rebuilding it
    (0.2 s instead of 1.9 s for the shared corpus)."""
    path = Path(path)
    shutil.copyfile(previous, path)
    names = [n for n, _ in _columns()]
    con = _unjournaled(path)
    try:
        gone = [(d,) for d in sorted(drop)]
        con.executemany("DELETE FROM figures WHERE doc_id = ?", gone)
        con.executemany("DELETE FROM findings WHERE doc_id = ?", gone)
        if drop_check:
            con.execute("DELETE FROM findings WHERE check_name = ?", (drop_check,))
        _insert(con, names, figures, findings)
        con.commit()
        return con.execute("SELECT COUNT(*) FROM figures").fetchone()[0]
    finally:
        con.close()


def read_all(path: Path) -> list[Figure]:
    """Every figure in the file, in insertion order ([] when there is no file)."""
    path = Path(path)
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [Figure.from_row(dict(r)) for r in con.execute("SELECT * FROM figures ORDER BY id")]
    finally:
        con.close()


def read_findings(path: Path) -> list:
    """Every stored finding ([] when the file or its findings table is absent)."""
    from assistant.figures.audit import Finding

    path = Path(path)
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT check_name, doc_id, lines, message, expected, found, quotes FROM findings "
                           "ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []  # written before findings were stored
    finally:
        con.close()
    return [Finding(c, d, json.loads(lines), m, e, f, json.loads(q)) for c, d, lines, m, e, f, q in rows]


def read_findings_by_doc(path: Path) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in read_findings(path):
        out.setdefault(f.doc_id, []).append(f)
    return out


def read_by_doc(path: Path) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = {}
    for fig in read_all(path):
        out.setdefault(fig.doc_id, []).append(fig)
    return out
