"""PDF files: text in reading order, ruled tables as TAB-separated rows, OCR as an extra.

Prose is laid out as pdfplumber's extract_text does it (the engine of the corpus twins in
../shared/corpus/text) with one fix: characters are grouped into lines by their
*baseline*, not by the top of their glyph box. Chinese disclosures often set digits in
Times New Roman next to a FangSong/SimSun text; the two fonts' boxes differ by ~5 pt,
so pdfplumber's top-based grouping moves every number (and curly quote) to a line of its
own ("年初预算为 万元" / "2993.92"). The baseline (the text matrix origin) is the same for
both fonts.

Pages are joined by "\\f\\n" exactly as in the twins, so the page of a line is the number
of form feeds before it plus one.

Two engines feed the same page logic (lines by baseline, ruled tables as TAB rows after
their title, invisible white boxes ignored):

- "pdfium" (default): characters and path objects from PDFium (pypdfium2, C++), see
  pdf_pdfium.py; about 0.015 s a page against pdfplumber's 0.12 (whose pdfminer
  interprets content streams in Python), with the same text on 7,213 of the corpus's
  7,214 pages (benchmarks/pdf_engines.py). Files PDFium cannot open are passed to the pdfplumber
  engine, so damaged files get the same messages as before; so is a page whose text
  PDFium leaves out (pdf_pdfium._unseen_text).
- "pdfplumber": the original engine, kept for comparison (benchmarks/pdf_engines.py)
  and as a fallback. Choose with read(path, engine=...) or BUDGET_QA_PDF_ENGINE.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from assistant.ingest.xlsx import clean_cell  # light: openpyxl is imported only inside xlsx.read
from assistant.records import IngestError, SourceText

Char = dict[str, Any]

PAGE_SEP = "\f\n"
OCR_PACKAGE = "rapidocr_onnxruntime"
# Rendering scale for OCR: 2 = 144 dpi, enough for 10.5 pt body text in the Changsha scans.
OCR_SCALE = 2.0
ENGINES = ("pdfium", "pdfplumber")
ENGINE_ENV = "BUDGET_QA_PDF_ENGINE"


def engine_name(engine: str | None = None) -> str:
    name = (engine or os.environ.get(ENGINE_ENV) or ENGINES[0]).strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown PDF engine {name!r} (from {ENGINE_ENV}?); choose one of {', '.join(ENGINES)}")
    return name


def read(path: Path, engine: str | None = None) -> SourceText:
    path = Path(path)
    name = engine_name(engine)
    _check_bytes(path)
    warnings: list[str] = []
    if name == "pdfium":
        pages, empty_image_pages = _extract_pages_pdfium(path, warnings)
    else:
        pages, empty_image_pages = _extract_pages(path)
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


def _extract_pages_pdfium(path: Path, warnings: list[str]) -> tuple[list[str], list[int]]:
    """The pdfium engine. A file PDFium cannot read goes to the pdfplumber engine (noted in
    warnings), whose messages for damaged files are the ones users see either way."""
    from assistant.ingest import pdf_pdfium

    plumber = _PlumberPages(path)
    try:
        return pdf_pdfium.extract_pages(path, compose_page, plumber.page_text)
    except pdf_pdfium.PdfPasswordError as e:
        raise IngestError(_PASSWORD.format(path=path)) from e
    except Exception as e:  # PdfiumError (document or page), or an object PDFium describes oddly
        plumber.close()
        pages = _extract_pages(path)
        warnings.append(f"{path.name}: read with pdfplumber (slower), PDFium failed: {_one_line(e)}")
        return pages
    finally:
        plumber.close()


class _PlumberPages:
    """Single pages read by the pdfplumber engine, the document opened on first use."""

    def __init__(self, path: Path):
        self.path = path
        self.pdf: Any = None

    def page_text(self, index: int) -> str:
        import pdfplumber

        if self.pdf is None:
            self.pdf = pdfplumber.open(self.path)
        page = self.pdf.pages[index]
        try:
            return page_text(page.dedupe_chars())
        finally:
            page.flush_cache()

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()
            self.pdf = None


_PASSWORD = ("{path}: PDF is password-protected; save an unprotected copy "
             "(e.g. print to PDF) and index that")


def _extract_pages(path: Path) -> tuple[list[str], list[int]]:
    """The pdfplumber engine: the text of every page and the indexes of image-only pages."""
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
            raise IngestError(_PASSWORD.format(path=path)) from e
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
    return compose_page(page.chars, page.filter(_visible).find_tables())


def compose_page(chars: list[Char], found: list[Any]) -> str:
    """Prose lines of chars, with each ruled table (pdfplumber Table objects found on the
    visible rules) as TAB rows in place. Both engines end here."""
    tables = _ruled_tables(found)
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


def _ruled_tables(tables: list[Any]) -> list[Any]:
    """Tables drawn with ruling lines; a box around a paragraph (one column) is not one.

    A single row is kept: it is often a table's header left at the foot of a page.
    Only rules that show on paper count (the engines pass only visible ones): some
    converters put an invisible white box behind every text run (Changsha), which
    pdfplumber would read as a grid.
    """
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
    """Put each char into the table cell that holds its centre; return grids and the rest.

    A char goes to the first cell, in row then column order, that holds its centre (rows
    with a merged cell overlap the rows below them). Centres are computed once and rows
    are skipped by their vertical extent, so a 300-cell table costs chars x rows, not
    chars x cells.
    """
    centres = [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2) for c in chars]
    used = [False] * len(chars)
    grids = []
    for t in tables:
        x0, top, x1, bottom = t.bbox
        inside = [i for i, (h, v) in enumerate(centres) if x0 <= h < x1 and top <= v < bottom and not used[i]]
        rows = t.rows
        cells_of = [[[] for _ in row.cells] for row in rows]
        # (row index, row box, [(cell index, cell box)]) for rows with a cell, in order
        plan = [(r, row.bbox, [(k, cell) for k, cell in enumerate(row.cells) if cell])
                for r, row in enumerate(rows) if row.bbox]
        for i in inside:
            h, v = centres[i]
            for r, (rx0, rtop, rx1, rbottom), cells in plan:
                if not (rtop <= v < rbottom and rx0 <= h < rx1):
                    continue
                hit = None
                for k, (cx0, ctop, cx1, cbottom) in cells:
                    if cx0 <= h < cx1 and ctop <= v < cbottom:
                        hit = k
                        break
                if hit is not None:
                    cells_of[r][hit].append(chars[i])
                    used[i] = True
                    break
        grid = []
        for row_cells in cells_of:
            cells = [clean_cell(lines_text(cell_chars)) for cell_chars in row_cells]
            if any(cells):
                grid.append(_strip_trailing(cells))
        grids.append(grid)
    # Chars inside a table's frame but in no cell (rare) stay as prose rather than vanish.
    return grids, [c for c, u in zip(chars, used) if not u]


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
    return extract_text([_on_baseline(c) for c in chars])


# pdfplumber's defaults for extract_text (x_tolerance, y_tolerance).
X_TOLERANCE = Y_TOLERANCE = 3


def extract_text(chars: list[Char]) -> str:
    """pdfplumber.utils.extract_text(chars) with its default settings, re-done without its
    per-call set-up (a page has one call per table cell; the cost was a third of a
    pdfium-engine page). Same steps, same result (tests/test_pdf.py checks it on corpus
    pages):

    1. runs of chars with the same "upright" are taken in turn;
    2. each run is clustered into lines by top (x0 for rotated text), values chained
       within the tolerance, chars in their original order inside a line; a line is
       sorted by x0 (top, bottom for rotated text);
    3. a line is cut into words at white-space chars (dropped), before a char that
       starts left of the previous one or more than the tolerance right of its end, or
       whose top (x0) moved by more than the tolerance; ligatures are expanded;
    4. words are clustered into lines by their top, joined by spaces and newlines.
    """
    from pdfplumber.utils.text import LIGATURES

    words: list[tuple[str, float]] = []  # (text, top) in pdfplumber's order
    i, n = 0, len(chars)
    while i < n:
        upright = chars[i]["upright"]
        j = i
        while j < n and chars[j]["upright"] == upright:
            j += 1
        run = chars[i:j]
        i = j
        if upright:
            line_key, sort_key = _top, _x0
            along0, along1, across = "x0", "x1", "top"
        else:
            line_key, sort_key = _x0, _top_bottom
            along0, along1, across = "top", "bottom", "x0"
        for line in _cluster(run, line_key, Y_TOLERANCE if upright else X_TOLERANCE):
            word: list[Char] = []
            for c in sorted(line, key=sort_key):
                text = c["text"]
                if text.isspace():
                    if word:
                        words.append(_word(word, LIGATURES))
                    word = []
                elif text == "":  # pdfplumber's split_at_punctuation test is `text in ""`
                    if word:
                        words.append(_word(word, LIGATURES))
                    words.append(_word([c], LIGATURES))
                    word = []
                elif word and _new_word(word[-1], c, along0, along1, across):
                    words.append(_word(word, LIGATURES))
                    word = [c]
                else:
                    word.append(c)
            if word:
                words.append(_word(word, LIGATURES))
    lines = _cluster(words, lambda w: w[1], Y_TOLERANCE)
    return "\n".join(" ".join(w[0] for w in line) for line in lines)


def _top(c: Char) -> float:
    return c["top"]


def _x0(c: Char) -> float:
    return c["x0"]


def _top_bottom(c: Char) -> tuple[float, float]:
    return (c["top"], c["bottom"])


def _new_word(prev: Char, c: Char, along0: str, along1: str, across: str) -> bool:
    tol = X_TOLERANCE  # x and y tolerances are equal, so rotated text needs no swap
    return (c[along0] < prev[along0] or c[along0] > prev[along1] + tol
            or abs(c[across] - prev[across]) > Y_TOLERANCE)


def _word(chars: list[Char], ligatures: dict[str, str]) -> tuple[str, float]:
    return ("".join(ligatures.get(c["text"], c["text"] or "") for c in chars), min(c["top"] for c in chars))


def _cluster(items: list, key, tolerance: float) -> list[list]:
    """pdfplumber's cluster_objects: distinct key values sorted and chained within the
    tolerance; items grouped by cluster, in their original order inside each."""
    values = sorted({key(x) for x in items})
    index: dict[float, int] = {}
    k, last = 0, None
    for v in values:
        if last is not None and v > last + tolerance:
            k += 1
        index[v] = k
        last = v
    groups: list[list] = [[] for _ in range(k + 1)] if values else []
    for x in items:
        groups[index[key(x)]].append(x)
    return groups


def _on_baseline(c: Char) -> Char:
    """A copy of the char whose top/bottom are its baseline, for line grouping only.

    For horizontal text the text matrix origin (matrix[5], PDF space) is the baseline;
    top + y1 is the same for every char of a page, so top + y1 - matrix[5] is the
    baseline in pdfplumber's top-down coordinates.
    """
    if "baseline" in c:  # the pdfium engine knows it (None: rotated or vertical text)
        base = c["baseline"]
        return c if base is None else {**c, "top": base, "bottom": base}
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

    from assistant.ingest.pdf_pdfium import LOCK

    engine = _ocr_engine(path)
    out = list(pages)
    try:
        with LOCK:  # PDFium is not thread-safe; the OCR itself runs outside the lock
            doc = pdfium.PdfDocument(str(path))
    except Exception as e:
        raise IngestError(f"{path}: cannot render PDF for OCR ({_one_line(e)})") from e
    try:
        for i in indexes:
            with LOCK:
                page = doc[i]
                bitmap = page.render(scale=OCR_SCALE)
                # to_numpy() is BGR, the channel order RapidOCR (OpenCV) expects; copied so
                # that the bitmap and page are closed here, under the lock.
                image = bitmap.to_numpy().copy()
                bitmap.close()
                page.close()
            out[i] = ocr_image(engine, image)
    except Exception as e:
        raise IngestError(f"{path}: OCR failed on page {i + 1} ({_one_line(e)})") from e
    finally:
        with LOCK:
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
