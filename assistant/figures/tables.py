"""Table rows as records: label, subject or project code, value cells, column headers.

Tables reach us in every shape the readers produce: TAB-separated cells (our PDF and
Excel readers), space-separated rows of pdfplumber text ("2021 1493.51 1290.47 203.04"),
label and value glued ("合计1354.68", "1、因公出国（境）费用5.38"), two tables side by side
on one line ("一、财政拨款收入 371,514,655.00 一、一般公共服务支出 21,601,733.00"), or a
whole table flattened into one line ("家具用具分散自行组织48.00省政协全委会会议费140.20…").
All are read the same way: a line is cut into tokens; runs of numbers are values and the
text before them is their row's label. Column headers are the text lines above the first
row, used when their cells line up with the values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant import lexicon

# A value cell: 1,234.56 / 1234.56 / -19.11 / +406.39 / 0 / 12; not a year or code (see _is_label_number).
_NUM = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")
# Cut points inside a line: TAB, runs of spaces, and the border between text and a number
# ("合计1354.68"), except where the number goes on as text ("2026年", "30万元以下").
_TOKEN = re.compile(
    r"[（(]\d{1,2}[）)]"  # "（1）" numbering: text
    r"|\d{1,2}[、．](?!\d)"  # "1、" numbering: text
    r"|[-+]?\d[\d,]*(?:\.\d+)?%?[年月日万元亿以至-]"  # "2026年", "20万以下": text
    r"|[-+]?\d+[个人名项次辆台批届号周岁期级类](?![\d.])"  # "10台", "3人": a count in text
    r"|(?<![\d.,])20[0-4]\d(?![\d.,%])"  # a year ("比2025年", "2026“”"): text, never a value
    r"|[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?"  # a value
    r"|(?:[^\s\d（(]|[（(](?!\d{1,2}[）)]))+"  # a run of text (up to a "（1）")
    r"|\S")
_CODE = re.compile(r"^(?:\d{3}|\d{5}|\d{7}|\d{3}\s\d{2}(?:\s\d{2})?|[A-Za-z0-9]{2,}(?:-[A-Za-z0-9]{2,}){2,})$")
_YEAR = re.compile(r"^20[0-4]\d$")
_SPACED_CODE = re.compile(r"\s*(\d{3}[ \t]\d{2}(?:[ \t]\d{2})?)(?=[ \t]+(?:\D|[\d,]+\.\d))")
_TOTAL_LABEL = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计|合计数|本年合计)$")
_UNIT = re.compile(r"单位[:：]\s*(亿元|万元|千元|元)")
_PROSE_LABEL = re.compile(r"万元|比上年|比年|较上年|增加|减少|主要原因|主要用于|。")


@dataclass
class Row:
    label: str  # the row's text: "一般公共服务支出", "合计", "人大立法"
    code: str  # subject or project code on the row ("2010105"), "" if none
    values: list[str]  # value cells as printed
    spans: list[tuple[int, int]]  # offsets of each value in the chunk text
    start: int  # offsets of the whole row segment (label and values) in the chunk text
    end: int
    headers: list[str] = field(default_factory=list)  # column name per value ("" when unknown)
    title: str = ""  # the table's title (the section heading it stands under)
    unit: str = ""  # 万元 / 元 from "单位：…" above the table

    @property
    def is_total(self) -> bool:
        return bool(_TOTAL_LABEL.match(re.sub(r"\s+", "", self.label))) or self.label.strip() == ""

    def column(self, k: int) -> str:
        h = self.headers[k] if k < len(self.headers) else ""
        return h or f"第{k + 1}列"


def rows_of(text: str, title: str = "", unit: str = "") -> list[Row]:
    """Every row segment of a table's text (one chunk, or one paragraph)."""
    rows: list[Row] = []
    header: list[str] = []
    unit = unit or (_UNIT.search(text).group(1) if _UNIT.search(text) else "")
    pos = 0
    for line in text.split("\n"):
        line_rows = _segments(line, pos)
        if line_rows:
            rows += line_rows
        elif line.strip() and not rows:
            header.append(line)
        pos += len(line) + 1
    names = _header_cells(header)
    for r in rows:
        r.title, r.unit = title, unit
        r.headers = _align(names, len(r.values)) or standard_columns(title, len(r.values))
    return rows


def standard_columns(title: str, n: int) -> list[str]:
    """The columns of a standard disclosure table (lexicon/table_columns.tsv)."""
    flat = re.sub(r"[\s“”]", "", title)
    for pattern, count, columns in lexicon.load().table_columns:
        if count == n and re.search(pattern, flat):
            return list(columns)
    return []


def _align(names: list[str], n: int) -> list[str]:
    """Column names for n values: from the 合计/小计 column when the header has one
    ("功能科目编码 功能科目名称 合计 人员经费支出 公用经费支出 备注" for three values),
    else the last n names."""
    if not names or len(names) < n:
        return []
    start = next((i for i, c in enumerate(names) if re.fullmatch(r"合\s*计|小\s*计|总\s*计|本年合计", c)), None)
    if start is not None and start + n <= len(names):
        return names[start:start + n]
    return names[len(names) - n:]


def _segments(line: str, offset: int) -> list[Row]:
    """The row segments of one line: label text followed by a run of values."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(line)]
    spaced = _SPACED_CODE.match(line)
    if spaced:
        # "201 03 01\t行政运行\t80.20": a subject code written in class, item and section
        # parts is one label cell, not three values ("03", "01").
        tokens = [(spaced.group(1), spaced.start(1), spaced.end(1))] + [t for t in tokens if t[1] >= spaced.end(1)]
    out: list[Row] = []
    label: list[tuple[str, int, int]] = []
    values: list[tuple[str, int, int]] = []

    def flush() -> None:
        if values:
            text = "".join(t for t, _, _ in label).strip()
            code = ""
            if label and _CODE.match(label[0][0]) and not _YEAR.match(label[0][0]):
                code = re.sub(r"\s+", " ", label[0][0])  # "208\t05\t01" -> "208 05 01"
                text = "".join(t for t, _, _ in label[1:]).strip()
            start = label[0][1] if label else values[0][1]
            out.append(Row(text, code, [v for v, _, _ in values], [(offset + a, offset + b) for _, a, b in values],
                           offset + start, offset + values[-1][2]))
        label.clear()
        values.clear()

    for tok, a, b in tokens:
        if _NUM.fullmatch(tok) and not (not label and not values and _is_label_number(tok, line, b)):
            if not label and not values and out:
                out[-1].values.append(tok)  # a value cell after the previous row's values
                out[-1].spans.append((offset + a, offset + b))
                out[-1].end = offset + b
                continue
            values.append((tok, a, b))
        else:
            if values:
                flush()
            if tok.strip():
                label.append((tok, a, b))
    flush()
    # A line that is all text with one trailing number inside a sentence is prose, not a row;
    # so is a "label" that reads like a sentence ("年三公经费预算万元比年减少万元…").
    return [r for r in out if (r.label or len(r.values) >= 2) and not _PROSE_LABEL.search(r.label)
            and not _column_numbers(r.values)]


def _column_numbers(values: list[str]) -> bool:
    """"** 1 2 3", "栏次 1 2 3 4": the row that numbers a table's columns holds no figures."""
    return len(values) >= 2 and values == [str(i) for i in range(1, len(values) + 1)]


def _is_label_number(tok: str, line: str, end: int) -> bool:
    """A number opening a line that labels the row: a subject code (2010105), a year in a
    comparison table ("2021 1493.51 …"), a row number ("1 上海市…")."""
    if _CODE.match(tok) or _YEAR.match(tok):  # (years never reach here as values; see _TOKEN)
        return True
    rest = line[end:].lstrip()
    return tok.isdigit() and len(tok) <= 2 and bool(rest) and not _NUM.match(rest)


def _header_cells(lines: list[str]) -> list[str]:
    """Column names from the header lines above a table's first row: the cells of the
    last header line that has several (TAB- or space-separated)."""
    found = []
    for line in reversed(lines):
        cells = [c.strip() for c in re.split(r"\t|\s{2,}| ", line) if c.strip()]
        if len(cells) >= 2 and not _UNIT.search(line):
            # "功能分类科目名称 合计 基本支出 项目支出" above "类 款 项": the line with the
            # 合计 column names the value columns.
            if any(re.fullmatch(r"合\s*计|小\s*计|总\s*计|本年合计", c) for c in cells):
                return cells
            found = found or cells
    return found


def total_for(rows: list[Row]) -> Row | None:
    """The table's total row (合计/总计), when it has one."""
    return next((r for r in rows if r.is_total and r.values), None)
