"""Word documents (.docx) read with python-docx: paragraphs in order, tables in place.

A table row becomes one line of TAB-joined cells, like the PDF and spreadsheet readers,
so "公务接待费\t28.50" can be paired with its header row. A merged cell's text is given
once, in its first grid position; the positions it covers are empty strings.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.ingest import OLE_MAGIC, first_line
from assistant.ingest.xlsx import clean_cell, row_lines
from assistant.records import IngestError, SourceText



def read(path: Path) -> SourceText:
    path = Path(path)
    doc = _open(path)
    lines: list[str] = []
    for block in doc.iter_inner_content():
        if hasattr(block, "rows"):
            lines.extend(table_lines(block))
        else:
            lines.extend(_paragraph_lines(block.text))
    return SourceText(path=str(path), text="\n".join(lines), format="docx")


def _open(path: Path) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with open(path, "rb") as f:
        head = f.read(8)
    if head == OLE_MAGIC:
        raise IngestError(f"{path}: password-protected .docx or an old .doc renamed .docx; "
                          f"save it from Word as an unprotected .docx")
    try:
        return docx.Document(str(path))
    except PackageNotFoundError as e:
        raise IngestError(f"{path}: not a valid .docx file (not a Word package)") from e
    except Exception as e:
        raise IngestError(f"{path}: damaged .docx file ({type(e).__name__}: {first_line(e)})") from e


def _paragraph_lines(text: str) -> list[str]:
    # A soft line break (<w:br/>) is a line of its own; tabs inside prose (TOC leaders)
    # become spaces so that only table rows carry TABs.
    return [ln.replace("\t", " ").strip() for ln in text.split("\n") if ln.strip()]


def table_lines(table: Any) -> list[str]:
    rows: list[list[str]] = []
    above: list[Any] = []
    for row in table.rows:
        cells, tcs, previous = [], [], None
        for col, cell in enumerate(row.cells):
            tc = cell._tc
            # python-docx repeats a merged cell at every grid position it covers.
            repeated = tc is previous or (col < len(above) and tc is above[col])
            cells.append("" if repeated else _cell_text(cell))
            tcs.append(tc)
            previous = tc
        above = tcs
        rows.append(cells)
    return row_lines(rows)


def _cell_text(cell: Any) -> str:
    parts = [p.text for p in cell.paragraphs]
    for inner in cell.tables:  # a table nested in a cell is flattened into the cell
        parts.extend(" ".join(c.text for c in r.cells) for r in inner.rows)
    return clean_cell("\n".join(parts))
