"""Excel 97-2003 workbooks (.xls) read with xlrd; same output as the .xlsx reader.

Government sites often serve other things under an .xls name: an .xlsx (a zip) or an
HTML table saved by a web export. Those are recognised by their first bytes and handed
to the matching reader rather than refused.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.ingest import OLE_MAGIC
from assistant.ingest.xlsx import format_value, row_lines
from assistant.records import IngestError, SourceText



def read(path: Path) -> SourceText:
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith(b"PK\x03\x04"):
        from assistant.ingest import xlsx

        return _renamed(xlsx.read(path), "an .xlsx workbook")
    if not head.startswith(OLE_MAGIC) and b"<" in head[:200] and b"<table" in _sniff(path).lower():
        from assistant.ingest import html

        return _renamed(html.read(path), "an HTML table")
    book = _open(path)
    try:
        lines: list[str] = []
        for sheet in book.sheets():
            lines.append(f"### sheet: {sheet.name}")
            lines.extend(row_lines(_sheet_rows(book, sheet)))
    finally:
        book.release_resources()
    return SourceText(path=str(path), text="\n".join(lines), format="xls")


def _sniff(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(65536)


def _renamed(source: SourceText, what: str) -> SourceText:
    source.warnings.append(f"{Path(source.path).name}: named .xls but is {what}; read as such")
    return source


def _open(path: Path) -> Any:
    import xlrd

    try:
        # formatting_info gives each number its display format ('#,##0.00', '0.00%').
        return xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except xlrd.biffh.XLRDError as e:
        msg = str(e)
        if "encrypt" in msg.lower():
            raise IngestError(f"{path}: workbook is password-protected; save an unprotected copy") from e
        if "formatting_info" not in msg:
            raise IngestError(f"{path}: not a readable .xls workbook ({msg.splitlines()[0][:200]})") from e
    except Exception as e:
        raise IngestError(f"{path}: damaged .xls workbook ({type(e).__name__}: {str(e)[:200]})") from e
    try:  # a few writers produce files xlrd can read only without formatting records
        return xlrd.open_workbook(str(path), on_demand=True)
    except Exception as e:
        raise IngestError(f"{path}: damaged .xls workbook ({type(e).__name__}: {str(e)[:200]})") from e


def _sheet_rows(book: Any, sheet: Any) -> list[list[str]]:
    return [[_cell(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]


def _cell(book: Any, cell: Any) -> str:
    import xlrd

    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return format_value(bool(cell.value))
    if kind == xlrd.XL_CELL_DATE:
        try:
            return format_value(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError):
            return format_value(cell.value)
    if kind == xlrd.XL_CELL_NUMBER:
        return format_value(cell.value, _number_format(book, cell))
    return format_value(cell.value)


def _number_format(book: Any, cell: Any) -> str | None:
    if not book.formatting_info:
        return None
    xf = book.xf_list[cell.xf_index]
    fmt = book.format_map.get(xf.format_key)
    return fmt.format_str if fmt else None
