"""Prepare a language's data: validated treebank and NER splits, and a clean unlabelled corpus.

The unlabelled corpus is de-leaked against every labelled sentence of the language (a line is
dropped when it equals a UD or NER sentence once all whitespace is removed, PAPER §4.5) and
split by document, so no document straddles train and held-out text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from specmlm.errors import InputError
from specmlm.formats.conllu import pos_tags, read_conllu, task_view, write_conllu
from specmlm.formats.ner import TYPES, NerFile, read_ner, read_prepared_ner, write_ner
from specmlm.formats.text import Document, read_documents, read_lines, write_documents

SPLITS = ("train", "dev", "test")
TEXT_SPLITS = ("train", "valid", "test")
WHITESPACE = re.compile(r"\s+")


def prepare_ud(raw: dict[str, str | Path], out_dir: str | Path, pos_column: str | None = None) -> dict[str, Any]:
    """Validate each treebank split and copy it losslessly into the view's ``ud/`` folder.

    With ``pos_column`` (the config's ``pos_column``), its train split must carry at least two
    distinct tags: a column of ``_`` would train a tagger on one class and report its accuracy.
    """
    out = Path(out_dir)
    report: dict[str, Any] = {}
    treebanks = {split: read_conllu(raw[split]) for split in SPLITS}
    if pos_column is not None:
        tags = pos_tags(treebanks["train"], pos_column)
        if len(tags) < 2:
            raise InputError(
                raw["train"], None,
                f"the {pos_column.upper()} column (pos_column: {pos_column}) holds only {sorted(tags)} in train; expected at least two distinct tags",
            )
    for split, sentences in treebanks.items():
        write_conllu(out / f"{split}.conllu", sentences)
        views = [task_view(s) for s in sentences]
        report[split] = {
            "sentences": len(sentences),
            "words": sum(len(v.words) for v in views),
            "multiword_tokens": sum(1 for s in sentences for t in s if isinstance(t["id"], tuple) and t["id"][1] == "-"),
        }
    return report


def _types_not_in_train(files: dict[str, NerFile]) -> dict[str, list[str]]:
    """Types of dev and test that train lacks: data sparsity (tiny WikiAnn splits have it), not
    corruption, so the report names them instead of refusing the data. A type spelled another
    way is refused earlier, by the reader (one spelling per type, the study's ``TYPES``)."""
    train = set(files["train"].type_lines)
    missing = {split: sorted(set(files[split].type_lines) - train) for split in SPLITS[1:]}
    return {split: kinds for split, kinds in missing.items() if kinds}


def prepare_ner(raw: dict[str, str | Path], fmt: str, out_dir: str | Path, drop_types: Sequence[str] = (), max_sentences: int | None = None) -> dict[str, Any]:
    """Read each NER split in its source format and write the study's ``token<TAB>tag`` files.

    The report records each split's tag set, so a reader sees which classes were scored.
    """
    out = Path(out_dir)
    files = {split: read_ner(raw[split], fmt, drop_types, TYPES) for split in SPLITS}
    unseen = _types_not_in_train(files)
    report: dict[str, Any] = {}
    for split, parsed in files.items():
        sentences = parsed.sentences[:max_sentences] if max_sentences else parsed.sentences
        write_ner(out / f"{split}.tsv", sentences)
        report[split] = {
            "sentences": len(sentences),
            "tokens": sum(len(s.tokens) for s in sentences),
            "entities": sum(t.startswith("B-") for s in sentences for t in s.tags),
            "iob2_repaired": parsed.repaired,
            "dropped_types": parsed.dropped_types,
            "tags": sorted({tag for s in sentences for tag in s.tags}),
            **({"types_not_in_train": unseen[split]} if split in unseen else {}),
        }
    return report


def _squash(text: str) -> str:
    return WHITESPACE.sub("", text)


def leak_filter(ud_files: Iterable[str | Path], ner_files: Iterable[str | Path]) -> set[str]:
    """Every labelled sentence of the language, whitespace removed (PAPER §4.5)."""
    filter_lines: set[str] = set()
    for path in ud_files:
        for sentence in read_conllu(path):
            filter_lines.add(_squash("".join(task_view(sentence).words)))
    for path in ner_files:
        for sentence in read_prepared_ner(path):
            filter_lines.add(_squash("".join(sentence.tokens)))
    return filter_lines


def read_corpus(files: Sequence[str | Path], fmt: str, lines_per_document: int | None) -> list[Document]:
    """Read raw text files into documents.

    ``bert``: blank lines separate documents (Wikipedia-derived corpora). ``lines``: one sentence
    a line with no document structure (Tatoeba, Bible verses); consecutive runs of
    ``lines_per_document`` lines stand in for documents so the split still keeps neighbouring
    sentences together.
    """
    documents: list[Document] = []
    for path in files:
        if fmt == "bert":
            documents.extend(read_documents(path))
        elif fmt == "lines":
            if not lines_per_document:
                raise InputError(path, None, "format 'lines' needs 'lines_per_document' in the config")
            lines = [line.strip() for line in read_lines(path) if line.strip()]
            documents.extend(lines[i : i + lines_per_document] for i in range(0, len(lines), lines_per_document))
        else:
            raise InputError(path, None, f"unknown text format {fmt!r}; expected 'bert' or 'lines'")
    return documents


def prepare_text(
    files: Sequence[str | Path],
    out_dir: str | Path,
    settings: dict[str, Any],
    leak_sources: tuple[Sequence[str | Path], Sequence[str | Path]] = ((), ()),
) -> dict[str, Any]:
    """Clean, de-leak, split 80/10/10 by document (seeded) and optionally cap the train split.

    Documents are shuffled with the seed and cut at the split fractions, so every split gets
    its share even for a small corpus (the paper's unseeded per-document coin flips can leave
    a small corpus without a validation split).
    """
    documents = read_corpus(files, settings["format"], settings.get("lines_per_document"))
    leaks = leak_filter(*leak_sources)
    kept: list[Document] = []
    removed = 0
    for document in documents:
        lines = [WHITESPACE.sub(" ", line).strip() for line in document]
        clean = [line for line in lines if line and _squash(line) not in leaks]
        removed += len(lines) - len(clean)
        if clean:
            kept.append(clean)
    order = list(range(len(kept)))
    random.Random(settings["split_seed"]).shuffle(order)
    fractions = settings["split"]
    n_train = round(len(order) * fractions["train"])
    n_valid = round(len(order) * fractions["valid"])
    parts = {
        "train": [kept[i] for i in order[:n_train]],
        "valid": [kept[i] for i in order[n_train : n_train + n_valid]],
        "test": [kept[i] for i in order[n_train + n_valid :]],
    }
    cap = settings.get("max_train_tokens")
    if cap:
        capped: list[Document] = []
        tokens = 0
        for document in parts["train"]:
            if tokens >= cap:
                break
            capped.append(document)
            tokens += sum(len(line.split()) for line in document)
        parts["train"] = capped
    for split, docs in parts.items():
        if not docs:
            raise InputError(files[0], None, f"the corpus has {len(kept)} documents, too few to give the {split} split any; add text or lower 'lines_per_document'")
    out = Path(out_dir)
    for split in TEXT_SPLITS:
        write_documents(out / f"{split}.txt", parts[split])
    return {
        "documents_read": len(documents),
        "leaked_lines_removed": removed,
        **{split: {"documents": len(d), "lines": sum(map(len, d)), "tokens": sum(len(line.split()) for doc in d for line in doc)} for split, d in parts.items()},
    }


