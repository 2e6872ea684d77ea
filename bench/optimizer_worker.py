"""Diagnostic: one optimiser step over a model's parameters, specmlm's AdamW against torch's.

    python bench/optimizer_worker.py '<spec json>'     (spec: model, threads, warmup, steps)

``specmlm.tasks.optimizer.AdamW.step`` is HF's update computed by torch's fused Adam kernel
plus a separate pass for HF's decoupled decay (it was a Python loop, 279 ms a step on e5-small,
until the profile of this suite pointed at it). This times that step alone, on the encoder's
real parameter shapes with random gradients, against ``torch.optim.AdamW`` fused (the ``Trainer``'s default, ``adamw_torch_fused``)
and foreach. Same hyperparameters; medians after warm-up.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import torch

from common import emit, median


def main(spec: dict[str, Any]) -> dict[str, Any]:
    from transformers import AutoModel

    from specmlm.tasks.optimizer import AdamW

    torch.set_num_threads(spec["threads"])
    model = AutoModel.from_pretrained(spec["model"])
    params = [p for p in model.parameters()]
    generator = torch.Generator().manual_seed(0)
    for param in params:
        param.grad = torch.randn(param.shape, generator=generator) * 1e-3
    optimizers = {
        "specmlm AdamW (ours)": AdamW(params, lr=5e-5, weight_decay=0.01, correct_bias=False),
        "torch AdamW fused (Trainer default)": torch.optim.AdamW(params, lr=5e-5, weight_decay=0.01, fused=True),
        "torch AdamW foreach": torch.optim.AdamW(params, lr=5e-5, weight_decay=0.01, foreach=True),
    }
    times: dict[str, list[float]] = {name: [] for name in optimizers}
    for step in range(spec["warmup"] + spec["steps"]):
        for name, optimizer in optimizers.items():
            start = time.perf_counter()
            optimizer.step()
            if step >= spec["warmup"]:
                times[name].append(time.perf_counter() - start)
    return {"parameters": sum(p.numel() for p in params), "tensors": len(params),
            "step_s": {name: median(values) for name, values in times.items()}}


if __name__ == "__main__":
    emit(main(json.loads(sys.argv[1])))
