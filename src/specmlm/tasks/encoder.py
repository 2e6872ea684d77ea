"""Word vectors from any transformers checkpoint: subwords, a scalar mix of layers, a mean per word.

Gold-tokenised words are split by the model's own fast tokenizer (``is_split_into_words``, so
byte-level BPE sees each word with its prefix space). A sentence longer than the model's
window is folded into consecutive windows, each wrapped in the model's own special tokens,
and the pieces are stitched back in order: nothing is truncated, and a word whose pieces
straddle a window boundary still averages all of them (AllenNLP's "mismatched" embedder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import AutoModel, AutoTokenizer

# Position ids of these model types start after the padding index, so two positions are unusable.
POSITION_OFFSET = {"roberta": 2, "xlm-roberta": 2, "camembert": 2}
MAX_WINDOW = 512


class ScalarMix(nn.Module):
    """``gamma * sum_k softmax(w)_k * layer_k`` with UDify's layer dropout on ``w``.

    Layer dropout replaces a layer's weight by -1e20 with probability ``layer_dropout``. The
    released module had no train/eval switch, so by default it stays on at evaluation
    (``at_eval``); evaluation then draws from the global torch RNG, which the trainer seeds.
    """

    def __init__(self, num_layers: int, layer_dropout: float, at_eval: bool) -> None:
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(num_layers))
        self.gamma = nn.Parameter(torch.ones(1))
        self.layer_dropout = layer_dropout
        self.at_eval = at_eval

    def forward(self, layers: tuple[torch.Tensor, ...]) -> torch.Tensor:
        weights = self.weights
        if self.layer_dropout > 0 and (self.training or self.at_eval):
            dropped = torch.rand(len(layers)) < self.layer_dropout
            weights = weights.masked_fill(dropped.to(weights.device), -1e20)
        normed = torch.softmax(weights, dim=0)
        mixed = normed[0] * layers[0]
        for weight, layer in zip(normed[1:], layers[1:], strict=True):
            mixed = mixed + weight * layer
        return self.gamma * mixed


@dataclass
class Pieces:
    """One sentence as subword ids, with the index of the word each piece belongs to."""

    ids: list[int]
    word_of_piece: list[int]
    num_words: int


class TransformerEncoder(nn.Module):
    """A pretrained transformer as a word encoder (whole model fine-tuned)."""

    def __init__(self, model_dir: str | Path, layer_dropout: float, layer_dropout_at_eval: bool) -> None:
        super().__init__()
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), add_prefix_space=True)
        self.transformer = AutoModel.from_pretrained(str(model_dir))
        config = self.transformer.config
        self.mix = ScalarMix(config.num_hidden_layers, layer_dropout, layer_dropout_at_eval)
        self.output_dim: int = config.hidden_size
        probe = self.tokenizer([["a"]], is_split_into_words=True, add_special_tokens=True)
        word_ids = probe.word_ids(0)
        first = word_ids.index(0)
        last = len(word_ids) - 1 - word_ids[::-1].index(0)
        self.prefix: list[int] = probe["input_ids"][0][:first]
        self.suffix: list[int] = probe["input_ids"][0][last + 1 :]
        positions = config.max_position_embeddings - POSITION_OFFSET.get(config.model_type, 0)
        window = min(MAX_WINDOW, positions, self.tokenizer.model_max_length)
        self.window: int = window - len(self.prefix) - len(self.suffix)
        self.pad_id: int = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self.narrowed = False

    def pretrained_module(self) -> nn.Module:
        return self.transformer

    def prepare(self, sentences: list[list[str]]) -> list[Pieces]:
        """Tokenise gold words once; a word with no pieces (a lone zero-width space) becomes UNK."""
        if self.narrowed:
            raise RuntimeError("prepare every split before narrow(): the embedding rows are renumbered")
        encoded = self.tokenizer(sentences, is_split_into_words=True, add_special_tokens=False)
        prepared = []
        for index, words in enumerate(sentences):
            by_word: list[list[int]] = [[] for _ in words]
            for piece, word in zip(encoded["input_ids"][index], encoded.word_ids(index), strict=True):
                by_word[word].append(piece)
            ids: list[int] = []
            word_of_piece: list[int] = []
            for word, pieces in enumerate(by_word):
                pieces = pieces or [self.tokenizer.unk_token_id]
                ids.extend(pieces)
                word_of_piece.extend([word] * len(pieces))
            prepared.append(Pieces(ids, word_of_piece, len(words)))
        return prepared

    def narrow(self, items: Sequence[Pieces]) -> None:
        """Keep only the embedding rows this run can look up, and renumber ``items``' pieces to them.

        A row that no input selects never reaches a loss or a prediction, yet AdamW, weight decay
        and gradient clipping would pass over every row at every step: the 119,547 x 128 of the
        demo's mBERT, 250,002 x 384 of e5-small. The kept rows train exactly as before: the update
        is elementwise, and a row seen only in dev or test has a zero gradient and is decayed
        either way. Ids up to the highest of the padding, UNK and wrapping tokens keep their
        numbers, so the model's own padding index (and RoBERTa's positions, counted from it)
        stay right.
        """
        fixed = max([self.pad_id, self.tokenizer.unk_token_id or 0, *self.prefix, *self.suffix]) + 1
        kept = sorted(set(range(fixed)).union(piece for item in items for piece in item.ids))
        row = {piece: number for number, piece in enumerate(kept)}
        for item in items:
            item.ids = [row[piece] for piece in item.ids]
        full = self.transformer.get_input_embeddings()
        self.transformer.set_input_embeddings(nn.Embedding.from_pretrained(
            full.weight.detach()[torch.tensor(kept)], freeze=False, padding_idx=full.padding_idx))
        self.narrowed = True

    @staticmethod
    def length(item: Pieces) -> int:
        return len(item.ids)

    def collate(self, items: list[Pieces]) -> dict[str, torch.Tensor]:
        """Fold each sentence into windows and record where every piece and word goes back."""
        windows: list[list[int]] = []
        piece_rows: list[int] = []
        piece_cols: list[int] = []
        piece_word: list[int] = []
        word_slot: list[int] = []
        longest = max(item.num_words for item in items)
        words_before = 0
        for sentence, item in enumerate(items):
            for start in range(0, len(item.ids), self.window):
                chunk = item.ids[start : start + self.window]
                piece_rows.extend([len(windows)] * len(chunk))
                piece_cols.extend(range(len(self.prefix), len(self.prefix) + len(chunk)))
                windows.append(self.prefix + chunk + self.suffix)
            piece_word.extend(words_before + word for word in item.word_of_piece)
            word_slot.extend(sentence * longest + word for word in range(item.num_words))
            words_before += item.num_words
        width = max(len(window) for window in windows)
        input_ids = torch.full((len(windows), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(windows), width), dtype=torch.long)
        for row, window in enumerate(windows):
            input_ids[row, : len(window)] = torch.tensor(window)
            attention[row, : len(window)] = 1
        mask = torch.zeros(len(items) * longest, dtype=torch.bool)
        mask[torch.tensor(word_slot)] = True
        return {
            "input_ids": input_ids,
            "attention_mask": attention,
            "piece_index": torch.tensor(piece_rows) * width + torch.tensor(piece_cols),
            "piece_word": torch.tensor(piece_word),
            "word_slot": torch.tensor(word_slot),
            "mask": mask.view(len(items), longest),
        }

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        piece_index: torch.Tensor,
        piece_word: torch.Tensor,
        word_slot: torch.Tensor,
        mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        output = self.transformer(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        mixed = self.mix(output.hidden_states[1:])
        pieces = mixed.reshape(-1, mixed.shape[-1])[piece_index]
        num_words = word_slot.shape[0]
        sums = pieces.new_zeros(num_words, pieces.shape[-1]).index_add_(0, piece_word, pieces)
        counts = torch.bincount(piece_word, minlength=num_words).clamp(min=1).to(sums.dtype)
        flat = sums.new_zeros(mask.numel(), sums.shape[-1])
        flat[word_slot] = sums / counts.unsqueeze(1)
        return flat.view(*mask.shape, -1), mask
