"""WikiAnn NER, Rahimi et al. (2019) split, written in the WikiAnn layout ``lang:token<TAB>tag``.

Two sources give the same split:

- ``hf-parquet`` (default): the Hugging Face dataset ``unimelb-nlp/wikiann``, one parquet file
  per language and split (``{lang}/{split}-00000-of-00001.parquet``). Tags are stored as
  integers; their names come from the ``ClassLabel`` recorded in the file's metadata.
- ``rahimi-archive``: the original per-language tarballs (``{lang}.tar.gz`` holding ``train``,
  ``dev``, ``test`` in WikiAnn layout), either inside the ``panx_dataset.zip`` the old
  ``datasets`` loading script downloaded, or as a single tarball (``url`` may contain ``{lang}``).

Either way the result is ``{train,dev,test}.txt`` that ``specmlm.formats.ner.read_ner(path,
"wikiann")`` reads.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from specmlm.atomic import TEMPORARY_SUFFIX, atomic_open, temporary_prefix
from specmlm.download.archive import safe_extract
from specmlm.download.plan import Entry, FetchOptions, Remote, fetch_remotes, provenance_sources
from specmlm.download.provenance import write_provenance
from specmlm.errors import InputError
from specmlm.formats.ner import read_ner

HF_ENDPOINT = "https://huggingface.co"
HF_REPO = "unimelb-nlp/wikiann"
RAHIMI_ZIP = "https://s3.amazonaws.com/datasets.huggingface.co/wikiann/1.1.0/panx_dataset.zip"
SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def _parquet_remotes(config: Entry, lang: str) -> list[Remote]:
    endpoint = config.text("endpoint", HF_ENDPOINT).rstrip("/")
    repo, revision = config.text("repo", HF_REPO), config.text("revision", "main")
    pins = config.table("sha256")
    remotes = []
    for hf_split in SPLITS.values():
        file = f"{lang}/{hf_split}-00000-of-00001.parquet"
        remotes.append(Remote(f"{endpoint}/datasets/{repo}/resolve/{revision}/{file}", None, pins.get(file)))
    return remotes


def _archive_remotes(config: Entry, lang: str) -> list[Remote]:
    url = config.text("url", RAHIMI_ZIP).format(lang=lang)
    return [Remote(url, None, config.table("sha256").get(url.rsplit("/", 1)[-1]))]


def _parquet_files(paths: list[Path], lang: str, out_dir: Path) -> None:
    for split, path in zip(SPLITS, paths, strict=True):
        parquet_to_wikiann(path, out_dir / f"{split}.txt", lang)


def _archive_files(paths: list[Path], lang: str, out_dir: Path) -> None:
    (archive,) = paths
    # named for the first split it becomes, so the next attempt sweeps it after a kill -9
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=temporary_prefix(out_dir / "train.txt"), suffix=TEMPORARY_SUFFIX) as tmp:
        tarball = archive
        if archive.name.lower().endswith(".zip"):
            (tarball,) = safe_extract(archive, tmp, members=[f"{lang}.tar.gz"])
        extracted = {path.name: path for path in safe_extract(tarball, Path(tmp, "splits"), members=list(SPLITS))}
        for split in SPLITS:
            os.replace(extracted[split], out_dir / f"{split}.txt")


KINDS: dict[str, tuple[Callable[[Entry, str], list[Remote]], Callable[[list[Path], str, Path], None]]] = {
    "hf-parquet": (_parquet_remotes, _parquet_files),
    "rahimi-archive": (_archive_remotes, _archive_files),
}


def wikiann_remotes(entry: Mapping[str, Any], where: str = "ner") -> list[Remote]:
    """The files one language's WikiAnn split needs (cache only: they are converted, not copied).

    Entry keys: ``lang``; ``kind`` (``hf-parquet`` or ``rahimi-archive``); for hf-parquet
    ``repo``, ``revision``, ``endpoint``; for rahimi-archive ``url``; ``sha256`` (file path
    in the repo, or archive file name -> hash).
    """
    config = Entry(entry, where)
    remotes, _ = KINDS[config.pick("kind", KINDS, "hf-parquet")]
    return remotes(config, config.text("lang"))


def fetch_wikiann(
    entry: Mapping[str, Any], out_dir: str | Path, options: FetchOptions, where: str = "ner"
) -> dict[str, Path]:
    """Fetch one language's WikiAnn split into ``out_dir/{train,dev,test}.txt`` (WikiAnn layout).

    Entry keys as :func:`wikiann_remotes`, plus ``licence``, ``citation`` and optionally
    ``sentences`` (split -> expected sentence count, checked). Returns the files by split.
    """
    config = Entry(entry, where)
    lang, kind = config.text("lang"), config.pick("kind", KINDS, "hf-parquet")
    expected = config.table("sentences", int)
    licence, citation = config.text("licence"), config.text("citation")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remotes = wikiann_remotes(entry, where)
    fetched = fetch_remotes(remotes, None, options)
    KINDS[kind][1]([fetched[remote].path for remote in remotes], lang, out_dir)
    outputs = {split: out_dir / f"{split}.txt" for split in SPLITS}
    counts = {split: len(read_ner(path, "wikiann").sentences) for split, path in outputs.items()}
    for split, count in expected.items():
        if counts.get(split) != count:
            raise InputError(
                outputs.get(split, out_dir / split),
                None,
                f"expected {count} sentences ({config.key('sentences')}.{split}), found {counts.get(split)}",
            )
    write_provenance(
        out_dir,
        dataset=f"WikiAnn {lang}, Rahimi et al. (2019) split",
        sources=provenance_sources(fetched),
        licence=licence,
        citation=citation,
        details={"sentences": counts, "kind": kind},
    )
    return outputs


def parquet_to_wikiann(parquet: str | Path, out: str | Path, lang: str) -> int:
    """Convert a Hugging Face WikiAnn parquet file to ``lang:token<TAB>tag`` lines; return #sentences."""
    parquet = Path(parquet)
    schema = pq.read_schema(parquet)
    names = class_label_names(parquet, schema.metadata or {}, "ner_tags")
    if "tokens" not in schema.names or "ner_tags" not in schema.names:
        raise InputError(parquet, None, f"expected columns 'tokens' and 'ner_tags', found {schema.names}")
    table = pq.read_table(parquet, columns=["tokens", "ner_tags"])
    rows = zip(table.column("tokens").to_pylist(), table.column("ner_tags").to_pylist(), strict=True)
    with atomic_open(out) as handle:
        for row, (tokens, tags) in enumerate(rows, start=1):
            if not tokens or len(tokens) != len(tags):
                raise InputError(
                    parquet, None, f"row {row}: expected equally many tokens and tags, found {tokens!r} / {tags!r}"
                )
            for token, tag in zip(tokens, tags, strict=True):
                if not token or any(c in token for c in "\t\n\r") or not 0 <= tag < len(names):
                    raise InputError(
                        parquet,
                        None,
                        f"row {row}: expected a non-empty token without tabs and a tag id below "
                        f"{len(names)}, found {token!r} / {tag!r}",
                    )
                handle.write(f"{lang}:{token}\t{names[tag]}\n")
            handle.write("\n")
    return table.num_rows


def class_label_names(path: Path, metadata: Mapping[bytes, bytes], column: str) -> list[str]:
    """The ``ClassLabel`` names ``datasets`` stored for ``column`` in a parquet file's metadata."""
    try:
        features = json.loads(metadata[b"huggingface"])["info"]["features"][column]
    except (KeyError, ValueError, TypeError):
        raise InputError(path, None, f"no Hugging Face ClassLabel metadata for column {column!r}") from None
    stack = [features]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("_type") == "ClassLabel" and isinstance(node.get("names"), list):
                return [str(name) for name in node["names"]]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise InputError(path, None, f"column {column!r} has no ClassLabel names in its Hugging Face metadata")
