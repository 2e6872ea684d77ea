"""What a source adapter needs fetched, as data: one list serves the download and the air-gap list.

An adapter turns its config entry into :class:`Remote` records; :func:`fetch_remotes` fetches
them and :func:`specmlm.download.manifest.air_gap_manifest` lists them, so the files a user
fetches by hand are exactly the files a run would download.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specmlm.download.fetch import ChecksumError, Fetched, FetchError, RetryPolicy, fetch
from specmlm.errors import ConfigError


@dataclass(frozen=True)
class Remote:
    """One file to fetch: its URL (or local path), its name once fetched, and how to verify it.

    ``name`` is the file name inside the dataset directory, or None when the file is only
    needed in the cache (an archive or a parquet file that is converted, not copied).
    """

    url: str
    name: str | None
    sha256: str | None = None
    mirrors: tuple[str, ...] = ()
    optional: bool = False


@dataclass
class FetchOptions:
    """Settings every adapter passes through to :func:`fetch`."""

    cache_dir: Path
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    offline: bool = False


def fetch_options(downloads: Mapping[str, Any], where: str = "downloads") -> FetchOptions:
    """Options from the config's ``downloads`` section: ``cache_dir``, ``offline``, ``retry``."""
    config = Entry(downloads, where)
    retry = Entry(downloads.get("retry") or {}, config.key("retry"))
    defaults = RetryPolicy()
    policy = RetryPolicy(
        attempts=retry.number("attempts", defaults.attempts, minimum=1),
        backoff_s=_seconds(retry, "backoff_s", defaults.backoff_s),
        max_backoff_s=_seconds(retry, "max_backoff_s", defaults.max_backoff_s),
        deadline_s=_seconds(retry, "deadline_s", defaults.deadline_s),
        timeout_s=_seconds(retry, "timeout_s", defaults.timeout_s),
    )
    return FetchOptions(Path(config.text("cache_dir")), policy, config.flag("offline", False))


def _seconds(config: Entry, name: str, default: float) -> float:
    value = config.data.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ConfigError(config.key(name), f"expected a number of seconds >= 0, found {value!r}")
    return float(value)


def fetch_remotes(remotes: Sequence[Remote], out_dir: Path | None, options: FetchOptions) -> dict[Remote, Fetched]:
    """Fetch every remote (named ones into ``out_dir``); an optional one may be missing, never wrong."""
    fetched: dict[Remote, Fetched] = {}
    for remote in remotes:  # every file verified in the cache before any is written to out_dir
        try:
            fetched[remote] = _fetch(remote, None, options)
        except FetchError as err:
            if not remote.optional or isinstance(err, ChecksumError):
                raise
    for remote in list(fetched):
        if remote.name is not None and out_dir is not None:
            fetched[remote] = _fetch(remote, out_dir / remote.name, options)
    return fetched


def _fetch(remote: Remote, dest: Path | None, options: FetchOptions) -> Fetched:
    return fetch(remote.url, dest, remote.sha256, options.cache_dir, mirrors=remote.mirrors, retry=options.retry, offline=options.offline)


def provenance_sources(fetched: Mapping[Remote, Fetched]) -> dict[str, dict[str, str]]:
    """``{file name: {"url", "sha256"}}`` for SOURCE.json (cache-only files by their URL's name)."""
    return {
        remote.name or item.path.name: {"url": item.source, "sha256": item.sha256} for remote, item in fetched.items()
    }


class Entry:
    """Typed access to one config entry; every error names the dotted key that holds it."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(where, f"expected a mapping, found {type(data).__name__}")
        self.data = data
        self.where = where

    def key(self, name: str) -> str:
        return f"{self.where}.{name}"

    def text(self, name: str, default: str | None = None) -> str:
        value = self.data.get(name, default)
        if not isinstance(value, str) or not value:
            raise ConfigError(self.key(name), f"expected a non-empty string, found {value!r}")
        return value

    def count(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise ConfigError(self.key(name), f"expected a positive integer or nothing, found {value!r}")
        return value

    def number(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.data.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ConfigError(self.key(name), f"expected an integer >= {minimum}, found {value!r}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise ConfigError(self.key(name), f"expected true or false, found {value!r}")
        return value

    def texts(self, name: str, default: Sequence[str] = ()) -> tuple[str, ...]:
        value = self.data.get(name, list(default))
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(self.key(name), f"expected a list of non-empty strings, found {value!r}")
        return tuple(value)

    def table(self, name: str, value_type: type = str) -> dict[str, Any]:
        value = self.data.get(name) or {}
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, value_type) and not isinstance(v, bool) for k, v in value.items()
        ):
            raise ConfigError(self.key(name), f"expected a mapping of names to {value_type.__name__}, found {value!r}")
        return dict(value)

    def pick(self, name: str, choices: Mapping[str, Any], default: str) -> str:
        value = self.data.get(name, default)
        if value not in choices:
            raise ConfigError(self.key(name), f"expected one of {sorted(choices)}, found {value!r}")
        return value
