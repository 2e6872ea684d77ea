"""Raw text: one sentence a line, a blank line between documents (BERT pretraining format)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from specmlm.atomic import atomic_open
from specmlm.errors import InputError

Document = list[str]


# Leading bytes of files that are not text, so a user learns what they pointed the config at.
SIGNATURES = {
    b"\x1f\x8b": "a gzip-compressed file; decompress it (gunzip) and point the config at the result",
    b"BZh": "a bzip2-compressed file; decompress it (bunzip2) and point the config at the result",
    b"\xfd7zXZ\x00": "an xz-compressed file; decompress it (unxz) and point the config at the result",
    b"\x28\xb5\x2f\xfd": "a zstd-compressed file; decompress it (unzstd) and point the config at the result",
    b"PK\x03\x04": "a zip archive; extract it and point the config at the text file inside",
    b"\xff\xfe": "UTF-16 text (little-endian byte order mark); convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)",
    b"\xfe\xff": "UTF-16 text (big-endian byte order mark); convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)",
}


def read_lines(path: str | Path) -> list[str]:
    """Decode ``path`` as strict UTF-8 and return its lines without line endings.

    Compressed files are named as such, not read: a study's inputs are plain text, and
    decompressing behind the user's back would hide which bytes the results came from. Bad
    bytes and NUL bytes (a binary file) are reported with the line they sit on, and an empty
    file is an error: every input of the study must hold data.
    """
    raw = Path(path).read_bytes()
    for signature, kind in SIGNATURES.items():
        if raw.startswith(signature):
            raise InputError(path, 1, f"found {kind}; expected plain UTF-8 text")
    if not raw.strip():
        raise InputError(path, None, "the file is empty; expected UTF-8 text")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(path, raw.count(b"\n", 0, nul) + 1, "found a NUL byte (a binary file?); expected UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise InputError(path, line, f"invalid UTF-8 byte {raw[err.start]:#04x}; expected UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_documents(path: str | Path) -> list[Document]:
    """Read BERT-format text into documents (lists of non-empty lines)."""
    documents: list[Document] = []
    current: Document = []
    for line in read_lines(path):
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            documents.append(current)
            current = []
    if current:
        documents.append(current)
    return documents


def write_documents(path: str | Path, documents: Iterable[Sequence[str]]) -> None:
    """Write documents in BERT format, atomically."""
    with atomic_open(path) as handle:
        first = True
        for document in documents:
            if not first:
                handle.write("\n")
            first = False
            for line in document:
                handle.write(line + "\n")
