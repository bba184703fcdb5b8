"""figures.sqlite: the figures table of one index generation.

One file any SQLite tool (or Datasette) opens. Schema: see README "The figures table".
"""
from __future__ import annotations

import json
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


def write(path: Path, figures: Iterable[Figure], findings: Iterable | None = None) -> int:
    """Write all figures (and the audit's findings) to a new SQLite file at path; returns
    how many figures."""
    path = Path(path)
    if path.exists():
        path.unlink()
    cols = _columns()
    con = sqlite3.connect(path)
    try:
        con.execute("CREATE TABLE figures (id INTEGER PRIMARY KEY, "
                    + ", ".join(f"{n} {t}" for n, t in cols) + ")")
        names = [n for n, _ in cols]
        sql = f"INSERT INTO figures ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        n = 0
        for fig in figures:
            row = fig.to_row()
            con.execute(sql, [row[k] for k in names])
            n += 1
        for col in ("doc_id", "item", "code", "department", "year"):
            con.execute(f"CREATE INDEX figures_{col} ON figures ({col})")
        # findings: one row per consistency finding (figures/audit.py); lines and quotes as JSON
        con.execute("CREATE TABLE findings (id INTEGER PRIMARY KEY, check_name TEXT, doc_id TEXT, lines TEXT, "
                    "message TEXT, expected TEXT, found TEXT, quotes TEXT)")
        for f in findings or ():
            con.execute("INSERT INTO findings (check_name, doc_id, lines, message, expected, found, quotes) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (f.check, f.doc_id, json.dumps(f.lines), f.message, f.expected, f.found,
                         json.dumps(f.quotes, ensure_ascii=False)))
        con.execute("CREATE INDEX findings_doc_id ON findings (doc_id)")
        con.commit()
        return n
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


def read_doc(path: Path, doc_id: str) -> list[Figure] | None:
    """The figures of one document, in insertion order (None when there is no file): one
    indexed query, so the first answer does not wait for every document's figures."""
    path = Path(path)
    if not path.exists():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [Figure.from_row(dict(r)) for r in con.execute("SELECT * FROM figures WHERE doc_id = ? ORDER BY id",
                                                                 (doc_id,))]
    finally:
        con.close()


def read_by_doc(path: Path) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = {}
    for fig in read_all(path):
        out.setdefault(fig.doc_id, []).append(fig)
    return out
