"""Tests for the format readers in assistant/ingest (pdf, xlsx, xls, docx, html).

Every input is generated here (tmp_path), except a few real disclosures read from
../shared/corpus when that folder exists. PDFs are written by hand: a page-description
string per page, a CJK font that needs no embedding (STSong-Light via UniGB-UCS2-H, which
pdfminer resolves itself), and optional RC4 encryption (Standard security handler,
revision 2) so that a password-protected file can be made without pypdf.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import struct
import time
from pathlib import Path

import pytest

from assistant.ingest import read_file
from assistant.records import IngestError

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
NEEDS_CORPUS = pytest.mark.skipif(not (CORPUS / "orig").is_dir(),
                                  reason=f"real corpus not present at {CORPUS} (only in the project workspace)")


# ---------------------------------------------------------------- a tiny PDF writer

def cjk(text: str) -> str:
    """A PDF string for font /F1 (UniGB-UCS2-H takes UCS-2 big-endian codes)."""
    return "<" + text.encode("utf-16-be").hex() + ">"


# /F1: Chinese, declared with a deep descent; /F2: Helvetica for digits. Same baseline,
# glyph boxes 4.7 pt apart at 12 pt - the font mix that breaks pdfplumber's line grouping.
_FONTS = {
    "F1": ("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
           "/DescendantFonts [{cid} 0 R] >>"),
    "F2": "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
}
_CID = ("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        "/FontDescriptor {desc} 0 R /DW 1000 >>")
_DESC = ("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -600 1000 880] "
         "/ItalicAngle 0 /Ascent 880 /Descent -600 /CapHeight 880 /StemV 93 >>")
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def make_pdf(pages: list[str], password: str | None = None, image: bool = False,
             rotate: int = 0, mediabox: tuple[float, float, float, float] = (0, 0, 595, 842)) -> bytes:
    """A valid PDF with one content stream per page (PDF 1.4, classic xref table).

    rotate: every page's /Rotate; mediabox: its /MediaBox (content is drawn in that space).
    """
    objs: dict[int, bytes] = {}
    objs[3] = _FONTS["F1"].format(cid=4).encode()
    objs[4] = _CID.format(desc=5).encode()
    objs[5] = _DESC.encode()
    objs[6] = _FONTS["F2"].encode()
    xobj = ""
    if image:  # an 8x8 grey picture, as a scanner would leave
        objs[7] = b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray " \
                  b"/BitsPerComponent 8 /Length 64 >>\nstream\n" + bytes(range(64)) + b"\nendstream"
        xobj = " /XObject << /Im1 7 0 R >>"
    first = 10
    kids = []
    streams: dict[int, bytes] = {}
    for n, content in enumerate(pages):
        page_id, content_id = first + 2 * n, first + 2 * n + 1
        kids.append(f"{page_id} 0 R")
        box = " ".join(f"{v:g}" for v in mediabox)
        extra = f" /Rotate {rotate}" if rotate else ""
        objs[page_id] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [{box}]{extra} /Contents {content_id} 0 R "
                         f"/Resources << /Font << /F1 3 0 R /F2 6 0 R >>{xobj} >> >>").encode()
        streams[content_id] = content.encode("latin-1")
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    file_id = hashlib.md5(b"budget-qa-test").digest()
    key = None
    trailer_extra = f" /ID [<{file_id.hex()}> <{file_id.hex()}>]"
    if password is not None:
        key, encrypt = _standard_security(password, file_id)
        objs[8] = encrypt
        trailer_extra += " /Encrypt 8 0 R"
    for num, data in streams.items():
        if key is not None:
            obj_key = hashlib.md5(key + struct.pack("<I", num)[:3] + b"\0\0").digest()[:len(key) + 5]
            data = _rc4(obj_key, data)
        objs[num] = f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"
    return _assemble(objs, trailer_extra)


def _standard_security(password: str, file_id: bytes) -> tuple[bytes, bytes]:
    """Revision 2 (40-bit RC4) of the Standard handler, PDF 1.7 spec algorithms 3.2-3.4."""
    user = (password.encode("latin-1") + _PAD)[:32]
    owner_key = hashlib.md5((b"owner-" + password.encode() + _PAD)[:32]).digest()[:5]
    o_value = _rc4(owner_key, user)
    p_value = -44  # print and copy not allowed; any value works for reading
    key = hashlib.md5(user + o_value + struct.pack("<i", p_value) + file_id).digest()[:5]
    u_value = _rc4(key, _PAD)
    encrypt = (f"<< /Filter /Standard /V 1 /R 2 /O <{o_value.hex()}> /U <{u_value.hex()}> "
               f"/P {p_value} >>").encode()
    return key, encrypt


def _assemble(objs: dict[int, bytes], trailer_extra: str) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    size = max(objs) + 1
    offsets = [0] * size
    for num in sorted(objs):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objs[num] + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        out += (f"{offsets[num]:010d} 00000 n \n" if num in objs else "0000000000 65535 f \n").encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R{trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def text_at(x: float, y: float, runs: list[tuple[str, str]], size: int = 12) -> str:
    """One line of text starting at (x, y); runs are (font, PDF string) drawn one after another."""
    ops = [f"BT {x} {y} Td"]
    for font, string in runs:
        ops.append(f"/{font} {size} Tf {string} Tj")
    return " ".join(ops) + " ET\n"


def grid(xs: list[float], ys: list[float]) -> str:
    """Ruling lines of a table: verticals at xs, horizontals at ys (PDF coordinates)."""
    ops = ["0.5 w"]
    for x in xs:
        ops.append(f"{x} {ys[-1]} m {x} {ys[0]} l S")
    for y in ys:
        ops.append(f"{xs[0]} {y} m {xs[-1]} {y} l S")
    return "\n".join(ops) + "\n"


def sentence_page() -> str:
    """'年初预算为2993.92万元，支出决算为2940.05万元。' with the numbers in Helvetica."""
    runs = [("F1", cjk("年初预算为")), ("F2", "(2993.92)"), ("F1", cjk("万元，支出决算为")),
            ("F2", "(2940.05)"), ("F1", cjk("万元。"))]
    return text_at(72, 760, runs) + text_at(72, 740, [("F1", cjk("其中：基本支出")), ("F2", "(2336.91)"),
                                                      ("F1", cjk("万元。"))])


def table_page() -> str:
    """A title, a ruled 3x3 table, and a sentence under it."""
    body = text_at(72, 700, [("F1", cjk("表七 “三公”经费预算表"))])
    body += text_at(72, 682, [("F1", cjk("单位：万元"))], size=10)
    body += grid([72, 220, 320, 420], [670, 650, 630, 610])
    rows = [[cjk("项目"), cjk("2025年"), cjk("2026年")],
            [cjk("公务接待费"), "(30.00)", "(28.50)"],
            [cjk("合计"), "", "(28.50)"]]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell:
                font = "F2" if cell.startswith("(") else "F1"
                body += text_at([76, 224, 324][c], 656 - 20 * r, [(font, cell)], size=10)
    return body + text_at(72, 580, [("F1", cjk("注：公务接待费比上年减少")), ("F2", "(1.50)"),
                                    ("F1", cjk("万元。"))])


@pytest.fixture()
def sample_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "sample_budget.pdf"
    path.write_bytes(make_pdf([sentence_page(), table_page()]))
    return path


# ---------------------------------------------------------------- PDF reader

def test_pdf_keeps_numbers_in_their_sentence(sample_pdf: Path) -> None:
    import pdfplumber

    with pdfplumber.open(sample_pdf) as pdf:
        plain = pdf.pages[0].extract_text()
    # The generated page really has the corpus quirk: pdfplumber alone splits the numbers off.
    assert "年初预算为 万元" in plain
    source = read_file(sample_pdf)
    assert source.format == "pdf"
    assert source.path == str(sample_pdf)
    lines = source.text.split("\n")
    assert lines[0] == "年初预算为2993.92万元，支出决算为2940.05万元。"
    assert lines[1] == "其中：基本支出2336.91万元。\f"


def test_pdf_pages_joined_by_form_feed_like_the_twins(sample_pdf: Path) -> None:
    text = read_file(sample_pdf).text
    assert text.count("\f") == 1
    assert "\f\n" in text
    lines = text.split("\n")

    def page_of(i: int) -> int:  # the citation rule: form feeds before the line, plus one
        return "\n".join(lines[:i]).count("\f") + 1

    assert page_of(lines.index("表七 “三公”经费预算表")) == 2
    assert page_of(1) == 1  # the last line of page 1 carries the form feed itself


def test_pdf_table_rows_follow_title_as_tab_rows(sample_pdf: Path) -> None:
    text = read_file(sample_pdf).text
    page2 = text.split("\f\n")[1].split("\n")
    assert page2 == [
        "表七 “三公”经费预算表",
        "单位：万元",
        "项目\t2025年\t2026年",
        "公务接待费\t30.00\t28.50",
        "合计\t\t28.50",
        "注：公务接待费比上年减少1.50万元。",
    ]
    assert text.count("公务接待费") == 2  # the table row and the note; no flattened copy


def test_pdf_invisible_boxes_are_not_a_table(tmp_path: Path) -> None:
    # Some converters draw a white box behind every text run (the Changsha PDFs);
    # pdfplumber alone finds "tables" in them and would cut sentences into cells.
    cells = [(x, y, w) for y in (675, 695) for x, w in ((70, 100), (170, 60), (230, 90))]
    boxes = "1 g\n" + "\n".join(f"{x} {y} {w} 20 re f" for x, y, w in cells) + "\n0 g\n"
    page = boxes + text_at(72, 700, [("F1", cjk("收入预算")), ("F2", "(1935.36)"), ("F1", cjk("万元，"))])
    page += text_at(72, 678, [("F1", cjk("其中一般公共预算拨款")), ("F2", "(1935.36)"), ("F1", cjk("万元。"))])
    path = tmp_path / "white_boxes.pdf"
    path.write_bytes(make_pdf([page]))
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        assert pdf.pages[0].find_tables()  # the trap is real
    assert read_file(path).text == "收入预算1935.36万元，\n其中一般公共预算拨款1935.36万元。"


def test_pdf_image_only_page_is_reported(tmp_path: Path) -> None:
    from assistant.ingest import pdf

    path = tmp_path / "with_scan_page.pdf"
    path.write_bytes(make_pdf([sentence_page(), "q 100 0 0 100 72 600 cm /Im1 Do Q\n"], image=True))
    source = read_file(path)
    assert source.text.endswith("\f\n")  # page 2 is there, empty
    assert len(source.warnings) == 1 and "2" in source.warnings[0] and path.name in source.warnings[0]
    if not pdf.ocr_available():
        assert "rapidocr_onnxruntime" in source.warnings[0]


def test_ocr_boxes_grouped_into_lines() -> None:
    from assistant.ingest.pdf import ocr_image

    def quad(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]

    def engine(_image: object) -> tuple[list, float]:
        return ([(quad(300, 102, 400, 128), "28.50万元", 0.9),
                 (quad(50, 100, 280, 126), "公务接待费预算", 0.9),
                 (quad(50, 140, 300, 166), "比上年减少1.50万元。", 0.9)], 0.1)

    assert ocr_image(engine, None) == "公务接待费预算 28.50万元\n比上年减少1.50万元。"
    assert ocr_image(lambda _i: (None, 0.0), None) == ""


@NEEDS_CORPUS
def test_pdf_real_disclosure_reading_order_and_tables() -> None:
    path = CORPUS / "orig" / "2024_sh_putuo_finance_bureau_final.pdf"
    twin = (CORPUS / "text" / f"{path.stem}.txt").read_text(encoding="utf-8")
    text = read_file(path).text
    assert text.count("\f") == twin.count("\f")  # same pages as the pdfplumber twin
    # The twin has "年初预算为 万元，支出决算为 万元" with the figures on the next line.
    assert "年初预算为 万元" in twin
    assert "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完" in text
    assert "一、一般公共预算财政拨款收入\t2,940.05\t一、一般公共服务支出\t2,106.66" in text
    assert "收入\t\t支出" in text  # header row, merged cells as empty strings


def test_pdf_without_text_layer_is_an_error_or_ocr(tmp_path: Path) -> None:
    from assistant.ingest import pdf

    path = tmp_path / "scan_only.pdf"
    path.write_bytes(make_pdf(["q 100 0 0 100 72 600 cm /Im1 Do Q\n"], image=True))
    with pytest.raises(IngestError) as err:
        read_file(path)
    msg = str(err.value)
    assert path.name in msg
    if not pdf.ocr_available():
        assert "no text layer" in msg and "OCR" in msg
    else:  # OCR ran, found nothing on a grey square, and the dispatcher refused an empty text
        assert "no text" in msg


@NEEDS_CORPUS
def test_pdf_real_scan() -> None:
    from assistant.ingest import pdf

    path = next((CORPUS / "orig" / "scanned").glob("*.pdf"))
    if not pdf.ocr_available():
        with pytest.raises(IngestError, match="no text layer"):
            read_file(path)
        return
    # With the OCR extra installed: one page only, ~5 s on two cores.
    text = pdf._ocr_pages(path, [0], [""])[0]
    assert "长沙" in text


# ---------------------------------------------------------------- bad input through read_file

def _error(path: Path) -> str:
    """The one-line message, without the path (whose tmp folder repeats the test's name)."""
    with pytest.raises(IngestError) as err:
        read_file(path)
    msg = str(err.value)
    assert path.name in msg, msg
    assert "\n" not in msg and "Traceback" not in msg, msg
    return msg.replace(str(path), "<file>")


def test_truncated_pdf(tmp_path: Path) -> None:
    data = make_pdf([sentence_page(), table_page()])
    path = tmp_path / "cut_off.pdf"
    path.write_bytes(data[: len(data) * 2 // 3])
    assert "truncated" in _error(path)


def test_password_protected_pdf(tmp_path: Path) -> None:
    import pdfplumber

    path = tmp_path / "locked.pdf"
    path.write_bytes(make_pdf([sentence_page()], password="secret"))
    # It is a real encrypted PDF: the right password opens it.
    with pdfplumber.open(path, password="secret") as pdf:
        assert "2993.92" in pdf.pages[0].extract_text()
    assert "password" in _error(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "garbled.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert "damaged" in _error(path)


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "really_a_page.pdf"
    path.write_text("<html>404 Not Found</html>", encoding="utf-8")
    assert "not a PDF" in _error(path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    assert "empty" in _error(path)


def test_binary_junk_named_txt(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(range(256)) * 64)
    assert "not a text file" in _error(path)


def test_huge_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with open(path, "wb") as f:
        f.truncate(200 * 2**20)  # sparse: no disk used
    start = time.monotonic()
    assert "MB" in _error(path)
    assert time.monotonic() - start < 1


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "budget.pages"
    path.write_text("x", encoding="utf-8")
    assert "unsupported" in _error(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".docx", ".xls"])
def test_junk_office_files(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"\x00\x01 not an office file " * 50)
    _error(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_encrypted_office_files(tmp_path: Path, suffix: str) -> None:
    # Office encrypts OOXML into an OLE compound file; its magic number is enough to tell.
    path = tmp_path / f"locked{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert "password" in _error(path)


# ---------------------------------------------------------------- XLSX / XLS

def _workbook(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "三公经费"
    ws.append(["2026年“三公”经费预算表"])
    ws.append([])
    ws.append(["项目", "预算数", None, "占比"])
    ws.merge_cells("B3:C3")
    ws.append(["公务接待费", 28.499999999999996, None, 0.1234])
    ws["B4"].number_format = "0.00"
    ws["D4"].number_format = "0.00%"
    ws.append(["合计", 1234567.891, 3, None])
    ws["B5"].number_format = "#,##0.00"
    ws.append(["事业单位\n经营收入", 0.1 + 0.2, dt.datetime(2026, 1, 31), True])
    ws.append(["科目", 2, "2.50", None])
    ws["B7"].number_format = "00"
    wb.create_sheet("空表")
    wb.save(path)
    return path


def test_xlsx_rows_as_tab_lines(tmp_path: Path) -> None:
    source = read_file(_workbook(tmp_path / "sangong.xlsx"))
    assert source.format == "xlsx"
    assert source.text.split("\n") == [
        "### sheet: 三公经费",
        "2026年“三公”经费预算表",
        "项目\t预算数\t\t占比",
        "公务接待费\t28.50\t\t12.34%",
        "合计\t1,234,567.89\t3",
        "事业单位经营收入\t0.3\t2026-01-31\tTRUE",
        "科目\t02\t2.50",
        "### sheet: 空表",
    ]


def test_xls_named_file_that_is_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    _workbook(path)
    renamed = path.rename(tmp_path / "export.xls")
    source = read_file(renamed)
    assert "公务接待费\t28.50\t\t12.34%" in source.text
    assert any("xlsx" in w for w in source.warnings)


def test_xls_named_file_that_is_html(tmp_path: Path) -> None:
    path = tmp_path / "web_export.xls"
    path.write_bytes("<html><body><table><tr><td>公务接待费</td><td>28.50</td></tr></table></body></html>"
                     .encode("gbk"))
    assert read_file(path).text == "公务接待费\t28.50"


@NEEDS_CORPUS
def test_xls_real_template() -> None:
    path = CORPUS / "orig" / "template_sh_putuo_2026_unit_budget_template.xls"
    source = read_file(path)
    assert source.format == "xls"
    lines = source.text.split("\n")
    assert lines[0].startswith("### sheet: ")
    assert "205\t02\t05\t高等教育" in lines
    assert "编制单位：\t\t\t\t\t\t单位：元" in lines


def test_xls_number_formats_via_stub() -> None:
    # xlwt (the only .xls writer) is not a dependency, so the cell rendering is checked
    # on a stand-in for xlrd's book/cell objects.
    import xlrd

    from assistant.ingest.xls import _cell

    class Fmt:
        format_str = "#,##0.00"

    class XF:
        format_key = 7

    class Book:
        formatting_info = True
        xf_list = [XF()]
        format_map = {7: Fmt()}
        datemode = 0

    class Cell:
        def __init__(self, ctype: int, value: object) -> None:
            self.ctype, self.value, self.xf_index = ctype, value, 0

    assert _cell(Book(), Cell(xlrd.XL_CELL_NUMBER, 2940.049999999999)) == "2,940.05"
    assert _cell(Book(), Cell(xlrd.XL_CELL_DATE, 46053.0)) == "2026-01-31"
    assert _cell(Book(), Cell(xlrd.XL_CELL_TEXT, "行政\n运行")) == "行政运行"
    assert _cell(Book(), Cell(xlrd.XL_CELL_EMPTY, "")) == ""


# ---------------------------------------------------------------- DOCX

def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_heading("四、“三公”经费预算情况说明", level=1)
    doc.add_paragraph("2026年“三公”经费预算数为28.50万元。")
    table = doc.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "预算数"
    for col, value in enumerate(["公务接待费", "30.00", "28.50"]):
        table.cell(1, col).text = value
    table.cell(2, 0).text = "合计"
    table.cell(1, 2).merge(table.cell(2, 2))  # 28.50 spans two rows
    doc.add_paragraph("目录\t3")
    para = doc.add_paragraph("第一行")
    para.add_run().add_break()
    para.add_run("第二行")
    path = tmp_path / "note.docx"
    doc.save(path)
    source = read_file(path)
    assert source.format == "docx"
    assert source.text.split("\n") == [
        "四、“三公”经费预算情况说明",
        "2026年“三公”经费预算数为28.50万元。",
        "项目\t预算数",
        "公务接待费\t30.00\t28.50",
        "合计",
        "目录 3",
        "第一行",
        "第二行",
    ]


# ---------------------------------------------------------------- HTML

_PAGE = """<!DOCTYPE html><html><head>{meta}<title>部门预算</title>
<style>.x {{ color: red }}</style><script>var menu = "首页";</script></head>
<body><nav><a href="/">首页</a> <a href="/zwgk">政务公开</a></nav>
<div class="crumb" style="display: none">当前位置：首页</div>
<h1>重庆市交通委员会2018年部门预算情况说明</h1>
<p>一、“三公”经费&nbsp;预算<b>28.50</b>万元，<br>比上年减少1.50万元。</p>
<table><tr><th rowspan="2">项目</th><th colspan="2">预算数</th></tr>
<tr><td>2017年</td><td>2018年</td></tr>
<tr><td>公务接待费</td><td>30.00</td><td>28.50</td></tr></table>
<!-- 注释 --><ul><li>附件1</li><li>附件2</li></ul></body></html>"""

_EXPECTED = [
    "重庆市交通委员会2018年部门预算情况说明",
    "一、“三公”经费 预算28.50万元，",
    "比上年减少1.50万元。",
    "项目\t预算数",
    "\t2017年\t2018年",
    "公务接待费\t30.00\t28.50",
    "附件1",
    "附件2",
]


@pytest.mark.parametrize("meta", ["", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'])
def test_html_gbk_page(tmp_path: Path, meta: str) -> None:
    path = tmp_path / "budget2017.htm"
    path.write_bytes(_PAGE.format(meta=meta).encode("gbk"))
    source = read_file(path)
    assert source.format == "html"
    assert source.encoding == "gb18030"
    assert source.text.split("\n") == _EXPECTED


def test_html_utf8_page(tmp_path: Path) -> None:
    path = tmp_path / "budget.html"
    path.write_text(_PAGE.format(meta='<meta charset="utf-8">'), encoding="utf-8")
    assert read_file(path).text.split("\n") == _EXPECTED
