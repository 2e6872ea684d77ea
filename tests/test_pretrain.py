"""Masked-LM training (LAPT, tiered VA, RoBERTa from scratch) on real Maltese text, tiny models."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from tokenizers import BertWordPieceTokenizer
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertModel,
    PreTrainedTokenizerBase,
    RobertaConfig,
    RobertaForMaskedLM,
)

from specmlm.errors import ConfigError, InputError
from specmlm.formats.text import read_documents, write_documents
from specmlm.mlm.instances import InstanceSettings, Lines, Specials, create_instances, eval_batches, tokenize_documents
from specmlm.mlm.pretrain import (
    RowTieredAdamW,
    build_optimizer,
    load_masked_lm,
    masked_lm_loss,
    mlm_loss,
    read_rows,
    run_lapt,
    run_scratch,
)
from specmlm.settings import LaptSettings, ScratchSettings
from specmlm.tasks.optimizer import AdamW
from specmlm.wordpiece import wordpiece_tokenizer
from tests.models import tiny_bert

torch.set_num_threads(1)

FAST = {"epochs": 3, "lr": 1e-3, "warmup_steps": 2, "batch_size": 8, "dupe_factor": 1, "max_steps": 6,
        "threads": 1, "log_every": 1000}
EVAL = {"threads": 1}


@pytest.fixture
def maltese(demo_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    documents = read_documents(demo_data / "text" / "mt" / "parsing-mbert_mt_valid.txt")
    write_documents(tmp_path / "train.txt", documents[:40])
    write_documents(tmp_path / "valid.txt", documents[40:46])
    return tmp_path / "train.txt", tmp_path / "valid.txt"


def _maltese_wordpiece(train: Path, out: Path) -> PreTrainedTokenizerBase:
    """A 1,000-piece cased WordPiece vocabulary of the Maltese train split (small, so steps are fast)."""
    trainer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    trainer.train_from_iterator([line for doc in read_documents(train) for line in doc], vocab_size=1000,
                               min_frequency=2, show_progress=False)
    out.mkdir()
    trainer.save_model(str(out))
    return wordpiece_tokenizer(out / "vocab.txt")


@pytest.fixture
def small_base(maltese: tuple[Path, Path], tmp_path: Path) -> Path:
    return tiny_bert(tmp_path / "base", hidden=32, positions=130, architecture=BertForMaskedLM,
                     tokenizer=_maltese_wordpiece(maltese[0], tmp_path / "vocab"))


def _losses(record: dict) -> dict[int, float]:
    return {int(epoch): loss for epoch, loss in record["losses"].items()}


def test_lapt_of_a_tiny_mbert_vocabulary_model_lowers_held_out_loss(demo_data, maltese, tmp_path):
    train, valid = maltese
    base = tiny_bert(tmp_path / "mbert", hidden=32, positions=130, architecture=BertForMaskedLM)
    out, ckpt = tmp_path / "lapt", tmp_path / "ckpt" / "lapt"

    record = run_lapt(base, train, valid, out, ckpt, {**FAST, "epochs": 2, "max_steps": 4})

    losses = _losses(record)
    assert sorted(losses) == [0, 1, 2]
    assert losses[0] == pytest.approx(mlm_loss(base, valid, EVAL), abs=1e-6)
    assert record["chosen_epoch"] == min((1, 2), key=losses.get)
    assert record["chosen_loss"] < losses[0]
    assert json.loads((out / "losses.json").read_text()) == record
    assert (out / "model.safetensors").is_file() and not ckpt.exists()
    assert isinstance(AutoModelForMaskedLM.from_pretrained(out), BertForMaskedLM)
    assert len(AutoTokenizer.from_pretrained(out)) == 119547
    assert mlm_loss(out, valid, EVAL) == pytest.approx(record["chosen_loss"], abs=1e-5)


@pytest.mark.parametrize("architecture, config_class", [(BertForMaskedLM, BertConfig), (RobertaForMaskedLM, RobertaConfig)])
def test_masked_only_decoder_matches_the_stock_masked_lm(small_base, maltese, architecture, config_class):
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    torch.manual_seed(1)
    config = config_class(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                          intermediate_size=64, max_position_embeddings=160, pad_token_id=tokenizer.pad_token_id)
    model = architecture(config).eval()
    instances = create_instances(tokenize_documents(tokenizer, read_documents(maltese[0])[:5]),
                                 Specials.of(tokenizer), InstanceSettings(dupe_factor=1))
    batch = instances.batch(np.arange(min(8, len(instances))))

    stock = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels()).loss
    stock.backward()
    stock_grad = model.get_input_embeddings().weight.grad.clone()
    model.zero_grad()
    ours = masked_lm_loss(model, batch)
    ours.backward()

    assert batch.positions.numel() > 0
    assert abs(stock.item() - ours.item()) < 1e-5
    assert torch.allclose(stock_grad, model.get_input_embeddings().weight.grad, atol=1e-7)


def test_a_bare_encoder_gets_a_seeded_head_over_its_tied_embeddings(small_base, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    bare = tiny_bert(tmp_path / "bare", hidden=32, positions=130, tokenizer=tokenizer)

    first, second = load_masked_lm(bare, 7), load_masked_lm(bare, 7)

    head = first.cls.predictions
    assert head.decoder.weight.data_ptr() == first.bert.embeddings.word_embeddings.weight.data_ptr()
    assert torch.equal(head.transform.dense.weight, second.cls.predictions.transform.dense.weight)
    assert torch.equal(first.bert.embeddings.word_embeddings.weight, BertModel.from_pretrained(bare).embeddings.word_embeddings.weight)


def test_a_killed_run_resumes_to_the_same_losses_and_weights(small_base, maltese, tmp_path):
    train, valid = maltese
    settings = {**FAST, "epochs": 4, "max_steps": 10}
    whole = run_lapt(small_base, train, valid, tmp_path / "whole", tmp_path / "ckpt-whole", settings)

    out, ckpt = tmp_path / "resumed", tmp_path / "ckpt-resumed"
    script = ("import json, sys; from specmlm.mlm.pretrain import run_lapt; "
              "run_lapt(*sys.argv[1:6], json.loads(sys.argv[6]))")
    args = [str(p) for p in (small_base, train, valid, out, ckpt)] + [json.dumps(settings)]
    process = subprocess.Popen([sys.executable, "-c", script, *args])
    deadline = time.monotonic() + 50
    while not (ckpt / "epoch-001.pt").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    assert not out.exists()
    assert [p.name for p in ckpt.glob("epoch-*.pt")] and len(list(ckpt.glob("epoch-004.pt"))) == 0

    resumed = run_lapt(small_base, train, valid, out, ckpt, settings)

    assert resumed == whole
    first, second = load_file(tmp_path / "whole" / "model.safetensors"), load_file(out / "model.safetensors")
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)


def test_a_checkpoint_of_other_settings_is_discarded(small_base, maltese, tmp_path):
    train, valid = maltese
    ckpt = tmp_path / "ckpt"
    settings = {**FAST, "epochs": 1, "max_steps": 2}
    reference = run_lapt(small_base, train, valid, tmp_path / "reference", tmp_path / "ckpt-ref", settings)
    ckpt.mkdir()
    torch.save({"epoch": 1, "fingerprint": "stale"}, ckpt / "epoch-001.pt")

    assert run_lapt(small_base, train, valid, tmp_path / "out", ckpt, settings) == reference


def test_row_tiered_adamw_gives_each_row_its_own_learning_rate():
    torch.manual_seed(0)
    start = torch.randn(40, 6)
    gradients = [torch.randn(40, 6) for _ in range(6)]
    rows = [3, 17, 31]

    def train(make):
        weight = torch.nn.Parameter(start.clone())
        optimizer = make(weight)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: (step + 1) / 6)
        for gradient in gradients:
            weight.grad = gradient.clone()
            optimizer.step()
            schedule.step()
        return weight.detach()

    options = {"weight_decay": 0.01, "eps": 1e-6}
    tiered = train(lambda w: RowTieredAdamW([w], tiered=w, rows=rows, ratio=50.0, lr=1e-3, **options))
    slow = train(lambda w: AdamW([w], lr=1e-3, **options))
    fast = train(lambda w: AdamW([w], lr=5e-2, **options))

    others = [row for row in range(40) if row not in rows]
    assert not torch.allclose(fast[rows], slow[rows], atol=1e-3)
    assert torch.allclose(tiered[rows], fast[rows], atol=1e-6, rtol=0)
    assert torch.equal(tiered[others], slow[others])


def test_row_tiered_adamw_resumes_from_its_state_dict_under_a_schedule():
    torch.manual_seed(0)
    start = torch.randn(20, 4)
    gradients = [torch.randn(20, 4) for _ in range(6)]

    def build(weight):
        optimizer = RowTieredAdamW([weight], tiered=weight, rows=[2, 5], ratio=5.0, lr=1e-2, weight_decay=0.01)
        return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / 6)

    def train(restart_at):
        weight = torch.nn.Parameter(start.clone())
        optimizer, schedule = build(weight)
        for step, gradient in enumerate(gradients):
            if step == restart_at:
                saved = optimizer.state_dict(), schedule.state_dict()
                optimizer, schedule = build(weight)
                optimizer.load_state_dict(saved[0])
                schedule.load_state_dict(saved[1])
            weight.grad = gradient.clone()
            optimizer.step()
            schedule.step()
        return weight.detach()

    assert torch.equal(train(restart_at=3), train(restart_at=None))


def test_tiered_lapt_moves_the_listed_rows_at_their_own_rate(small_base, maltese, tmp_path):
    train, valid = maltese
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    counts = np.bincount([i for doc in tokenize_documents(tokenizer, read_documents(train)) for s in doc for i in s],
                         minlength=len(tokenizer))
    frequent = [int(i) for i in np.argsort(-counts)[:20]]
    listed, control = frequent[0::2], frequent[1::2]
    (tmp_path / "rows.txt").write_text("".join(p + "\n" for p in tokenizer.convert_ids_to_tokens(listed)))
    lr, steps = 1e-4, 6
    settings = {**FAST, "epochs": 1, "max_steps": steps, "lr": lr, "new_rows_lr": 100 * lr,
                "new_rows_file": str(tmp_path / "rows.txt"), "warmup_steps": 0}

    run_lapt(small_base, train, valid, tmp_path / "out", tmp_path / "ckpt", settings)

    key = "bert.embeddings.word_embeddings.weight"
    moved = (load_file(tmp_path / "out" / "model.safetensors")[key] - load_file(small_base / "model.safetensors")[key]).abs()
    assert moved[listed].mean() > 20 * moved[control].mean()
    assert moved[control].max() < 3 * lr * steps


def test_scratch_roberta_trains_and_saves_a_loadable_directory(maltese, tmp_path):
    train, valid = maltese
    out = tmp_path / "roberta"
    settings = {**FAST, "epochs": 2, "warmup_steps": "epoch", "vocab_size": 500, "layers": 2, "heads": 2,
                "hidden": 32, "ffn": 64}

    record = run_scratch(train, valid, out, tmp_path / "ckpt", settings)

    losses = _losses(record)
    assert record["chosen_epoch"] == 2 and record["selection"] == "last"
    assert losses[2] < losses[0]
    model = AutoModelForMaskedLM.from_pretrained(out)
    assert isinstance(model, RobertaForMaskedLM)
    assert (model.config.num_hidden_layers, model.config.max_position_embeddings, model.config.type_vocab_size) == (2, 514, 1)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert len(tokenizer) == 500 and tokenizer.mask_token == "<mask>"
    ids = tokenizer("Il-konfini tagħha huma l-provinċji.")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and tokenizer.unk_token_id not in ids
    assert mlm_loss(out, valid, EVAL) == pytest.approx(losses[2], abs=1e-5)


def test_instances_follow_berts_recipe(small_base, maltese):
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    specials = Specials.of(tokenizer)
    documents = tokenize_documents(tokenizer, read_documents(maltese[0]))
    settings = InstanceSettings(max_seq_length=64, max_predictions_per_seq=10, dupe_factor=2)

    instances = create_instances(documents, specials, settings)

    assert np.array_equal(instances.input_ids, create_instances(documents, specials, settings).input_ids)
    streams = ["|" + "|".join(str(i) for s in doc for i in s) + "|" for doc in documents]
    mask_count = kept = total = 0
    for ids, length, positions, targets in zip(*instances.arrays()):
        chosen = positions[positions >= 0]
        assert 3 <= length <= 64 and ids[0] == specials.cls and ids[length - 1] == specials.sep
        assert np.all(ids[length:] == specials.pad)
        assert len(chosen) == min(10, max(1, round(length * 0.15)))
        assert np.all(np.diff(chosen) > 0) and chosen[0] >= 1 and chosen[-1] <= length - 2
        original = ids[:length].copy()
        original[chosen] = targets[:len(chosen)]
        assert any("|" + "|".join(map(str, original[1:-1])) + "|" in stream for stream in streams)
        mask_count += int(np.sum(ids[chosen] == specials.mask))
        kept += int(np.sum(ids[chosen] == original[chosen]))
        total += len(chosen)
    assert total > 2000
    assert mask_count / total == pytest.approx(0.8, abs=0.03)
    assert kept / total == pytest.approx(0.1, abs=0.03)
    half = len(instances) // 2
    assert not np.array_equal(instances.positions[:half], instances.positions[half:2 * half])


def test_held_out_batches_are_masked_the_same_way_every_time(small_base, maltese):
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    lines = [line for doc in read_documents(maltese[1]) for line in doc]

    first, second = (eval_batches(tokenizer, lines, 128, 0.15, 32, 13370) for _ in range(2))

    assert all(torch.equal(a.input_ids, b.input_ids) and torch.equal(a.positions, b.positions)
               for a, b in zip(first, second, strict=True))
    predicted = sum(b.positions.numel() for b in first)
    real = sum(int(b.attention_mask.sum()) - 2 * len(b.input_ids) for b in first)
    assert predicted / real == pytest.approx(0.15, abs=0.02)


def test_settings_are_checked_by_name():
    with pytest.raises(ConfigError) as unknown:
        LaptSettings.of({"learning_rate": 1e-4})
    assert unknown.value.key == "learning_rate"
    with pytest.raises(ConfigError) as bad:
        LaptSettings.of({"masked_lm_prob": 1.5})
    assert bad.value.key == "masked_lm_prob"
    with pytest.raises(ConfigError) as alone:
        LaptSettings.of({"new_rows_lr": 1e-4})
    assert alone.value.key == "new_rows_lr"
    assert LaptSettings.of({"warmup_steps": "epoch"})["lr"] == 2e-5


def test_a_rows_file_must_list_pieces_of_the_vocabulary(small_base, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    rows = tmp_path / "rows.txt"
    rows.write_text("[MASK]\n\n[CLS]\nnot-a-piece-of-this-vocabulary\n")
    with pytest.raises(InputError) as error:
        read_rows(rows, tokenizer)
    assert error.value.line == 4
    rows.write_text("[MASK]\n\n[CLS]\n")
    assert read_rows(rows, tokenizer) == sorted([tokenizer.mask_token_id, tokenizer.cls_token_id])


def test_lapt_steps_follow_berts_adam_weight_decay_without_bias_correction():
    """BERT's AdamWeightDecay: step_t = lr * m_t / (sqrt(v_t) + eps), m and v uncorrected. Under a
    constant gradient g, m_t = (1 - 0.9^t) g and v_t = (1 - 0.999^t) g^2."""
    settings = LaptSettings.of({"weight_decay": 0.0})
    assert settings["bias_correction"] is False and settings["adam_epsilon"] == 1e-6
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                       intermediate_size=16, max_position_embeddings=16))
    optimizer = build_optimizer(model, settings, rows=[3])
    weight = model.get_input_embeddings().weight
    g = 0.5
    positions = []
    for _ in range(100):
        positions.append(weight.detach()[7, 0].item())
        for parameter in model.parameters():
            parameter.grad = torch.full_like(parameter, g)
        optimizer.step()
    positions.append(weight.detach()[7, 0].item())
    steps = -np.diff(positions) / 2e-5
    # lr multiples by hand: t=1: 0.1 g / (sqrt(0.001) g + 1e-6) = 0.1 / (0.0316228 + 2e-6) = 3.16208;
    # t=2: 0.19 / (sqrt(0.001999) + 2e-6) = 0.19 / 0.0447124 = 4.24938; t=3: 0.271 / 0.0547450 = 4.95023;
    # t=100: (1 - 0.9^100) / (sqrt(1 - 0.999^100) + 2e-6) = 0.9999734 / 0.3085433 = 3.24092
    assert steps[[0, 1, 2, 99]] == pytest.approx([3.16208, 4.24938, 4.95023, 3.24092], rel=2e-4)
    assert -np.diff([positions[0], weight.detach()[3, 0].item()]) / 2e-5 > 3  # the tiered row (ratio 1) alike


def test_scratch_roberta_takes_the_trainers_optimiser_defaults():
    settings = ScratchSettings.of({})
    assert (settings["adam_epsilon"], settings["weight_decay"], settings["bias_correction"]) == (1e-8, 0.0, True)
    assert settings["instances"] == "line_by_line"
    with pytest.raises(ConfigError) as bad:
        ScratchSettings.of({"instances": "packed"})
    assert bad.value.key == "instances"


def test_scratch_roberta_takes_one_line_per_sequence(maltese, tmp_path):
    train, valid = maltese
    settings = {**FAST, "epochs": 2, "max_steps": None, "batch_size": 16, "warmup_steps": "epoch",
                "vocab_size": 300, "layers": 1, "heads": 2, "hidden": 16, "ffn": 32, "max_seq_length": 32}

    record = run_scratch(train, valid, tmp_path / "out", tmp_path / "ckpt", settings)

    lines = [line for doc in read_documents(train) for line in doc if line.strip()]
    assert record["sequences"] == len(lines) == 706
    assert record["steps"] == 2 * -(-706 // 16) == 90


def test_line_by_line_batches_are_masked_anew_each_epoch(small_base, maltese):
    tokenizer = AutoTokenizer.from_pretrained(small_base)
    lines = [line for doc in read_documents(maltese[0]) for line in doc]
    data = Lines.of(tokenizer, lines, 32, 0.15, 13370)
    index = np.arange(64)

    first, again, second = data.masker(1)(index), data.masker(1)(index), data.masker(2)(index)

    assert torch.equal(first.positions, again.positions) and torch.equal(first.input_ids, again.input_ids)
    assert not torch.equal(first.positions, second.positions)
    assert torch.equal(first.labels().ne(-100).logical_not().logical_or(first.labels().eq(second.labels()))
                       .logical_or(second.labels().eq(-100)), torch.ones_like(first.input_ids, dtype=torch.bool))
    ids = first.input_ids[0, : int(first.attention_mask[0].sum())]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id and len(ids) <= 32
    real = int(first.attention_mask.sum()) - 2 * len(index)
    assert first.positions.numel() / real == pytest.approx(0.15, abs=0.04)
