"""The paper's full study in GPU-hours, from throughput and the paper's sizes
(Chau & Smith 2021; §-numbers are those of the project's PAPER.md restatement, as in
specmlm.published).

Counted: 700 fine-tuning runs (24 task-language pairs + 4 transliterated ones, x 5
representations x 5 seeds, PAPER §1) and the pretraining of LAPT, VA and RoBERTa on the 11
corpora (33 runs; the 11 fastText runs are CPU jobs and count 0). Every number that PAPER.md
does not give is an assumption named in ``ASSUMPTIONS`` and reported with the estimate.
"""

from __future__ import annotations

from typing import Any

UD_TRAIN = {"be": (319, 6383), "bg": (8907, None), "ga": (858, 20434), "mt": (1123, 22880),
            "ug": (1656, 19262), "ur": (4043, None), "vi": (1400, 20285), "wo": (1188, 23561)}
"""PAPER §3.1: train sentences and words (bg, ur: words not given)."""
UD_DEV = {"be": 65, "bg": 1115, "ga": 451, "mt": 433, "ug": 900, "ur": 552, "vi": 800, "wo": 449}
NER_TRAIN = {"be": 15000, "bg": 20000, "ga": 1000, "mt": 100, "ug": 100, "ur": 20000, "vi": 20000, "mhr": 100}
NER_DEV = {"be": 1000, "bg": 10000, "ga": 1000, "mt": 100, "ug": 100, "ur": 1000, "vi": 10000, "mhr": 100}
TRANSLITERATED = [("pos", "ug"), ("ud", "ug"), ("ner", "ug"), ("ner", "mhr")]
"""PAPER §1: ug-Latin (three tasks) and mhr-Latin (NER), sized as their parents."""

ASSUMPTIONS: dict[str, Any] = {
    "epochs_per_finetune_run": 60,
    "finetune_representations_gpu": {"mbert": 1.0, "lapt": 1.0, "va": 1.0, "roberta": 0.5, "fasttext": 0.0},
    "ner_words_per_sentence": 8.02,
    "ud_words_per_sentence_when_missing": 18.3,
    "wordpieces_per_whitespace_token": 1.6,
    "corpus_train_whitespace_tokens_millions": {"be": 5.0, "bg": 5.0, "ur": 5.0, "vi": 5.0, "ga": 3.7, "mt": 0.86,
                                                "ug": 1.5, "wo": 0.5, "mhr": 0.5, "ug-Latn": 1.5, "mhr-Latn": 0.5},
    "lapt_epochs": 20,
    "lapt_dupe_factor": 5,
    "roberta_epochs": 20,
    "roberta_cost_vs_mbert_per_token": 0.5,
}
"""Not in PAPER.md: 60 epochs a run (early stopping, patience 20, at most 200: the best epoch
plus 20); a 6-layer RoBERTa costs half of mBERT per token and fastText runs on CPUs; WikiAnn
sentences have 8.02 words (the English Rahimi train split, measured); bg/ur treebanks 18.3
words a sentence (the mean of the six given); 1.6 mBERT pieces per whitespace token; corpus
sizes: Type 0 downsampled to 5M train tokens (§4.4), ga and mt 8x their valid hints (§4.6),
ug/ug-Latn from 15,758 valid lines x 8 x 12 tokens, wo and mhr 0.5M."""


def finetune_words() -> dict[str, float]:
    """Train and dev words of one epoch, summed over the 28 task-language pairs (one seed, one representation)."""
    a = ASSUMPTIONS
    train = dev = 0.0
    pairs = [(task, lang) for task in ("pos", "ud") for lang in UD_TRAIN] + [("ner", lang) for lang in NER_TRAIN]
    for task, lang in pairs + TRANSLITERATED:
        if task == "ner":
            train += NER_TRAIN[lang] * a["ner_words_per_sentence"]
            dev += NER_DEV[lang] * a["ner_words_per_sentence"]
        else:
            sentences, words = UD_TRAIN[lang]
            per_sentence = words / sentences if words else a["ud_words_per_sentence_when_missing"]
            train += words or sentences * per_sentence
            dev += UD_DEV[lang] * per_sentence
    return {"pairs": len(pairs) + len(TRANSLITERATED), "train_words": train, "dev_words": dev}


def pretrain_tokens() -> dict[str, float]:
    """Wordpieces that LAPT + VA (each) and RoBERTa process over their 20 epochs, all corpora."""
    a = ASSUMPTIONS
    pieces = sum(a["corpus_train_whitespace_tokens_millions"].values()) * 1e6 * a["wordpieces_per_whitespace_token"]
    return {"corpora": len(a["corpus_train_whitespace_tokens_millions"]), "corpus_pieces": pieces,
            "lapt_tokens": pieces * a["lapt_epochs"] * a["lapt_dupe_factor"],
            "roberta_tokens": pieces * a["roberta_epochs"]}


def gpu_hours(train_words_per_s: float, eval_words_per_s: float, lapt_tokens_per_s: float) -> dict[str, Any]:
    """GPU-hours of the study at mBERT-size throughputs (fine-tuning words/s, LAPT tokens/s)."""
    a = ASSUMPTIONS
    words = finetune_words()
    per_seed_rep = a["epochs_per_finetune_run"] * (words["train_words"] / train_words_per_s
                                                   + words["dev_words"] / eval_words_per_s)
    weight = sum(a["finetune_representations_gpu"].values())
    finetune_s = per_seed_rep * weight * 5
    tokens = pretrain_tokens()
    lapt_s = 2 * tokens["lapt_tokens"] / lapt_tokens_per_s
    roberta_s = tokens["roberta_tokens"] * a["roberta_cost_vs_mbert_per_token"] / lapt_tokens_per_s
    return {"finetune_gpu_h": finetune_s / 3600, "lapt_va_gpu_h": lapt_s / 3600, "roberta_gpu_h": roberta_s / 3600,
            "total_gpu_h": (finetune_s + lapt_s + roberta_s) / 3600, "finetune_runs": words["pairs"] * 25,
            "sizes": {**words, **tokens}, "assumptions": a}


def encoder_flops_per_token(hidden: int, layers: int, ffn: int, width: float) -> float:
    """Forward FLOPs of one token through the encoder: the matmuls plus attention over ``width`` keys."""
    return 2 * layers * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * layers * width * hidden


def mlm_decoder_flops(hidden: int, vocab: int) -> float:
    """Forward FLOPs of one predicted position: the transform and the vocabulary projection."""
    return 2 * (hidden * hidden + hidden * vocab)


PEAK_BF16_DENSE_TFLOPS = {"H100 PCIe": 756.0, "H100 NVL": 835.0, "H200 NVL": 835.0, "H100": 989.4, "H200": 989.4,
                          "A100": 312.0}
"""NVIDIA datasheets, bf16 tensor cores without sparsity; the first key found in the device name wins."""


def peak_tflops(name: str, override: str | None) -> float | None:
    if override:
        return float(override)
    return next((peak for key, peak in PEAK_BF16_DENSE_TFLOPS.items() if key in name), None)


def analytic_gpu_hours(mfu: float, peak: float) -> dict[str, Any]:
    """The same study from model FLOPs at an assumed MFU (used when no GPU measured it)."""
    a = ASSUMPTIONS
    hidden, layers, ffn, vocab = 768, 12, 3072, 119547
    words = finetune_words()
    fertility = a["wordpieces_per_whitespace_token"]
    per_token = encoder_flops_per_token(hidden, layers, ffn, 48)
    weight = sum(a["finetune_representations_gpu"].values())
    finetune = a["epochs_per_finetune_run"] * fertility * per_token * (3 * words["train_words"] + words["dev_words"])
    finetune *= weight * 5
    tokens = pretrain_tokens()
    lapt_per_token = 3 * (encoder_flops_per_token(hidden, layers, ffn, 128) + 0.15 * mlm_decoder_flops(hidden, vocab))
    lapt = 2 * tokens["lapt_tokens"] * lapt_per_token
    roberta = tokens["roberta_tokens"] * lapt_per_token * a["roberta_cost_vs_mbert_per_token"]
    rate = mfu * peak * 1e12
    return {"mfu_assumed": mfu, "peak_tflops": peak, "finetune_gpu_h": finetune / rate / 3600,
            "lapt_va_gpu_h": lapt / rate / 3600, "roberta_gpu_h": roberta / rate / 3600,
            "total_gpu_h": (finetune + lapt + roberta) / rate / 3600, "total_pflop": (finetune + lapt + roberta) / 1e15}
