"""Reading source files: encodings (PEP 263 cookies, BOMs) and newlines."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass


class DecodeError(Exception):
    """The bytes cannot be turned into text; ``row`` is where it was noticed."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str
    bom: bool


def decode_source(data: bytes) -> SourceText:
    """Decode Python source bytes the way CPython does (BOM, coding cookie)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = str(exc).split(" (")[0]
        if "unknown encoding" in message or "encoding problem" in message:
            raise DecodeError(message) from exc
        # undecodable bytes in the first lines: let the decode below say where
        encoding = "utf-8"
    bom = encoding == "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        raise DecodeError(
            f"cannot decode file as {encoding}: invalid byte 0x{data[exc.start]:02x}",
            row,
            exc.start - line_start + 1,
        ) from exc
    except LookupError as exc:
        raise DecodeError(f"unknown encoding {encoding!r}") from exc
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise DecodeError("source contains a NUL byte", row)
    return SourceText(text=text, encoding=encoding, bom=bom)


def encode_source(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


# Python ends a line only at these; str.splitlines() also splits at form
# feed, \x0b, \x1c-\x1e, \x85, U+2028 and U+2029, which may sit inside a
# comment or a string and would shift every later line number.
_LINE_END = re.compile(r"\r\n|\r|\n")


def source_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of Python source ``text`` as the tokenizer numbers them
    (``str.splitlines`` semantics otherwise: no empty last line)."""
    if "\r" not in text and not keepends:
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return lines
    lines = []
    start = 0
    for match in _LINE_END.finditer(text):
        lines.append(text[start : match.end() if keepends else match.start()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def line_end_offsets(text: str) -> list[int]:
    """Offsets just past each line end (CR LF, CR or LF)."""
    return [match.end() for match in _LINE_END.finditer(text)]
