"""Fetch a language's raw datasets into ``results/raw/{lang}/{dataset}/``, whatever the source.

A dataset entry either names a remote ``source`` (a UD treebank at a release tag, a WikiAnn
language, a Wikipedia edition: the shapes :mod:`specmlm.download` takes) or lists local
``files`` (paths or URLs, one per split or per text part). Both end as the same raw files, so
the prepare stage never asks where its data came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from specmlm.atomic import atomic_open
from specmlm.errors import keyed
from specmlm.formats.text import read_lines

SPLITS = ("train", "dev", "test")
SUFFIX = {"ud": "conllu", "ner": "txt"}


def raw_files(dataset: str, entry: Mapping[str, Any]) -> list[str]:
    """The raw file names a dataset entry produces (relative to its raw directory)."""
    if dataset == "text":
        return ["corpus.txt"]
    return [f"{split}.{SUFFIX[dataset]}" for split in SPLITS]


def text_format(entry: Mapping[str, Any]) -> str:
    """Remote Wikipedia text arrives in BERT format; local files say what they are."""
    return "bert" if "source" in entry else entry["format"]


def _fetch_ud(entry: Mapping[str, Any], out: Path, options: Any, where: str) -> None:
    from specmlm.download import fetch_ud

    fetch_ud({"treebank": entry["treebank"], **entry["source"]}, out, options, where=f"{where}.source")


def _fetch_ner(entry: Mapping[str, Any], out: Path, options: Any, where: str) -> None:
    from specmlm.download import fetch_wikiann

    fetch_wikiann(entry["source"], out, options, where=f"{where}.source")


def _fetch_text(entry: Mapping[str, Any], out: Path, options: Any, where: str) -> None:
    from specmlm.download import fetch_text

    fetch_text(entry["source"], out, options, where=f"{where}.source")


REMOTE: dict[str, Callable[[Mapping[str, Any], Path, Any, str], None]] = {
    "ud": _fetch_ud,
    "ner": _fetch_ner,
    "text": _fetch_text,
}


def fetch_dataset(dataset: str, entry: Mapping[str, Any], out_dir: str | Path, downloads: Mapping[str, Any], where: str) -> list[Path]:
    """Fetch one dataset of one language (verified and cached) and return its raw files.

    Local text parts are joined into one corpus with a blank line between parts, so a part
    never shares a document with the next.
    """
    from specmlm.download import fetch, fetch_options

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = fetch_options(downloads)
    names = raw_files(dataset, entry)
    if "source" in entry:
        with keyed(f"{where}.source"):
            REMOTE[dataset](entry, out, options, where)
    elif dataset == "text":
        parts = []
        for index, location in enumerate(entry["files"]):
            with keyed(f"{where}.files.{index}"):
                path = fetch(location, None, None, options.cache_dir, retry=options.retry, offline=options.offline).path
                parts.append("\n".join(read_lines(path)).rstrip("\n") + "\n\n")
        with atomic_open(out / names[0]) as handle:
            handle.writelines(parts)
    else:
        pins = entry.get("sha256", {})

        def get(split: str, dest: Path | None) -> None:
            with keyed(f"{where}.files.{split}"):
                fetch(entry["files"][split], dest, pins.get(split), options.cache_dir, retry=options.retry, offline=options.offline)

        for split in SPLITS:  # every split verified (and cached) before any is written
            get(split, None)
        for name, split in zip(names, SPLITS, strict=True):
            get(split, out / name)
    return [out / name for name in names]


def origin(raw_path: str | Path) -> tuple[str, str] | None:
    """The path as the user wrote it in the config and its config key, for a file under
    ``results/raw/`` that fetch copied from a local file; None for anything else.

    Read from the ``SOURCE.json`` fetch writes beside the file (``files.{name}.url`` and
    ``files.{name}.key``), so an error in the copy names the file the user can edit.
    """
    raw_path = Path(raw_path)
    try:
        record = json.loads((raw_path.parent / "SOURCE.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = record.get("files", {}).get(raw_path.name) if isinstance(record, dict) else None
    if not isinstance(entry, dict) or not entry.get("key") or not entry.get("url"):
        return None
    return str(entry["url"]), str(entry["key"])
