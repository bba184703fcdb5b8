"""Tables as CSV or XLSX: a search's exact hits (one row per passage, whole passages) and
any other table (the figures of the 数据 tab); always a header row.

CSV is UTF-8 with a byte-order mark, which Excel needs to read Chinese from a CSV file.
"""
from __future__ import annotations

import csv
import io
import re

from assistant.answering.search import Result, SearchPage

MAX_EXPORT_ROWS = 20_000  # every disclosure passage mentioning 公务接待费 is ~1,300; a cap bounds memory
COLUMNS = ["序号", "命中方式", "部门", "地区", "年度", "类别", "文件", "标题", "章节", "命中行", "起始行", "结束行",
           "页", "段落原文"]
XLSX_CELL_MAX = 32_767  # Excel's limit for one cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XLSX cannot store (openpyxl's list)


def xlsx_value(value):
    """A cell value XLSX can hold: a page break (\\f, in a sentence or passage that runs
    onto the next page) becomes a line break, other control characters go (the format
    cannot store them, and openpyxl refuses the whole file), and text is cut at Excel's
    cell limit. CSV keeps every character."""
    if not isinstance(value, str):
        return value
    return _ILLEGAL.sub("", value.replace("\f", "\n"))[:XLSX_CELL_MAX]


def _append(ws, n: int, row: list) -> None:
    """Append row as row n of ws. A formula-looking text ("=SUM(…)") must stay text:
    openpyxl writes a str starting with "=" as a formula, so such cells get an explicit
    string type. (Cells are found by their row number: ws.max_row counts every cell, which
    made a 1,825-row export take 10 s.)"""
    values = [xlsx_value(v) for v in row]
    ws.append(values)
    for col, v in enumerate(values, start=1):
        if isinstance(v, str) and v.startswith("="):
            ws.cell(row=n, column=col).data_type = "s"


def rows(results: list[Result]) -> list[list]:
    from assistant.apps.search_html import VIA_LABELS

    out = []
    for r in results:
        c = r.citation
        out.append([r.rank, VIA_LABELS.get(r.via, r.via), r.department, r.region, r.year or "", r.kind,
                    c.source, c.title, c.section, r.line, c.line_start, c.line_end, c.page or "", c.quote])
    return out


def to_csv(results: list[Result]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(results))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(results: list[Result], page: SearchPage) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "精确命中"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n, row in enumerate(rows(results), start=2):
        _append(ws, n, row)
        ws.cell(row=n, column=len(COLUMNS)).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMN", [6, 12, 24, 12, 6, 10, 30, 30, 30, 8, 8, 8, 5, 90]):
        ws.column_dimensions[col].width = width
    info = wb.create_sheet("检索条件")
    f = page.filters
    for k, v in [("检索词", page.query), ("部门", f.department), ("地区", f.region), ("年度", f.year or ""),
                 ("类别", f.kind), ("精确命中总数", page.total), ("导出条数", len(results))]:
        info.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


MAX_NAME_CHARS = 40  # of a download's name, before its extension


def _safe(text: str) -> str:
    """Letters, digits, - and _ only: nothing a file system or a header would read apart."""
    return "".join(ch for ch in text if ch.isalnum() or ch in "-_")[:MAX_NAME_CHARS]


def filename(page: SearchPage, ext: str) -> str:
    return f"检索-{_safe(page.query) or 'search'}.{ext}"


def figures_filename(f, ext: str) -> str:
    """数据-<filters>.<ext> for a figures export (f: figures.query.FigureFilter)."""
    parts = [f.department, str(f.year or ""), f.item, f.code, f.region, f.kind]
    return f"数据-{_safe('-'.join(p for p in parts if p)) or '全部'}.{ext}"


def table_csv(columns: list[str], rows: list[list]) -> bytes:
    """Any table as CSV (header row first; UTF-8 with a byte-order mark for Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_xlsx(columns: list[str], rows: list[list], sheet: str = "数据") -> bytes:
    """Any table as XLSX: a bold header row, frozen; text cells that look like formulas
    stay text; cells cut at Excel's limit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n, row in enumerate(rows, start=2):
        _append(ws, n, row)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
