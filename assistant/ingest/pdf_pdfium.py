"""The fast PDF engine: characters and ruling lines from PDFium (C++), same page logic.

pdfminer (under pdfplumber) spends ~0.1 s a page interpreting content streams in Python;
PDFium does it in C++ in a few milliseconds. This module turns PDFium's view of a page
into what assistant.ingest.pdf's page logic expects from pdfplumber:

- chars: dicts with text, x0/x1 (origin to origin + advance, as pdfminer), top/bottom
  (pdfminer's box: the font's descent under the baseline, one font size tall), upright,
  size, fontname, and the baseline itself (so no matrix arithmetic is needed later);
- edges: the page's path objects painted with a visible colour, turned into pdfminer's
  shapes (a lone segment is a line, a closed axis-aligned four-point path a rect, the rest
  curves, one shape per subpath) and then into pdfplumber's edges, which pdfplumber's
  table finder reads (find_tables). Pages with fewer than two edges each way skip it.

All coordinates are top-down in the page as displayed (/Rotate applied), like pdfplumber's.
PDFium is not thread-safe: every call into it holds LOCK.
"""
from __future__ import annotations

import ctypes
import math
import threading
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as R

LOCK = threading.RLock()

Char = dict[str, Any]
Matrix = tuple[float, float, float, float, float, float]

_PATH, _FORM, _IMAGE, _TEXT = R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_FORM, R.FPDF_PAGEOBJ_IMAGE, R.FPDF_PAGEOBJ_TEXT
_LINETO, _BEZIERTO, _MOVETO = R.FPDF_SEGMENT_LINETO, R.FPDF_SEGMENT_BEZIERTO, R.FPDF_SEGMENT_MOVETO
# An 8-bit channel at or above this is "white" (pdfplumber's test: every component >= 0.99).
_WHITE = 0.99 * 255


class PdfPasswordError(Exception):
    pass


def open_document(path: Path) -> Any:
    """A PdfDocument; PdfPasswordError when encrypted, PdfiumError for anything else."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == R.FPDF_ERR_PASSWORD:
            raise PdfPasswordError(str(e)) from e
        raise


def extract_pages(path: Path, page_text, fallback_page) -> tuple[list[str], list[int]]:
    """Text of every page and the indexes of image-only pages.

    page_text(chars, tables) composes a page; fallback_page(index) reads one page with
    pdfplumber instead, for the rare page whose text PDFium leaves out (see _unseen_text).
    Raises PdfPasswordError, or pdfium.PdfiumError when PDFium cannot read the file.
    """
    pages: list[str] = []
    image_only: list[int] = []
    fonts: dict = {}
    with LOCK:
        doc = open_document(path)
        try:
            for i in range(len(doc)):
                page = doc[i]
                try:
                    chars, edges, images, unseen = page_objects(page, fonts)
                finally:
                    page.close()
                if unseen:
                    text = fallback_page(i)
                else:
                    text = page_text(dedupe_chars(chars), find_tables(edges))
                if not text.strip() and images:
                    image_only.append(i)
                pages.append(text)
        finally:
            doc.close()
    return pages, image_only


# ---------------------------------------------------------------- geometry

def _display_matrix(page: Any) -> Matrix:
    """PDF user space -> top-down display space (x right, y down), /Rotate applied.

    The origin is the media box's top-left corner as displayed, like pdfplumber's.
    """
    x0, y0, x1, y1 = page.get_mediabox()
    rot = page.get_rotation() % 360
    if rot == 90:  # X = y - y0, Y = x - x0
        return (0.0, 1.0, 1.0, 0.0, -x0, -y0)
    if rot == 180:  # X = x1 - x, Y = y - y0
        return (-1.0, 0.0, 0.0, 1.0, x1, -y0)
    if rot == 270:  # X = y1 - y, Y = x1 - x
        return (0.0, -1.0, -1.0, 0.0, x1, y1)
    return (1.0, 0.0, 0.0, -1.0, -x0, y1)  # X = x - x0, Y = y1 - y


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n (row-vector convention, as in PDF: p' = p x m x n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _get_matrix(obj: Any, fsm: Any) -> Matrix:
    if not R.FPDFPageObj_GetMatrix(obj, fsm):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (fsm.a, fsm.b, fsm.c, fsm.d, fsm.e, fsm.f)


# ---------------------------------------------------------------- one page

def page_objects(page: Any, fonts: dict | None = None) -> tuple[list[Char], list[dict], int, bool]:
    """(chars, visible edges, number of image objects, text left out) of one page.

    fonts caches _lacks_space per font across the pages of a document.
    """
    disp = _display_matrix(page)
    edges: list[dict] = []
    texts: list[Any] = []
    images = _walk_objects(page, disp, edges, texts)
    textpage = page.get_textpage()
    try:
        chars, seen = _chars(textpage.raw, disp)
    finally:
        textpage.close()
    return chars, edges, images, _unseen_text(texts, seen, {} if fonts is None else fonts)


def _unseen_text(texts: list[Any], seen: set[int], fonts: dict) -> bool:
    """Whether PDFium's text page left out a text object that may hold more than a space.

    PDFium skips text objects whose glyphs have no width on the page: a lone space (Word
    writes many), but also a character whose glyph is missing from a subset font (the
    Beijing audit bureau's title "北京市审计局 2026 年度部门预算信息公开" is such: drawn
    invisibly, read by pdfminer). PDFium does not tell the text of a skipped object, so
    the test is on its font: a font that cannot encode any space character cannot have
    drawn a space. 13 of 7,214 corpus pages answer yes.
    """
    for obj in texts:
        if (ctypes.cast(obj, ctypes.c_void_p).value or 0) in seen:
            continue
        font = R.FPDFTextObj_GetFont(obj)
        if not font:
            continue
        # The name guards against a freed font's address reused by another on a later page.
        key = (ctypes.cast(font, ctypes.c_void_p).value, _font_name(font))
        if key not in fonts:
            fonts[key] = _lacks_space(font)
        if fonts[key]:
            return True
    return False


def _font_name(font: Any) -> bytes:
    buf = ctypes.create_string_buffer(256)
    n = R.FPDFFont_GetBaseFontName(font, buf, 256)
    return buf.raw[:max(n - 1, 0)] if 0 < n <= 256 else b""


def _lacks_space(font: Any) -> bool:
    """PDFium maps an unknown character to code 0, so a space whose width is that of code
    0 is taken as absent (a space as wide as the font's default width counts as absent
    too; the cost of that mistake is one page read by pdfplumber)."""
    w = ctypes.c_float()
    size = ctypes.c_float(1000.0)

    def width(u: int) -> float | None:
        return w.value if R.FPDFFont_GetGlyphWidth(font, u, size, w) else None

    unknown = width(0xFFFF)
    return all(width(u) == unknown for u in (0x20, 0x3000, 0xA0))


def _walk_objects(page: Any, disp: Matrix, edges: list[dict], texts: list[Any]) -> int:
    """Append the edges of visible paths (forms included) to edges and the text objects
    to texts; return the image count."""
    fsm = R.FS_MATRIX()
    images = 0
    stack = [(R.FPDFPage_CountObjects(page.raw), lambda k, _p=page.raw: R.FPDFPage_GetObject(_p, k), disp)]
    while stack:
        count, get, outer = stack.pop()
        for k in range(count):
            obj = get(k)
            kind = R.FPDFPageObj_GetType(obj)
            if kind == _PATH:
                _path_edges(obj, _mul(_get_matrix(obj, fsm), outer), edges)
            elif kind == _TEXT:
                texts.append(obj)
            elif kind == _FORM:
                inner = _mul(_get_matrix(obj, fsm), outer)
                stack.append((R.FPDFFormObj_CountObjects(obj),
                              lambda k, _o=obj: R.FPDFFormObj_GetObject(_o, k), inner))
            elif kind == _IMAGE:
                images += 1
    return images


def _visible_paint(obj: Any) -> tuple[bool, bool]:
    """(visible stroke, visible fill) of a path object: painted, and not in white."""
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    if not R.FPDFPath_GetDrawMode(obj, fillmode, stroke):
        return False, False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    vis_stroke = vis_fill = False
    if stroke.value:
        vis_stroke = not (R.FPDFPageObj_GetStrokeColor(obj, r, g, b, a)
                          and min(r.value, g.value, b.value) >= _WHITE)
    if fillmode.value:
        vis_fill = not (R.FPDFPageObj_GetFillColor(obj, r, g, b, a)
                        and min(r.value, g.value, b.value) >= _WHITE)
    return vis_stroke, vis_fill


def _path_edges(obj: Any, m: Matrix, edges: list[dict]) -> None:
    vis_stroke, vis_fill = _visible_paint(obj)
    if not (vis_stroke or vis_fill):
        return  # unpainted, or an invisible white box behind text (the Changsha converter)
    n = R.FPDFPath_CountSegments(obj)
    x, y = ctypes.c_float(), ctypes.c_float()
    # pdfminer's view of the path: ops m/l/c/h, one point per op (a curve's end point).
    subpaths: list[tuple[str, list[tuple[float, float]]]] = []
    ops: list[str] = []
    pts: list[tuple[float, float]] = []
    bezier_left = 0
    for s in range(n):
        seg = R.FPDFPath_GetPathSegment(obj, s)
        kind = R.FPDFPathSegment_GetType(seg)
        R.FPDFPathSegment_GetPoint(seg, x, y)
        p = _apply(m, x.value, y.value)
        if kind == _MOVETO:
            if ops:
                subpaths.append(("".join(ops), pts))
            ops, pts = ["m"], [p]
        elif kind == _BEZIERTO:
            # PDFium stores a curve as three BEZIERTO points; pdfminer keeps the end point.
            bezier_left = bezier_left - 1 if bezier_left else 2
            if bezier_left:
                continue
            ops.append("c")
            pts.append(p)
        else:
            ops.append("l")
            pts.append(p)
        if R.FPDFPathSegment_GetClose(seg) and ops:
            ops.append("h")
            pts.append(pts[0])
    if ops:
        subpaths.append(("".join(ops), pts))
    for shape, points in subpaths:
        edges.extend(_shape_edges(shape, points))


def _shape_edges(shape: str, pts: list[tuple[float, float]]) -> list[dict]:
    """pdfminer's paint_path classification, then pdfplumber's obj_to_edges."""
    from pdfplumber.utils import curve_to_edges, line_to_edge, rect_to_edges

    if not shape.startswith("m"):
        return []
    if len(shape) > 3 and shape.endswith("lh") and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-1]
    if shape in ("mlh", "ml"):
        (ax, ay), (bx, by) = pts[0], pts[1]
        return [line_to_edge(_box("line", min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))]
    if shape in ("mlllh", "mllll") and len(pts) == 5:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or \
                 (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if last == pts[0] and square:
            return rect_to_edges(_box("rect", min(x0, x2), min(y0, y2), max(x0, x2), max(y0, y2)))
    if len(pts) < 2:
        return []
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    curve = _box("curve", min(xs), min(ys), max(xs), max(ys))
    curve["pts"] = pts
    return curve_to_edges(curve)


def _box(kind: str, x0: float, top: float, x1: float, bottom: float) -> dict:
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "y0": -bottom, "y1": -top, "width": x1 - x0, "height": bottom - top}


def find_tables(edges: list[dict]) -> list[Any]:
    """pdfplumber's TableFinder (default settings) over these edges; [] when too few.

    Its steps are pdfplumber's own (edge merging, intersections, cells to tables) except
    intersections_to_cells, re-done with the edge sets of each point made once: pdfplumber
    rebuilds them for every pair of points it tests, a fifth of a pdfium-engine page.
    """
    h = sum(1 for e in edges if e["orientation"] == "h" and e["width"] >= 1)
    v = sum(1 for e in edges if e["orientation"] == "v" and e["height"] >= 1)
    if h < 2 or v < 2:  # a table cell needs two of each
        return []
    from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections

    page = _EdgePage(edges)
    finder = TableFinder.__new__(TableFinder)  # its __init__ would find the cells the slow way
    finder.page, finder.settings = page, TableSettings.resolve(None)
    merged = finder.get_edges()
    points = edges_to_intersections(merged, finder.settings.intersection_x_tolerance,
                                    finder.settings.intersection_y_tolerance)
    return [Table(page, cells) for cells in cells_to_tables(intersections_to_cells(points))]


def intersections_to_cells(intersections: dict) -> list[tuple[float, float, float, float]]:
    """pdfplumber.table.intersections_to_cells, same cells in the same order.

    For each point (sorted), the smallest cell whose top-left it is: the first point below
    it joined by a vertical edge and the first point right of it joined by a horizontal
    edge such that their corner point exists and joins both.
    """
    from pdfplumber.utils import obj_to_bbox

    vsets = {p: {obj_to_bbox(e) for e in es["v"]} for p, es in intersections.items()}
    hsets = {p: {obj_to_bbox(e) for e in es["h"]} for p, es in intersections.items()}

    def connects(p1: tuple, p2: tuple) -> bool:
        if p1[0] == p2[0] and not vsets[p1].isdisjoint(vsets[p2]):
            return True
        return p1[1] == p2[1] and not hsets[p1].isdisjoint(hsets[p2])

    points = sorted(intersections)
    by_x: dict[float, list[tuple]] = {}
    by_y: dict[float, list[tuple]] = {}
    for p in points:  # in sorted order, so each list is sorted too
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)
    below_of = {p: col[k + 1:] for col in by_x.values() for k, p in enumerate(col)}
    right_of = {p: row[k + 1:] for row in by_y.values() for k, p in enumerate(row)}
    cells = []
    for pt in points[:-1]:
        right = [r for r in right_of[pt] if connects(pt, r)]
        for below in below_of[pt]:
            if not connects(pt, below):
                continue
            cell = None
            for r in right:
                corner = (r[0], below[1])
                if corner in intersections and connects(corner, r) and connects(corner, below):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell:
                cells.append(cell)
                break
    return cells


class _EdgePage:
    """What TableFinder reads of a page with the "lines" strategies: its edges (bbox only
    for the "explicit" strategies, not used here)."""

    bbox = (0.0, 0.0, 0.0, 0.0)

    def __init__(self, edges: list[dict]):
        self.edges = edges


# ---------------------------------------------------------------- characters

def _void_fn(name: str, argtypes: tuple) -> Any:
    """A private copy of a PDFium function that returns its pointer as an int (or None),
    sparing a ctypes.cast per character; pypdfium2's own binding is left as it is."""
    try:
        from pypdfium2_raw import bindings

        fn = bindings._libs["pdfium"][name]  # a new function object from the loaded library
    except (ImportError, AttributeError, KeyError, TypeError):  # another pypdfium2 layout
        original = getattr(R, name)

        def slow(*args: Any) -> int | None:
            args = tuple(ctypes.cast(a, t) if isinstance(a, int) and t is not ctypes.c_int else a
                         for a, t in zip(args, original.argtypes))
            return ctypes.cast(original(*args), ctypes.c_void_p).value

        return slow
    fn.argtypes, fn.restype = argtypes, ctypes.c_void_p
    return fn


_text_object = _void_fn("FPDFText_GetTextObject", (R.FPDF_TEXTPAGE, ctypes.c_int))
_text_object_font = _void_fn("FPDFTextObj_GetFont", (ctypes.c_void_p,))


def _chars(tp: Any, disp: Matrix) -> tuple[list[Char], set[int]]:
    """Characters of a text page (PDFium's own spaces and line breaks left out), and the
    text objects they come from."""
    n = R.FPDFText_CountChars(tp)
    rect = R.FS_RECTF()
    fsm = R.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    is_generated, get_unicode = R.FPDFText_IsGenerated, R.FPDFText_GetUnicode
    loose_box, get_origin, get_obj = R.FPDFText_GetLooseCharBox, R.FPDFText_GetCharOrigin, _text_object
    da, db, dc, dd, de, df = disp
    objs: dict[int, tuple] = {}
    fonts: dict[int, float] = {}
    out: list[Char] = []
    pending_high = ""
    for i in range(n):
        if is_generated(tp, i) == 1:
            continue
        u = get_unicode(tp, i)
        if 0xD800 <= u < 0xDC00:  # a high surrogate: the next char completes it
            pending_high = chr(u)
            continue
        if u == 2:  # PDFium marks a hyphen at a line end this way; pdfminer keeps the "-"
            text = "-"
        elif pending_high:
            text = (pending_high + chr(u)).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        elif u == 0:
            continue
        else:
            text = chr(u)
        pending_high = ""
        key = get_obj(tp, i) or 0
        info = objs.get(key)
        if info is None:
            info = objs[key] = _object_info(tp, i, key, disp, fsm, fonts)
        fontname, size, desc, upright, horizontal = info
        if not loose_box(tp, i, rect):
            continue
        # Box corners in display space (rotation keeps boxes axis-aligned).
        ax, ay = da * rect.left + dc * rect.top + de, db * rect.left + dd * rect.top + df
        bx, by = da * rect.right + dc * rect.bottom + de, db * rect.right + dd * rect.bottom + df
        x0, x1 = (ax, bx) if ax <= bx else (bx, ax)
        if horizontal:
            # PDFium's loose box spans the advance like pdfminer's; pdfminer's height is
            # one font size from the descent under the baseline.
            get_origin(tp, i, ox, oy)
            base = db * ox.value + dd * oy.value + df
            bottom = base - desc * size
            top = bottom - size
        else:
            base = None
            top, bottom = (ay, by) if ay <= by else (by, ay)
        out.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
                    "upright": upright, "size": size, "fontname": fontname, "baseline": base})
    return out, set(objs)


def _object_info(tp: Any, i: int, obj: int, disp: Matrix, fsm: Any, fonts: dict[int, float]) -> tuple:
    """(font id, size, descent per size unit, upright, horizontal) of char i's text object."""
    if R.FPDFText_GetMatrix(tp, i, fsm):
        m = (fsm.a, fsm.b, fsm.c, fsm.d, 0.0, 0.0)
    else:
        m = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    # PDFium's font size is the Tf operand; pdfminer's is the glyph height on the page.
    size = R.FPDFText_GetFontSize(tp, i) * math.hypot(m[2], m[3])
    # Display space is y-down; pdfminer's tests are made y-up, so flip back the y axis.
    a, b, c, d, _, _ = _mul(m, (disp[0], -disp[1], disp[2], -disp[3], 0.0, 0.0))
    upright = 0 < a * d and b * c <= 0
    horizontal = upright and a > 0 and abs(b) <= 0.01 * a
    font = (_text_object_font(obj) or 0) if obj else 0
    desc = fonts.get(font)
    if desc is None:
        desc = fonts[font] = _descent(font)
    return font, size, desc, upright, horizontal


def _descent(font: int) -> float:
    """The font's descent per unit of size, negative (pdfminer's: 0 when unknown)."""
    descent = ctypes.c_float()
    if not font or not R.FPDFFont_GetDescent(ctypes.cast(font, R.FPDF_FONT), ctypes.c_float(1000.0), descent):
        return 0.0
    desc = -abs(descent.value) / 1000.0
    return desc if desc >= -1 else 0.0


# ---------------------------------------------------------------- de-duplication

def dedupe_chars(chars: list[Char], tolerance: float = 1) -> list[Char]:
    """pdfplumber's dedupe_chars (same text, font and size within 1 pt: one copy), without
    its quadratic return to the original order.

    Fake-bold headings draw each glyph several times ("表表表表表表1"); the first copy by
    (doctop, x0) is kept, in the original order.
    """
    groups: dict[tuple, list[int]] = {}
    for i, c in enumerate(chars):
        groups.setdefault((c["upright"], c["text"], c["fontname"], c["size"]), []).append(i)
    keep: list[int] = []
    for idx in groups.values():
        if len(idx) == 1:
            keep.append(idx[0])
            continue
        for y_cluster in _cluster(idx, lambda i: chars[i]["doctop"], tolerance):
            for x_cluster in _cluster(y_cluster, lambda i: chars[i]["x0"], tolerance):
                keep.append(min(x_cluster, key=lambda i: (chars[i]["doctop"], chars[i]["x0"], i)))
    keep.sort()
    return [chars[i] for i in keep]


def _cluster(items: list[int], key, tolerance: float) -> list[list[int]]:
    """pdfplumber's cluster_objects: sort by key, chain values within tolerance."""
    if len(items) < 2:
        return [items]
    ordered = sorted(items, key=key)
    out = [[ordered[0]]]
    last = key(ordered[0])
    for i in ordered[1:]:
        v = key(i)
        if v <= last + tolerance:
            out[-1].append(i)
        else:
            out.append([i])
        last = v
    return out


