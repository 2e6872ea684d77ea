"""Initialising the new pieces' embedding rows.

Embedding initialisations (``INITS``), each computing the rows of the new ids from a weight
matrix (the input embeddings, and the output embeddings too when they are not tied):

- ``untrained`` (the paper): keep the rows already there: the never-trained ``[unused]`` rows
  for ``unused``; for ``append``, transformers' resize default (a normal with the old rows'
  mean and covariance).
- ``mean``: the mean of the rows of the base pieces the new piece is split into by the base
  tokenizer (a piece that the base tokenizer maps to UNK gets the UNK row).
- ``focus``: a simplification of FOCUS (Dobler & de Melo 2023). FOCUS mixes the embeddings of
  the *overlapping* tokens (in both the old and the new vocabulary) with sparsemax weights over
  cosine similarities of auxiliary fastText embeddings trained on the target language. Here the
  similarity is the cosine between character 1–3-gram count profiles of the pieces (word-start
  marked with ``▁``), so no auxiliary model is trained: the weights reflect spelling, not
  distribution. A piece sharing no n-gram with any overlapping token gets uniform weights.
- ``scriptwise`` (Downey et al. 2023): a sample from a Gaussian fitted (mean, covariance) to
  the old embeddings of the tokens written in the piece's script. The script of a string is the
  first word of the Unicode name of its first letter (``ARABIC``, ``CYRILLIC``, ``LATIN``, …), a
  stand-in for the Unicode Script property that the standard library does not expose; strings
  with no letter form one ``COMMON`` group. Too small a group falls back to all old tokens.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import torch
from scipy import sparse
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from specmlm.errors import ConfigError
from specmlm.tokstats import scheme_of
from specmlm.vocab.pieces import CONVENTIONS
from specmlm.vocab.tokenizer import UNUSED_SLOT

INIT_SEED = 13370  # the stage has no seed setting: its random parts draw from this one
NGRAM_SIZES = (1, 2, 3)
MIN_SCRIPT_GROUP = 2


def _greedy_wordpiece(vocab: dict[str, int], unk_id: int) -> Callable[[str], list[int]]:
    """Split a WordPiece piece (``##`` = continuation) by greedy longest match, as BERT does."""

    def split(piece: str) -> list[int]:
        continuation = piece.startswith("##")
        text = piece[2:] if continuation else piece
        ids: list[int] = []
        start = 0
        while start < len(text):
            for end in range(len(text), start, -1):
                candidate = ("##" if start or continuation else "") + text[start:end]
                if candidate in vocab:
                    ids.append(vocab[candidate])
                    start = end
                    break
            else:
                return [unk_id]
        return ids

    return split


def _wordpiece_splitter(base: PreTrainedTokenizerBase) -> Callable[[str], list[int]]:
    return _greedy_wordpiece(base.get_vocab(), base.unk_token_id)


def _sentencepiece_splitter(base: PreTrainedTokenizerBase) -> Callable[[str], list[int]]:
    model = base.backend_tokenizer.model
    return lambda piece: [token.id for token in model.tokenize(piece)]


# base scheme -> function splitting a base-convention piece into base ids
SPLITTERS: dict[str, Callable[[PreTrainedTokenizerBase], Callable[[str], list[int]]]] = {
    "wordpiece": _wordpiece_splitter,
    "sentencepiece": _sentencepiece_splitter,
}


def sparsemax(scores: torch.Tensor) -> torch.Tensor:
    """Sparsemax (Martins & Astudillo 2016) of a 1-D tensor: the Euclidean projection onto the simplex."""
    ordered, _ = torch.sort(scores, descending=True)
    ranks = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    cumulative = ordered.cumsum(0) - 1
    support = int((ordered - cumulative / ranks > 0).sum())
    threshold = cumulative[support - 1] / support
    return torch.clamp(scores - threshold, min=0)


def _ngrams(text: str) -> Counter[str]:
    return Counter(text[i : i + n] for n in NGRAM_SIZES for i in range(len(text) - n + 1))


def _profile_matrix(profiles: Sequence[Counter[str]], index: dict[str, int]) -> sparse.csr_matrix:
    """Rows: L2-normalised n-gram counts over the columns of ``index``."""
    rows, cols, values = [], [], []
    for row, grams in enumerate(profiles):
        norm = np.sqrt(sum(count * count for count in grams.values()))
        for gram, count in grams.items():
            rows.append(row)
            cols.append(index[gram])
            values.append(count / norm)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(profiles), len(index)))


def ngram_similarity(pieces: Sequence[str], others: Sequence[str]) -> torch.Tensor:
    """Cosine similarity of character 1–3-gram profiles, ``len(pieces) × len(others)``."""
    left = [_ngrams(text) for text in pieces]
    right = [_ngrams(text) for text in others]
    index = {gram: i for i, gram in enumerate(sorted({gram for grams in left + right for gram in grams}))}
    similarity = _profile_matrix(left, index) @ _profile_matrix(right, index).T
    return torch.from_numpy(similarity.toarray()).float()


def _script(text: str) -> str:
    for char in text:
        if char.isalpha():
            return unicodedata.name(char, "UNKNOWN").split()[0]
    return "COMMON"


def _strip_marks(piece: str) -> str:
    return piece.removeprefix("##").lstrip("▁")


def _init_untrained(
    weight: torch.Tensor, ids: list[int], pieces: list[str], base: PreTrainedTokenizerBase, overlap: list[str]
) -> torch.Tensor:
    return weight[ids].clone()


def _init_mean(
    weight: torch.Tensor, ids: list[int], pieces: list[str], base: PreTrainedTokenizerBase, overlap: list[str]
) -> torch.Tensor:
    split = SPLITTERS[scheme_of(base)](base)
    return torch.stack([weight[split(piece)].mean(dim=0) for piece in pieces])


def _init_focus(
    weight: torch.Tensor, ids: list[int], pieces: list[str], base: PreTrainedTokenizerBase, overlap: list[str]
) -> torch.Tensor:
    if not overlap:
        raise ConfigError("init", "'focus' needs tokens shared by the base and the new vocabulary; there are none")
    surface = CONVENTIONS[scheme_of(base)].surface
    similarity = ngram_similarity([surface(piece) for piece in pieces], [surface(token) for token in overlap])
    weights = torch.stack([sparsemax(row) for row in similarity]).to(weight.dtype)
    return weights @ weight[base.convert_tokens_to_ids(overlap)]


def _init_scriptwise(
    weight: torch.Tensor, ids: list[int], pieces: list[str], base: PreTrainedTokenizerBase, overlap: list[str]
) -> torch.Tensor:
    excluded = set(base.all_special_tokens)
    excluded_ids = set(ids)
    old = [
        (index, token)
        for token, index in base.get_vocab().items()
        if token not in excluded and not UNUSED_SLOT.match(token) and index not in excluded_ids
    ]
    groups: dict[str, list[int]] = {}
    for index, token in old:
        groups.setdefault(_script(_strip_marks(token)), []).append(index)
    everything = sorted(index for index, _ in old)
    generator = torch.Generator().manual_seed(INIT_SEED)
    rows = []
    for piece in pieces:
        group = sorted(groups.get(_script(_strip_marks(piece)), []))
        sample = weight[group if len(group) >= MIN_SCRIPT_GROUP else everything].double()
        mean = sample.mean(dim=0)
        covariance = torch.cov(sample.T)
        jitter = 1e-6 * covariance.diagonal().mean().clamp(min=1e-12)
        factor = torch.linalg.cholesky(covariance + jitter * torch.eye(len(mean), dtype=torch.float64))
        rows.append(mean + factor @ torch.randn(len(mean), generator=generator, dtype=torch.float64))
    return torch.stack(rows).to(weight.dtype)


InitFn = Callable[[torch.Tensor, list[int], list[str], PreTrainedTokenizerBase, list[str]], torch.Tensor]
# init -> rows for the new ids, from (weight matrix, new ids, pieces in base convention,
# base tokenizer, overlapping tokens in base convention)
INITS: dict[str, InitFn] = {
    "untrained": _init_untrained,
    "mean": _init_mean,
    "focus": _init_focus,
    "scriptwise": _init_scriptwise,
}


def initialise_rows(
    model: PreTrainedModel,
    ids: list[int],
    pieces: list[str],
    base: PreTrainedTokenizerBase,
    overlap: list[str],
    init: str,
) -> None:
    """Set the new rows of the input embeddings, and of the output embeddings if untied."""
    matrices = [model.get_input_embeddings().weight]
    output = model.get_output_embeddings()
    if output is not None and output.weight is not matrices[0]:
        matrices.append(output.weight)
    with torch.no_grad():
        for weight in matrices:
            weight[ids] = INITS[init](weight, ids, pieces, base, overlap)
