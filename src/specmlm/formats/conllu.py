"""CoNLL-U treebanks: validated reading, exact round trips, and the task view of a sentence.

Parsing and serialisation are the ``conllu`` package's; this module adds the checks a study
needs before it trains on a file (column count, IDs, HEAD range, one root) with the file and
line of each failure. Multiword-token ranges (``3-4``) and empty nodes (``5.1``) stay in the
round trip and are left out of :class:`UDSentence`, the view the tasks train on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import conllu

from specmlm.atomic import atomic_open
from specmlm.errors import InputError
from specmlm.formats.text import read_lines

WORD_ID = re.compile(r"^[1-9][0-9]*$")
RANGE_ID = re.compile(r"^[1-9][0-9]*-[1-9][0-9]*$")
EMPTY_ID = re.compile(r"^[0-9]+\.[1-9][0-9]*$")
POS_COLUMNS = ("upos", "xpos")


@dataclass
class UDSentence:
    """The syntactic words of one sentence with their gold annotation."""

    words: list[str]
    upos: list[str]
    xpos: list[str]
    heads: list[int]
    deprels: list[str]

    def tags(self, column: str) -> list[str]:
        return self.upos if column == "upos" else self.xpos


def _check_block(path: str | Path, block: list[tuple[int, str]]) -> None:
    words: list[tuple[int, str]] = []
    for number, line in block:
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) != 10:
            raise InputError(path, number, f"expected 10 tab-separated columns, found {len(columns)}")
        token_id = columns[0]
        if WORD_ID.match(token_id):
            if int(token_id) != len(words) + 1:
                raise InputError(path, number, f"expected word ID {len(words) + 1}, found {token_id}")
            words.append((number, columns[6]))
        elif not (RANGE_ID.match(token_id) or EMPTY_ID.match(token_id)):
            raise InputError(path, number, f"expected an integer, range (3-4) or decimal (5.1) ID, found {token_id!r}")
    if not words:
        raise InputError(path, block[0][0], "sentence has no words")
    roots = 0
    for number, head in words:
        if not head.isdigit():
            raise InputError(path, number, f"expected an integer HEAD, found {head!r}")
        if int(head) > len(words):
            raise InputError(path, number, f"HEAD {head} is out of range; the sentence has {len(words)} words")
        roots += head == "0"
    if roots != 1:
        raise InputError(path, block[0][0], f"expected exactly one root (HEAD 0), found {roots}")


def read_conllu(path: str | Path) -> list[conllu.TokenList]:
    """Read and validate a CoNLL-U file into ``conllu`` token lists (lossless)."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(read_lines(path), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    sentences = []
    for block in blocks:
        _check_block(path, block)
        sentences.extend(conllu.parse("\n".join(line for _, line in block) + "\n\n"))
    if not sentences:
        raise InputError(path, None, "no sentences found; expected CoNLL-U")
    return sentences


def write_conllu(path: str | Path, sentences: Iterable[conllu.TokenList]) -> None:
    """Serialise token lists back to CoNLL-U, atomically."""
    with atomic_open(path) as handle:
        for sentence in sentences:
            handle.write(sentence.serialize())


def task_view(sentence: conllu.TokenList) -> UDSentence:
    """Keep the syntactic words (integer IDs), dropping multiword ranges and empty nodes."""
    words = [token for token in sentence if isinstance(token["id"], int)]
    return UDSentence(
        words=[token["form"] for token in words],
        upos=[token["upos"] or "_" for token in words],
        xpos=[token["xpos"] or "_" for token in words],
        heads=[int(token["head"]) for token in words],
        deprels=[token["deprel"] for token in words],
    )


def read_ud(path: str | Path) -> list[UDSentence]:
    """Read a CoNLL-U file straight into task views."""
    return [task_view(sentence) for sentence in read_conllu(path)]
