"""Every file the study's config would download, and where it must sit for an offline run.

On an air-gapped cluster: list the files with :func:`air_gap_manifest` (or
``python -m specmlm.download manifest config.yaml``), download them on a connected machine
into a copy of the cache directory, and copy that directory to the cluster's
``downloads.cache_dir``. Runs then find every file in place and make no request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from specmlm.download.fetch import cache_path, is_remote
from specmlm.download.models import ModelSource, model_cache_dir, model_urls
from specmlm.download.plan import Entry, Remote
from specmlm.download.text import text_remotes
from specmlm.download.ud import ud_remotes
from specmlm.download.wikiann import wikiann_remotes
from specmlm.errors import ConfigError

DATASETS: dict[str, Callable[[Mapping[str, Any], str], list[Remote]]] = {
    "ud": ud_remotes,
    "ner": wikiann_remotes,
    "text": text_remotes,
}


def air_gap_manifest(config: Mapping[str, Any]) -> list[tuple[str, Path]]:
    """(URL, path) for every remote file of the config, sorted; local sources are left out.

    ``config`` is the study config: ``downloads.cache_dir``, the remote ``source`` of each
    ``languages.{lang}.{ud,ner,text}`` (local ``files`` need no download) and the fetched
    ``base_models.{name}`` (``source``, ``revision``, ``files``, ``endpoint``).
    """
    cache_dir = Path(Entry(config.get("downloads") or {}, "downloads").text("cache_dir"))
    languages = config.get("languages") or {}
    if not isinstance(languages, Mapping):
        raise ConfigError("languages", "expected a mapping of language codes to their data sources")
    pairs: set[tuple[str, Path]] = set()
    for lang, datasets in languages.items():
        for kind, remotes in DATASETS.items():
            dataset = (datasets or {}).get(kind) or {}
            if "source" not in dataset:
                continue
            entry = {"treebank": dataset["treebank"], **dataset["source"]} if kind == "ud" else dataset["source"]
            for remote in remotes(entry, f"languages.{lang}.{kind}.source"):
                if is_remote(remote.url):
                    pairs.add((remote.url, cache_path(remote.url, cache_dir)))
    for name, entry in (config.get("base_models") or {}).items():
        if "source" not in entry:
            continue
        model = ModelSource.from_config(entry, f"base_models.{name}")
        if not model.is_local:
            target = model_cache_dir(model.source, cache_dir, model.revision)
            urls = model_urls(model.source, model.revision, model.files, model.endpoint)
            pairs.update((url, target / file) for url, file in zip(urls, model.files, strict=True))
    return sorted(pairs)
