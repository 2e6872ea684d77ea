"""The UD head: Dozat & Manning's deep biaffine parser with AllenNLP ``biaffine_parser`` semantics.

A learned root sentinel is prepended to the words; one-layer ELU MLPs (arc 100, label 100)
give head and dependent views; a biaffine scores every (dependent, head) pair and a bilinear
layer the labels of an arc. Training uses the gold heads; as in AllenNLP, a word's own position
stays among its candidate heads in the arc softmax (no self-loop mask).

Decoding is AllenNLP's ``_mst_decode``: every arc gets the energy
``exp(log P(head) + max_label log P(label | arc))`` (the arc scored with its best label), the
arcs from the root get energy 0 (its ``scores[0, :] = 0``), and the maximum spanning tree of
those energies (``ufal.chu_liu_edmonds``) keeps each arc's best label. With zero-energy root
arcs the best tree already has one root word; the single-root constraint is kept on top, so
that ties (energies that underflow to 0) never yield several roots, which the CoNLL 2018
scorer rejects.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from ufal.chu_liu_edmonds import chu_liu_edmonds


class VariationalDropout(nn.Module):
    """One dropout mask per sentence, shared by all its positions (AllenNLP ``InputVariationalDropout``)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.bernoulli(x.new_full((x.shape[0], 1, x.shape[2]), 1 - self.p))
        return x * keep / (1 - self.p)


def mlp(input_dim: int, output_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(input_dim, output_dim), nn.ELU())


def bilinear(layer: nn.Bilinear, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """``layer(left, right)`` as one matrix product: ``torch.bilinear`` loops over outputs and
    was 85% of a parser step on CPU."""
    out, dim_left, dim_right = layer.weight.shape
    weight = layer.weight.permute(1, 0, 2).reshape(dim_left, out * dim_right)
    projected = (left @ weight).view(*left.shape[:-1], out, dim_right)
    return (projected * right.unsqueeze(-2)).sum(-1) + layer.bias


def mst_heads(scores: np.ndarray) -> list[int]:
    """Heads (1-based, 0 = root) of the tree with a single root word and the largest total score.

    ``scores[d, h]`` is the score of head ``h`` for dependent ``d``, row and column 0 being the
    root (the orientation ``chu_liu_edmonds`` expects: a row lists a dependent's heads).
    Subtracting more than any score difference from every root arc makes the best tree the best
    among trees with one root word, exactly.
    """
    size = scores.shape[0]
    if size == 2:
        return [0]
    matrix = scores.astype(np.float64, copy=True)
    np.fill_diagonal(matrix, np.nan)
    matrix[0, :] = np.nan
    spread = float(np.nanmax(matrix) - np.nanmin(matrix))
    matrix[1:, 0] -= size * spread + 1.0
    heads, _ = chu_liu_edmonds(matrix)
    return [int(head) for head in heads[1:]]


def decode_tree(arc_logp: np.ndarray, label_logp: np.ndarray) -> tuple[list[int], list[int]]:
    """Heads (0 = root) and label ids of one sentence, decoded as AllenNLP's biaffine parser does.

    ``arc_logp[d - 1, h]`` is the log-probability of head ``h`` (0 = root) for word ``d``;
    ``label_logp[d - 1, h, l]`` the log-probability of label ``l`` on that arc.
    """
    best = label_logp.max(-1)
    energy = np.zeros((len(arc_logp) + 1, len(arc_logp) + 1))
    energy[1:] = np.exp(arc_logp + best)
    energy[:, 0] = 0.0
    heads = mst_heads(energy)
    labels = label_logp.argmax(-1)
    return heads, [int(labels[word, head]) for word, head in enumerate(heads)]


class BiaffineParser(nn.Module):
    def __init__(
        self, input_dim: int, num_labels: int, arc_dim: int = 100, label_dim: int = 100, dropout: float = 0.3
    ) -> None:
        super().__init__()
        self.root_sentinel = nn.Parameter(torch.randn(1, 1, input_dim))
        self.input_dropout = nn.Dropout(dropout)
        self.dropout = VariationalDropout(dropout)
        self.head_arc, self.dep_arc = mlp(input_dim, arc_dim), mlp(input_dim, arc_dim)
        self.head_label, self.dep_label = mlp(input_dim, label_dim), mlp(input_dim, label_dim)
        # Biaffine arc scorer with input biases: [dep; 1] W [head; 1] + b.
        self.arc_weight = nn.Parameter(torch.empty(arc_dim + 1, arc_dim + 1))
        self.arc_bias = nn.Parameter(torch.zeros(1))
        nn.init.xavier_uniform_(self.arc_weight)
        self.label_bilinear = nn.Bilinear(label_dim, label_dim, num_labels)
        nn.init.xavier_uniform_(self.label_bilinear.weight)
        nn.init.zeros_(self.label_bilinear.bias)

    def _views(self, word_vectors: torch.Tensor, mask: torch.Tensor):
        batch = word_vectors.shape[0]
        encoded = torch.cat([self.root_sentinel.expand(batch, 1, -1).to(word_vectors.dtype),
                             self.input_dropout(word_vectors)], dim=1)
        encoded = self.dropout(encoded)
        full_mask = torch.cat([mask.new_ones(batch, 1), mask], dim=1)
        head_arc = self.dropout(self.head_arc(encoded))
        dep_arc = self.dropout(self.dep_arc(encoded))
        head_label = self.dropout(self.head_label(encoded))
        dep_label = self.dropout(self.dep_label(encoded))
        ones = head_arc.new_ones(batch, head_arc.shape[1], 1)
        arcs = torch.cat([dep_arc, ones], -1) @ self.arc_weight @ torch.cat([head_arc, ones], -1).transpose(1, 2)
        arcs = arcs.float() + self.arc_bias
        arcs = arcs.masked_fill(~full_mask.unsqueeze(1), float("-inf"))
        return torch.log_softmax(arcs, dim=-1), head_label, dep_label, full_mask

    def _label_logits(self, head_label: torch.Tensor, dep_label: torch.Tensor, heads: torch.Tensor) -> torch.Tensor:
        """Label scores of each word's arc to ``heads`` (``(batch, words)``, 0 = root sentinel)."""
        chosen = head_label.gather(1, heads.unsqueeze(2).expand(-1, -1, head_label.shape[2]))
        return bilinear(self.label_bilinear, chosen, dep_label[:, 1:]).float()

    def loss(
        self, word_vectors: torch.Tensor, mask: torch.Tensor, gold: tuple[torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        """Arc NLL plus label NLL on the gold heads, each averaged over words (AllenNLP)."""
        heads, labels = gold
        arc_logp, head_label, dep_label, _ = self._views(word_vectors, mask)
        weights = mask.float()
        words = weights.sum().clamp(min=1)
        arc_nll = -(arc_logp[:, 1:].gather(2, heads.unsqueeze(2)).squeeze(2) * weights).sum() / words
        label_logp = torch.log_softmax(self._label_logits(head_label, dep_label, heads), dim=-1)
        label_nll = -(label_logp.gather(2, labels.unsqueeze(2)).squeeze(2) * weights).sum() / words
        return arc_nll + label_nll

    @torch.no_grad()
    def decode(self, word_vectors: torch.Tensor, mask: torch.Tensor) -> list[tuple[list[int], list[int]]]:
        arc_logp, head_label, dep_label, _ = self._views(word_vectors, mask)
        trees = []
        weight, bias = self.label_bilinear.weight, self.label_bilinear.bias
        for row, length in enumerate(mask.sum(1).tolist()):
            # label scores of every (dependent, head) pair, without materialising the pairs' inputs
            projected = torch.einsum("hi,lij->hlj", head_label[row, : length + 1], weight.to(head_label.dtype))
            pairs = torch.einsum("hlj,dj->dhl", projected, dep_label[row, 1 : length + 1]).float() + bias.float()
            label_logp = torch.log_softmax(pairs, dim=-1)
            trees.append(decode_tree(arc_logp[row, 1 : length + 1, : length + 1].cpu().numpy(),
                                     label_logp.cpu().numpy()))
        return trees
