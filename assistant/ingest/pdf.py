"""PDF files: text in reading order, ruled tables as TAB-separated rows, OCR as an extra.

Prose comes from pdfplumber (the same engine as the corpus twins in ../shared/corpus/text)
with one fix: characters are grouped into lines by their *baseline*, not by the top of
their glyph box. Chinese disclosures often set digits in Times New Roman next to a
FangSong/SimSun text; the two fonts' boxes differ by ~5 pt, so pdfplumber's top-based
grouping moves every number (and curly quote) to a line of its own ("年初预算为 万元" /
"2993.92"). The baseline (the text matrix origin) is the same for both fonts.

Pages are joined by "\\f\\n" exactly as in the twins, so the page of a line is the number
of form feeds before it plus one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.ingest.xlsx import clean_cell  # light: openpyxl is imported only inside xlsx.read
from assistant.records import IngestError, SourceText

Char = dict[str, Any]

PAGE_SEP = "\f\n"
OCR_PACKAGE = "rapidocr_onnxruntime"
# Rendering scale for OCR: 2 = 144 dpi, enough for 10.5 pt body text in the Changsha scans.
OCR_SCALE = 2.0


def read(path: Path) -> SourceText:
    path = Path(path)
    _check_bytes(path)
    pages, empty_image_pages = _extract_pages(path)
    warnings: list[str] = []
    if not any(p.strip() for p in pages):
        pages = _ocr_or_fail(path, list(range(len(pages))), pages)
        warnings.append(f"{path.name}: no text layer; all {len(pages)} pages read by OCR")
    elif empty_image_pages:
        pages, note = _ocr_some(path, empty_image_pages, pages)
        warnings.append(note)
    return SourceText(path=str(path), text=PAGE_SEP.join(pages), format="pdf", warnings=warnings)


# ---------------------------------------------------------------- opening / errors

def _check_bytes(path: Path) -> None:
    """Reject what is not a complete PDF before a parser guesses its way through it.

    pdfminer silently rebuilds a missing cross-reference table, so a truncated download
    would otherwise come back as a document with its last pages missing.
    """
    with open(path, "rb") as f:
        head = f.read(1024)
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 4096))
        tail = f.read()
    if b"%PDF-" not in head:
        raise IngestError(f"{path}: not a PDF file (no %PDF header); check that it was saved as PDF")
    if b"%%EOF" not in tail:
        raise IngestError(f"{path}: PDF is truncated (no end-of-file marker); download or copy it again")


def _extract_pages(path: Path) -> tuple[list[str], list[int]]:
    """Return the text of every page and the indexes of pages that are only images."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pages: list[str] = []
    image_only: list[int] = []
    try:
        with pdfplumber.open(path) as pdf:
            for i, page in enumerate(pdf.pages):
                # Fake-bold headings draw each glyph several times ("表表表表表表1"); one copy is text.
                text = page_text(page.dedupe_chars())
                if not text.strip() and page.images:
                    image_only.append(i)
                pages.append(text)
                page.flush_cache()  # keeps memory flat on 200-page documents
    except IngestError:
        raise
    except Exception as e:  # pdfminer raises many unrelated types for damaged files
        cause = _unwrap(e)
        if isinstance(cause, PDFPasswordIncorrect):
            raise IngestError(f"{path}: PDF is password-protected; save an unprotected copy "
                              f"(e.g. print to PDF) and index that") from e
        raise IngestError(f"{path}: damaged or unreadable PDF ({_one_line(cause)})") from e
    return pages, image_only


def _unwrap(e: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's errors in PdfminerException(original)."""
    while e.args and isinstance(e.args[0], BaseException):
        e = e.args[0]
    return e


def _one_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    first = msg[0] if msg else ""
    return f"{type(e).__name__}: {first}"[:200] if first else type(e).__name__


# ---------------------------------------------------------------- one page

def page_text(page: Any) -> str:
    """Text of one pdfplumber page: prose lines, with each ruled table as TAB rows in place."""
    chars = page.chars
    tables = _ruled_tables(page)
    if not tables:
        return lines_text(chars)
    tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    grids, leftover = _fill_tables(tables, chars)
    # Prose is cut into bands at each table's top edge so that a table follows its
    # title line and precedes the text under it.
    bands: list[list[Char]] = [[] for _ in range(len(tables) + 1)]
    tops = [t.bbox[1] for t in tables]
    for c in leftover:
        mid = (c["top"] + c["bottom"]) / 2
        bands[sum(1 for top in tops if top <= mid)].append(c)
    parts: list[str] = []
    for i, band in enumerate(bands):
        parts.append(lines_text(band))
        if i < len(grids):
            parts.append("\n".join("\t".join(row) for row in grids[i]))
    return "\n".join(p for p in parts if p)


def _ruled_tables(page: Any) -> list[Any]:
    """Tables drawn with ruling lines; a box around a paragraph (one column) is not one.

    A single row is kept: it is often a table's header left at the foot of a page.
    Only rules that show on paper count: some converters put an invisible white box
    behind every text run (Changsha), which pdfplumber would read as a grid.
    """
    tables = page.filter(_visible).find_tables()
    return [t for t in tables if max(len(r.cells) for r in t.rows) >= 2]


def _visible(obj: dict[str, Any]) -> bool:
    if obj.get("object_type") not in ("line", "rect", "curve"):
        return True
    if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
        return True
    return bool(obj.get("fill")) and not _is_white(obj.get("non_stroking_color"))


def _is_white(color: Any) -> bool:
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not all(isinstance(v, (int, float)) for v in color):
        return False  # unset (black by default) or a pattern
    if len(color) == 4:  # CMYK
        return all(v <= 0.01 for v in color)
    return len(color) in (1, 3) and all(v >= 0.99 for v in color)


def _fill_tables(tables: list[Any], chars: list[Char]) -> tuple[list[list[list[str]]], list[Char]]:
    """Put each char into the table cell that holds its centre; return grids and the rest."""
    used: set[int] = set()
    grids = []
    for t in tables:
        x0, top, x1, bottom = t.bbox
        inside = [c for c in chars if _centre_in(c, (x0, top, x1, bottom))]
        grid = []
        for row in t.rows:
            row_chars = [c for c in inside if row.bbox and _centre_in(c, row.bbox)]
            cells = []
            for cell in row.cells:
                cell_chars = [c for c in row_chars if cell and _centre_in(c, cell) and id(c) not in used]
                used.update(id(c) for c in cell_chars)
                cells.append(clean_cell(lines_text(cell_chars)))
            if any(cells):
                grid.append(_strip_trailing(cells))
        grids.append(grid)
    # Chars inside a table's frame but in no cell (rare) stay as prose rather than vanish.
    return grids, [c for c in chars if id(c) not in used]


def _centre_in(c: Char, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    h = (c["x0"] + c["x1"]) / 2
    v = (c["top"] + c["bottom"]) / 2
    return x0 <= h < x1 and top <= v < bottom


def _strip_trailing(cells: list[str]) -> list[str]:
    # Trailing empties carry no alignment; leading/middle ones keep cells under their header.
    while cells and not cells[-1]:
        cells.pop()
    return cells


# ---------------------------------------------------------------- lines from chars

def lines_text(chars: list[Char]) -> str:
    """pdfplumber's extract_text, but with characters grouped into lines by baseline."""
    if not chars:
        return ""
    from pdfplumber.utils import extract_text

    return extract_text([_on_baseline(c) for c in chars])


def _on_baseline(c: Char) -> Char:
    """A copy of the char whose top/bottom are its baseline, for line grouping only.

    For horizontal text the text matrix origin (matrix[5], PDF space) is the baseline;
    top + y1 is the same for every char of a page, so top + y1 - matrix[5] is the
    baseline in pdfplumber's top-down coordinates.
    """
    m = c.get("matrix")
    if not m or not c.get("upright") or m[0] <= 0 or abs(m[1]) > 0.01 * m[0]:
        return c  # rotated or vertical text: keep pdfplumber's own grouping
    base = c["top"] + c["y1"] - m[5]
    # Glyphs are never more than a line away from their baseline; a larger gap means an
    # odd font matrix (Type3), where the box is the better guide.
    if abs(base - c["bottom"]) > 2 * max(c.get("size", 0), 1):
        return c
    return {**c, "top": base, "bottom": base}


# ---------------------------------------------------------------- OCR (optional extra)

def ocr_available() -> bool:
    import importlib.util

    return importlib.util.find_spec(OCR_PACKAGE) is not None


def _ocr_or_fail(path: Path, indexes: list[int], pages: list[str]) -> list[str]:
    if not ocr_available():
        raise IngestError(
            f"{path}: no text layer (scanned PDF); OCR is not available — install it with "
            f"'pip install rapidocr_onnxruntime' (models are bundled, works offline), "
            f"or index a text version of the document")
    return _ocr_pages(path, indexes, pages)


def _ocr_some(path: Path, indexes: list[int], pages: list[str]) -> tuple[list[str], str]:
    numbers = ", ".join(str(i + 1) for i in indexes)
    if not ocr_available():
        return pages, (f"{path.name}: page(s) {numbers} are images without a text layer and were "
                       f"left empty; 'pip install rapidocr_onnxruntime' to OCR them")
    return _ocr_pages(path, indexes, pages), f"{path.name}: page(s) {numbers} read by OCR"


def _ocr_pages(path: Path, indexes: list[int], pages: list[str]) -> list[str]:
    import pypdfium2 as pdfium

    engine = _ocr_engine(path)
    out = list(pages)
    try:
        doc = pdfium.PdfDocument(str(path))
    except Exception as e:
        raise IngestError(f"{path}: cannot render PDF for OCR ({_one_line(e)})") from e
    try:
        for i in indexes:
            # to_numpy() is BGR, the channel order RapidOCR (OpenCV) expects.
            out[i] = ocr_image(engine, doc[i].render(scale=OCR_SCALE).to_numpy())
    except Exception as e:
        raise IngestError(f"{path}: OCR failed on page {i + 1} ({_one_line(e)})") from e
    finally:
        doc.close()
    return out


_ENGINE: Any = None


def _ocr_engine(path: Path) -> Any:
    # Loading the three ONNX models takes ~1 s; keep one engine per process.
    global _ENGINE
    if _ENGINE is None:
        try:
            from rapidocr_onnxruntime import RapidOCR

            _ENGINE = RapidOCR()
        except Exception as e:  # e.g. opencv or onnxruntime missing or broken
            raise IngestError(f"{path}: OCR package {OCR_PACKAGE} is installed but cannot start "
                              f"({_one_line(e)}); reinstall it") from e
    return _ENGINE


def ocr_image(engine: Any, image: Any) -> str:
    """OCR one page image; boxes that share a text line are joined left to right."""
    result, _ = engine(image)
    boxes = []
    for quad, text, _score in result or []:
        ys = [p[1] for p in quad]
        xs = [p[0] for p in quad]
        boxes.append((min(ys), max(ys), min(xs), text))
    boxes.sort()
    lines: list[list[tuple[float, float, float, str]]] = []
    for box in boxes:
        last = lines[-1] if lines else None
        # Same line when the box's vertical centre falls inside the line's first box.
        if last and last[0][0] <= (box[0] + box[1]) / 2 <= last[0][1]:
            last.append(box)
        else:
            lines.append([box])
    return "\n".join(" ".join(b[3] for b in sorted(line, key=lambda b: b[2])) for line in lines)
