"""Verified, resumable, cached downloads that tell an offline user exactly what to do.

Every remote file lands in one cache tree laid out like its URL
(``{cache_dir}/{host}/{path}``, the layout ``wget -x`` produces), so a user on an
air-gapped cluster can fetch the files elsewhere and copy them in by hand. A file is only
ever renamed into place once it is whole and its SHA-256 matches: the pinned hash when the
caller has one, otherwise the hash recorded beside the cached file on first download
(``{file}.sha256``, ``sha256sum -c`` format), so a later change upstream is caught.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from specmlm.atomic import write_json, write_text
from specmlm.errors import DownloadError

USER_AGENT = "specmlm-download/0.1 (research benchmark; python-urllib)"
RETRYABLE_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one file: bounded both in attempts and in wall-clock time."""

    attempts: int = 5
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0
    deadline_s: float = 6 * 3600.0
    timeout_s: float = 60.0
    chunk_bytes: int = 1 << 20

    def wait(self, attempt: int) -> float:
        """Seconds to sleep before retry number ``attempt`` (1-based): exponential, capped."""
        return min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)


@dataclass(frozen=True)
class Fetched:
    """A verified file: where it is, its SHA-256 and the URL (or path) it came from."""

    path: Path
    sha256: str
    source: str


class FetchError(DownloadError):
    """A file could not be obtained; the message says what was tried and where to put it."""


class ChecksumError(FetchError):
    """A file was obtained but its SHA-256 is not the expected one; nothing was kept."""


def is_remote(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


def local_path(source: str) -> Path:
    """The filesystem path of a ``file://`` URL or a plain path (``~`` expanded)."""
    parts = urllib.parse.urlsplit(source)
    if parts.scheme == "file":
        return Path(urllib.request.url2pathname(parts.path))
    return Path(source).expanduser()


def cache_path(url: str, cache_dir: str | Path) -> Path:
    """Where ``url`` is cached: ``{cache_dir}/{host}/{path}``, the layout of ``wget -x``."""
    parts = urllib.parse.urlsplit(url)
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
    if not parts.hostname or not segments or any(s in (".", "..") for s in segments):
        raise FetchError(f"cannot derive a cache location from URL {url!r}: expected http(s)://host/path/file")
    return Path(cache_dir, parts.hostname, *segments)


def sha256_file(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def recorded_sha256(path: Path) -> str | None:
    """The hash recorded beside ``path`` on first download, if any."""
    try:
        text = sidecar(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text.split()[0].lower() if text.strip() else None


def fetch(
    source: str,
    dest: str | Path | None,
    sha256: str | None,
    cache_dir: str | Path,
    *,
    mirrors: Sequence[str] = (),
    retry: RetryPolicy = RetryPolicy(),
    offline: bool = False,
) -> Fetched:
    """Make a verified copy of ``source`` at ``dest`` (or only in the cache when ``dest`` is None).

    ``source`` is an http(s) URL, a ``file://`` URL or a local path; ``mirrors`` are tried in
    order after it. ``sha256`` pins the expected content; without a pin the hash is recorded
    on first download and checked on every later use. With ``offline`` no request is made.
    A second call finds the file in the cache (or at ``dest``) and makes no request.
    """
    expected = sha256.lower() if sha256 else None
    if not is_remote(source):
        return _fetch_local(source, None if dest is None else Path(dest), expected)
    cached = cache_path(source, cache_dir)
    target = cached if dest is None else Path(dest)
    known = expected or recorded_sha256(cached)
    if dest is not None and target.exists():
        actual = sha256_file(target)
        if known is None or actual == known:
            _record(cached, actual, known)
            return Fetched(target, actual, source)
        target.unlink()
    cached.parent.mkdir(parents=True, exist_ok=True)
    with _locked(cached):
        fetched = _cached_or_download(source, cached, expected, mirrors, retry, offline, target)
    if dest is not None:
        _link(cached, target)
    return Fetched(target, fetched.sha256, fetched.source)


def _fetch_local(source: str, dest: Path | None, expected: str | None) -> Fetched:
    path = local_path(source)
    if not path.is_file():
        raise FetchError("local source does not exist (or is not a file); check the path in the config", source=source)
    actual = sha256_file(path)
    if expected is not None and actual != expected:
        raise ChecksumError(_mismatch(expected, actual, dest), source=source)
    if dest is None:
        return Fetched(path, actual, str(path))
    _link(path, dest)
    return Fetched(dest, actual, str(path))


def _cached_or_download(
    url: str,
    cached: Path,
    expected: str | None,
    mirrors: Sequence[str],
    retry: RetryPolicy,
    offline: bool,
    target: Path,
) -> Fetched:
    known = expected or recorded_sha256(cached)
    if cached.exists():
        actual = sha256_file(cached)
        if known is None or actual == known:
            _record(cached, actual, known)
            return Fetched(cached, actual, url)
        if expected is None:
            raise ChecksumError(_mismatch(known, actual, target, recorded=True), source=str(cached))
        cached.unlink()
    urls = [url, *mirrors]
    if offline:
        raise FetchError(_missing(urls, [f"offline mode: no request made for {url}"], cached, target, known), source=url)
    part = cached.with_name(cached.name + ".part")
    failures: list[str] = []
    for candidate in urls:
        try:
            _download(candidate, part, retry)
        except (_PermanentError, _TransientError) as err:
            failures.append(f"tried {candidate}: {err}")
            continue
        actual = sha256_file(part)
        if known is not None and actual != known:
            _discard(part)
            raise ChecksumError(_mismatch(known, actual, target, recorded=expected is None), source=candidate)
        os.replace(part, cached)
        _discard(_part_meta(part))
        _record(cached, actual, known)
        return Fetched(cached, actual, candidate)
    raise FetchError(_missing(urls, failures, cached, target, known), source=url)


class _PermanentError(Exception):
    """The server answered that the file is not there (404, 403, ...): retrying will not help."""


class _TransientError(Exception):
    """Every attempt failed with a network error or a retryable HTTP status."""


def _download(url: str, part: Path, retry: RetryPolicy) -> None:
    """Download ``url`` into ``part``, resuming what an earlier attempt left there."""
    meta_path = _part_meta(part)
    validator = _resume_validator(meta_path, url, part)
    start = time.monotonic()
    last_error, made = "no attempt made", 0
    for attempt in range(1, retry.attempts + 1):
        if attempt > 1:
            pause = retry.wait(attempt - 1)
            if time.monotonic() - start + pause > retry.deadline_s:
                last_error += f" (stopped: the {retry.deadline_s:.0f} s deadline would pass)"
                break
            time.sleep(pause)
        made = attempt
        try:
            validator = _attempt(url, part, meta_path, validator, retry)
            return
        except urllib.error.HTTPError as err:
            if err.code == 416:
                _discard(part)
                validator = None
                last_error = "HTTP 416 (resume offset not satisfiable); restarting from zero"
                continue
            if err.code not in RETRYABLE_HTTP:
                raise _PermanentError(f"HTTP {err.code} {err.reason}") from None
            last_error = f"HTTP {err.code} {err.reason}"
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            last_error = _describe(err)
    raise _TransientError(f"{last_error}; {made} attempt(s)")


def _attempt(url: str, part: Path, meta_path: Path, validator: str | None, retry: RetryPolicy) -> str | None:
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if validator:
            headers["If-Range"] = validator
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=retry.timeout_s) as response:
        length = response.headers.get("Content-Length")
        if response.status == 206:
            first, total = _content_range(response.headers.get("Content-Range"))
            if first != offset:
                _discard(part)
                raise http.client.HTTPException(f"server sent range from byte {first}, asked for {offset}")
            mode, expected_end = "ab", total
        else:
            mode, offset = "wb", 0
            expected_end = int(length) if length is not None else None
            validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
            write_json(meta_path, {"url": url, "validator": validator})
        with open(part, mode) as handle:
            while block := response.read(retry.chunk_bytes):
                handle.write(block)
    size = part.stat().st_size
    if expected_end is not None and size != expected_end:
        raise http.client.IncompleteRead(b"", expected_end - size)
    return validator


def _content_range(header: str | None) -> tuple[int | None, int | None]:
    """First byte and total size of ``Content-Range: bytes FIRST-LAST/TOTAL`` (None if absent)."""
    if not header or not header.startswith("bytes "):
        return None, None
    span, _, total = header[6:].partition("/")
    first = span.split("-", 1)[0]
    return (int(first) if first.isdigit() else None, int(total) if total.isdigit() else None)


def _resume_validator(meta_path: Path, url: str, part: Path) -> str | None:
    """The ETag/Last-Modified of the response a ``.part`` was started from; reset if unknown."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        meta = None
    if meta is None or meta.get("url") != url:
        _discard(part)
        return None
    return meta.get("validator")


def _part_meta(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _describe(err: BaseException) -> str:
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        return f"{type(err.reason).__name__}: {err.reason}"
    return f"{type(err).__name__}: {err}"


def _record(cached: Path, actual: str, known: str | None) -> None:
    if known is None or recorded_sha256(cached) != actual:
        write_text(sidecar(cached), f"{actual}  {cached.name}\n")


def _link(source: Path, dest: Path) -> None:
    """Hard-link ``source`` to ``dest`` (a copy across filesystems), atomically."""
    if dest.exists() and os.path.samefile(source, dest):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    _discard(tmp)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    finally:
        _discard(tmp)


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@contextlib.contextmanager
def _locked(cached: Path) -> Iterator[None]:
    """Serialise jobs that fetch the same file (several languages share one archive)."""
    with open(cached.with_name(cached.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mismatch(expected: str, actual: str, dest: Path | None, recorded: bool = False) -> str:
    origin = "recorded on first download" if recorded else "pinned in the config"
    lines = [
        "checksum mismatch",
        f"  expected sha256 {expected} ({origin})",
        f"  actual   sha256 {actual}",
        f"  nothing was written{f' to {dest}' if dest else ''}.",
    ]
    if recorded:
        lines.append("  If the file legitimately changed upstream, delete the recorded .sha256 file and fetch again.")
    return "\n".join(lines)


def _missing(urls: Sequence[str], failures: Sequence[str], cached: Path, target: Path, known: str | None) -> str:
    place = cached.absolute()
    check = f" (expected sha256 {known})" if known else ""
    return "\n".join(
        [
            f"could not download it (needed for {target})",
            *[f"  {line}" for line in failures],
            "To run without network, download it on a connected machine, for example",
            f"  wget -O '{place}' '{urls[0]}'",
            "and put it exactly at",
            f"  {place}",
            f"The next run verifies it{check} and uses it.",
        ]
    )
