"""Masked-LM data: BERT-style training instances and the held-out evaluation batches.

Training instances port BERT's ``create_pretraining_data.py`` (Devlin et al. 2019), which the
paper's LAPT ran on the train split (PAPER §5.4): sentences of a document are packed into
sequences of at most ``max_seq_length`` pieces (a random shorter target with probability
``short_seq_prob``), over-long chunks are trimmed from a random end, and each sequence gets
``round(len * masked_lm_prob)`` (1 to ``max_predictions_per_seq``) predictions under the
80/10/10 mask/random/keep rule, ``dupe_factor`` times with independent masks. With next
sentence prediction removed (``run_pretraining_nonsp.py``) a sequence is one segment,
``[CLS] chunk [SEP]`` (a SentencePiece or byte-level BPE model's own ``<s> ... </s>``).
Masks are drawn once, as BERT's TFRecords fix them.

``Lines`` is the other way to train, the one of the paper's RoBERTa (PAPER §5.2): the HF
``Trainer`` on a ``LineByLineTextDataset`` (each non-empty line one sequence with the model's
specials, truncated to the block size) and ``DataCollatorForLanguageModeling``, which masks 15%
of each batch's pieces afresh every time (dynamic masking, no cap on predictions). Each epoch's
masks come from a generator seeded by the seed and the epoch, so a resumed epoch repeats them.

Held-out batches reproduce the HF ``Trainer`` evaluation that selected the paper's epochs:
``LineByLineTextDataset`` (each non-empty line one sequence, truncated to the block size)
masked by ``DataCollatorForLanguageModeling`` with a fixed seed, so every epoch is scored on
the very same masks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import DataCollatorForLanguageModeling, PreTrainedTokenizerBase

from specmlm.formats.text import Document

IGNORE = -100
"""Label of positions without a prediction, as in ``transformers``."""

_TOKENIZE_CHUNK = 10_000


@dataclass(frozen=True)
class Specials:
    """The token ids instance creation needs, taken from the model's own tokenizer."""

    cls: int
    sep: int
    mask: int
    pad: int
    vocab_size: int

    @classmethod
    def of(cls, tokenizer: PreTrainedTokenizerBase) -> Specials:
        return cls(tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.mask_token_id,
                   tokenizer.pad_token_id, len(tokenizer))


@dataclass(frozen=True)
class InstanceSettings:
    """BERT's ``create_pretraining_data`` flags as the paper ran them (PAPER §5.4)."""

    max_seq_length: int = 128
    masked_lm_prob: float = 0.15
    max_predictions_per_seq: int = 20
    dupe_factor: int = 5
    short_seq_prob: float = 0.1
    seed: int = 13370


@dataclass(frozen=True)
class Batch:
    """Padded inputs plus the flat (row * length + column) indices of the predicted positions.

    Keeping only the predicted positions lets the MLM decoder run on them alone.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    positions: torch.Tensor
    targets: torch.Tensor

    @classmethod
    def from_labels(cls, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor) -> Batch:
        flat = labels.reshape(-1)
        positions = torch.nonzero(flat != IGNORE).squeeze(1)
        return cls(input_ids, attention_mask, positions, flat[positions])

    def to(self, device: torch.device) -> Batch:
        return Batch(*(t.to(device, non_blocking=True) for t in
                       (self.input_ids, self.attention_mask, self.positions, self.targets)))

    def labels(self) -> torch.Tensor:
        """The full ``[batch, length]`` label matrix that a stock ``*ForMaskedLM`` expects."""
        flat = torch.full((self.input_ids.numel(),), IGNORE, dtype=torch.long, device=self.input_ids.device)
        flat[self.positions] = self.targets
        return flat.view_as(self.input_ids)

    @property
    def n_tokens(self) -> int:
        return int(self.attention_mask.sum())


@dataclass(frozen=True)
class Instances:
    """Masked training sequences, stored compactly as numpy arrays.

    ``input_ids`` already carries the masking (padded with the pad id to ``max_seq_length``);
    ``positions`` (-1 padded) and ``targets`` list each sequence's predictions in order.
    """

    input_ids: np.ndarray
    lengths: np.ndarray
    positions: np.ndarray
    targets: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, index: np.ndarray) -> Batch:
        """Collate instances ``index``, padded to the longest of them."""
        lengths = self.lengths[index]
        width = int(lengths.max())
        input_ids = torch.from_numpy(self.input_ids[index, :width].astype(np.int64))
        attention_mask = torch.from_numpy((np.arange(width)[None, :] < lengths[:, None]).astype(np.int64))
        positions = self.positions[index].astype(np.int64)
        rows, slots = np.nonzero(positions >= 0)
        flat = rows * width + positions[rows, slots]
        targets = self.targets[index][rows, slots].astype(np.int64)
        return Batch(input_ids, attention_mask, torch.from_numpy(flat), torch.from_numpy(targets))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.input_ids, self.lengths, self.positions, self.targets

    def masker(self, epoch: int) -> Callable[[np.ndarray], Batch]:
        """The batches of any epoch: the masks were fixed at creation."""
        return self.batch


@dataclass(frozen=True)
class Lines:
    """One sequence per line, masked per batch (``LineByLineTextDataset`` + the MLM collator)."""

    tokenizer: PreTrainedTokenizerBase
    ids: list[list[int]]
    special: list[list[int]]
    masked_lm_prob: float
    seed: int

    @classmethod
    def of(cls, tokenizer: PreTrainedTokenizerBase, lines: Sequence[str], max_seq_length: int,
           masked_lm_prob: float, seed: int) -> Lines:
        kept = [line for line in lines if line and not line.isspace()]
        ids: list[list[int]] = []
        special: list[list[int]] = []
        for start in range(0, len(kept), _TOKENIZE_CHUNK):
            encoded = tokenizer(kept[start:start + _TOKENIZE_CHUNK], truncation=True, max_length=max_seq_length,
                                return_special_tokens_mask=True, return_token_type_ids=False,
                                return_attention_mask=False, verbose=False)
            ids.extend(encoded["input_ids"])
            special.extend(encoded["special_tokens_mask"])
        return cls(tokenizer, ids, special, masked_lm_prob, seed)

    def __len__(self) -> int:
        return len(self.ids)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (np.array([len(ids) for ids in self.ids], dtype=np.int64),
                np.fromiter((i for ids in self.ids for i in ids), dtype=np.int64))

    def masker(self, epoch: int) -> Callable[[np.ndarray], Batch]:
        """Collate and mask lines ``index`` with the collator of ``epoch`` (its own random masks)."""
        seed = int(np.random.SeedSequence([self.seed, epoch]).generate_state(1)[0])
        collator = DataCollatorForLanguageModeling(self.tokenizer, mlm_probability=self.masked_lm_prob, seed=seed)

        def batch(index: np.ndarray) -> Batch:
            out = collator([{"input_ids": self.ids[i], "attention_mask": [1] * len(self.ids[i]),
                             "special_tokens_mask": self.special[i]} for i in index])
            return Batch.from_labels(out["input_ids"], out["attention_mask"], out["labels"])

        return batch


def tokenize_documents(tokenizer: PreTrainedTokenizerBase, documents: Sequence[Document]) -> list[list[list[int]]]:
    """Wordpiece ids of every sentence, without special tokens, grouped by document."""
    lines = [line for document in documents for line in document]
    ids: list[list[int]] = []
    for start in range(0, len(lines), _TOKENIZE_CHUNK):
        chunk = lines[start:start + _TOKENIZE_CHUNK]
        ids.extend(tokenizer(chunk, add_special_tokens=False, verbose=False)["input_ids"])
    grouped, start = [], 0
    for document in documents:
        grouped.append(ids[start:start + len(document)])
        start += len(document)
    return grouped


def create_instances(documents: Sequence[Sequence[Sequence[int]]], specials: Specials,
                     settings: InstanceSettings) -> Instances:
    """BERT's instance creation (single segment), seeded by ``settings.seed``."""
    rng = random.Random(settings.seed)
    max_tokens = settings.max_seq_length - 2
    blocks = [_block([], specials, settings, rng)]
    for _ in range(settings.dupe_factor):
        for document in documents:
            chunks = _chunks(document, max_tokens, settings.short_seq_prob, rng)
            if chunks:
                blocks.append(_block([[specials.cls, *chunk, specials.sep] for chunk in chunks],
                                     specials, settings, rng))
    return Instances(*(np.concatenate(arrays) for arrays in zip(*blocks)))


def _block(sequences: list[list[int]], specials: Specials, settings: InstanceSettings,
           rng: random.Random) -> tuple[np.ndarray, ...]:
    """Mask ``sequences`` and pack them into fixed-width arrays (kept small per document)."""
    count, width, slots = len(sequences), settings.max_seq_length, settings.max_predictions_per_seq
    input_ids = np.full((count, width), specials.pad, dtype=np.int32)
    lengths = np.zeros(count, dtype=np.int32)
    positions = np.full((count, slots), -1, dtype=np.int16)
    targets = np.zeros((count, slots), dtype=np.int32)
    for i, tokens in enumerate(sequences):
        masked, chosen, labels = _mask(tokens, specials, settings, rng)
        input_ids[i, :len(masked)] = masked
        lengths[i] = len(masked)
        positions[i, :len(chosen)] = chosen
        targets[i, :len(labels)] = labels
    return input_ids, lengths, positions, targets


def _chunks(document: Sequence[Sequence[int]], max_tokens: int, short_seq_prob: float,
            rng: random.Random) -> list[list[int]]:
    """Pack whole sentences up to a target length drawn once per document, as BERT does."""
    target = rng.randint(2, max_tokens) if rng.random() < short_seq_prob else max_tokens
    chunks: list[list[int]] = []
    current: list[int] = []
    for i, sentence in enumerate(document):
        current.extend(sentence)
        if (i == len(document) - 1 or len(current) >= target) and current:
            chunks.append(_trim(current, max_tokens, rng))
            current = []
    return chunks


def _trim(tokens: list[int], max_tokens: int, rng: random.Random) -> list[int]:
    """Drop excess pieces one at a time from a random end (BERT's ``truncate_seq_pair``)."""
    excess = len(tokens) - max_tokens
    if excess <= 0:
        return tokens
    front = sum(rng.random() < 0.5 for _ in range(excess))
    return tokens[front:len(tokens) - (excess - front)]


def _mask(tokens: list[int], specials: Specials, settings: InstanceSettings,
          rng: random.Random) -> tuple[list[int], list[int], list[int]]:
    """BERT's ``create_masked_lm_predictions`` without whole-word masking."""
    candidates = list(range(1, len(tokens) - 1))
    rng.shuffle(candidates)
    count = min(settings.max_predictions_per_seq, max(1, int(round(len(tokens) * settings.masked_lm_prob))))
    masked = list(tokens)
    chosen = []
    for index in candidates[:count]:
        if rng.random() < 0.8:
            masked[index] = specials.mask
        elif rng.random() >= 0.5:
            masked[index] = rng.randint(0, specials.vocab_size - 1)
        chosen.append(index)
    chosen.sort()
    return masked, chosen, [tokens[i] for i in chosen]


def eval_batches(tokenizer: PreTrainedTokenizerBase, lines: Sequence[str], max_seq_length: int,
                 masked_lm_prob: float, batch_size: int, seed: int) -> list[Batch]:
    """Line-by-line held-out batches in file order, masked once with a fixed seed."""
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=masked_lm_prob, seed=seed)
    batches = []
    for start in range(0, len(lines), batch_size):
        encoded = tokenizer(list(lines[start:start + batch_size]), truncation=True, max_length=max_seq_length,
                            return_special_tokens_mask=True, return_token_type_ids=False, verbose=False)
        features = [dict(zip(encoded.keys(), values)) for values in zip(*encoded.values())]
        out = collator(features)
        batches.append(Batch.from_labels(out["input_ids"], out["attention_mask"], out["labels"]))
    return batches
