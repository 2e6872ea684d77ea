"""Transliteration to Latin script: named schemes, views rebuilt through one, agreement with references.

The paper (§6) romanises two languages with two unrelated tools: Meadow Mari through the
``transliterate`` package's Russian table run backwards, Uyghur through NFKC and the
``alTranscribe.pl -f ug -t tr`` rules of Muller et al. (2021). ``uroman`` is the one-tool
alternative. A scheme is a plain ``Callable[[str], str]`` so a view is rebuilt the same way
whichever tool made it, and :data:`SCHEMES` maps config names to factories so that a new scheme
is a dict entry rather than a branch.

A transliterated view must keep the tasks' alignment: labels, heads and token counts are never
touched, and a token stays one whitespace-free token. Outputs are stripped of edge whitespace
(uroman writes fullwidth "！" as "! "); where a scheme still breaks the shape (an empty or
space-containing token, an empty or multi-line text line), the original string is kept and
the case is counted and located in the report, so one odd Wikipedia token cannot stop the
pipeline and the user still sees every place it happened.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transliterate import get_translit_function
from uroman import Uroman

from specmlm.errors import ConfigError, InputError
from specmlm.formats.conllu import read_conllu, write_conllu
from specmlm.formats.ner import read_prepared_ner, write_ner
from specmlm.formats.text import read_documents, read_lines, write_documents

Scheme = Callable[[str], str]

# Port of %al_transcription_hash{tr} in alTranscription.pm, the module alTranscribe.pl loads
# (benjamin-mlr/mbert-unseen-languages @ 3561e345, transfer/transliteration/). The Perl applies
# the ALL table, then the language table, each key as a global substitution, longest keys
# first. Every Uyghur two-letter key is hamza-yeh (ئ) + vowel and no key ends in ئ, so keys of
# equal length never overlap and Perl's random hash order cannot change the result. ئ before
# anything but these vowels has no rule and is kept, as in the original.
AL_TR_ALL = {
    "،": ",",
    "؛": ";",
    "؟": "?",
    **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # Extended Arabic-Indic ۰–۹
}  # The Perl table also maps "–", "-" and "." to themselves: no-ops, left out.
AL_TR_UG = {
    "ئا": "a", "ئە": "e", "ا": "a", "ە": "e",
    "ب": "b", "پ": "p", "ت": "t", "ج": "c", "چ": "ç", "خ": "x", "د": "d", "ر": "r", "ز": "z",
    "ژ": "j", "س": "s", "ش": "ş", "غ": "ğ", "ف": "f", "ق": "q", "ك": "k", "گ": "g", "ڭ": "ng",
    "ل": "l", "م": "m", "ن": "n", "ھ": "h", "ح": "h",
    "ئو": "o", "ئۇ": "u", "و": "o", "ۇ": "u",
    "ئۆ": "ö", "ئۈ": "ü", "ۆ": "ö", "ۈ": "ü",
    "ۋ": "v",
    "ئې": "ë", "ئى": "i", "ي": "y", "ې": "ë", "ى": "i",
    "ء": "", "ع": "kh",
}
# The Perl then lower-cases letters before a non-ASCII space marker that only its Kazakh and
# Cyrillic tables emit, after turning that marker into a space in the input; with NFKC first
# and no marker in the Uyghur outputs, both steps are no-ops here.


def _longest_first(table: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(table.items(), key=lambda item: len(item[0]), reverse=True))


UG_RULES = _longest_first(AL_TR_ALL) + _longest_first(AL_TR_UG)
ISO_639_3 = re.compile(r"^[a-z]{3}$")


def _al_transcribe_ug(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for source, target in UG_RULES:
        text = text.replace(source, target)
    return text


def _check_language(scheme: str, expected: str, language: str) -> None:
    if language != expected:
        raise ConfigError(
            "language", f"scheme {scheme!r} is written for {expected!r} only, found {language!r}; use 'uroman' instead"
        )


def paper_ug(language: str = "uig") -> Scheme:
    """The paper's "Uyghur-Latin" (code name ``uglatinnfkc``): NFKC, then alTranscribe's rules."""
    _check_language("paper_ug", "uig", language)
    return _al_transcribe_ug


def paper_mhr(language: str = "mhr") -> Scheme:
    """The paper's Mari romanisation: the Russian table reversed; ӓ ӧ ӱ ҥ ӹ are not in it and pass."""
    _check_language("paper_mhr", "mhr", language)
    return functools.partial(get_translit_function("ru"), reversed=True)


@functools.cache
def _uroman_engine() -> Uroman:
    return Uroman()  # loads its tables once (a few seconds); shared by every language


def uroman(language: str) -> Scheme:
    """uroman with an ISO 639-3 code (``uig``, ``mhr``), which selects its language-specific rules."""
    if not isinstance(language, str) or not ISO_639_3.match(language):
        raise ConfigError("language", f"expected an ISO 639-3 code such as 'uig', found {language!r}")
    return functools.partial(_uroman_engine().romanize_string, lcode=language)


SCHEMES: dict[str, Callable[..., Scheme]] = {
    "paper_mhr": paper_mhr,
    "paper_ug": paper_ug,
    "uroman": uroman,
}


def make_scheme(settings: Mapping[str, Any]) -> Scheme:
    """Build a scheme from config: ``{"scheme": "uroman", "language": "uig"}``.

    Options other than ``scheme`` are the factory's keyword arguments, checked here so that a
    typo is a config error naming the key, not a TypeError from inside a job. Every factory
    takes the view's ISO 639-3 ``language``; the paper's schemes refuse any language but their own.
    """
    name = settings.get("scheme")
    if name not in SCHEMES:
        raise ConfigError("scheme", f"expected one of {sorted(SCHEMES)}, found {name!r}")
    factory = SCHEMES[name]
    options = {key: value for key, value in settings.items() if key != "scheme"}
    parameters = inspect.signature(factory).parameters
    for key in options:
        if key not in parameters:
            accepted = sorted(parameters) or "none"
            raise ConfigError(key, f"scheme {name!r} takes no option {key!r}; it takes {accepted}")
    for key, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and key not in options:
            raise ConfigError(key, f"scheme {name!r} needs option {key!r}")
    return factory(**options)


# --- views ------------------------------------------------------------------------------------

MAX_EXAMPLES = 20
LINE_BREAK = re.compile(r"[\n\r]")  # what read_lines splits on


@dataclass
class _Converter:
    """Applies one scheme to tokens and lines, keeping the originals where the output is unusable."""

    scheme: Scheme
    cache: dict[str, str] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def _count(self, part: str, key: str) -> None:
        tally = self.counts.setdefault(part, {"units": 0, "changed": 0, "fallbacks": 0})
        tally[key] += 1

    def _fallback(self, part: str, where: str, source: str, output: str) -> str:
        self._count(part, "fallbacks")
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{part} {where}: {source!r} -> {output!r}, kept the original")
        return source

    def _settle(self, part: str, where: str, source: str, output: str, usable: bool) -> str:
        self._count(part, "units")
        if not usable:
            return self._fallback(part, where, source, output)
        if output != source:
            self._count(part, "changed")
        return output

    def token(self, part: str, where: str, source: str) -> str:
        """A token keeps its shape: as many whitespace-separated pieces (one, almost always)."""
        if source not in self.cache:
            self.cache[source] = self.scheme(source).strip()
        output = self.cache[source]
        return self._settle(part, where, source, output, len(output.split()) == len(source.split()))

    def line(self, part: str, where: str, source: str) -> str:
        """A line stays one non-blank line: a blank one would end a document, a break split it."""
        output = self.scheme(source).strip()
        return self._settle(part, where, source, output, bool(output) and not LINE_BREAK.search(output))


def _conllu_part(path: Path, part: str, convert: _Converter) -> Callable[[Path], None]:
    sentences = read_conllu(path)
    for number, sentence in enumerate(sentences, start=1):
        if sentence.metadata.get("text") is not None:
            sentence.metadata["text"] = convert.line(part, f"sentence {number} '# text'", sentence.metadata["text"])
        for token in sentence:
            token["form"] = convert.token(part, f"sentence {number} token {token['id']}", token["form"])
    return lambda out: write_conllu(out, sentences)


def _ner_part(path: Path, part: str, convert: _Converter) -> Callable[[Path], None]:
    sentences = read_prepared_ner(path)
    for number, sentence in enumerate(sentences, start=1):
        sentence.tokens = [
            convert.token(part, f"sentence {number} token {index}", token)
            for index, token in enumerate(sentence.tokens, start=1)
        ]
    return lambda out: write_ner(out, sentences)


def _text_part(path: Path, part: str, convert: _Converter) -> Callable[[Path], None]:
    documents = [
        [convert.line(part, f"document {number} line {index}", line) for index, line in enumerate(lines, start=1)]
        for number, lines in enumerate(read_documents(path), start=1)
    ]
    return lambda out: write_documents(out, documents)


# subdirectory -> (the prepared files it may hold, reader that transliterates and returns the
# deferred writer). Named, not globbed: prepare's report.json and anything else stay out.
VIEW_PARTS: dict[str, tuple[tuple[str, ...], Callable[[Path, str, _Converter], Callable[[Path], None]]]] = {
    "ud": (("train.conllu", "dev.conllu", "test.conllu"), _conllu_part),
    "ner": (("train.tsv", "dev.tsv", "test.tsv"), _ner_part),
    "text": (("train.txt", "valid.txt", "test.txt"), _text_part),
}


def transliterate_view(
    src_dir: str | Path, dst_dir: str | Path, scheme_fn: Scheme, parts: Sequence[str] | None = None
) -> dict[str, Any]:
    """Make a new view from a prepared one with every surface string passed through ``scheme_fn``.

    CoNLL-U FORMs and ``# text``, NER tokens and unlabelled-text lines change; everything else
    (LEMMA, tags, heads, MISC, other comments, sentence and document boundaries) is copied.
    The files are the prepared splits of CONVENTIONS.md; any that are absent are skipped.
    Every input is read and converted before the first file is written, so a bad input leaves
    no partial view. Returns per-file counts of units (tokens, ``# text`` comments and lines),
    changed units and fallbacks, with the first fallbacks located. ``parts`` restricts the work
    to some of ``ud``, ``ner`` and ``text`` (one rule per dataset); by default all present.
    """
    selected = list(VIEW_PARTS) if parts is None else list(parts)
    for subdir in selected:
        if subdir not in VIEW_PARTS:
            raise ValueError(f"unknown part {subdir!r}; expected some of {list(VIEW_PARTS)}")
    src, dst = Path(src_dir), Path(dst_dir)
    if dst.resolve() == src.resolve():
        raise InputError(dst, None, "the destination is the source view; inputs are read-only, name a new directory")
    convert = _Converter(scheme_fn)
    writers: list[tuple[str, Callable[[Path], None]]] = []
    for subdir in selected:
        names, read_part = VIEW_PARTS[subdir]
        for part in (f"{subdir}/{name}" for name in names if (src / subdir / name).is_file()):
            writers.append((part, read_part(src / part, part, convert)))
    if not writers:
        expected = ", ".join(f"{subdir}/{name}" for subdir in selected for name in VIEW_PARTS[subdir][0])
        raise InputError(src, None, f"no prepared data found; expected some of {expected}")
    for part, write in writers:
        write(dst / part)
    totals = {key: sum(tally[key] for tally in convert.counts.values()) for key in ("units", "changed", "fallbacks")}
    return {"files": convert.counts, **totals, "fallback_examples": convert.examples}


# --- agreement with references ----------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A source string, its reference romanisation and how often it occurs (token types carry counts)."""

    source: str
    reference: str
    weight: int = 1


def read_pair_table(path: str | Path) -> list[Pair]:
    """Read a TSV of ``source<TAB>reference[<TAB>count]`` under a header line (translit/ud/*.tsv)."""
    pairs: list[Pair] = []
    lines = read_lines(path)
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        columns = line.split("\t")
        if len(columns) not in (2, 3) or (len(columns) == 3 and not columns[2].isdigit()):
            raise InputError(path, number, "expected 'source<TAB>reference' or 'source<TAB>reference<TAB>count'")
        pairs.append(Pair(columns[0], columns[1], int(columns[2]) if len(columns) == 3 else 1))
    if not pairs:
        raise InputError(path, None, "no pairs found under the header line")
    return pairs


LCODE_LINE = re.compile(r"^::lcode\s+([a-z]{3})\s+(.*)$")


def read_uroman_pairs(source_path: str | Path, reference_path: str | Path, language: str) -> list[Pair]:
    """Pair the ``::lcode <language>`` lines of uroman's test input with its reference output."""
    sources, references = read_lines(source_path), read_lines(reference_path)
    if len(sources) != len(references):
        message = f"expected {len(sources)} lines, as in {source_path}, found {len(references)}"
        raise InputError(reference_path, None, message)
    pairs = []
    for number, (source, reference) in enumerate(zip(sources, references, strict=True), start=1):
        source_match, reference_match = LCODE_LINE.match(source), LCODE_LINE.match(reference)
        if source_match and source_match.group(1) == language:
            if not reference_match or reference_match.group(1) != language:
                raise InputError(reference_path, number, f"expected a '::lcode {language}' line matching the input")
            pairs.append(Pair(source_match.group(2), reference_match.group(2)))
    if not pairs:
        raise InputError(source_path, None, f"no '::lcode {language}' lines found")
    return pairs


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over code points (unit costs)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def char_similarity(output: str, reference: str) -> float:
    """1 - edit distance / length of the longer string: 1.0 identical, 0.0 nothing in common."""
    longest = max(len(output), len(reference))
    return 1.0 - edit_distance(output, reference) / longest if longest else 1.0


def _weighted_mean(values: Sequence[float], pairs: Sequence[Pair]) -> float:
    total = sum(pair.weight for pair in pairs)
    if not total:
        raise ValueError("no pairs to score")
    return sum(value * pair.weight for value, pair in zip(values, pairs, strict=True)) / total


def agreement(scheme_fn: Scheme, pairs: Sequence[Pair]) -> float:
    """Share of pairs (weighted by count) where the scheme reproduces the reference exactly."""
    return _weighted_mean([float(scheme_fn(pair.source) == pair.reference) for pair in pairs], pairs)


def evaluate(scheme_fn: Scheme, pairs: Sequence[Pair]) -> dict[str, float | int]:
    """Exact agreement (by count and by type) and mean character similarity (by count).

    Character similarity is what makes a comparison across schemes meaningful: UD's Uyghur
    ``Translit`` is not the paper's scheme (sh/ş, gh/ğ, w/v), so exact agreement with it is low
    even where the two differ only in those letters.
    """
    outputs = [scheme_fn(pair.source) for pair in pairs]
    exact = [float(output == pair.reference) for output, pair in zip(outputs, pairs, strict=True)]
    return {
        "pairs": len(pairs),
        "weight": sum(pair.weight for pair in pairs),
        "exact": _weighted_mean(exact, pairs),
        "exact_types": sum(exact) / len(pairs),
        "char_similarity": _weighted_mean(
            [char_similarity(output, pair.reference) for output, pair in zip(outputs, pairs, strict=True)], pairs
        ),
    }


def _ud_table(name: str) -> Callable[[Path], list[Pair]]:
    return lambda root: read_pair_table(root / "ud" / name)


def _uroman_test(language: str) -> Callable[[Path], list[Pair]]:
    def load(root: Path) -> list[Pair]:
        test = root / "uroman" / "test"
        return read_uroman_pairs(test / "multi-script.txt", test / "multi-script.uroman-ref.txt", language)

    return load


# language of the view -> reference set name -> loader from the translit data directory. No Mari
# reference exists; uroman's Russian line checks the Russian table Mari borrows.
REFERENCES: dict[str, dict[str, Callable[[Path], list[Pair]]]] = {
    "ug": {
        "ud_r2.5_tokens": _ud_table("ug_udt-r2.5.token_translit.tsv"),
        "ud_head_dev_sentences": _ud_table("ug_udt-HEAD-dev.sentence_translit.tsv"),
        "uroman_test_uig": _uroman_test("uig"),
    },
    "mhr": {"uroman_test_rus": _uroman_test("rus")},
}


def evaluate_references(
    scheme_fn: Scheme, translit_dir: str | Path, language: str
) -> dict[str, dict[str, float | int]]:
    """Score a scheme against every reference set held for ``language`` (see :data:`REFERENCES`)."""
    if language not in REFERENCES:
        raise ConfigError("language", f"no references for {language!r}; expected one of {sorted(REFERENCES)}")
    root = Path(translit_dir)
    return {name: evaluate(scheme_fn, load(root)) for name, load in REFERENCES[language].items()}
