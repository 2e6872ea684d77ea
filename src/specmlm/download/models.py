"""Base models (mBERT, ...): a local directory as it is, or a hub snapshot in the shared cache.

A hub model is downloaded once with ``huggingface_hub.snapshot_download`` into
``{cache_dir}/models/{repo}/{revision}/`` (a plain directory, no symlinks), restricted to the
files a ``transformers`` model needs. A complete directory there is used without any request,
which is also how an air-gapped user supplies the model: put the listed files there by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specmlm.download.fetch import FetchError
from specmlm.download.plan import Entry, FetchOptions

HF_ENDPOINT = "https://huggingface.co"
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt")
LOCAL_PREFIXES = ("/", "./", "../", "~")


@dataclass(frozen=True)
class ModelSource:
    """A ``models.{name}`` config entry: ``source`` (hub id or local directory), ``revision``,
    ``files``, ``endpoint``."""

    source: str
    revision: str
    files: tuple[str, ...]
    endpoint: str

    @classmethod
    def from_config(cls, entry: Mapping[str, Any], where: str = "model") -> ModelSource:
        config = Entry(entry, where)
        return cls(
            config.text("source"),
            config.text("revision", "main"),
            config.texts("files", MODEL_FILES),
            config.text("endpoint", HF_ENDPOINT),
        )

    @property
    def is_local(self) -> bool:
        return self.source.startswith(LOCAL_PREFIXES) or Path(self.source).expanduser().is_dir()


def fetch_model_entry(entry: Mapping[str, Any], options: FetchOptions, where: str = "model") -> Path:
    """:func:`fetch_model` for a ``models.{name}`` config entry, with the download options."""
    model = ModelSource.from_config(entry, where)
    return fetch_model(
        model.source,
        options.cache_dir,
        revision=model.revision,
        files=model.files,
        endpoint=model.endpoint,
        offline=options.offline,
    )


def model_cache_dir(repo_id: str, cache_dir: str | Path, revision: str = "main") -> Path:
    return Path(cache_dir, "models", *repo_id.split("/"), revision)


def model_urls(
    repo_id: str, revision: str = "main", files: Sequence[str] = MODEL_FILES, endpoint: str = HF_ENDPOINT
) -> list[str]:
    return [f"{endpoint.rstrip('/')}/{repo_id}/resolve/{revision}/{file}" for file in files]


def fetch_model(
    name_or_path: str,
    cache_dir: str | Path,
    *,
    revision: str = "main",
    files: Sequence[str] = MODEL_FILES,
    endpoint: str = HF_ENDPOINT,
    offline: bool = False,
) -> Path:
    """The directory of a model: ``name_or_path`` itself if it is a local directory, else the
    hub snapshot of that repository (``files`` only) in the shared cache, downloaded if needed."""
    local = Path(name_or_path).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise FetchError(f"model directory {local} has no config.json; expected a save_pretrained directory")
        return local
    if name_or_path.startswith(LOCAL_PREFIXES):
        raise FetchError(f"local model directory {local} does not exist; check the model path in the config")
    target = model_cache_dir(name_or_path, cache_dir, revision)
    if _missing(target, files) and not offline:
        _snapshot(name_or_path, revision, target, files, endpoint)
    missing = _missing(target, files)
    if missing:
        raise FetchError(_instructions(name_or_path, revision, target, missing, endpoint, offline))
    return target


def _missing(target: Path, files: Sequence[str]) -> list[str]:
    return [file for file in files if not (target / file).is_file()]


def _snapshot(repo_id: str, revision: str, target: Path, files: Sequence[str], endpoint: str) -> None:
    from huggingface_hub import snapshot_download  # imported here: the Snakefile imports this package

    try:
        snapshot_download(repo_id, revision=revision, local_dir=target, allow_patterns=list(files), endpoint=endpoint)
    except Exception as err:  # the hub client raises many types (HTTP, connection, validation): report them all
        message = str(err).strip().splitlines()
        raise FetchError(
            _instructions(repo_id, revision, target, _missing(target, files), endpoint, False)
            + f"\n(the hub client said: {type(err).__name__}: {message[0] if message else ''})"
        ) from None


def _instructions(repo: str, revision: str, target: Path, missing: Sequence[str], endpoint: str, offline: bool) -> str:
    reason = "offline mode: no request made" if offline else "the download failed"
    urls = model_urls(repo, revision, missing, endpoint)
    return "\n".join(
        [
            f"model {repo}@{revision}: missing {', '.join(missing)} ({reason})",
            "To run without network, download these files on a connected machine:",
            *[f"  {url}" for url in urls],
            "and put them exactly in",
            f"  {target}/",
            "(or point the config at any local save_pretrained directory).",
        ]
    )
