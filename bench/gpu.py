"""GPU throughput and model FLOPs utilisation (bf16), and the study in GPU-hours.

    python bench/gpu.py '<spec json>'        (spec: {"quick": bool}; {"smoke": true} runs tiny shapes on the CPU)

Without CUDA it answers ``{"skipped": "no CUDA device"}``. With it:

- LAPT: ``lapt_worker.compare`` (ours vs the stock step, alternating, medians after warm-up)
  for an mBERT-sized BERT (``BertConfig()`` defaults, 12 x 768, vocabulary 119,547, random
  init) and for multilingual-e5-small (converted weights, fresh MLM head), batch 32 x 128;
- fine-tuning: ``finetune_worker.ours`` (run_finetune: bf16 autocast on CUDA) on the Maltese
  view for both models;
- MFU = model FLOPs / time / peak. Model FLOPs are what the task needs, the same numerator for
  both sides: 3 x forward (training) of the encoder over the non-pad tokens, plus the MLM
  transform + vocabulary projection at the predicted positions. Peak: ``BENCH_PEAK_TFLOPS`` or
  the bf16 dense datasheet value for the device (study.PEAK_BF16_DENSE_TFLOPS).
- the study's GPU-hours from the mBERT-sized throughputs (study.gpu_hours).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import torch

from common import MALTESE_TEXT, OUT, emit, median
from inputs import mbert_vocab_bert
from study import encoder_flops_per_token, gpu_hours, mlm_decoder_flops, peak_tflops

SHAPES = {"mbert": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072},
          "smoke": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}}


def lapt(model_dir: Path, spec: dict[str, Any], device: torch.device, peak: float | None) -> dict[str, Any]:
    from transformers import AutoTokenizer

    from lapt_worker import compare
    from specmlm.formats.text import read_documents
    from specmlm.mlm.pretrain import load_masked_lm

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = load_masked_lm(model_dir, 0)
    config = model.config
    result = compare(model, tokenizer, read_documents(MALTESE_TEXT), spec, device)
    for side in ("ours", "stock"):
        row = result[side]
        width = spec["max_seq_length"]
        flops = 3 * (row["tokens_per_step"] * encoder_flops_per_token(config.hidden_size, config.num_hidden_layers,
                                                                      config.intermediate_size, width)
                     + row["predicted_per_step"] * mlm_decoder_flops(config.hidden_size, config.vocab_size))
        row["model_tflop_per_s"] = flops / row["step_s"] / 1e12
        row["mfu"] = row["model_tflop_per_s"] / peak if peak else None
    result["ratio"] = result["ours"]["tokens_per_s"] / result["stock"]["tokens_per_s"]
    return result


def finetune(model_dir: Path, view: Path, spec: dict[str, Any], peak: float | None) -> dict[str, Any]:
    from transformers import AutoConfig

    from finetune_worker import ours

    result = ours({"task": "pos", "model": str(model_dir), "view": str(view), "batch_size": spec["batch_size"],
                   "threads": spec["threads"], "warmup_batches": 2, "repeats": spec["repeats"],
                   "work": str(OUT / "work" / f"gpu-{model_dir.name}")})
    config = AutoConfig.from_pretrained(model_dir)
    train = result["train"]
    train_s = median([run["train_s"] for run in result["runs"]])
    eval_s = median([run["eval_s"] for run in result["runs"]])
    tokens = train["pieces"] + 2 * train["sentences"]  # each sentence's window adds [CLS] and [SEP]
    width = tokens / train["sentences"]
    per_token = encoder_flops_per_token(config.hidden_size, config.num_hidden_layers, config.intermediate_size, width)
    tflops = 3 * per_token * tokens / train_s / 1e12
    return {"train_words_per_s": train["words"] / train_s, "train_tokens_per_s": tokens / train_s,
            "eval_words_per_s": result["dev"]["words"] / eval_s, "model_tflop_per_s": tflops,
            "mfu": tflops / peak if peak else None, "sentences": train["sentences"], "runs": len(result["runs"])}


def main(spec: dict[str, Any]) -> dict[str, Any]:
    from inputs import e5_small, maltese_view

    smoke = spec.get("smoke", False)
    if not smoke and not torch.cuda.is_available():
        return {"skipped": "no CUDA device"}
    device = torch.device("cpu" if smoke else "cuda")
    name = "cpu (smoke test)" if smoke else torch.cuda.get_device_name(0)
    peak = peak_tflops(name, os.environ.get("BENCH_PEAK_TFLOPS")) or (1.0 if smoke else None)
    quick = spec.get("quick", False) or smoke
    shape = SHAPES["smoke" if smoke else "mbert"]
    models = {"mbert-size": mbert_vocab_bert(OUT / "models" / ("smoke-bert" if smoke else "mbert-size-random"), shape)}
    if not smoke:
        models["e5-small"] = e5_small()
    lapt_spec = {"batch_size": 32, "max_seq_length": 128, "warmup": 2 if quick else 5, "steps": 3 if quick else 20}
    view = maltese_view(64 if smoke else 1123, 32 if smoke else 433)
    ft_spec = {"batch_size": 32, "threads": 1 if smoke else max(1, len(os.sched_getaffinity(0))),
               "repeats": 1 if quick else 3}
    result: dict[str, Any] = {"device": name, "peak_bf16_tflops": peak, "models": {}}
    for label, model_dir in models.items():
        result["models"][label] = {"lapt": lapt(model_dir, lapt_spec, device, peak),
                                   "finetune": finetune(model_dir, view, ft_spec, peak)}
    mbert = result["models"]["mbert-size"]
    result["study"] = gpu_hours(mbert["finetune"]["train_words_per_s"], mbert["finetune"]["eval_words_per_s"],
                                mbert["lapt"]["ours"]["tokens_per_s"])
    return result


if __name__ == "__main__":
    emit(main(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
