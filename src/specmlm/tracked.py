"""The local files a config names, the key that names each, and the content that tracks it.

Snakemake reruns a job when an input is newer than its outputs, and for files a user edits the
timestamp is wrong both ways: ``touch`` or an editor saving the same bytes makes a file newer
without changing it, and ``mv`` or ``cp -p`` of an older copy changes a file while its
timestamp goes back. So every local file is an ``input:`` of the rule that reads it, wrapped in
``ancient()`` (its timestamp never reruns anything; the set of paths still does), and the
SHA-256 of its bytes is a ``param`` of that rule: the content alone decides. Remote sources keep
their pinned hashes (``sha256:`` in the config, or the hash recorded on first download).

Imported by the Snakefile at parse time: it reads locations and hashes files with
:mod:`specmlm.download.fetch`'s own functions (a light import: no pyarrow, no torch), so the
DAG and the fetch stage agree on what is local and what a file's digest is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from specmlm.download.fetch import is_remote, local_path, sha256_file

# A model `source` is a local directory when it looks like a path (as specmlm.download.models
# decides) or names an existing directory; anything else is a hub name.
MODEL_PATH_PREFIXES = ("/", "./", "../", "~")


@dataclass(frozen=True)
class LocalFile:
    """One local file the config names: its dotted key, the location as written, the path read."""

    key: str
    written: str
    path: Path


def _named(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(dotted key, location) of every file location the config names, local or not."""
    for lang, entry in config.get("languages", {}).items():
        for dataset in ("ud", "ner"):
            for split, location in entry.get(dataset, {}).get("files", {}).items():
                yield f"languages.{lang}.{dataset}.files.{split}", location
        for i, location in enumerate(entry.get("text", {}).get("files", [])):
            yield f"languages.{lang}.text.files.{i}", location
    for base, spec in config.get("base_models", {}).items():
        build = spec.get("build", {})
        if "vocab" in build:
            yield f"base_models.{base}.build.vocab", build["vocab"]
        for i, location in enumerate(build.get("text", [])):
            yield f"base_models.{base}.build.text.{i}", location


def local_model_dir(spec: Mapping[str, Any]) -> Path | None:
    """The local directory a base model's ``source`` names, or None for a hub name."""
    source = spec.get("source")
    if source is None or not (source.startswith(MODEL_PATH_PREFIXES) or Path(source).expanduser().is_dir()):
        return None
    return Path(source).expanduser()


def local_files(config: Mapping[str, Any]) -> list[LocalFile]:
    """Every local file the config names, in config order; a local model directory stands for
    each file inside it (key ``base_models.<name>.source``). Missing files are listed too."""
    found = [LocalFile(key, location, local_path(location)) for key, location in _named(config) if not is_remote(location)]
    for base, spec in config.get("base_models", {}).items():
        directory = local_model_dir(spec)
        if directory is None:
            continue
        key = f"base_models.{base}.source"
        inside = sorted(p for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else []
        found += [LocalFile(key, spec["source"], p) for p in inside] or [LocalFile(key, spec["source"], directory)]
    return found


def under(files: list[LocalFile], prefix: str) -> list[LocalFile]:
    """The files whose key is ``prefix`` or lies below it (``languages.wo.ud``)."""
    return [f for f in files if f.key == prefix or f.key.startswith(prefix + ".")]


def content(files: list[LocalFile]) -> dict[str, dict[str, str]]:
    """{key: {path: SHA-256}}: the param that reruns a reader when bytes change (a mapping, so
    that the order of keys in a config file changes nothing once rendered key-sorted)."""
    found: dict[str, dict[str, str]] = {}
    for f in files:
        found.setdefault(f.key, {})[str(f.path)] = sha256(f.path)
    return found


def sha256(path: str | Path) -> str:
    """The file's SHA-256, computed once per process for each state of the file."""
    stat = os.stat(path)
    return _sha256(os.path.abspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@lru_cache(maxsize=None)
def _sha256(path: str, size: int, mtime_ns: int, ctime_ns: int, inode: int) -> str:
    """Keyed by the file's state as well as its path, so a file changed mid-process is hashed again."""
    return sha256_file(path)
