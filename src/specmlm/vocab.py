"""Vocabulary augmentation (VA, PAPER.md §5.5) and the embedding initialisations offered with it.

The stage trains a small WordPiece vocabulary on the language's unlabelled train split, picks
the new pieces that most reduce mBERT's UNKs (the paper's selection, steps 3–5, exactly), puts
them into the base tokenizer and initialises their embedding rows. It writes a tokenizer +
model directory that the pretraining stage (LAPT) loads as it would load mBERT.

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

New pieces come from a WordPiece model (``##`` marks a continuation). For a SentencePiece
base they are rewritten into its convention first (``abc`` -> ``▁abc``, ``##abc`` -> ``abc``),
so the comparison with the base tokenization, the base-vocabulary check and the tokenizer all
see the same strings. Byte-level BPE bases (RoBERTa) have no UNKs to remove and are refused.

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

The stage has no seed setting (the config schema gives it none), so the random parts (the
resize default, ``scriptwise``) draw from a fixed seed and the stage is deterministic.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy import sparse
from tokenizers import BertWordPieceTokenizer
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from specmlm.atomic import write_json, write_text
from specmlm.errors import ConfigError
from specmlm.formats.text import read_documents, read_lines
from specmlm.settings import VocabSettings
from specmlm.atomic import staged_directory
from specmlm.tokstats import BATCH_LINES, plain_backend, scheme_of, token_stats, wordpiece_tokenizer

INIT_SEED = 13370
WORDPIECE_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
UNUSED_SLOT = re.compile(r"^\[unused\d+\]$")
MLM_ARCHITECTURE_SUFFIXES = ("ForMaskedLM", "ForPreTraining")
NGRAM_SIZES = (1, 2, 3)
MIN_SCRIPT_GROUP = 2


# --- 1. training the new WordPiece vocabulary ------------------------------------------------


def _fixed_initial_tokens(
    trainer: BertWordPieceTokenizer, lines: Sequence[str], limit_alphabet: int
) -> tuple[list[str], list[str]]:
    """The alphabet and the ``##c`` tokens the trainer would start from, each in code-point order.

    tokenizers' BPE/WordPiece trainer creates the ``##c`` tokens in hash-map order, breaks merge
    ties by token id, and cuts the alphabet at ``limit_alphabet`` with an unstable sort, so one
    corpus gives different vocabularies from run to run (huggingface/tokenizers#1794; on the
    1,000 Uyghur Tatoeba lines about 20 of ~800 entries change). Handing the trainer these
    tokens as leading special tokens fixes every id it assigns, in the layout it uses itself
    (specials, alphabet by code point, then ``##c``); passing the alphabet as ``initial_alphabet``
    as well makes the trainer's alphabet cut keep exactly these characters. The result is one of
    the trainer's possible vocabularies, always the same one. Alphabet ties at the limit are
    broken towards lower code points.
    """
    words: Counter[str] = Counter()
    for line in lines:
        words.update(word for word, _ in trainer.pre_tokenizer.pre_tokenize_str(trainer.normalizer.normalize_str(line)))
    chars: Counter[str] = Counter()
    for word, count in words.items():
        for char in word:
            chars[char] += count
    alphabet = sorted(sorted(chars, key=lambda char: (-chars[char], ord(char)))[:limit_alphabet], key=ord)
    kept = set(alphabet)
    continuing = sorted({char for word in words for char in word[1:] if char in kept}, key=ord)
    return alphabet, [f"##{char}" for char in continuing]


def train_wordpiece(
    lines_file: str | Path,
    out_dir: str | Path,
    vocab_size: int = 5000,
    min_frequency: int = 5,
    limit_alphabet: int = 1000,
) -> Path:
    """Train the paper's new cased WordPiece vocabulary on a text file; return its ``vocab.txt``."""
    lines = read_lines(lines_file)
    trainer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    alphabet, continuing = _fixed_initial_tokens(trainer, lines, limit_alphabet)
    trainer.train_from_iterator(
        lines,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        limit_alphabet=limit_alphabet,
        initial_alphabet=alphabet,
        special_tokens=[*WORDPIECE_SPECIALS, *alphabet, *continuing],
        show_progress=False,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return Path(trainer.save_model(str(out_dir))[0])


# --- 2. selecting the pieces -----------------------------------------------------------------


def _sentencepiece_spelling(piece: str) -> str:
    """A WordPiece vocabulary entry spelled SentencePiece-style: ``abc`` -> ``▁abc``, ``##abc`` -> ``abc``."""
    return piece[2:] if piece.startswith("##") else f"▁{piece}"


def _sentencepiece_word(pieces: Sequence[str]) -> list[str]:
    """The WordPiece pieces of one whitespace word, as SentencePiece would write them.

    Only the word's first piece carries ``▁``. BERT's pre-tokenizer also starts a new
    (``##``-less) piece at punctuation, but inside a whitespace word that is no word start.
    """
    return [f"▁{piece}" if i == 0 else piece.removeprefix("##") for i, piece in enumerate(pieces)]


def _same(piece: str) -> str:
    return piece


class Convention(NamedTuple):
    """How WordPiece pieces are written for a base tokenizer of one scheme."""

    word: Callable[[Sequence[str]], list[str]]  # the pieces of one whitespace word
    entry: Callable[[str], str]  # a vocabulary entry out of context
    surface: Callable[[str], str]  # a base-convention piece spelled with ``▁`` at a word start


CONVENTIONS: dict[str, Convention] = {
    "wordpiece": Convention(word=list, entry=_same, surface=_sentencepiece_spelling),
    "sentencepiece": Convention(word=_sentencepiece_word, entry=_sentencepiece_spelling, surface=_same),
}


def _convention(base_tokenizer: PreTrainedTokenizerBase) -> Convention:
    scheme = scheme_of(base_tokenizer)
    if scheme not in CONVENTIONS:
        raise ConfigError(
            "method",
            f"vocabulary augmentation needs a WordPiece or SentencePiece base tokenizer, not {scheme}",
        )
    return CONVENTIONS[scheme]


def _encode_words(tokenizer: PreTrainedTokenizerBase, words: Sequence[str]) -> list[list[str]]:
    """Each word's pieces, no special tokens, with every UNK written as the unk token.

    A Unigram model reports an unknown span by its text, not by ``<unk>``; writing it as the
    unk token keeps "pieces of n not in b" from matching a new piece against unknown text.
    """
    backend = plain_backend(tokenizer)
    unk_id, unk = tokenizer.unk_token_id, tokenizer.unk_token
    pieces: list[list[str]] = []
    for start in range(0, len(words), BATCH_LINES):
        for encoding in backend.encode_batch(list(words[start : start + BATCH_LINES]), add_special_tokens=False):
            pieces.append([unk if i == unk_id else t for t, i in zip(encoding.tokens, encoding.ids, strict=True)])
    return pieces


def select_new_pieces(
    train_lines: Iterable[str],
    base_tokenizer: PreTrainedTokenizerBase,
    new_tokenizer: PreTrainedTokenizerBase,
    base_vocab: Sequence[str],
    n: int = 99,
) -> tuple[list[str], dict[str, int]]:
    """The paper's selection (§5.5 steps 3–5) of ``n`` new pieces; returns them and a report.

    For each whitespace token ``t`` of the corpus, ``b = B(t)`` and ``n = N(t)``: all of ``n``
    goes to ALL; if ``b`` has more UNKs than ``n``, the pieces of ``n`` absent from ``b`` go to
    CAND. CAND is ranked by ``Counter.most_common`` (ties keep first-seen order), pieces already
    in the base vocabulary are dropped, the first ``n`` kept; if fewer, ALL pads the list by
    descending frequency. Only distinct words are encoded, each counted with its frequency and
    taken in order of first occurrence, which gives the same counts and the same first-seen
    order as the token-by-token scan. N's own UNK token is left out of ALL and CAND: the
    released script only ever drops it later (it is a line of mBERT's vocabulary), and for a
    SentencePiece base it would otherwise be converted into a bogus candidate.

    Both tokenizers are used as given. The released script (parsing-mbert,
    ``select_wordpieces_for_injection.py``) ran N as a bare WordPiece matcher without BERT's
    punctuation splitting; PAPER.md specifies N with the same cased settings as B, as here.
    """
    convention = _convention(base_tokenizer)
    word_counts = Counter(word for line in train_lines for word in line.split())
    words = list(word_counts)
    base_unk, new_unk = base_tokenizer.unk_token, new_tokenizer.unk_token
    all_counts: Counter[str] = Counter()
    candidate_counts: Counter[str] = Counter()
    words_fewer_unk = 0
    encoded = zip(words, _encode_words(base_tokenizer, words), _encode_words(new_tokenizer, words), strict=True)
    for word, b, new in encoded:
        count = word_counts[word]
        pieces = [piece for piece, raw in zip(convention.word(new), new, strict=True) if raw != new_unk]
        for piece in pieces:
            all_counts[piece] += count
        if b.count(base_unk) > new.count(new_unk):
            words_fewer_unk += count
            for piece in pieces:
                if piece not in b:
                    candidate_counts[piece] += count
    known = set(base_vocab)
    ranked = [piece for piece, _ in candidate_counts.most_common() if piece not in known]
    chosen = ranked[:n]
    from_candidates = len(chosen)
    taken = set(chosen)
    for piece, _ in all_counts.most_common():
        if len(chosen) >= n:
            break
        if piece not in known and piece not in taken:
            chosen.append(piece)
            taken.add(piece)
    report = {
        "requested": n,
        "chosen": len(chosen),
        "candidates": len(ranked),
        "from_candidates": from_candidates,
        "padded": len(chosen) - from_candidates,
        "words_with_fewer_unk": words_fewer_unk,
        "distinct_new_pieces_seen": len(all_counts),
    }
    return chosen, report


# --- 3. putting the pieces into the tokenizer ------------------------------------------------


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


# --- 4. initialising the new embedding rows --------------------------------------------------


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


# --- 5. the stage ----------------------------------------------------------------------------


def _load_model(model_dir: str | Path) -> PreTrainedModel:
    """The MLM model if the checkpoint has an MLM head, so LAPT continues from it; else the encoder."""
    architectures = AutoConfig.from_pretrained(str(model_dir)).architectures or []
    has_mlm = any(name.endswith(MLM_ARCHITECTURE_SUFFIXES) for name in architectures)
    return (AutoModelForMaskedLM if has_mlm else AutoModel).from_pretrained(str(model_dir))


def _vocab_lines(vocab_file: Path) -> list[str]:
    return [line for line in read_lines(vocab_file) if line]


def _overlap(new_vocab_file: Path, base: PreTrainedTokenizerBase, convention: Convention) -> list[str]:
    """Tokens of the trained vocabulary that the base vocabulary already has, by base id."""
    base_vocab = base.get_vocab()
    excluded = set(base.all_special_tokens) | set(WORDPIECE_SPECIALS)
    shared = {convention.entry(token) for token in _vocab_lines(new_vocab_file) if token not in excluded}
    return sorted((token for token in shared if token in base_vocab and token not in excluded), key=base_vocab.get)


def augment(
    base_model_dir: str | Path, train_text_file: str | Path, out_dir: str | Path, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """Run VA: train, select, add, initialise; write tokenizer + model, ``added_pieces.txt``, ``report.json``.

    ``base_model_dir`` holds the base tokenizer and model (``save_pretrained``). The output
    directory also keeps the trained WordPiece vocabulary under ``trained_wordpiece/``.
    Returns the report.
    """
    settings = VocabSettings.of(settings)
    base = AutoTokenizer.from_pretrained(str(base_model_dir))
    convention = _convention(base)
    model = _load_model(base_model_dir)
    lines = [line for document in read_documents(train_text_file) for line in document]
    base_tokens = [token for token, _ in sorted(base.get_vocab().items(), key=lambda item: item[1])]
    with staged_directory(out_dir) as stage:
        new_vocab_file = train_wordpiece(
            train_text_file,
            stage / "trained_wordpiece",
            vocab_size=settings["vocab_size"],
            min_frequency=settings["min_frequency"],
            limit_alphabet=settings["limit_alphabet"],
        )
        pieces, selection = select_new_pieces(
            lines, base, wordpiece_tokenizer(new_vocab_file), base_tokens, settings["new_pieces"]
        )
        base.save_pretrained(stage)
        tokenizer_json = json.loads((stage / "tokenizer.json").read_text(encoding="utf-8"))
        ids = METHODS[settings["method"]](tokenizer_json, pieces, base)
        write_text(stage / "tokenizer.json", json.dumps(tokenizer_json, ensure_ascii=False))
        tokenizer = AutoTokenizer.from_pretrained(str(stage))
        if tokenizer.convert_tokens_to_ids(pieces) != ids:
            raise RuntimeError("the edited tokenizer does not map the new pieces to the ids they were given")
        torch.manual_seed(INIT_SEED)
        if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
            model.resize_token_embeddings(len(tokenizer))
        overlap = _overlap(new_vocab_file, base, convention)
        initialise_rows(model, ids, pieces, base, overlap, settings["init"])
        model.save_pretrained(stage)
        tokenizer.save_pretrained(stage)
        write_text(stage / "added_pieces.txt", "".join(f"{piece}\n" for piece in pieces))
        report = {
            "settings": dict(settings),
            "selection": selection,
            "pieces": [{"id": index, "piece": piece} for index, piece in zip(ids, pieces, strict=True)],
            "trained_vocab_size": len(_vocab_lines(new_vocab_file)),
            "base_vocab_size": len(base),
            "vocab_size": len(tokenizer),
            "overlap": len(overlap),
            "train_stats_before": token_stats(base, lines),
            "train_stats_after": token_stats(tokenizer, lines),
        }
        write_json(stage / "report.json", report)
    return report
