"""What a survey file is, told from its content, and what may be wrong with it.

The format of a file is recognised from its first bytes (magic numbers), never from its name:
an XLSX workbook saved as ``answers.csv`` is read as a workbook (with a note). A file that
cannot be read raises :class:`SurveyFileError`, which names the file, the format detected and
what is wrong (truncated, damaged, an old binary format, a ZIP bomb...), instead of the
reading library's own exception (``BadZipFile``, ``zlib.error``, ``ReadstatError``...).

Untrusted XLSX files are ZIP archives whose parts may expand far beyond the file's size (a
300 MB shared string compresses to a few hundred KB). Before openpyxl decompresses anything,
the declared sizes in the ZIP directory are checked against :data:`XLSX_LIMITS`; Python's
``zipfile`` never returns more bytes than a part declares, so the check is sound.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

__all__ = ["SurveyFileError", "sniff_format", "FORMAT_NAMES", "XLSX_LIMITS", "check_xlsx_archive",
           "file_error", "READ_ERRORS", "READ_FORMATS", "SUFFIX_FORMAT", "check_format"]

#: Caps on what an untrusted XLSX may expand to, in bytes (from the ZIP directory, checked
#: before anything is decompressed). ``ratio`` applies to parts larger than ``ratio_from``.
#: Raise them (module attribute) for a trusted, very large workbook.
XLSX_LIMITS = {
    "part": 2 << 30,             # any one part (a worksheet of 1 M rows x 40 items is ~1.2 GB)
    "shared_strings": 256 << 20,  # all text cells of the workbook together
    "total": 4 << 30,            # every part together
    "ratio": 200,                # compression ratio of one part (worksheet XML compresses ~10x)
    "ratio_from": 16 << 20,
}

FORMAT_NAMES = {
    "xlsx": "an XLSX workbook (ZIP archive)",
    "zip": "a ZIP archive that is not an XLSX workbook",
    "sav": "an SPSS .sav file",
    "zsav": "a compressed SPSS .zsav file",
    "dta": "a Stata .dta file",
    "parquet": "a Parquet file",
    "xls": "an old binary Excel (.xls) or other OLE2 file",
    "csv": "delimited text",
    "gzip": "a gzip-compressed file",
    "pdf": "a PDF document",
    "binary": "binary data (zero bytes), not text",
}

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".dat")

#: The format a file name promises, by its extension (names not listed promise nothing).
SUFFIX_FORMAT = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
                 ".xls": "xls", ".sav": "sav", ".zsav": "zsav", ".dta": "dta", ".parquet": "parquet",
                 ".pq": "parquet"}
#: Values of ``read_responses(format=...)``: the format the file must have, or ``"auto"``.
READ_FORMATS = ("auto", "csv", "xlsx", "sav", "dta", "parquet")
_RENAME = {"csv": ".csv", "xlsx": ".xlsx", "sav": ".sav", "dta": ".dta", "parquet": ".parquet"}


class SurveyFileError(ValueError):
    """A survey file that cannot be read: names the file (``source``), the format detected
    from its content (``detected``) and what is wrong (``problem``)."""

    def __init__(self, source: str, detected: str, problem: str):
        self.source, self.detected, self.problem = source, detected, problem
        super().__init__(f"{source}: {problem} (the content is {FORMAT_NAMES.get(detected, detected)}, "
                         "detected from its first bytes)")


def sniff_format(head: bytes, names: list[str] | None = None) -> str:
    """The format from the first bytes (up to 4 KiB); ``names``: the members of a ZIP
    archive, when known, to tell an XLSX workbook from another ZIP file."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if names is not None and not any(n.startswith("xl/") for n in names):
            return "zip"
        return "xlsx"
    if head.startswith((b"$FL2", b"$FL3")):
        return "zsav" if head.startswith(b"$FL3") else "sav"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"<stata_dta>") or (len(head) > 2 and head[0] in (0x71, 0x72, 0x73) and head[1] in (1, 2)
                                           and head[2] == 1):
        return "dta"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        odd, even = head[1::2], head[0::2]
        utf16 = (odd.count(0) > 0.4 * len(odd)) != (even.count(0) > 0.4 * len(even))
        nul = head.count(0)
        if not utf16 and nul > 8 and (nul > 0.05 * len(head) or _undecodable_share(head) > 0.1):
            return "binary"  # many zero bytes, neither UTF-16 nor text with a few stray NULs
    return "csv"


def check_format(label: str, content: str, suffix: str, asked: str | None, fh=None) -> None:
    """Refuse a file whose content is not the format its name (``suffix``) or the caller
    (``asked``) says, with what to do: a workbook saved as ``answers.csv`` is an error naming
    both formats, never read as something else in silence.

    ``asked``: None — the name decides (an extension not in :data:`SUFFIX_FORMAT` promises
    nothing); ``"auto"`` — read whatever the content is; a format — the content must be it.
    ``fh``: the open file, to tell an XLSX workbook from another ZIP archive by its members.
    """
    if asked == "auto":
        return
    want = asked if asked is not None else SUFFIX_FORMAT.get(suffix)
    if want is None or want == content:
        return
    if content == "xlsx" and fh is not None:
        content = _zip_kind(fh)
        if want == content:
            return
    if content in _RENAME:
        fix = f"rename it to end in {_RENAME[content]}, or pass format={content!r} to read it as it is"
    else:
        fix = "it cannot be read as a survey data file: export the data again as CSV, XLSX, SPSS or Stata"
    said = f"format={asked!r} was asked for" if asked is not None else f"the file name ends in {suffix}"
    raise SurveyFileError(label, content, f"{said}, which means {FORMAT_NAMES.get(want, want)}, but the content "
                          f"is not: {fix}")


def _zip_kind(fh) -> str:
    """``"xlsx"`` for a ZIP archive holding a workbook, ``"zip"`` for any other archive."""
    try:
        with zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "xlsx"  # damaged: the workbook reader says what is wrong
    finally:
        fh.seek(0)
    return sniff_format(b"PK\x03\x04", names)


def _undecodable_share(head: bytes) -> float:
    """Share of characters that are not UTF-8 (random binary data: about 40 %)."""
    text = head.decode("utf-8", errors="replace")
    return text.count("\ufffd") / max(len(text), 1)


def check_xlsx_archive(zf: zipfile.ZipFile, label: str) -> None:
    """Refuse a workbook whose parts would expand beyond :data:`XLSX_LIMITS`."""
    lim = XLSX_LIMITS
    total = 0
    for zi in zf.infolist():
        size = zi.file_size
        total += size
        what = f"part {zi.filename!r} would expand to {size:,} bytes"
        if zi.filename.lower().endswith("sharedstrings.xml") and size > lim["shared_strings"]:
            raise SurveyFileError(label, "xlsx", f"{what}, over the limit of {lim['shared_strings']:,} bytes for "
                                  "the text cells of a workbook (XLSX_LIMITS['shared_strings'])")
        if size > lim["part"]:
            raise SurveyFileError(label, "xlsx", f"{what}, over the limit of {lim['part']:,} bytes "
                                  "(XLSX_LIMITS['part'])")
        if size > lim["ratio_from"] and size > lim["ratio"] * max(zi.compress_size, 1):
            raise SurveyFileError(label, "xlsx", f"{what} from {zi.compress_size:,} compressed bytes (ratio over "
                                  f"{lim['ratio']}): refused as a possible ZIP bomb (XLSX_LIMITS['ratio'])")
    if total > lim["total"]:
        raise SurveyFileError(label, "xlsx", f"its parts would expand to {total:,} bytes, over the limit of "
                              f"{lim['total']:,} (XLSX_LIMITS['total'])")
    if "xl/workbook.xml" not in {n.lower() for n in zf.namelist()}:
        raise SurveyFileError(label, "zip", "it is a ZIP archive without a workbook (xl/workbook.xml); "
                              "an XLSX file was expected")


def _read_errors() -> tuple:
    errs = [zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeError, OverflowError, NotImplementedError,
            struct.error]
    try:
        from pyreadstat import ReadstatError

        errs.append(ReadstatError)
    except ImportError:  # pragma: no cover
        pass
    try:
        from openpyxl.utils.exceptions import InvalidFileException

        errs.append(InvalidFileException)
    except ImportError:  # pragma: no cover
        pass
    try:
        import pyarrow as pa

        errs.append(pa.ArrowException)
    except ImportError:  # pragma: no cover
        pass
    from xml.etree.ElementTree import ParseError

    errs.append(ParseError)
    return tuple(errs)


#: Exceptions of the reading libraries that mean "this file is damaged".
READ_ERRORS = _read_errors()


def file_error(label: str, fmt: str, exc: BaseException) -> SurveyFileError:
    """A :class:`SurveyFileError` that says what a library's exception means for the user."""
    msg = str(exc) or type(exc).__name__
    low = msg.lower()
    if isinstance(exc, zipfile.BadZipFile) and "not a zip file" in low:
        what = "it cannot be opened: the ZIP directory at its end is missing — the file is truncated (an " \
               "incomplete download or copy?) or damaged"
    elif isinstance(exc, (zipfile.BadZipFile, zlib.error)):
        what = f"it is damaged: {msg} (a part of the archive does not decompress to what it declares)"
    elif isinstance(exc, EOFError) or "expected number of rows" in low or "unexpected end" in low or "truncat" in low:
        what = f"it ends too early — the file is truncated ({msg})"
    else:
        what = f"it cannot be read: {type(exc).__name__}: {msg[:300]} — the file is damaged, truncated or not " \
               "what its first bytes say"
    return SurveyFileError(label, fmt, what)
