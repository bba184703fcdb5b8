"""One stated figure of one document, with where it stands (a table cell or a sentence)."""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Figure:
    """A figure as the document states it; every field a reader would filter or cite by.

    ``value_text`` is verbatim; ``value_wan`` is the same amount in 万元 (None for counts
    and percentages). ``span_start``/``span_end`` are offsets into the document's raw text
    of the quoted row or sentence, so the quote is a verbatim slice by construction.
    """

    doc_id: str
    origin: str  # "table" | "prose"
    item: str  # row label or the item a sentence names ("公务接待费")
    value_text: str  # as printed: "1,097,073.43"
    unit: str  # 元 / 万元 / 亿元 / 人 / 辆 / % …
    value_wan: float | None = None
    code: str = ""  # subject or project code of the row ("2010301", "434-1601-JXN-0UT4")
    table_title: str = ""  # the table's title ("2026年部门收支总表"); "" for prose
    column: str = ""  # header path ("2026年预算数 › 基本支出 › 人员经费"); prose: what was said
    measure: str = ""  # 本年 | 上年 | 决算 | 年初预算 | 变化 | 占比 …
    change_text: str = ""  # prose: "减少40.05万元"
    change_wan: float | None = None  # signed
    pct: str = ""  # prose: "25.6%"
    direction: str = ""  # 增加 | 减少 | 持平 | ""
    reason: str = ""  # prose: the reason the document gives, when it gives one
    section: str = ""
    line_start: int = 0
    line_end: int = 0
    page: int = 1
    span_start: int = 0
    span_end: int = 0
    quote: str = ""
    # Copied from the document's metadata so that a record stands on its own in SQLite.
    department: str = ""
    region: str = ""
    year: int | None = None
    doc_kind: str = ""

    def to_row(self) -> dict:
        # Every field is a str, number or None: no deep copy (dataclasses.asdict) needed.
        names = _FIELD_ORDER.get(type(self)) or _FIELD_ORDER.setdefault(type(self), tuple(f.name for f in fields(self)))
        return {n: getattr(self, n) for n in names}

    @classmethod
    def from_row(cls, row: dict) -> Figure:
        names = _FIELD_NAMES.get(cls) or _FIELD_NAMES.setdefault(cls, frozenset(f.name for f in fields(cls)))
        return cls(**{k: v for k, v in row.items() if k in names})


_FIELD_ORDER: dict[type, tuple[str, ...]] = {}
_FIELD_NAMES: dict[type, frozenset[str]] = {}  # from_row runs once per stored figure: fields() once
