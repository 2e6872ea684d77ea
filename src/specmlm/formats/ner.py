"""NER files: WikiAnn (``lang:token<TAB>tag``) and two-column CoNLL (MasakhaNER ``token tag``).

Both are read into :class:`NerSentence` with strict IOB2 tags. WikiAnn has ``I-`` tags that
follow ``O`` (or another type); those are repaired into ``B-`` and counted, as the paper's
readers effectively do, so span metrics see the entities the annotators meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from specmlm.atomic import atomic_open
from specmlm.errors import InputError
from specmlm.formats.text import read_lines

TAG_RE = re.compile(r"^(O|[BI]-[A-Za-z][A-Za-z0-9_]*)$")
FORMATS = ("wikiann", "conll")


@dataclass
class NerSentence:
    tokens: list[str]
    tags: list[str]


@dataclass
class NerFile:
    sentences: list[NerSentence]
    repaired: int = 0
    dropped_types: dict[str, int] = field(default_factory=dict)


def repair_iob2(tags: list[str]) -> tuple[list[str], int]:
    """Turn every ``I-X`` that does not continue an ``X`` entity into ``B-X``."""
    fixed: list[str] = []
    repaired = 0
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
            repaired += 1
        fixed.append(tag)
        previous = tag
    return fixed, repaired


def _split_line(path: str | Path, number: int, line: str, fmt: str) -> tuple[str, str]:
    if fmt == "wikiann":
        columns = line.split("\t")
        if len(columns) != 2:
            raise InputError(path, number, f"expected 2 tab-separated columns 'lang:token<TAB>tag', found {len(columns)}")
        token, tag = columns
        prefix, colon, rest = token.partition(":")
        if not colon or not prefix:
            raise InputError(path, number, f"expected a 'lang:' prefix on the token, found {token!r}")
        token = rest
    else:
        columns = line.split()
        if len(columns) != 2:
            raise InputError(path, number, f"expected 2 whitespace-separated columns 'token tag', found {len(columns)}")
        token, tag = columns
    if not token:
        raise InputError(path, number, "empty token")
    if not TAG_RE.match(tag):
        raise InputError(path, number, f"expected an IOB2 tag (O, B-TYPE or I-TYPE), found {tag!r}")
    return token, tag


def read_ner(path: str | Path, fmt: str, drop_types: Iterable[str] = ()) -> NerFile:
    """Read a NER file of format ``wikiann`` or ``conll``.

    ``drop_types`` maps entity types outside the study's label set (MasakhaNER's DATE, say)
    to ``O`` so that languages and transfer pairs share one tag set.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown NER format {fmt!r}; expected one of {FORMATS}")
    drop = set(drop_types)
    result = NerFile(sentences=[])
    tokens: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if tokens:
            fixed, repaired = repair_iob2(tags)
            result.repaired += repaired
            result.sentences.append(NerSentence(list(tokens), fixed))
            tokens.clear()
            tags.clear()

    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            flush()
            continue
        token, tag = _split_line(path, number, line.rstrip("\n"), fmt)
        if tag != "O" and tag[2:] in drop:
            result.dropped_types[tag[2:]] = result.dropped_types.get(tag[2:], 0) + 1
            tag = "O"
        tokens.append(token)
        tags.append(tag)
    flush()
    if not result.sentences:
        raise InputError(path, None, "no sentences found; expected NER lines separated by blank lines")
    return result


def write_ner(path: str | Path, sentences: Iterable[NerSentence]) -> None:
    """Write the study's NER format: ``token<TAB>tag``, a blank line after each sentence."""
    with atomic_open(path) as handle:
        for sentence in sentences:
            for token, tag in zip(sentence.tokens, sentence.tags, strict=True):
                handle.write(f"{token}\t{tag}\n")
            handle.write("\n")


def read_prepared_ner(path: str | Path) -> list[NerSentence]:
    """Read a prepared split (``token<TAB>tag``), the format every later stage uses."""
    sentences: list[NerSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            if tokens:
                sentences.append(NerSentence(tokens, tags))
                tokens, tags = [], []
            continue
        columns = line.split("\t")
        if len(columns) != 2 or not TAG_RE.match(columns[1]):
            raise InputError(path, number, "expected 'token<TAB>tag' with an IOB2 tag")
        tokens.append(columns[0])
        tags.append(columns[1])
    if tokens:
        sentences.append(NerSentence(tokens, tags))
    if not sentences:
        raise InputError(path, None, "no sentences found")
    return sentences
