"""Plain text files in UTF-8, GBK/GB18030 or UTF-16, detected from the bytes."""
from __future__ import annotations

from pathlib import Path

from assistant.records import IngestError, SourceText

# Encodings a Chinese government text realistically comes in, tried in this order
# before asking charset-normalizer (which can mistake short GBK text for other codecs).
_BOMS = [(b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")]


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding) or raise IngestError when the bytes are not text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
    for enc in ("utf-8", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, enc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _looks_like_text(str(best)):
        return str(best), best.encoding
    raise IngestError(f"{name}: not a text file (binary content or unknown encoding); "
                      f"save it as UTF-8 or GBK text")


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return bad / len(text) < 0.01


def read(path: Path) -> SourceText:
    data = Path(path).read_bytes()
    text, enc = decode(data, str(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(path=str(path), text=text, format="txt", encoding=enc)
