"""The new pieces: a WordPiece vocabulary trained on the language's text, and the paper's selection.

New pieces come from a WordPiece model (``##`` marks a continuation). For a SentencePiece
base they are rewritten into its convention first (``abc`` -> ``▁abc``, ``##abc`` -> ``abc``),
so the comparison with the base tokenization, the base-vocabulary check and the tokenizer all
see the same strings. Byte-level BPE bases (RoBERTa) have no UNKs to remove and are refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from tokenizers import BertWordPieceTokenizer
from transformers import PreTrainedTokenizerBase

from specmlm.errors import ConfigError
from specmlm.formats.text import read_lines
from specmlm.tokstats import BATCH_LINES, plain_backend, scheme_of

WORDPIECE_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


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


def convention_of(base_tokenizer: PreTrainedTokenizerBase) -> Convention:
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
    convention = convention_of(base_tokenizer)
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
