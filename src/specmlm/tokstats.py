"""Tokenisation statistics of PAPER.md §9: fertility, continuation, UNK and words-with-UNK rates.

The paper explains VA's gains by how badly mBERT's vocabulary covers a language, so these
numbers are measured the same way for every tokeniser (mBERT, VA-augmented, monolingual BPE,
SentencePiece models added as variants). A word is a whitespace token. Fertility, continuation
and UNK proportions come from encoding whole lines (what a model sees); the words-with-UNK
proportion from encoding each word alone, as the paper defines it. The paper's "token-level"
variants of the first three (``word_*``) encode each word alone too: for WordPiece and
SentencePiece they equal the line figures, for byte-level BPE they differ, as a word alone
carries no ``Ġ`` and its first piece is line-initial, so it never counts as a continuation
(PAPER §9). Raw counts are returned
beside the proportions so that pooled figures (over splits, languages, groups) are ratios of
summed counts rather than means of ratios.

A subword is a continuation subword when it does not begin a word. How a tokeniser marks that
depends on its scheme, recognised from its decoder:

- WordPiece: the piece starts with ``##``.
- byte-level BPE: the piece is not line-initial and has no ``Ġ`` (space) prefix.
- SentencePiece (``▁`` marks a word start, XLM-R style): the piece has no ``▁`` prefix and is
  not the first piece of its word. SentencePiece emits a bare ``▁`` before a word whose first
  characters do not merge with it (``▁`` ``ئ`` …); the piece after a bare ``▁`` still begins
  the word, so it does not count as a continuation. A line-initial piece never does either.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenizers import Tokenizer

from specmlm.errors import InputError
from specmlm.formats.conllu import read_ud
from specmlm.formats.ner import read_prepared_ner
from specmlm.formats.text import read_documents

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

BATCH_LINES = 10_000

COUNT_KEYS = ("words", "subwords", "unk", "words_with_unk", "continuation", "word_subwords", "word_unk", "word_continuation")
PROPORTION_KEYS = ("fertility", "continuation_prop", "unk_prop", "wunk_prop", "word_fertility", "word_continuation_prop", "word_unk_prop")
ROW_KEYS = ("dataset", "split", *COUNT_KEYS, *PROPORTION_KEYS)


def _wordpiece_continuations(tokens: Sequence[str]) -> int:
    return sum(token.startswith("##") for token in tokens)


def _bytelevel_continuations(tokens: Sequence[str]) -> int:
    return sum(not token.startswith("Ġ") for token in tokens[1:])


def _sentencepiece_continuations(tokens: Sequence[str]) -> int:
    return sum(
        not token.startswith("▁") and previous != "▁" for previous, token in zip(tokens, tokens[1:], strict=False)
    )


# Scheme name -> how many pieces of one encoded line are continuations; keyed by decoder class.
CONTINUATION_RULES: dict[str, Callable[[Sequence[str]], int]] = {
    "wordpiece": _wordpiece_continuations,
    "bytelevel": _bytelevel_continuations,
    "sentencepiece": _sentencepiece_continuations,
}
SCHEME_OF_DECODER = {"WordPiece": "wordpiece", "ByteLevel": "bytelevel", "Metaspace": "sentencepiece"}


def scheme_of(tokenizer: PreTrainedTokenizerBase | Tokenizer) -> str:
    """Name the subword scheme (``wordpiece``, ``bytelevel``, ``sentencepiece``) from the decoder.

    The decoder is the one component that states how word boundaries are written into pieces,
    whatever model class (BPE, Unigram, WordPiece) sits underneath.
    """
    decoder = type(getattr(tokenizer, "backend_tokenizer", tokenizer).decoder).__name__
    if decoder not in SCHEME_OF_DECODER:
        raise ValueError(
            f"cannot tell the subword scheme of a tokenizer with decoder {decoder!r}; "
            f"expected one of {sorted(SCHEME_OF_DECODER)}"
        )
    return SCHEME_OF_DECODER[decoder]


@dataclass(frozen=True)
class Counting:
    """What counting needs of a tokenizer: its pieces without truncation or padding, and its UNK."""

    backend: Tokenizer
    unk_id: int | None


def plain_backend(tokenizer: PreTrainedTokenizerBase | Tokenizer) -> Tokenizer:
    """A copy of the backend with truncation and padding off, so every piece is counted."""
    backend = Tokenizer.from_str(getattr(tokenizer, "backend_tokenizer", tokenizer).to_str())
    backend.no_truncation()
    backend.no_padding()
    return backend


def counting(tokenizer: str | Path | PreTrainedTokenizerBase) -> Counting:
    """Read a ``save_pretrained`` directory (or take a loaded tokenizer) for counting.

    A directory is read through ``tokenizers`` alone: its ``tokenizer.json`` is the backend a
    transformers tokenizer would wrap and ``tokenizer_config.json`` names the UNK token. Loading
    it with ``AutoTokenizer`` instead costs each statistics job 6-7 s of transformers imports,
    against 0.3 s.
    """
    if not isinstance(tokenizer, (str, Path)):
        return Counting(plain_backend(tokenizer), tokenizer.unk_token_id)
    directory = Path(tokenizer)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        if not (directory / name).is_file():
            raise InputError(directory / name, None, "missing; expected a save_pretrained tokenizer directory with a fast tokenizer")
    try:
        backend = plain_backend(Tokenizer.from_file(str(directory / "tokenizer.json")))
    except Exception as err:  # tokenizers raises a bare Exception for any unreadable file
        raise InputError(directory / "tokenizer.json", None, f"not a tokenizers file ({err}); expected a fast tokenizer's JSON") from None
    config_file = directory / "tokenizer_config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(config_file, err.lineno, f"not JSON ({err.msg}); expected a tokenizer configuration") from None
    if not isinstance(config, dict):
        raise InputError(config_file, 1, f"a JSON {type(config).__name__}; expected an object (a tokenizer configuration)")
    unk: Any = config.get("unk_token")
    if isinstance(unk, dict):  # an AddedToken, serialised
        unk = unk.get("content")
    if unk is None:
        return Counting(backend, None)
    if backend.token_to_id(unk) is None:
        raise InputError(config_file, None, f"unk_token {unk!r} is not in tokenizer.json's vocabulary; expected one of its pieces")
    return Counting(backend, backend.token_to_id(unk))


def with_proportions(counts: dict[str, int]) -> dict[str, int | float]:
    """Add the proportions to a dict of the raw counts of ``COUNT_KEYS`` (also for pooled counts)."""
    words, subwords, word_subwords = counts["words"], counts["subwords"], counts["word_subwords"]
    if not words or not subwords or not word_subwords:
        raise ValueError("no words to compute tokenisation statistics on")
    return {
        **{key: counts[key] for key in COUNT_KEYS},
        "fertility": subwords / words,
        "continuation_prop": counts["continuation"] / subwords,
        "unk_prop": counts["unk"] / subwords,
        "wunk_prop": counts["words_with_unk"] / words,
        "word_fertility": word_subwords / words,
        "word_continuation_prop": counts["word_continuation"] / word_subwords,
        "word_unk_prop": counts["word_unk"] / word_subwords,
    }


def token_stats(tokenizer: str | Path | PreTrainedTokenizerBase | Counting, lines: Iterable[str]) -> dict[str, int | float]:
    """Counts and proportions of §9 for ``lines`` (whitespace-tokenised text), no special tokens."""
    counter = tokenizer if isinstance(tokenizer, Counting) else counting(tokenizer)
    backend, unk_id = counter.backend, counter.unk_id
    continuations = CONTINUATION_RULES[scheme_of(backend)]
    lines = [line for line in lines if line.strip()]
    word_counts = Counter(word for line in lines for word in line.split())
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["words"] = sum(word_counts.values())
    for start in range(0, len(lines), BATCH_LINES):
        for encoding in backend.encode_batch(lines[start : start + BATCH_LINES], add_special_tokens=False):
            counts["subwords"] += len(encoding.ids)
            counts["unk"] += encoding.ids.count(unk_id)
            counts["continuation"] += continuations(encoding.tokens)
    words = list(word_counts)
    for start in range(0, len(words), BATCH_LINES):
        batch = words[start : start + BATCH_LINES]
        for word, encoding in zip(batch, backend.encode_batch(batch, add_special_tokens=False), strict=True):
            times = word_counts[word]
            counts["words_with_unk"] += times * (unk_id in encoding.ids)
            counts["word_subwords"] += times * len(encoding.ids)
            counts["word_unk"] += times * encoding.ids.count(unk_id)
            counts["word_continuation"] += times * continuations(encoding.tokens)
    return with_proportions(counts)


def _ud_lines(path: Path) -> list[str]:
    return [" ".join(sentence.words) for sentence in read_ud(path)]


def _ner_lines(path: Path) -> list[str]:
    return [" ".join(sentence.tokens) for sentence in read_prepared_ner(path)]


def _text_lines(path: Path) -> list[str]:
    return [line for document in read_documents(path) for line in document]


# A prepared file's format -> its dataset and a reader giving one line per sentence.
DATASETS: dict[str, tuple[str, Callable[[Path], list[str]]]] = {
    ".conllu": ("ud", _ud_lines),
    ".tsv": ("ner", _ner_lines),
    ".txt": ("text", _text_lines),
}


def stats_for_files(
    tokenizer_dir: str | Path | PreTrainedTokenizerBase, files: Iterable[str | Path]
) -> list[dict[str, str | int | float]]:
    """One row per prepared file (``{split}.conllu``, ``.tsv`` or ``.txt``), in the given order.

    The files are the ones the workflow declared for a view, so what exists was decided by
    the view's prepare stage. UD sentences are their syntactic-word forms joined by spaces,
    so a form containing a space (Vietnamese) counts as several words, as a whitespace token
    is the paper's word.
    """
    tokenizer = counting(tokenizer_dir)
    rows: list[dict[str, str | int | float]] = []
    for path in map(Path, files):
        if path.suffix not in DATASETS:
            raise ValueError(f"{path}: not a prepared dataset file (expected one of {', '.join(DATASETS)})")
        dataset, reader = DATASETS[path.suffix]
        rows.append({"dataset": dataset, "split": path.stem, **token_stats(tokenizer, reader(path))})
    return rows
