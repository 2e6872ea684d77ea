"""The paper's optimiser: HF-style AdamW over four parameter groups (paper §7.3).

| group | parameters                                     | lr        | weight decay |
| A     | transformer embeddings and weight matrices     | lr_encoder | weight_decay |
| B     | transformer LayerNorms and biases              | lr_encoder | 0            |
| C     | scalar mix, head weights, CRF transitions      | lr_head    | weight_decay |
| D     | head biases                                    | lr_head    | 0            |

``torch.optim.AdamW`` always corrects Adam's bias; the BERT-family runs of the paper had it off
(HF ``correct_bias=False``). The update below is HF's, computed by torch's fused Adam kernel
(one pass over each tensor instead of eight; on e5-small's 118M parameters a step took 279 ms
as a Python loop and takes about a fifth of that fused, see bench/README.md).

A parameter with a sparse gradient (the fastText rows, PAPER §5.1) takes the lazy update of
``torch.optim.SparseAdam``, which is what AllenNLP's ``dense_sparse_adam`` does: only the rows
in the batch move and only their moments decay. Sparse parameters are not weight-decayed
(``dense_sparse_adam`` has no decay). ``clip_grad_norm`` clips a mix of dense and sparse
gradients, as AllenNLP's ``sparse_clip_norm`` did; torch's own refuses sparse ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn
from torch.optim._functional import sparse_adam
from torch.optim.adam import adam

FUSED_DEVICES = {"cpu", "cuda"}  # where torch has a fused Adam kernel


class AdamW(torch.optim.Optimizer):
    """HF ``AdamW``: Adam step (bias correction optional), then decoupled decay ``p -= lr * wd * p``.

    Each parameter counts its own steps (a parameter without a gradient, such as the frozen
    transformer's, is skipped and does not count), so parameters are stepped in buckets of equal
    count. torch's kernel computes ``lr / c1 * m / (sqrt(v) / sqrt(c2) + eps)`` with the bias
    corrections ``c1 = 1 - beta1^t`` and ``c2 = 1 - beta2^t``; HF adds epsilon before correcting,
    ``lr * sqrt(c2) / c1 * m / (sqrt(v) + eps)``, or corrects nothing, ``lr * m / (sqrt(v) + eps)``.
    Handing the kernel ``eps / sqrt(c2)`` (and, without correction, ``lr * c1 / sqrt(c2)``) turns
    its formula into HF's exactly.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        correct_bias: bool = True,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "correct_bias": correct_bias}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: None = None) -> None:
        for group in self.param_groups:
            buckets: dict[int, list[torch.Tensor]] = defaultdict(list)
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(param)
                    state["exp_avg_sq"] = torch.zeros_like(param)
                state["step"] += 1
                buckets[state["step"]].append(param)
            for step, params in buckets.items():
                dense = [p for p in params if not p.grad.is_sparse]
                if dense:
                    self._adam(group, step, dense)
                for param in params:
                    if param.grad.is_sparse:
                        self._sparse_adam(group, step, param)
            decayed = [p for params in buckets.values() for p in params if not p.grad.is_sparse]
            if group["weight_decay"] > 0 and decayed:
                torch._foreach_add_(decayed, decayed, alpha=-group["lr"] * group["weight_decay"])

    @staticmethod
    def _step_size(group: dict[str, Any], step: int) -> float:
        """The rate handed to a kernel that corrects the bias itself: HF's ``lr`` with correction,
        ``lr * c1 / sqrt(c2)`` (which the kernel's correction turns back into ``lr``) without."""
        beta1, beta2 = group["betas"]
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        return group["lr"] if group["correct_bias"] else group["lr"] * c1 / math.sqrt(c2)

    def _sparse_adam(self, group: dict[str, Any], step: int, param: torch.Tensor) -> None:
        """``SparseAdam``'s lazy step: its formula is HF's, ``lr * sqrt(c2) / c1 * m / (sqrt(v) + eps)``."""
        beta1, beta2 = group["betas"]
        state = self.state[param]
        sparse_adam([param], [param.grad], [state["exp_avg"]], [state["exp_avg_sq"]], [step], eps=group["eps"],
                    beta1=beta1, beta2=beta2, lr=self._step_size(group, step), maximize=False)

    def _adam(self, group: dict[str, Any], step: int, params: list[torch.Tensor]) -> None:
        beta1, beta2 = group["betas"]
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        eps = group["eps"] / math.sqrt(c2)
        lr = self._step_size(group, step)
        states = [self.state[p] for p in params]
        # the kernel adds 1 to each count and reads it for the corrections: hand it t - 1
        counts = torch.full((len(params),), float(step - 1), device=params[0].device).unbind()
        adam(params, [p.grad for p in params], [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states],
             [], list(counts), fused=params[0].device.type in FUSED_DEVICES, amsgrad=False,
             beta1=beta1, beta2=beta2, lr=lr, weight_decay=0.0, eps=eps, maximize=False)


@torch.no_grad()
def clip_grad_norm(params: Iterable[torch.Tensor], max_norm: float) -> torch.Tensor:
    """Scale the gradients so that their global 2-norm is at most ``max_norm``; sparse ones too."""
    with_grad = [param for param in params if param.grad is not None]
    for param in with_grad:
        if param.grad.is_sparse:
            param.grad = param.grad.coalesce()
    grads = [param.grad for param in with_grad]
    if not any(grad.is_sparse for grad in grads):
        return nn.utils.clip_grad_norm_(with_grad, max_norm)
    total = torch.stack([(g._values() if g.is_sparse else g).float().norm() for g in grads]).norm()
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for grad in grads:
            grad.mul_(coefficient)
    return total


def split_decay(module: nn.Module, skip: set[int] = frozenset()) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """(decayed, not decayed): biases and the parameters of normalisation layers are not decayed."""
    norm = {id(p) for m in module.modules() if "Norm" in type(m).__name__ for p in m.parameters(recurse=False)}
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for name, param in module.named_parameters():
        if id(param) in skip:
            continue
        exempt = id(param) in norm or "bias" in name.rsplit(".", 1)[-1]
        (no_decay if exempt else decay).append(param)
    return decay, no_decay


def parameter_groups(model: nn.Module, pretrained: nn.Module | None, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Groups A-D; ``pretrained`` (the transformer, or None) is A/B, everything else C/D."""
    pretrained_ids = {id(p) for p in pretrained.parameters()} if pretrained is not None else set()
    a, b = split_decay(pretrained) if pretrained is not None else ([], [])
    c, d = split_decay(model, skip=pretrained_ids)
    groups = [
        {"name": "A", "params": a, "lr": settings["lr_encoder"], "weight_decay": settings["weight_decay"]},
        {"name": "B", "params": b, "lr": settings["lr_encoder"], "weight_decay": 0.0},
        {"name": "C", "params": c, "lr": settings["lr_head"], "weight_decay": settings["weight_decay"]},
        {"name": "D", "params": d, "lr": settings["lr_head"], "weight_decay": 0.0},
    ]
    return [group for group in groups if group["params"]]
