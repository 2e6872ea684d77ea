"""Putting the new pieces into the base tokenizer.

Two ways to add the pieces (``METHODS``):

- ``unused`` (the paper): the pieces take the ``[unusedN]`` slots of the vocabulary in id
  order, so the vocabulary size, every other id and the embedding shape stay as they were;
  slots beyond the number of chosen pieces keep their ``[unusedN]`` tokens.
- ``append`` (tokenizers without unused slots, e.g. XLM-R's SentencePiece): the pieces get new
  ids after the last one and the embedding matrix is resized. They are written into the
  tokenizer *model's* vocabulary, not added as whole-word "added tokens", so they take part in
  ordinary subword segmentation. For WordPiece that is an entry of the WordPiece vocabulary
  (what appending a line to ``vocab.txt`` does). For a Unigram (SentencePiece) model a piece
  needs a log-probability score; it gets the best score among the base pieces it is currently
  split into. Its own old segmentation sums two or more such negative scores, so the new piece
  wins that span in the Viterbi search, but it does not outrank the base pieces themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from transformers import PreTrainedTokenizerBase

from specmlm.errors import ConfigError

UNUSED_SLOT = re.compile(r"^\[unused\d+\]$")


def _wordpiece_tokens(model: dict[str, Any]) -> list[str]:
    return sorted(model["vocab"], key=model["vocab"].get)


def _unigram_tokens(model: dict[str, Any]) -> list[str]:
    return [piece for piece, _ in model["vocab"]]


def _put_wordpiece(
    model: dict[str, Any], ids: Sequence[int], pieces: Sequence[str], base: PreTrainedTokenizerBase
) -> None:
    vocab: dict[str, int] = model["vocab"]
    by_id = {index: token for token, index in vocab.items()}
    for index, piece in zip(ids, pieces, strict=True):
        if index in by_id:
            del vocab[by_id[index]]
        vocab[piece] = index
    model["vocab"] = dict(sorted(vocab.items(), key=lambda item: item[1]))


def _put_unigram(
    model: dict[str, Any], ids: Sequence[int], pieces: Sequence[str], base: PreTrainedTokenizerBase
) -> None:
    """Write ``[piece, score]`` entries; the score is the best of the piece's current split."""
    vocab: list[list[Any]] = model["vocab"]
    scores = [score for _, score in vocab]
    floor = min(scores)
    unk_id = model["unk_id"]
    segmenter = base.backend_tokenizer.model
    for index, piece in zip(ids, pieces, strict=True):
        score = max(floor if token.id == unk_id else scores[token.id] for token in segmenter.tokenize(piece))
        if index == len(vocab):
            vocab.append([piece, score])
        else:
            vocab[index] = [piece, score]


# tokenizer.json model type -> (tokens by id, write pieces at ids)
VOCAB_EDITORS: dict[str, tuple[Callable[[dict[str, Any]], list[str]], Callable[..., None]]] = {
    "WordPiece": (_wordpiece_tokens, _put_wordpiece),
    "Unigram": (_unigram_tokens, _put_unigram),
}


def _editor(tokenizer_json: dict[str, Any]) -> tuple[Callable[[dict[str, Any]], list[str]], Callable[..., None]]:
    model_type = tokenizer_json["model"].get("type")
    if model_type not in VOCAB_EDITORS:
        raise ConfigError(
            "method", f"cannot add pieces to a {model_type} tokenizer; expected one of {sorted(VOCAB_EDITORS)}"
        )
    return VOCAB_EDITORS[model_type]


def _method_unused(tokenizer_json: dict[str, Any], pieces: Sequence[str], base: PreTrainedTokenizerBase) -> list[int]:
    tokens, put = _editor(tokenizer_json)
    slots = [index for index, token in enumerate(tokens(tokenizer_json["model"])) if UNUSED_SLOT.match(token)]
    if len(slots) < len(pieces):
        raise ConfigError(
            "method",
            f"'unused' needs {len(pieces)} [unusedN] slots but the base vocabulary has {len(slots)}; use 'append'",
        )
    ids = slots[: len(pieces)]
    put(tokenizer_json["model"], ids, pieces, base)
    tokenizer_json["added_tokens"] = [token for token in tokenizer_json["added_tokens"] if token["id"] not in ids]
    return ids


def _method_append(tokenizer_json: dict[str, Any], pieces: Sequence[str], base: PreTrainedTokenizerBase) -> list[int]:
    tokens, put = _editor(tokenizer_json)
    size = len(tokens(tokenizer_json["model"]))
    outside = [token["content"] for token in tokenizer_json["added_tokens"] if token["id"] >= size]
    if outside:
        raise ConfigError("method", f"'append' would collide with added tokens beyond the model vocabulary: {outside}")
    ids = list(range(size, size + len(pieces)))
    put(tokenizer_json["model"], ids, pieces, base)
    return ids


# method -> edit a tokenizer.json in place, returning the ids the pieces now have
METHODS: dict[str, Callable[[dict[str, Any], Sequence[str], PreTrainedTokenizerBase], list[int]]] = {
    "unused": _method_unused,
    "append": _method_append,
}
