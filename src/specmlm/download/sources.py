"""Fetch a language's raw datasets into ``results/raw/{lang}/{dataset}/``, whatever the source.

A dataset entry either names a remote ``source`` (a UD treebank at a release tag, a WikiAnn
language, a Wikipedia edition: the shapes :mod:`specmlm.download` takes) or lists local
``files`` (paths or URLs, one per split or per text part). Both end as the same raw files, so
the prepare stage never asks where its data came from.
"""

from __future__ import annotations

import json
import shutil
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
    from specmlm.download.ud import fetch_ud

    fetch_ud({"treebank": entry["treebank"], **entry["source"]}, out, options, where=f"{where}.source")


def _fetch_ner(entry: Mapping[str, Any], out: Path, options: Any, where: str) -> None:
    from specmlm.download.wikiann import fetch_wikiann

    fetch_wikiann(entry["source"], out, options, where=f"{where}.source")


def _fetch_text(entry: Mapping[str, Any], out: Path, options: Any, where: str) -> None:
    from specmlm.download.text import fetch_text

    fetch_text(entry["source"], out, options, where=f"{where}.source")


REMOTE: dict[str, Callable[[Mapping[str, Any], Path, Any, str], None]] = {
    "ud": _fetch_ud,
    "ner": _fetch_ner,
    "text": _fetch_text,
}


def fetch_dataset(dataset: str, entry: Mapping[str, Any], out_dir: str | Path, downloads: Mapping[str, Any], where: str) -> list[Path]:
    """Fetch one dataset of one language (verified and cached) and return its raw files.

    Files listed under ``files`` are copied, never hard-linked: a link would share the user's
    inode, so an in-place edit or a ``touch`` of their file would change the raw copy behind
    the workflow's back. Local text parts are joined into one corpus with a blank line between
    parts, so a part never shares a document with the next. ``SOURCE.json`` records, for each
    raw file (each text part), the location as written in the config and its config key, so
    later stages name those (:func:`origin`).
    """
    from specmlm.download.fetch import fetch
    from specmlm.download.plan import fetch_options
    from specmlm.download.provenance import write_provenance

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = fetch_options(downloads)
    names = raw_files(dataset, entry)
    if "source" in entry:
        with keyed(f"{where}.source"):
            REMOTE[dataset](entry, out, options, where)
        return [out / name for name in names]
    pins = entry.get("sha256", {})
    located = list(enumerate(entry["files"])) if dataset == "text" else [(split, entry["files"][split]) for split in SPLITS]
    fetched = []
    for part, location in located:  # every file verified (and read, for text) before any is written
        with keyed(f"{where}.files.{part}"):
            got = fetch(location, None, pins.get(part), options.cache_dir, retry=options.retry, offline=options.offline)
            text = "\n".join(read_lines(got.path)).rstrip("\n") if dataset == "text" else ""
        fetched.append((f"{where}.files.{part}", location, got, text))
    records: dict[str, dict[str, Any]] = {}
    if dataset == "text":
        first_line = 1
        with atomic_open(out / names[0]) as handle:
            for i, (key, location, got, text) in enumerate(fetched):
                handle.write(text + "\n\n")
                lines = text.count("\n") + 1
                records[f"{names[0]}#{i}"] = {"url": location, "sha256": got.sha256, "key": key, "first_line": first_line, "lines": lines}
                first_line += lines + 1
    else:
        for name, (key, location, got, _) in zip(names, fetched, strict=True):
            with open(got.path, "rb") as source, atomic_open(out / name, "wb") as copy:
                shutil.copyfileobj(source, copy)
            records[name] = {"url": location, "sha256": got.sha256, "key": key}
    write_provenance(out, dataset=f"{where} (files named in the config)", sources=records,
                     licence="not stated in the config: see the files' own terms", citation="")
    return [out / name for name in names]


def _records(raw_path: Path) -> dict[str, dict[str, Any]]:
    try:
        return json.loads((raw_path.parent / "SOURCE.json").read_text(encoding="utf-8"))["files"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return {}


def _parts(raw_path: str | Path) -> list[dict[str, Any]]:
    """The records of what a raw file was made from: one, or one per text part."""
    raw = Path(raw_path)
    records = _records(raw)
    if raw.name in records:
        return [records[raw.name]]
    return [records[name] for name in sorted(records, key=lambda n: int(n.rpartition("#")[2])) if name.startswith(raw.name + "#")]


def origin(raw_path: str | Path) -> tuple[str, str] | None:
    """The location as the user wrote it and its config key, for a file under results/raw/.

    A corpus joined from several text parts names all of them and the list's key
    (``languages.wo.text.files``); :func:`origin_line` says which part a line came from.
    None when the file came from a remote ``source`` (no config key names it) or was not fetched.
    """
    parts = [p for p in _parts(raw_path) if "key" in p]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]["url"], parts[0]["key"]
    return ", ".join(p["url"] for p in parts), parts[0]["key"].rpartition(".")[0]


def origin_line(raw_path: str | Path, line: int) -> tuple[str, str, int] | None:
    """The user's location, config key and line number of line ``line`` (1-based) of a raw file."""
    for part in _parts(raw_path):
        if "key" not in part:
            return None
        first = part.get("first_line", 1)
        if "lines" not in part or first <= line < first + part["lines"]:
            return part["url"], part["key"], line - first + 1
    return None
