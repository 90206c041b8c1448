"""Detecting the text encoding of survey files, line by line where the file is mixed.

A byte-order mark decides. Else ASCII, then UTF-8 for the whole file. A file that is not
valid UTF-8 as a whole but whose other non-ASCII lines are (a UTF-8 export into which a few
rows were pasted from a cp1252 program, or one stray byte among Chinese answers) is decoded
*line by line*: every valid UTF-8 sequence as UTF-8 and every byte that is not as cp1252,
and the lines concerned are returned so that the reader reports their rows ("mixed
encoding"); one bad byte never changes how the rest of the file is read. Only a file with no
valid multi-byte UTF-8 line at all is decoded as a whole in a legacy encoding: UTF-16
without BOM (zero bytes), then GB18030 or cp1252 (cp1252 first when most runs of non-ASCII
bytes have odd length: accented letters among ASCII rather than two-byte characters), else
Latin-1.

Written by hand because the stdlib decoders and charset detectors (chardet,
charset-normalizer) choose one encoding per file, which is exactly the failure to avoid.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

__all__ = ["decode_text", "Decoded", "LINE"]

#: One physical line with its ending (``\r\n``, ``\r`` or ``\n``), as the csv module splits.
LINE = re.compile(rb"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass
class Decoded:
    """UTF-8 bytes without BOM, the encoding detected, the BOM name (or None), and the
    0-based physical lines that were not UTF-8 in a mostly UTF-8 file."""

    data: bytes
    encoding: str
    bom: str | None
    mixed_lines: list = field(default_factory=list)


def _hybrid_line(line: bytes) -> str:
    """Decode UTF-8 where valid, each invalid byte as cp1252 (Latin-1 for its 5 holes)."""
    out, pos = [], 0
    while pos < len(line):
        try:
            out.append(line[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(line[pos:pos + exc.start].decode("utf-8"))
            bad = line[pos + exc.start:pos + exc.end]
            out.append(bad.decode("cp1252", errors="ignore") or bad.decode("latin-1"))
            pos += exc.end
    return "".join(out)


def _mixed_utf8(body: bytes, force: bool = False) -> Decoded | None:
    """Line-by-line decoding when some non-ASCII lines are valid UTF-8 (or ``force``: the
    file declares UTF-8 by its BOM); None otherwise."""
    lines = LINE.findall(body)
    good_non_ascii = 0
    bad: list[int] = []
    for k, ln in enumerate(lines):
        if ln.isascii():
            continue
        try:
            ln.decode("utf-8")
            good_non_ascii += 1
        except UnicodeDecodeError:
            bad.append(k)
    if not bad or not (good_non_ascii or force):
        return None
    bad_set = set(bad)
    parts = [_hybrid_line(ln).encode("utf-8") if k in bad_set else ln for k, ln in enumerate(lines)]
    return Decoded(b"".join(parts), "utf-8 (mixed with cp1252 lines)", None, bad)


def decode_text(raw: bytes) -> Decoded:
    """Decode a text file to UTF-8 bytes; see the module docstring for the rules."""
    for bom, enc, name in (
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
    ):
        if raw.startswith(bom):
            body = raw[len(bom):]
            if enc == "utf-8":
                try:
                    body.decode("utf-8")
                    return Decoded(body, "utf-8", name)
                except UnicodeDecodeError:
                    d = _mixed_utf8(body, force=True)
                    d.bom = name
                    return d
            return Decoded(body.decode(enc, errors="replace").encode("utf-8"), enc, name)
    if raw.isascii():
        return Decoded(raw, "ascii", None)
    if _valid_utf8(raw):
        return Decoded(raw, "utf-8", None)
    # UTF-16 without BOM: every other byte zero in ASCII-heavy text
    head = raw[:4096]
    if len(head) >= 4 and head[1::2].count(0) > 0.4 * len(head[1::2]):
        return Decoded(raw.decode("utf-16-le", errors="replace").encode("utf-8"), "utf-16-le", None)
    if len(head) >= 4 and head[0::2].count(0) > 0.4 * len(head[0::2]):
        return Decoded(raw.decode("utf-16-be", errors="replace").encode("utf-8"), "utf-16-be", None)
    mixed = _mixed_utf8(raw)
    if mixed is not None:
        return mixed
    for enc in (("cp1252", "gb18030") if _single_byte_text(raw) else ("gb18030", "cp1252")):
        try:
            return Decoded(raw.decode(enc).encode("utf-8"), enc, None)
        except UnicodeDecodeError:
            continue
    return Decoded(raw.decode("latin-1").encode("utf-8"), "latin-1", None)


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _single_byte_text(raw: bytes) -> bool:
    """Whether the non-ASCII bytes look like a single-byte encoding (accented letters among
    ASCII: most runs of high bytes have odd length) rather than GB18030 (pairs)."""
    runs = [len(m) for m in _HIGH_RUN.findall(raw[:1 << 20])]
    return bool(runs) and sum(r % 2 for r in runs) > 0.5 * len(runs)


def _valid_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
