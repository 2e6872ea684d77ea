"""Raw text: one sentence a line, a blank line between documents (BERT pretraining format)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from specmlm.atomic import atomic_open
from specmlm.errors import InputError

Document = list[str]


def read_lines(path: str | Path) -> list[str]:
    """Decode ``path`` as strict UTF-8 and return its lines without line endings.

    Bad bytes are reported with the line they sit on rather than a byte offset, and an empty
    file is an error: every input of the study must hold data.
    """
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise InputError(path, None, "the file is empty; expected UTF-8 text")
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
