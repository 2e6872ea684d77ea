"""CoNLL-U treebanks: validated reading, exact round trips, and the task view of a sentence.

Parsing and serialisation are the ``conllu`` package's; this module adds the checks a study
needs before it trains on a file, with the file and line of each failure: ten columns, word IDs
in order and in ASCII digits, multiword ranges in order and inside the sentence, UPOS, DEPREL
and HEAD filled, and HEADs that form a tree (in range, one root, no self-loop, no cycle). Multiword-token ranges (``3-4``) and empty nodes (``5.1``) stay in the
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

WORD_ID = re.compile(r"[1-9][0-9]*")  # [0-9] is ASCII only: '٣' passes str.isdigit() but not this
RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
EMPTY_ID = re.compile(r"(0|[1-9][0-9]*)\.[1-9][0-9]*")
HEAD = re.compile(r"0|[1-9][0-9]*")
POS_COLUMNS = ("upos", "xpos")
# Columns every syntactic word must fill (not empty, not '_'): the tasks train on them.
REQUIRED = {3: "UPOS", 7: "DEPREL"}


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


@dataclass
class _Word:
    line: int
    head: int


def _check_ids(path: str | Path, block: list[tuple[int, str]]) -> list[_Word]:
    """IDs in order, multiword ranges inside the sentence, required columns filled."""
    words: list[_Word] = []
    open_range: tuple[int, int, int] | None = None  # (line, first, last) of the last range
    for number, line in block:
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) != 10:
            raise InputError(path, number, f"expected 10 tab-separated columns, found {len(columns)}")
        token_id = columns[0]
        if WORD_ID.fullmatch(token_id):
            if int(token_id) != len(words) + 1:
                raise InputError(path, number, f"expected word ID {len(words) + 1}, found {token_id}")
            for index, name in REQUIRED.items():
                if columns[index] in ("", "_"):
                    raise InputError(path, number, f"word {token_id} has no {name} (found {columns[index]!r}); expected a value")
            if not HEAD.fullmatch(columns[6]):
                raise InputError(path, number, f"expected an integer HEAD (ASCII digits), found {columns[6]!r}")
            if int(columns[6]) == int(token_id):
                raise InputError(path, number, f"word {token_id} is its own HEAD; expected a tree")
            words.append(_Word(number, int(columns[6])))
        elif match := RANGE_ID.fullmatch(token_id):
            first, last = int(match.group(1)), int(match.group(2))
            if last <= first:
                raise InputError(path, number, f"multiword range {token_id} ends before it starts; expected FIRST-LAST with FIRST < LAST")
            if first != len(words) + 1:
                raise InputError(path, number, f"multiword range {token_id} is out of order; expected it just before word {first}, after word {len(words)}")
            if open_range and first <= open_range[2]:
                raise InputError(path, number, f"multiword range {token_id} overlaps range {open_range[1]}-{open_range[2]}; expected disjoint ranges")
            open_range = (number, first, last)
        elif match := EMPTY_ID.fullmatch(token_id):
            if int(match.group(1)) != len(words):
                raise InputError(path, number, f"empty node {token_id} is out of order; expected it just after word {match.group(1)}")
        else:
            raise InputError(path, number, f"expected an integer, range (3-4) or decimal (5.1) ID in ASCII digits, found {token_id!r}")
    if not words:
        raise InputError(path, block[0][0], "sentence has no words")
    if open_range and open_range[2] > len(words):
        raise InputError(path, open_range[0], f"multiword range {open_range[1]}-{open_range[2]} runs past the last word ({len(words)})")
    return words


def _check_tree(path: str | Path, first_line: int, words: list[_Word]) -> None:
    """HEADs in range, one root, no cycle: the basic dependency tree the parser is trained on."""
    for word in words:
        if word.head > len(words):
            raise InputError(path, word.line, f"HEAD {word.head} is out of range; the sentence has {len(words)} words")
    roots = [word for word in words if word.head == 0]
    if len(roots) != 1:
        line = first_line if not roots else roots[1].line
        raise InputError(path, line, f"expected exactly one root (HEAD 0), found {len(roots)}")
    reaches_root = {0}
    for start in range(1, len(words) + 1):
        chain: list[int] = []
        node = start
        while node not in reaches_root:
            if node in chain:
                cycle = chain[chain.index(node) :] + [node]
                raise InputError(path, words[node - 1].line, f"HEADs form a cycle {' -> '.join(map(str, cycle))}; expected a tree")
            chain.append(node)
            node = words[node - 1].head
        reaches_root.update(chain)


def _check_block(path: str | Path, block: list[tuple[int, str]]) -> None:
    words = _check_ids(path, block)
    _check_tree(path, block[0][0], words)


def _validated_blocks(path: str | Path) -> list[list[tuple[int, str]]]:
    """The sentences of a CoNLL-U file as (line number, line) blocks, each checked."""
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
    if not blocks:
        raise InputError(path, None, "no sentences found; expected CoNLL-U")
    for block in blocks:
        _check_block(path, block)
    return blocks


def read_conllu(path: str | Path) -> list[conllu.TokenList]:
    """Read and validate a CoNLL-U file into ``conllu`` token lists (lossless)."""
    sentences = []
    for block in _validated_blocks(path):
        try:
            sentences.extend(conllu.parse("\n".join(line for _, line in block) + "\n\n"))
        except conllu.exceptions.ParseException as err:
            raise InputError(path, block[0][0], f"not CoNLL-U the conllu parser reads: {err}") from None
    return sentences


def _tag(value: str) -> str:
    return value if value not in ("", "_") else "_"


def _block_view(block: list[tuple[int, str]]) -> UDSentence:
    """The task view of a checked block, from its columns (as :func:`task_view` gives it)."""
    words = [columns for _, line in block if not line.startswith("#")
             for columns in [line.split("\t")] if WORD_ID.fullmatch(columns[0])]
    return UDSentence(
        words=[columns[1] for columns in words],
        upos=[_tag(columns[3]) for columns in words],
        xpos=[_tag(columns[4]) for columns in words],
        heads=[int(columns[6]) for columns in words],
        deprels=[columns[7] for columns in words],
    )


def pos_tags(sentences: Iterable[conllu.TokenList], column: str) -> set[str]:
    """The distinct values of a POS column over the syntactic words (``_`` for an empty one)."""
    return {token[column] or "_" for sentence in sentences for token in sentence if isinstance(token["id"], int)}


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
    """Read and validate a CoNLL-U file straight into task views.

    The views come from the checked columns, without ``conllu`` token lists: building those is
    most of the time a treebank takes to read (1-2 s for a training split), and training data,
    scorers and baselines need only these five columns. A file is parsed losslessly
    (:func:`read_conllu`) where it is prepared and where predictions are written into it.
    """
    return [_block_view(block) for block in _validated_blocks(path)]
