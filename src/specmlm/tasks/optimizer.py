"""The paper's optimiser: HF-style AdamW over four parameter groups (paper §7.3).

| group | parameters                                     | lr        | weight decay |
| A     | transformer embeddings and weight matrices     | lr_encoder | weight_decay |
| B     | transformer LayerNorms and biases              | lr_encoder | 0            |
| C     | scalar mix, head weights, CRF transitions      | lr_head    | weight_decay |
| D     | head biases                                    | lr_head    | 0            |

``torch.optim.AdamW`` always corrects Adam's bias; the BERT-family runs of the paper had it off
(HF ``correct_bias=False``), so the HF update is written out here with the switch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn


class AdamW(torch.optim.Optimizer):
    """HF ``AdamW``: Adam step (bias correction optional), then decoupled decay ``p -= lr * wd * p``."""

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
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(param)
                    state["exp_avg_sq"] = torch.zeros_like(param)
                state["step"] += 1
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(param.grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(param.grad, param.grad, value=1 - beta2)
                step_size = group["lr"]
                if group["correct_bias"]:
                    step_size *= math.sqrt(1 - beta2 ** state["step"]) / (1 - beta1 ** state["step"])
                param.addcdiv_(exp_avg, exp_avg_sq.sqrt().add_(group["eps"]), value=-step_size)
                if group["weight_decay"] > 0:
                    param.add_(param, alpha=-group["lr"] * group["weight_decay"])


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
