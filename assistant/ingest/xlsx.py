"""Excel 2007+ workbooks (.xlsx/.xlsm) read with openpyxl.

Each sheet becomes a "### sheet: NAME" line followed by its non-empty rows, cells joined
by TAB in column order, numbers written the way Excel shows them (number format applied,
no binary float noise). The cell helpers here are shared with the .xls and .docx readers.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.ingest import OLE_MAGIC, first_line
from assistant.records import IngestError, SourceText

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\uffef]")


def read(path: Path) -> SourceText:
    path = Path(path)
    wb = _open(path)
    try:
        lines: list[str] = []
        for ws in wb.worksheets:
            lines.append(f"### sheet: {ws.title}")
            # Some writers declare A1:XFD1048576; without this every row is padded to it.
            ws.reset_dimensions()
            rows = ([format_value(c.value, getattr(c, "number_format", None)) for c in row]
                    for row in ws.iter_rows())
            lines.extend(row_lines(rows))
    except IngestError:
        raise
    except Exception as e:  # a damaged sheet part surfaces only while iterating
        raise IngestError(f"{path}: damaged workbook ({type(e).__name__}: {first_line(e)})") from e
    finally:
        wb.close()
    return SourceText(path=str(path), text="\n".join(lines), format="xlsx")


def _open(path: Path) -> Any:
    import zipfile

    from openpyxl import load_workbook

    with open(path, "rb") as f:
        head = f.read(8)
    if head == OLE_MAGIC:
        # Excel stores a password-protected .xlsx inside an OLE container.
        raise IngestError(f"{path}: workbook is password-protected (or is an old .xls renamed .xlsx); "
                          f"save an unprotected .xlsx copy")
    try:
        # From bytes, not a name: openpyxl refuses names not ending in .xlsx/.xlsm, and an
        # .xlsx saved as ".xls" is common on government sites (xls.py hands those here).
        return load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise IngestError(f"{path}: not a valid .xlsx workbook ({type(e).__name__}: {first_line(e)})") from e
    except Exception as e:
        raise IngestError(f"{path}: cannot open workbook ({type(e).__name__}: {first_line(e)})") from e


# ---------------------------------------------------------------- shared cell helpers

def row_lines(rows: Iterable[list[str]]) -> list[str]:
    """TAB-joined lines for the rows that have any text; trailing empty cells dropped."""
    out = []
    for cells in rows:
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            out.append("\t".join(cells))
    return out


def clean_cell(text: str) -> str:
    """A cell on one line: wrapped lines rejoined, TAB (the separator) made a space."""
    parts = [p.strip() for p in text.replace("\t", " ").replace("\r", "\n").split("\n")]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    out = parts[0]
    for p in parts[1:]:
        out += _glue(out, p) + p
    return out


_LIST_ITEM = re.compile(r"(\d{1,2}[.、．)]|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)")


def _glue(before: str, after: str) -> str:
    """What goes between two wrapped lines of one cell when they become one line."""
    if before[-1] in "。；;！!？?：:" or _LIST_ITEM.match(after):
        return " "  # a new sentence or list item: keep them apart
    # "事业单位\n经营收入" is one word; "Total\namount" needs its space back.
    return "" if _CJK.match(before[-1]) or _CJK.match(after[0]) else " "


def format_value(value: Any, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        return format_number(value, number_format)
    return clean_cell(str(value))


def format_number(value: float, number_format: str | None = None) -> str:
    """Render a number as Excel would under its number format (the common cases)."""
    section = _first_section(number_format or "General")
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)  # literals, colours, padding
    if code.strip().lower() in ("", "general", "@") or re.search(r"[eE][+-]|\?/", code):
        return _general(value)
    percent = "%" in code
    if percent:
        value = value * 100
    m = re.search(r"\.([0#?]+)", code)
    decimals = len(m.group(1)) if m else 0
    integer_part = code.split(".")[0]
    text = f"{value:,.{decimals}f}" if "," in integer_part else f"{value:.{decimals}f}"
    width = integer_part.count("0")  # '00' shows subject code 2 as "02"
    if width > 1 and "," not in integer_part:
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, dot, frac = digits.partition(".")
        text = sign + whole.zfill(width) + dot + frac
    if m and set(m.group(1)) <= {"#"}:
        text = text.rstrip("0").rstrip(".")  # '#.##' shows only the digits that are there
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # Excel shows -0.001 under '0.00' as 0.00
    prefix, suffix = _literals(section)
    return prefix + text + ("%" if percent else "") + suffix


def _literals(section: str) -> tuple[str, str]:
    """Quoted or escaped text before and after the digits: '0.00"万元"' shows "5.00万元"."""
    first = re.search(r"[0#?]", section)
    if not first:
        return "", ""
    last = max(i for i, ch in enumerate(section) if ch in "0#?")

    def lit(part: str) -> str:
        return "".join(q or e for q, e in re.findall(r'"([^"]*)"|\\(.)', part))

    return lit(section[:first.start()]), lit(section[last + 1:])


def _first_section(fmt: str) -> str:
    # Sections are separated by ';' outside quotes; the first one is for positive numbers
    # and, with a minus sign added, also for negatives.
    in_quote = False
    for i, ch in enumerate(fmt):
        if ch == '"':
            in_quote = not in_quote
        elif ch == ";" and not in_quote:
            return fmt[:i]
    return fmt


def _general(value: float) -> str:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    # 15 significant digits is what Excel keeps; it turns 28.499999999999996 into 28.5.
    text = f"{value:.15g}"
    if "e" in text:
        text = f"{value:.10f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else text
    return text
