"""NER files: WikiAnn (``lang:token<TAB>tag``) and two-column CoNLL (MasakhaNER ``token tag``).

Both are read into :class:`NerSentence` with strict IOB2 tags. WikiAnn has ``I-`` tags that
follow ``O`` (or another type); those are repaired into ``B-`` and counted, as the paper's
readers effectively do, so span metrics see the entities the annotators meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from specmlm.atomic import atomic_open
from specmlm.errors import InputError
from specmlm.formats.text import read_lines

TAG_RE = re.compile(r"^(O|[BI]-[A-Za-z][A-Za-z0-9_]*)$")
FORMATS = ("wikiann", "conll")
# The entity types of WikiAnn, which every language and transfer pair of the study shares; a
# dataset with more (MasakhaNER's DATE) maps the others to O with ``drop_types``.
TYPES = ("LOC", "ORG", "PER")
LANG_PREFIX = re.compile(r"^([a-z]{2,3}):.")


@dataclass
class NerSentence:
    tokens: list[str]
    tags: list[str]


@dataclass
class NerFile:
    sentences: list[NerSentence]
    repaired: int = 0
    dropped_types: dict[str, int] = field(default_factory=dict)
    type_lines: dict[str, int] = field(default_factory=dict)
    """The line each kept entity type first occurs on."""


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


def _check_type(path: str | Path, number: int, kind: str, types: Sequence[str] | None, drop: set[str], seen: dict[str, tuple[str, int]]) -> None:
    """One spelling per type, and only ``types`` (or those the config drops) when given."""
    spelling, first = seen.setdefault(kind.upper(), (kind, number))
    if spelling != kind:
        raise InputError(path, number, f"entity type {kind!r} differs only in case from {spelling!r} (line {first}); expected one spelling per type")
    if types is None or kind in types or kind in drop:
        return
    alike = [name for name in (*types, *drop) if name.upper() == kind.upper()]
    if alike:
        raise InputError(path, number, f"entity type {kind!r} differs only in case from the study's {alike[0]!r}; expected {alike[0]!r}")
    raise InputError(path, number, f"entity type {kind!r} is not one of the study's types {list(types)}; map it to O with drop_types: [{kind}] in the config")


def _check_not_wikiann(path: str | Path, first_line: int, tokens: list[str]) -> None:
    """A WikiAnn file declared ``conll`` keeps every ``en:`` prefix in its tokens: refuse it."""
    prefixes = {match.group(1) if (match := LANG_PREFIX.match(token)) else None for token in tokens}
    if len(prefixes) == 1 and None not in prefixes:
        raise InputError(path, first_line, f"every token of the first sentence starts with {prefixes.pop() + ':'!r}, the WikiAnn layout; the config declares format: conll, expected format: wikiann")


def read_ner(path: str | Path, fmt: str, drop_types: Iterable[str] = (), types: Sequence[str] | None = None) -> NerFile:
    """Read a NER file of format ``wikiann`` or ``conll``.

    ``drop_types`` maps entity types outside the study's label set (MasakhaNER's DATE, say) to
    ``O`` so that languages and transfer pairs share one tag set. With ``types`` (the prepare
    stage passes :data:`TYPES`), any other type is an error. A type spelled in two cases is
    always one (``B-per`` beside ``B-PER`` would be a new class).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown NER format {fmt!r}; expected one of {FORMATS}")
    drop = set(drop_types)
    result = NerFile(sentences=[])
    tokens: list[str] = []
    tags: list[str] = []
    seen: dict[str, tuple[str, int]] = {}
    first_line = 0

    def flush() -> None:
        if tokens:
            if fmt == "conll" and not result.sentences:
                _check_not_wikiann(path, first_line, tokens)
            fixed, repaired = repair_iob2(tags)
            result.repaired += repaired
            result.sentences.append(NerSentence(list(tokens), fixed))
            tokens.clear()
            tags.clear()

    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            flush()
            continue
        first_line = first_line or number
        token, tag = _split_line(path, number, line.rstrip("\n"), fmt)
        if tag != "O":
            _check_type(path, number, tag[2:], types, drop, seen)
            if tag[2:] in drop:
                result.dropped_types[tag[2:]] = result.dropped_types.get(tag[2:], 0) + 1
                tag = "O"
            else:
                result.type_lines.setdefault(tag[2:], number)
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
